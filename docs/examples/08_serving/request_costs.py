"""Worked example: where the time of one prediction request goes, and a model scored without
scikit-learn's per-call overhead.

Each step a scoring request takes, timed on its own (median of many repetitions), for one
transaction and for a batch of 100: parse the JSON text, validate it against the schema
(`coursekit.schemas`, the course's reference of exercise 01), build the model's input
(`coursekit.serving_model.to_features`: a DataFrame), score it, and write the answer.

The model is a Pipeline of a `StandardScaler` and a `LogisticRegression`. `predict_proba` checks
its input in every step (column names, dtype, finiteness) before a few microseconds of
arithmetic. The same scores come from one matrix product once the scaler is folded into the
coefficients:

    sigmoid(((x - mean) / scale) @ c + b)  ==  sigmoid(x @ (c / scale) + (b - (mean / scale) @ c))

`fold` below does it by hand; `coursekit.serving_model.fast_scorer` does the same with the
checks a service needs (the model's exact types, the columns, NaN and infinity). Last, the same
100 transactions scored with one DataFrame and one `predict_proba` per row, as a loop would.

No server here: what HTTP, uvicorn and FastAPI add is measured by the load test example.

Run: python docs/examples/08_serving/request_costs.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.special import expit
from threadpoolctl import threadpool_limits

import coursedata
from coursekit.model_io import load_model
from coursekit.schemas import BatchScores, Score, Transaction, TransactionBatch
from coursekit.serving_model import fast_scorer, make_model_file, to_features

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


def fold(pipeline) -> Callable[[pd.DataFrame], np.ndarray]:
    """The scaler folded into the logistic regression: P(fraud) from one matrix product."""
    scaler, logistic = pipeline.named_steps["scale"], pipeline.named_steps["classify"]
    weights = logistic.coef_[0] / scaler.scale_
    bias = logistic.intercept_[0] - (scaler.mean_ / scaler.scale_) @ logistic.coef_[0]

    def proba(X: pd.DataFrame) -> np.ndarray:
        # .to_numpy(dtype=...) is cheap on a frame of one float64 block; np.asarray(X) is not
        return expit(X.to_numpy(dtype=np.float64) @ weights + bias)

    return proba


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
    folded, fast = fold(model), fast_scorer(model)
    rows = bodies(100)
    one_text = json.dumps(rows[0])
    batch_text = json.dumps({"transactions": rows})
    one_dict, batch_dict = json.loads(one_text), json.loads(batch_text)
    one = Transaction.model_validate(one_dict)
    batch = TransactionBatch.model_validate(batch_dict)
    X1, X100 = to_features([one]), to_features(batch.transactions)
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
            ("the folded model", lambda: folded(X1), lambda: folded(X100)),
            ("coursekit's fast_scorer", lambda: fast(X1), lambda: fast(X100)),
            ("write the answer", lambda: scores[0].model_dump_json(), answer.model_dump_json),
        ]
        print("| step | 1 transaction (µs) | 100 transactions (µs) | per transaction (µs) |")
        print("|---|---:|---:|---:|")
        for name, single, hundred in steps:
            a, b = median_us(single, 50), median_us(hundred, 20)
            print(f"| {name} | {a:,.1f} | {b:,.1f} | {b / 100:,.2f} |")
        print("(this run)")

        def frame_per_row() -> list[float]:
            return [float(model.predict_proba(to_features([t]))[0, 1]) for t in batch.transactions]

        per_row = frame_per_row()
        us = median_us(frame_per_row, 3)
        print(f"100 transactions, a DataFrame and predict_proba per row: {us:,.0f} µs (this run)")
    gap = float(np.max(np.abs(folded(X100) - p100)))
    print(
        f"folded model vs predict_proba on 100 transactions: largest gap below 1e-12: {gap < 1e-12}"
    )
    print(
        f"coursekit's fast_scorer gives the same: {bool(np.allclose(fast(X100), p100, 0, 1e-12))}"
    )
    same = max(abs(a - b) for a, b in zip(per_row, p100, strict=True)) < 1e-12
    print(f"one frame of 100 rows: {X100.shape}; per-row scores equal the batch's: {same}")


if __name__ == "__main__":
    main()
