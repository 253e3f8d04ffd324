"""Worked example: a transformer of your own, written to scikit-learn's estimator API.

`QuantileClipper` clips each column to the quantiles it had in the training rows: a payment of
50,000 EUR counts as the training rows' 99th percentile, so one huge amount cannot dominate a
linear model. It follows the API every scikit-learn estimator follows:

- `__init__` only stores its parameters, under their own names, unchanged;
- `fit` checks the parameters and the data, learns from the data, and returns `self`;
- what `fit` learned lives in attributes whose names end in `_` (`low_`, `high_`,
  `n_features_in_`), so "fitted" means "has those attributes";
- `transform` uses the learned attributes and changes nothing.

Then `get_params`, `set_params`, `clone`, `Pipeline` and cross-validation work with it, and
scikit-learn's own estimator checks pass. A second class breaks the first rule, and the checks
say so.

Run: python docs/examples/scikit_learn/custom_transformer.py (about two seconds)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator
from sklearn.utils.validation import check_is_fitted, validate_data


class QuantileClipper(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clip every column to its training quantiles `lower` and `upper` (fractions in [0, 1])."""

    def __init__(self, lower: float = 0.01, upper: float = 0.99):
        self.lower = lower  # stored as given: no checks, no conversions, nothing learned
        self.upper = upper

    def fit(self, X, y=None) -> QuantileClipper:
        if not 0 <= self.lower < self.upper <= 1:
            raise ValueError(f"need 0 <= lower < upper <= 1, got {self.lower}, {self.upper}")
        # validate_data: a 2-D array of finite numbers, or a clear error; sets n_features_in_
        # (and feature_names_in_ for a DataFrame).
        X = validate_data(self, X, dtype=np.float64)
        self.low_ = np.quantile(X, self.lower, axis=0)
        self.high_ = np.quantile(X, self.upper, axis=0)
        return self

    def transform(self, X) -> np.ndarray:
        check_is_fitted(self)  # NotFittedError before fit, not an AttributeError
        X = validate_data(self, X, dtype=np.float64, reset=False)  # same columns as in fit
        return np.clip(X, self.low_, self.high_)


class EagerClipper(QuantileClipper):
    """The same clipper, but its __init__ does work: it computes something from its parameters."""

    def __init__(self, lower: float = 0.01, upper: float = 0.99):
        self.lower = lower
        self.upper = upper
        self.width_ = upper - lower  # an attribute ending in _ before any fit: "fitted" lies


def main() -> None:
    rng = np.random.default_rng(0)
    amounts = rng.lognormal(mean=3.0, sigma=1.0, size=(1_000, 1))
    amounts[0, 0] = 50_000.0  # one huge payment

    clipper = QuantileClipper()
    print(f"get_params(): {clipper.get_params()}")
    try:
        clipper.transform(amounts)
    except NotFittedError:
        print("transform before fit: NotFittedError")

    clipper.fit(amounts)  # fit returns self, so clipper.fit(X).transform(X) also works
    clipped = clipper.transform(amounts)
    print(f"learned: low_ {clipper.low_[0]:.2f}, high_ {clipper.high_[0]:.2f}")
    print(f"largest amount: {amounts.max():,.2f} before, {clipped.max():,.2f} after")

    clipper.set_params(upper=0.95)  # changes the parameter, not what was learned: refit
    print(f"set_params(upper=0.95): upper {clipper.upper}, high_ still {clipper.high_[0]:.2f}")
    fresh = clone(clipper)  # same parameters, nothing learned
    print(f"clone: upper {fresh.upper}, fitted {hasattr(fresh, 'high_')}")

    # scikit-learn's estimator checks: the API rules above, tested on generated data.
    for estimator in (QuantileClipper(), EagerClipper()):
        results = check_estimator(estimator, on_skip=None, on_fail=None)
        failed = [r["check_name"] for r in results if r["status"] == "failed"]
        passed = sum(r["status"] == "passed" for r in results)
        skipped = sum(r["status"] == "skipped" for r in results)
        print(
            f"{type(estimator).__name__}: {passed} checks pass, {skipped} skipped, "
            f"{len(failed)} fail"
        )
        for name in failed:
            print(f"  failed: {name}")


if __name__ == "__main__":
    main()
