"""Exercise 04 · An out-of-fold target encoder, as a scikit-learn transformer.

Docs: docs/lessons/03-feature-engineering.md#ex04-target-encoder (the site: `mkdocs serve`, then Lesson 03)

Target encoding replaces each category by the mean target of the training rows in it: a single,
strong number for a column with hundreds of values (merchants, devices, postcodes). Computed
naively it leaks: a row's own label is part of its own encoding, so a model learns to read the
label back. Write `OutOfFoldTargetEncoder` and `encode_train_test` so that it cannot.

The smoothed encoding of category `c`, from a set of rows with `n_c` rows in `c` whose mean target
is `mean_c`, and whose overall mean target is `prior`:

    encoding(c) = (n_c * mean_c + smoothing * prior) / (n_c + smoothing)

A category seen once moves only a little from `prior`; a category seen 1,000 times keeps its mean.

Three small helpers come first, each with its own docstring: `as_category_matrix(X)`,
`smoothed_means(categories, y, smoothing)` and `look_up(categories, encoding, fallback)`.

`OutOfFoldTargetEncoder(n_splits=5, smoothing=10.0, random_state=0)`, the scikit-learn API:
- `__init__` only stores its three parameters, under their own names, unchanged. Check them in
  `fit`: `n_splits` below 2 or a negative `smoothing` raise `ValueError`.
- `fit(X, y)` learns from every row: `global_mean_` (the mean of `y`), `encodings_` (one
  `pandas.Series` per column, mapping each category to its smoothed encoding, with `prior =
  global_mean_`) and `n_features_in_`; it returns `self`. Learned attributes end in `_`.
- `transform(X)` encodes new rows with those full-training statistics; a category never seen in
  training (or a row of an unfitted encoder: `NotFittedError`) gets `global_mean_`. It never
  changes the encoder, and a row's encoding does not depend on the other rows passed with it.
- `fit_transform(X, y)` fits (as `fit` does) and returns *out-of-fold* encodings of the training
  rows: split the rows with `KFold(n_splits, shuffle=True, random_state=random_state)`; the rows
  of each fold are encoded with statistics (and `prior`) computed from the other folds only. So no
  row ever sees its own label.
- `X` is a 2-D array or DataFrame of categories (strings, integers, floats); every column is
  encoded. A missing value is a category of its own: `NaN` and `None` are that same one category,
  at `fit` and at `transform` alike. `y` is numeric or boolean, one value per row. 1-D or empty
  `X`, a different number of rows in `X` and `y`, or a different number of columns at `transform`
  than at `fit`, raise `ValueError`.
- Results are float64 arrays of shape (n_rows, n_columns).

`encode_train_test(train, test, columns, target)` returns `(train_encoded, test_encoded)`: the
training rows encoded out-of-fold by a fresh `OutOfFoldTargetEncoder()` fitted on `train`, and the
test rows encoded by that same fitted encoder. `test` may still hold the `target` column (as in an
offline evaluation): it must never be read.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted


def as_category_matrix(X) -> np.ndarray:
    """`X` as a 2-D object array (one column per feature); ValueError if not 2-D or empty."""
    # TODO: convert to a 2-D object array; raise ValueError unless it is 2-D with rows and columns
    raise NotImplementedError


def smoothed_means(categories: np.ndarray, y: np.ndarray, smoothing: float) -> pd.Series:
    """The smoothed encoding of every category in `categories` (1-D), with prior = y.mean(). The
    missing entries (`None` or `NaN`) are one category, keyed `NaN`."""
    # TODO: group y by category (NaN included) for sums and counts; blend with the prior
    raise NotImplementedError


def look_up(categories: np.ndarray, encoding: pd.Series, fallback: float) -> np.ndarray:
    """The encoding of each entry of `categories` (1-D); `fallback` for a category not in it. A
    missing entry (`None` or `NaN`) is looked up as the `NaN` category."""
    # TODO: missing entries (None or NaN) as NaN; reindex the encoding by them; fill the unseen ones (NaN) with fallback
    raise NotImplementedError


class OutOfFoldTargetEncoder(TransformerMixin, BaseEstimator):
    def __init__(self, n_splits: int = 5, smoothing: float = 10.0, random_state: int | None = 0):
        # TODO: store the three parameters under their own names, unchanged
        raise NotImplementedError

    def fit(self, X, y) -> "OutOfFoldTargetEncoder":
        # TODO: validate; learn global_mean_, one Series of smoothed means per column (encodings_) and n_features_in_
        raise NotImplementedError

    def transform(self, X) -> np.ndarray:
        # TODO: check it is fitted and X's width; look each category up in encodings_, unseen -> global_mean_
        raise NotImplementedError

    def fit_transform(self, X, y) -> np.ndarray:
        # TODO: fit on every row, then encode each KFold fold with statistics of the other folds only
        raise NotImplementedError


def encode_train_test(
    train: pd.DataFrame, test: pd.DataFrame, columns: Sequence[str], target: str
) -> tuple[np.ndarray, np.ndarray]:
    # TODO: fit_transform a fresh encoder on the training rows and labels; only transform the test rows
    raise NotImplementedError
