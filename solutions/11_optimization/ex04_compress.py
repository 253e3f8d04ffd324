"""Exercise 04 · The smallest model within budget.

Docs: docs/lessons/11-optimization.md#ex04-compress (the site: `mkdocs serve`, then Lesson 11)

A 300-tree forest is tens of megabytes and milliseconds per row. Smaller versions of it (fewer
trees, shallower trees, fewer features, another model, an ONNX export) cost less to ship, load
and run, and score a little worse. Which one to serve is a rule, written down before looking:
the SMALLEST model whose validation ROC AUC is at most `max_auc_drop` below the unoptimized
model's. Small means the bytes of the file you would ship, not what Python says an object weighs.

Write `smallest_within(candidates, X_val, y_val, max_auc_drop, reference, repeats=5)
-> (model, report)`:

- `candidates` maps a name (str) to a fitted binary classifier: a scikit-learn model, or an ONNX
  model (any object with an `onnx_bytes` attribute, like `OnnxModel` below). `reference` is the
  unoptimized fitted model. Every model scores with `predict_proba(X)[:, 1]`.
- AUC: `sklearn.metrics.roc_auc_score(y_val, model.predict_proba(X_val)[:, 1])`, on the
  validation data given (never on training data, never from hard `predict` labels, never
  accuracy: the budget is in ROC AUC, where 0.01 is one point).
- Size on disk, `size_bytes`: for an ONNX model, `len(model.onnx_bytes)` (the `.onnx` file it
  ships as); for any other model, `len(pickle.dumps(model))` (the file `pickle.dump` writes).
  Never `sys.getsizeof` (a few dozen bytes for any object, whatever it holds).
- Latency, in milliseconds: `p50_ms_row` is the median time of `predict_proba` on one row (the
  first row of `X_val`, kept 2-D: `X_val.iloc[:1]` or `X_val[:1]`), over `repeats` timed calls
  after one untimed warm-up call (`time.perf_counter`); `p50_ms_batch` the same for the whole
  `X_val`. The median, because one call slowed by the machine must not decide.
- The reference is a candidate too, under the name `"reference"`: its drop is 0, so it is
  always within budget, and when no other candidate is, it is the answer (serve the model you
  have rather than fail).
- `auc_drop = reference AUC - auc`. A model is within budget when
  `auc_drop <= max_auc_drop + 1e-9` (the 1e-9 absorbs float rounding: 0.9 - 0.85 is
  0.05000000000000004): a drop exactly equal to the budget is within.
- The choice: among the models within budget, the smallest `size_bytes`; on a tie, the higher
  AUC; on a tie of both, the first in the report's order.
- The report: a DataFrame with one row per candidate, in the order of `candidates`, then the
  reference's row, last, with a RangeIndex and the columns `name` (str), `size_bytes` (int),
  `auc`, `auc_drop`, `p50_ms_row`, `p50_ms_batch` (floats) and `within_budget` (bool).
- Return the chosen model itself (the object from `candidates`, or `reference`) and the report.
- `ValueError` when: `max_auc_drop` is not a number >= 0 (NaN included); `repeats` is not an
  integer >= 1 (a Python or NumPy integer, not a bool); `X_val` has no rows or `y_val` another length; `y_val` does not hold both
  classes; a candidate is named `"reference"`.

`OnnxModel` (given, not part of the exercise) wraps an ONNX export for this comparison:
`OnnxModel.from_sklearn(model, X_sample)` converts a fitted scikit-learn classifier with
skl2onnx, and its `predict_proba` runs it with onnxruntime on float32 inputs. Measured with the
course's pins (skl2onnx 1.20, onnxruntime 1.32, scikit-learn 1.9): RandomForestClassifier,
GradientBoostingClassifier, DecisionTreeClassifier and LogisticRegression (alone or after a
StandardScaler in a Pipeline) convert, with scores within 1e-6 of scikit-learn's;
HistGradientBoostingClassifier does not (its converter builds a node attribute of NumPy 2
integers that onnx rejects), so it gets no ONNX candidate, and `from_sklearn` raises ValueError.
"""

from __future__ import annotations

import numbers
import pickle
import statistics
import time

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

COLUMNS = ["name", "size_bytes", "auc", "auc_drop", "p50_ms_row", "p50_ms_batch", "within_budget"]
TOLERANCE = 1e-9  # float rounding in auc_drop <= max_auc_drop


