"""Exercise 02 · A release gate.

Docs: docs/lessons/14-cicd.md#ex02-release-gate (the site: `mkdocs serve`, then Lesson 14)

A pipeline has just trained a *candidate* model. Before its image is published, a gate compares
it with the *champion* (the model in production) and with the budgets the team agreed on, and
answers one question: may it ship? A gate that looks only at the overall metric ships a model
that is better on average and much worse for the mobile channel; a gate that stops at the first
problem sends the team to fix one thing, rerun for an hour, and discover the next. So the gate
checks everything, and lists every reason it blocks, each with a code a program can act on and a
sentence a person can read.

Write `release_gate(candidate, champion, data_report, budgets) -> Decision`. Every input is a
plain dict (as read from the JSON files the pipeline's earlier steps wrote), with exactly the
keys below: a missing key or any other key raises `ValueError`.

- `candidate` and `champion` (a `ModelReport` each):
  `"average_precision"`: the model's average precision on the evaluation set, a number in [0, 1];
  `"slices"`: a dict from slice name (a `str`, e.g. "channel=mobile") to that slice's average
  precision, a number in [0, 1] (the dict may be empty);
  `"latency_p99_ms"`: the 99th percentile of its latency, in milliseconds, a number >= 0;
  `"size_bytes"`: the size of its model file in bytes, a number >= 0.
- `data_report` (a `DataReport`):
  `"validation"`: lesson 07's outcome for the evaluation batch, a dict with exactly the keys
  `"passed"` (a `bool`) and `"failures"` (a `list` of `str`, e.g. "amount: out of range");
  `passed` is True exactly when `failures` is empty (anything else is inconsistent: ValueError);
  `"psi"`: lesson 10's drift, a dict from feature name (a `str`) to its PSI, a number >= 0
  (the dict may be empty).
- `budgets` (a `Budgets`), numbers >= 0 each:
  `"metric_tolerance"`: how much the overall average precision may drop below the champion's;
  `"slice_tolerance"`: how much any slice's average precision may drop below the champion's;
  `"latency_p99_ms"`: the largest p99 latency allowed; `"size_bytes"`: the largest model file
  allowed; `"psi_threshold"`: the largest PSI allowed for any feature.
- A *number* is an `int` or a `float`, Python's or NumPy's (`numbers.Real`), but not a `bool`,
  and never NaN or infinite. Anything else where a number belongs raises `ValueError`, as does a
  value outside its range (a negative budget, an average precision of 1.2), an input or a
  `"slices"`, `"psi"` or `"validation"` that is not a dict, or a slice or feature name that is
  not a `str`. Every input is checked, the champion's too, before anything is judged.

The rules, each giving one *reason* when it blocks:
- `"metric_regression"`: the candidate's average precision dropped below the champion's by more
  than `metric_tolerance`. A drop equal to the tolerance is allowed, and a tie is never a
  regression (a tolerance of 0 allows a tie). Compare `champion - candidate > tolerance + EPS`
  (`EPS = 1e-9`): 0.80 - 0.78 is 0.020000000000000018 in floating point, and a drop that is the
  tolerance "exactly" must pass.
- For each slice of the CHAMPION: `"slice_missing"` when the candidate has no metric for it (a
  slice nobody measured is not a slice that passed), else `"slice_regression"` when it dropped
  by more than `slice_tolerance` (same comparison, same `EPS`). A slice only the candidate has
  is new: nothing to compare, no reason.
- `"latency_over_budget"`: the candidate's `latency_p99_ms` is above the budget's (equal passes).
- `"size_over_budget"`: the candidate's `size_bytes` is above the budget's (equal passes).
  The champion's latency and size are not judged (they are still checked for validity).
- `"validation_failed"`: the data report's validation did not pass (one reason, however many
  failures it lists).
- `"drift"`: for each feature whose PSI is above `psi_threshold` (equal passes).

Returns a `Decision`, a plain dict: `{"passed": bool, "reasons": [Reason, ...]}`, with
`passed` True exactly when `reasons` is empty. A `Reason` is a plain dict with exactly the keys
`"code"` (one of the seven codes above, listed in `CODES`), `"subject"` (the slice's name for
the two slice codes, the feature's name for "drift", None for the others) and `"message"` (a
non-empty sentence for a person, which names the subject when there is one). The reasons come
in the order of the rules above: the overall metric; then the champion's slices in sorted name
order (`sorted(names)`), each with its missing or regression reason; latency; size; validation;
then the drifting features in sorted name order. Every reason is listed: the gate never stops at
the first.

The inputs are not modified.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, TypedDict

EPS = 1e-9  # metric drops within EPS of the tolerance count as equal to it (floating-point noise)

# Every code a reason may carry, in the order the reasons are listed.
CODES = (
    "metric_regression",
    "slice_missing",
    "slice_regression",
    "latency_over_budget",
    "size_over_budget",
    "validation_failed",
    "drift",
)

MODEL_KEYS = ("average_precision", "slices", "latency_p99_ms", "size_bytes")
DATA_KEYS = ("validation", "psi")
VALIDATION_KEYS = ("passed", "failures")
BUDGET_KEYS = (
    "metric_tolerance",
    "slice_tolerance",
    "latency_p99_ms",
    "size_bytes",
    "psi_threshold",
)


class ModelReport(TypedDict):
    average_precision: float
    slices: dict[str, float]
    latency_p99_ms: float
    size_bytes: int


class Validation(TypedDict):
    passed: bool
    failures: list[str]


class DataReport(TypedDict):
    validation: Validation
    psi: dict[str, float]


class Budgets(TypedDict):
    metric_tolerance: float
    slice_tolerance: float
    latency_p99_ms: float
    size_bytes: int
    psi_threshold: float


class Reason(TypedDict):
    code: str
    subject: str | None
    message: str


class Decision(TypedDict):
    passed: bool
    reasons: list[Reason]


def release_gate(
    candidate: ModelReport, champion: ModelReport, data_report: DataReport, budgets: Budgets
) -> Decision:
    """May the candidate ship? Every reason it may not, in the order stated above."""
    # TODO: check every input; then apply every rule, collecting a reason for each block
    raise NotImplementedError
