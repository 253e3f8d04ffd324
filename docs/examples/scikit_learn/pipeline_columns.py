"""Worked example: a `ColumnTransformer` and a model in one `Pipeline`, cross-validated.

A payments table mixes numbers (an amount, an account's age) and categories (the channel, the
merchant's category, the hour). A `ColumnTransformer` sends each list of columns through its own
transformer and puts the results side by side; a `Pipeline` chains it with the model, so the
whole thing is one estimator: `fit` fits every step in turn on the training rows, `predict_proba`
pushes new rows through the fitted steps. Cross-validate the pipeline, and every fold fits its
own scaler and encoder on its own training rows: the test fold never shapes the preprocessing.

Run: python docs/examples/scikit_learn/pipeline_columns.py (about two seconds)
"""

from __future__ import annotations

import numpy as np
from payment_features import CATEGORICAL, NUMERIC, payment_features
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

import coursedata


def main() -> None:
    np.set_printoptions(precision=3)
    world = coursedata.sample("small", seed=0)
    X, y = payment_features(world), world.transactions["is_fraud"]

    # make_column_transformer / make_pipeline name each step after its class, in lower case.
    preprocess = make_column_transformer(
        (StandardScaler(), NUMERIC),
        (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL),
    )
    pipeline = make_pipeline(preprocess, LogisticRegression(max_iter=1_000))
    print(f"steps: {list(pipeline.named_steps)}")

    pipeline.fit(X, y)  # fits the scaler, then the encoder, then the model on what they output
    names = pipeline[:-1].get_feature_names_out()  # pipeline[:-1]: every step but the model
    print(f"{X.shape[1]} columns in, {len(names)} out: {list(names[:2])} ... {list(names[-1:])}")
    one_hot = pipeline.named_steps["columntransformer"].named_transformers_["onehotencoder"]
    print(f"channel categories learned: {list(one_hot.categories_[1])}")

    # Five folds: each fold's pipeline is a fresh clone, fitted on that fold's training rows only.
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    with threadpool_limits(limits=1):
        cv = cross_validate(pipeline, X, y, cv=folds, scoring="roc_auc", return_estimator=True)
    fold_means = [
        fitted.named_steps["columntransformer"].named_transformers_["standardscaler"].mean_[0]
        for fitted in cv["estimator"]
    ]
    print(f"mean log_amount, all rows: {X['log_amount'].mean():.3f}")
    print(f"mean log_amount each fold's scaler learned: {np.array(fold_means)}")
    print(f"ROC AUC per test fold: {cv['test_score']}, mean {cv['test_score'].mean():.3f}")

    # A step's parameter is <step name>__<parameter>: the names tuning (lesson 05) searches over.
    pipeline.set_params(logisticregression__C=0.1)
    print(f"after set_params: C = {pipeline.named_steps['logisticregression'].C}")


if __name__ == "__main__":
    main()