class OnnxModel:
    """An ONNX export of a fitted binary classifier, scored with onnxruntime (given)."""

    def __init__(self, onnx_bytes: bytes) -> None:
        self.onnx_bytes = bytes(onnx_bytes)
        self._session = None

    @classmethod
    def from_sklearn(cls, model, X_sample) -> OnnxModel:
        """Convert `model` with skl2onnx; the input is float32 with `X_sample`'s width."""
        from skl2onnx import to_onnx

        sample = np.asarray(X_sample, dtype=np.float32)[:1]
        try:
            onx = to_onnx(model, sample, options={"zipmap": False})
        except Exception as exc:  # the converter's own errors (RuntimeError, ValueError, ...)
            raise ValueError(
                f"skl2onnx cannot convert a {type(model).__name__}: {str(exc)[:200]}"
            ) from exc
        return cls(onx.SerializeToString())

    def predict_proba(self, X) -> np.ndarray:
        if self._session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1  # one thread, as the scikit-learn models run
            options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                self.onnx_bytes, options, providers=["CPUExecutionProvider"]
            )
        name = self._session.get_inputs()[0].name
        matrix = np.asarray(X, dtype=np.float32)
        probabilities = self._session.run(["probabilities"], {name: matrix})[0]
        return np.asarray(probabilities, dtype=np.float64)

    def __getstate__(self) -> dict:
        return {"onnx_bytes": self.onnx_bytes}  # the session is rebuilt where it is needed

    def __setstate__(self, state: dict) -> None:
        self.onnx_bytes = state["onnx_bytes"]
        self._session = None


def smallest_within(candidates, X_val, y_val, max_auc_drop, reference, repeats=5):
    """The smallest candidate (bytes on disk) whose validation ROC AUC is within `max_auc_drop`
    of the reference's, and a report of every candidate's size, AUC and latency."""
    # BEGIN SOLUTION: validate; AUC, size on disk and p50 latencies of each model; choose
    if (
        isinstance(max_auc_drop, bool)
        or not isinstance(max_auc_drop, numbers.Real)
        or not float(max_auc_drop) >= 0.0
    ):
        raise ValueError(f"max_auc_drop must be a number >= 0, got {max_auc_drop!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, numbers.Integral) or repeats < 1:
        raise ValueError(f"repeats must be an integer >= 1, got {repeats!r}")
    y = np.asarray(y_val)
    if len(X_val) == 0 or len(y) != len(X_val):
        raise ValueError(
            f"X_val has {len(X_val)} rows and y_val {len(y)} labels: one label per row, at least one row"
        )
    if len(np.unique(y)) != 2:
        raise ValueError(f"y_val must hold both classes; it holds {np.unique(y).tolist()}")
    if "reference" in candidates:
        raise ValueError('no candidate may be named "reference": that name is the reference\'s')

    one_row = X_val.iloc[:1] if isinstance(X_val, pd.DataFrame) else np.asarray(X_val)[:1]

    def p50_ms(model, X) -> float:
        model.predict_proba(X)  # warm-up, untimed: lazy imports, caches, a session
        times = []
        for _ in range(int(repeats)):
            start = time.perf_counter()
            model.predict_proba(X)
            times.append(time.perf_counter() - start)
        return 1000.0 * statistics.median(times)

    def size_bytes(model) -> int:
        onnx_bytes = getattr(model, "onnx_bytes", None)
        if onnx_bytes is not None:
            return len(onnx_bytes)
        return len(pickle.dumps(model))

    models = [(str(name), model) for name, model in candidates.items()]
    models.append(("reference", reference))
    rows = []
    for name, model in models:
        auc = float(roc_auc_score(y, np.asarray(model.predict_proba(X_val))[:, 1]))
        rows.append(
            {
                "name": name,
                "size_bytes": size_bytes(model),
                "auc": auc,
                "p50_ms_row": p50_ms(model, one_row),
                "p50_ms_batch": p50_ms(model, X_val),
            }
        )
    report = pd.DataFrame(rows)
    reference_auc = report["auc"].iloc[-1]
    report["auc_drop"] = reference_auc - report["auc"]
    report["within_budget"] = report["auc_drop"] <= float(max_auc_drop) + TOLERANCE
    report = report[COLUMNS].astype({"size_bytes": np.int64, "within_budget": bool})

    within = report[report["within_budget"]]
    # Smallest first; on a tie the higher AUC; a stable sort keeps the report's order after that.
    order = within.sort_values(["size_bytes", "auc"], ascending=[True, False], kind="stable")
    chosen = int(order.index[0])
    return models[chosen][1], report
    # END SOLUTION
