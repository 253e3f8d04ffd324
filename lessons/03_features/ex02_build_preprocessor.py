"""Exercise 02 · A preprocessor that survives production data.

Docs: docs/lessons/03-feature-engineering.md#ex02-build-preprocessor (the site: `mkdocs serve`, then Lesson 03)

Write `build_preprocessor(numeric, categorical)`: return an *unfitted* scikit-learn
`ColumnTransformer` that turns a DataFrame into a matrix of numbers, ready for a model. Fitted on
the training rows (inside a `Pipeline`, so cross-validation refits it on each training fold), it
must then transform rows it has never seen: production data has categories and gaps the training
data did not.

Contract:
- The columns named in `numeric` are imputed with their training *median*, then standardised
  (`StandardScaler`: mean 0 and standard deviation 1 on the training rows).
- The columns named in `categorical` are imputed with their training *most frequent* value, then
  one-hot encoded: one 0/1 column per category seen in training, in sorted order.
- A category never seen in training encodes as all zeros in its column's block: no error.
- A missing value (NaN, None) in any column, at fit or at transform time, is imputed: no error,
  and no NaN in the output.
- A categorical column stays categorical whatever its dtype: integer codes (a merchant id, an
  hour of the day) are one-hot encoded, never scaled as numbers. One-hot columns are never scaled.
- The output has the numeric columns first (in the order given), then the one-hot blocks (in the
  order given), and no other columns: any column of the frame not named is dropped.
- Either list may be empty. A column named in both lists raises `ValueError`.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler


def build_preprocessor(numeric: Sequence[str], categorical: Sequence[str]) -> ColumnTransformer:
    # TODO: reject overlapping lists; numeric: median imputer + scaler; categorical: as objects with every gap as NaN, most-frequent imputer + one-hot (unknowns ignored)
    raise NotImplementedError
