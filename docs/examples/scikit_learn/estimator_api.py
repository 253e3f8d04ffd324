"""Worked example: the estimator API, on three columns of the data world's payments.

Every scikit-learn object that learns from data is an *estimator* with the same few methods:

- `fit(X, y)` learns from the training rows and returns the estimator itself;
- a *transformer* (`StandardScaler`, `OneHotEncoder`) then has `transform(X)`: new columns;
- a *predictor* (`LogisticRegression`, `HistGradientBoostingClassifier`) has `predict(X)` and,
  for a classifier, `predict_proba(X)`: one probability per class, in the order of `classes_`.

The constructor's arguments are its *parameters*, read back with `get_params()` and changed with
`set_params()`; what `fit` learns is stored in attributes whose names end in `_`. `clone` makes a
new, unfitted estimator with the same parameters.

Run: python docs/examples/scikit_learn/estimator_api.py (about a second)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import coursedata


def numeric_columns(world: coursedata.World) -> tuple[np.ndarray, np.ndarray]:
    """X: log amount, paid abroad (0/1), the merchant's risk score. y: is_fraud."""
    tx = world.transactions
    risk = tx["merchant_id"].map(world.merchants.set_index("merchant_id")["risk_score"])
    X = np.column_stack(
        [np.log(tx["amount"]), tx["card_country"] != tx["merchant_country"], risk]
    ).astype(np.float64)
    return X, tx["is_fraud"].to_numpy()


def main() -> None:
    np.set_printoptions(precision=2, suppress=True)
    X, y = numeric_columns(coursedata.sample("small", seed=0))
    print(f"X: {X.shape[0]:,} payments x {X.shape[1]} columns; y: {y.sum()} frauds")

    # A transformer: fit learns one mean and one standard deviation per column.
    scaler = StandardScaler()
    print(f"fit returns the estimator: {scaler.fit(X) is scaler}")
    print(f"StandardScaler learned mean_ {scaler.mean_} and scale_ {scaler.scale_}")
    Xs = scaler.transform(X)
    means, stds = Xs.mean(axis=0).round(2) + 0.0, Xs.std(axis=0)  # + 0.0: -0.0 prints as 0.
    print(f"after transform: column means {means}, standard deviations {stds}")

    # A predictor: predict_proba gives one column per class, in the order of classes_.
    model = LogisticRegression()
    try:
        model.predict(Xs)
    except NotFittedError:
        print("predict before fit: NotFittedError")
    model.fit(Xs, y)
    print(f"LogisticRegression learned classes_ {model.classes_} and coef_ {model.coef_}")
    proba = model.predict_proba(Xs)
    print(f"predict_proba, first 3 payments:\n{proba[:3]}")
    same = np.array_equal(model.predict(Xs), proba[:, 1] > 0.5)
    print(f"predict equals P(True) > 0.5: {same}")
    print(f"payments predicted fraud: {model.predict(Xs).sum()} of {len(y):,} ({y.sum()} are)")

    # Parameters: what you choose. set_params changes them; refit to learn again.
    print(f"get_params()['C']: {model.get_params()['C']}")
    model.set_params(C=0.1)
    fresh = clone(model)
    print(f"clone: C {fresh.C}, fitted {hasattr(fresh, 'coef_')}")


if __name__ == "__main__":
    main()
