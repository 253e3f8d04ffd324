"""Worked example: smaller and faster versions of the fraud forest, each measured against it.

The unoptimized model is `fraud_data.big_forest()`: 300 trees. Its smaller versions:

- fewer trees: the first 30 trees of the same forest (a forest's trees are independent, so the
  first k of them are a forest of k trees: no retraining);
- fewer leaves: gradient boosting, 50 trees of at most 8 leaves;
- fewer features: 30 trees on the four features the big forest uses most;
- ONNX: the big forest and the 30 trees exported with skl2onnx and scored by onnxruntime (one
  thread): the same trees, another runtime.

Each is measured on the same test rows in the same run: its size on disk (pickle bytes, or
the ONNX file's bytes), the median time of one call for one row and for 1,000 rows, and ROC
AUC; then each as a ratio against the big forest. Sizes and AUC are the same on every run; the
times are this run's.

Run: python docs/examples/11_optimization/compression.py
"""

from __future__ import annotations

import copy
import pickle
import statistics
import time
from collections.abc import Callable

import numpy as np
import onnxruntime as ort
from fraud_data import big_forest, split
from skl2onnx import to_onnx
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from coursekit.serving_model import FEATURES


def first_trees(forest, k: int):
    """The first k trees of a fitted forest, as a forest of its own."""
    small = copy.copy(forest)  # shallow: the trees themselves are shared, not copied
    small.estimators_ = forest.estimators_[:k]
    small.n_estimators = k
    return small


def onnx_scorer(model, X_example: np.ndarray) -> tuple[Callable, int]:
    """An onnxruntime session for `model`, as a scoring function, and the ONNX file's size."""
    exported = to_onnx(model, X_example[:1], options={"zipmap": False})  # plain arrays out
    data = exported.SerializeToString()
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return (lambda X: session.run(None, {name: X})[1][:, 1]), len(data)


def median_seconds(score: Callable, X: np.ndarray, repeat: int) -> float:
    score(X)  # one untimed call: first-call costs are not the steady state
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        score(X)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(timed: bool = True) -> tuple[list[tuple], list[str], str]:
    """Each candidate's (name, bytes on disk, ROC AUC, seconds for 1 row, for 1,000 rows), the
    big forest's four most used features, and what skl2onnx did with the boosted model.
    With timed=False the times are NaN (the figure needs sizes and AUC only)."""
    data = split()
    one, batch = data.X_test[:1], data.X_test[:1000]
    with threadpool_limits(limits=1):
        forest = big_forest().fit(data.X_train, data.y_train)
        top = np.argsort(forest.feature_importances_)[::-1][:4]
        boosted = HistGradientBoostingClassifier(
            max_iter=50, max_leaf_nodes=8, early_stopping=False, random_state=0
        ).fit(data.X_train, data.y_train)
        few_features = big_forest(30).fit(data.X_train[:, top], data.y_train)
        small = first_trees(forest, 30)

        def proba(model, columns=slice(None)):
            return lambda X: model.predict_proba(X[:, columns])[:, 1]

        candidates = {  # name: (score function, bytes on disk)
            "forest, 300 trees": (proba(forest), len(pickle.dumps(forest))),
            "forest, first 30 trees": (proba(small), len(pickle.dumps(small))),
            "boosting, 50 trees x 8 leaves": (proba(boosted), len(pickle.dumps(boosted))),
            "forest, 30 trees, 4 features": (
                proba(few_features, top),
                len(pickle.dumps(few_features)),
            ),
            "ONNX: forest, 300 trees": onnx_scorer(forest, data.X_train),
            "ONNX: forest, first 30 trees": onnx_scorer(small, data.X_train),
        }
        rows = []
        for name, (score, size) in candidates.items():
            auc = roc_auc_score(data.y_test, score(data.X_test))
            t_one = t_batch = float("nan")
            if timed:
                t_one = median_seconds(score, one, repeat=15 if "300" in name else 50)
                t_batch = median_seconds(score, batch, repeat=5)
            rows.append((name, size, auc, t_one, t_batch))
    try:
        to_onnx(boosted, data.X_train[:1], options={"zipmap": False})
        boosted_export = "exported"
    except (ValueError, TypeError, RuntimeError) as error:
        boosted_export = f"refused ({type(error).__name__})"
    return rows, [FEATURES[i] for i in top], boosted_export


def main() -> None:
    rows, top, boosted_export = measure()
    print(f"four features most used by the forest: {', '.join(top)}")
    print(f"skl2onnx and HistGradientBoostingClassifier here: {boosted_export}")
    print("times are medians of this run; ratios are against the 300-tree forest in scikit-learn")
    print(
        "| model | on disk | smaller | ROC AUC | change (points) "
        "| 1 row | faster | 1,000 rows | faster |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    _, size0, auc0, one0, batch0 = rows[0]
    for name, size, auc, t_one, t_batch in rows:
        print(
            f"| {name} | {size / 1e6:.2f} MB | {size0 / size:.0f}x | {auc:.3f} "
            f"| {100 * (auc - auc0):+.1f} | {t_one * 1e3:.3f} ms | {one0 / t_one:.0f}x "
            f"| {t_batch * 1e3:.2f} ms | {batch0 / t_batch:.1f}x |"
        )


if __name__ == "__main__":
    main()
