"""Worked example: how big a model is, on disk and in memory, and what makes it big.

Three fitted models of the fraud data (`fraud_data.split()`): a forest of 30 trees as the lesson
grows them (leaves of at least 10 payments), the same forest grown to full depth (the
scikit-learn default, leaves of one payment), and gradient boosting of 50 trees of 8 leaves.
For each:

- `sys.getsizeof`: the size of the Python object itself, not of the arrays it points to;
- bytes on disk: pickle, skops (lesson 07's safe format), joblib with compression, ONNX;
- bytes in memory: the arrays the model predicts with, counted from the model, and what
  tracemalloc sees allocated after loading the pickle.

A tree is stored as arrays with one entry per node, so a tree model's size is its number of
nodes times a fixed number of bytes per node.

Run: python docs/examples/11_optimization/model_size.py
"""

from __future__ import annotations

import gc
import io
import pickle
import sys
import tracemalloc

import joblib
import skops.io as sio
from fraud_data import big_forest, split
from skl2onnx import to_onnx
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits


def loaded_bytes(blob: bytes) -> tuple[int, int]:
    """Bytes still allocated after unpickling `blob`, and the peak while unpickling."""
    gc.collect()
    tracemalloc.start()
    model = pickle.loads(blob)
    kept, peak = tracemalloc.get_traced_memory()  # peak: what loading needed at most
    tracemalloc.stop()
    del model
    return kept, peak


def array_bytes(model) -> int:
    """Bytes of the arrays a tree model predicts with: every node, and each leaf's values."""
    if hasattr(model, "estimators_"):
        states = [tree.tree_.__getstate__() for tree in model.estimators_]
        return sum(state["nodes"].nbytes + state["values"].nbytes for state in states)
    return sum(p.nodes.nbytes for predictors in model._predictors for p in predictors)


def nodes(model) -> int:
    if hasattr(model, "estimators_"):
        return sum(tree.tree_.node_count for tree in model.estimators_)
    return sum(len(p.nodes) for predictors in model._predictors for p in predictors)


def main() -> None:
    data = split()
    with threadpool_limits(limits=1):
        models = {
            "forest, 30 trees": big_forest(30).fit(data.X_train, data.y_train),
            "forest, 30 trees, full depth": big_forest(30, min_samples_leaf=1).fit(
                data.X_train, data.y_train
            ),
            "boosting, 50 x 8 leaves": HistGradientBoostingClassifier(
                max_iter=50, max_leaf_nodes=8, early_stopping=False, random_state=0
            ).fit(data.X_train, data.y_train),
        }
    print("| model | nodes | getsizeof | pickle | bytes per node | skops | joblib, compress=3 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, model in models.items():
        blob = pickle.dumps(model, protocol=5)
        packed = io.BytesIO()
        joblib.dump(model, packed, compress=3)
        print(
            f"| {name} | {nodes(model):,} | {sys.getsizeof(model)} B | {len(blob):,} B "
            f"| {len(blob) / nodes(model):.0f} | {len(sio.dumps(model)):,} B "
            f"| {len(packed.getvalue()):,} B |"
        )
    forest = models["forest, 30 trees"]
    exported = to_onnx(forest, data.X_train[:1], options={"zipmap": False})
    print(f"forest, 30 trees, as ONNX: {len(exported.SerializeToString()):,} B")
    print("in memory: the model's arrays, and what tracemalloc sees after loading the pickle")
    for name, model in models.items():
        blob = pickle.dumps(model, protocol=5)
        loaded_bytes(blob)  # a first load may import modules: measure the second
        kept, _ = loaded_bytes(blob)
        print(
            f"  {name}: arrays {array_bytes(model) / 1e6:.2f} MB, tracemalloc {kept / 1e6:.2f} MB, "
            f"on disk {len(blob) / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main()
