"""Worked example: the capstone's reference system, measured on two worlds.

The figures the capstone page quotes. The reference implementation (solutions/capstone/) is run
the way the grader runs a submission: trained on what was known four weeks before the world's
end (the raw export of those payments, labels as known that day), then judged on the four
hidden weeks after, with their final labels. Two worlds: seed 0, the one learners develop on,
and seed 7, the grader's default hidden world.

For each world it prints the training run's validation figures, the champion's average
precision and cost on the hidden weeks (against the cost of flagging nothing), and what part
OPTIMIZE chose to serve. Timings are printed "(this run)".

Run: python docs/examples/capstone/reference_figures.py   (about 15 s)
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

import coursedata

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
logging.getLogger("mlflow").setLevel(logging.WARNING)
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "solutions" / "capstone"))  # the reference's package, fraudsys

from fraudsys import config  # noqa: E402
from fraudsys.features import FEATURES, build_features, clean_raw  # noqa: E402
from fraudsys.optimize import optimize  # noqa: E402
from fraudsys.train import load_champion, train  # noqa: E402

FUTURE_DAYS = 28  # the hidden weeks, as the grader splits them


def measure(seed: int, store: Path) -> None:
    world = coursedata.sample("medium", seed)
    raw = coursedata.raw_export(world, seed=seed)
    as_of = world.truth.end - pd.Timedelta(days=FUTURE_DAYS)
    tx = world.transactions
    past_ids = set(tx.loc[tx["timestamp"] < as_of, "transaction_id"].astype(str))
    history = raw[raw["transaction_id"].astype(str).isin(past_ids)]
    uri = f"sqlite:///{store}/seed{seed}.db"

    started = time.perf_counter()
    result = train(history, world.users, world.merchants, tracking_uri=uri, as_of=as_of)
    seconds = time.perf_counter() - started
    m = result["metrics"]
    print(
        f"seed {seed}: trained on {int(m['train_rows']):,} rows, validated on "
        f"{int(m['valid_rows']):,} ({int(m['valid_frauds'])} frauds): validation AP "
        f"{m['valid_average_precision']:.3f}, threshold {result['threshold']:.3f}, "
        f"promoted {result['promoted']} ({seconds:.1f} s this run)"
    )

    model, _ = load_champion(uri)
    future_raw = raw[~raw["transaction_id"].astype(str).isin(past_ids)]
    future = clean_raw(future_raw, world.users, world.merchants)
    y = future[config.LABEL].astype(bool).to_numpy()
    scores = model.predict_proba(build_features(future)[list(FEATURES)])[:, 1]
    flagged = scores >= result["threshold"]
    cost = config.COST_FP * np.sum(flagged & ~y) + config.COST_FN * np.sum(~flagged & y)
    nothing = config.COST_FN * y.sum()
    print(
        f"seed {seed}: hidden weeks {len(y):,} payments, {int(y.sum())} frauds: AP "
        f"{average_precision_score(y, scores):.3f}; cost {cost:,.0f} EUR against {nothing:,.0f} "
        f"EUR for flagging nothing ({cost / nothing:.2f})"
    )

    labelled = clean_raw(history, world.users, world.merchants)
    labels = labelled["chargeback_at"].notna() & (labelled["chargeback_at"] <= as_of)
    cutoff = as_of - pd.Timedelta(days=config.LABEL_DELAY_DAYS)
    kept = labelled["timestamp"] < cutoff
    valid = kept & (labelled["timestamp"] >= cutoff - pd.Timedelta(days=config.VALID_DAYS))
    train_rows = kept & ~valid
    X = build_features(labelled)[list(FEATURES)]
    with tempfile.TemporaryDirectory() as out:
        served = optimize(
            model, X[train_rows], labels[train_rows], X[valid], labels[valid], out, repeats=50
        )
    print(
        f"seed {seed}: served {served['name']}: {served['size_bytes'] / 1024:.0f} KiB of the "
        f"champion's {served['champion_size_bytes'] / 1024:.0f} KiB "
        f"({served['size_bytes'] / served['champion_size_bytes']:.2f}x), validation AUC "
        f"{served['auc']:.3f} against {served['champion_auc']:.3f}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as store:
        for seed in (0, 7):
            measure(seed, Path(store))


if __name__ == "__main__":
    main()
