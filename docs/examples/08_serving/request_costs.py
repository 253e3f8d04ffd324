"""Worked example: where the time of one prediction request goes, step by step, in this process.

Each step a scoring request takes, timed on its own (median of many repetitions), for one
transaction and for a batch of 100: parse the JSON text, validate it against the schema
(`coursekit.schemas`, the course's reference of exercise 01), build the model's input
(`coursekit.serving_model.to_features`: a DataFrame), run `predict_proba`, and write the answer.
Then the same 100 transactions scored with one DataFrame per row, as a loop over the rows would.

No server here: what HTTP, uvicorn and FastAPI add is measured by the load test example.

Run: python docs/examples/08_serving/request_costs.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable

from threadpoolctl import threadpool_limits

import coursedata
from coursekit.model_io import load_model
from coursekit.schemas import BatchScores, Score, Transaction, TransactionBatch
from coursekit.serving_model import make_model_file, to_features

FIELDS = list(Transaction.model_fields)


def bodies(n: int) -> list[dict]:
    """n transactions of the data world, as a client would send them."""
    df = coursedata.sample("small", seed=3).transactions.head(n)
    rows = df[FIELDS].to_dict("records")
    for row in rows:
        row["timestamp"] = row["timestamp"].isoformat()
        row["transaction_id"] = int(row["transaction_id"])
        row["amount"] = float(row["amount"])
    return rows


def median_us(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        model, meta = load_model(make_model_file(folder, seed=0))
    version = meta["model_version"]
    rows = bodies(100)
    one_text = json.dumps(rows[0])
    batch_text = json.dumps({"transactions": rows})
    one_dict, batch_dict = json.loads(one_text), json.loads(batch_text)
    one = Transaction.model_validate(one_dict)
    batch = TransactionBatch.model_validate(batch_dict)
    X1, X100 = to_features([one]), to_features(batch.transactions)
    p1 = model.predict_proba(X1)[:, 1]
    p100 = model.predict_proba(X100)[:, 1]
    scores = [
        Score(transaction_id=t.transaction_id, score=float(p), model_version=version)
        for t, p in zip(batch.transactions, p100, strict=True)
    ]
    answer = BatchScores(scores=scores, model_version=version)

    with threadpool_limits(limits=1):
        steps = [
            ("parse the JSON text", lambda: json.loads(one_text), lambda: json.loads(batch_text)),
            (
                "validate (pydantic)",
                lambda: Transaction.model_validate(one_dict),
                lambda: TransactionBatch.model_validate(batch_dict),
            ),
            (
                "build the DataFrame",
                lambda: to_features([one]),
                lambda: to_features(batch.transactions),
            ),
            ("predict_proba", lambda: model.predict_proba(X1), lambda: model.predict_proba(X100)),
            ("write the answer", lambda: scores[0].model_dump_json(), answer.model_dump_json),
        ]
        print("| step | 1 transaction (µs) | 100 transactions (µs) | per transaction (µs) |")
        print("|---|---:|---:|---:|")
        totals = [0.0, 0.0]
        for name, single, hundred in steps:
            a, b = median_us(single, 50), median_us(hundred, 20)
            totals = [totals[0] + a, totals[1] + b]
            print(f"| {name} | {a:,.0f} | {b:,.0f} | {b / 100:,.1f} |")
        t1, t100 = totals
        print(f"| total | {t1:,.0f} | {t100:,.0f} | {t100 / 100:,.1f} | (this run)")
        print(f"a batch of 100 costs {t100 / t1:.1f} single requests (this run)")

        def frame_per_row() -> list[float]:
            return [float(model.predict_proba(to_features([t]))[0, 1]) for t in batch.transactions]

        per_row = frame_per_row()
        us = median_us(frame_per_row, 3)
        print(f"100 transactions, one DataFrame and predict_proba per row: {us:,.0f} µs (this run)")
    same = max(abs(a - b) for a, b in zip(per_row, p100, strict=True)) < 1e-12
    print(f"one frame of 100 rows: {X100.shape}; per-row scores equal the batch's: {same}")
    print(f"score of the first transaction: {p1[0]:.4f}, in the batch {p100[0]:.4f}")


if __name__ == "__main__":
    main()
