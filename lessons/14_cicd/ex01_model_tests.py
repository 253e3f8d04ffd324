"""Exercise 01 · Model tests that catch broken models.

Docs: docs/lessons/14-cicd.md#ex01-model-tests (the site: `mkdocs serve`, then Lesson 14)

A model can pass every unit test of its code and still be broken: trained on shuffled labels,
blind to a feature, leaning on a column that only exists after the fact. Model tests check the
model's BEHAVIOUR, the way a reviewer would, and run in CI before a model ships. Here you write
them for the fraud model; they are graded by running them against the course's good models (all
must pass) and against broken models (each must make at least one of your tests fail).

The model and the data come from `coursekit/model_testing.py` (read its docstring):

- `model.score(rows)` takes a DataFrame of raw transactions (the columns of `data.rows`; build
  your own rows with `model_testing.transaction(**fields)`, e.g.
  `pd.DataFrame([transaction(amount=900.0, channel="web"), ...])`) and returns a float64 ndarray
  of fraud probabilities in [0, 1], one per row, in order. A score >= 0.5 means "flagged".
- `data.rows`: 50,000 held-out transactions as the service sees them (no label, no chargeback
  column); `data.labels`: their labels (int ndarray, 1 = fraud), aligned with the rows. Each
  test gets its own copy: change it freely.

Write these five test functions. Each takes exactly two arguments, `model` and `data`, passes
(returns) when the model behaves and fails (an `assert` that does not hold) when it does not:

- `test_minimum_functionality(model, data)`: obvious frauds are flagged and obvious legitimate
  payments are not. Build a few rows of each by hand: a fraud is, e.g., a large amount (hundreds
  of euros or more) at night (UTC), from a new device, abroad, in a risky category, on the web or
  the app; a legitimate payment a small daytime purchase at home, card present, from a known
  device. Every fraud row must score >= 0.5 and every legitimate row < 0.5.
- `test_invariance_country_case(model, data)`: the casing of `card_country` does not matter:
  scoring rows whose `card_country` is written in lower case ("de") gives the same scores as the
  original rows, to 1e-9. Use many rows (`data.rows`), domestic ones among them.
- `test_invariance_transaction_id(model, data)`: the transaction id is a label, not a feature:
  giving many rows (`data.rows`) other ids (e.g. shuffled, or shifted by 1,000,000) gives the
  same scores, to 1e-9.
- `test_directional_amount_new_device(model, data)`: on the rows paid from a new device
  (`data.rows["new_device"]`), multiplying the amount by 10 never lowers a score (each new score
  >= its old score - 1e-9) and raises the mean score: a model blind to the amount fails it.
- `test_slice_performance(model, data)`: on each channel ("web", "app", "pos"), the average
  precision of `model.score(data.rows)` against `data.labels`
  (`sklearn.metrics.average_precision_score`) is at least a floor you choose between 0.05 and
  0.2: the course's good models are above 0.2 on every channel, a model whose ranking on one
  channel is mostly noise stays below 0.05 there.

Your tests must pass on EVERY good model (the course has two, a logistic regression and boosted
trees, with different scores): test behaviour, never one model's exact scores. And a test must
test something: one that also passes on a model returning a constant (0.0, 0.45, 0.5, 1.0), a
new random score on every call, or scores that wobble by 1e-4 from call to call, catches nothing
(the grader runs your tests against such models too).

Run them locally with plain pytest: `pytest lessons/14_cicd/ex01_model_tests.py` runs them
against both good models (the `model` and `data` fixtures below); to watch them catch a broken
model, name it: `FRAUD_MODELS=inverted pytest lessons/14_cicd/ex01_model_tests.py` (the names:
`model_testing.BROKEN`; several, comma-separated).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from coursekit import model_testing
from coursekit.model_testing import transaction


@pytest.fixture(params=os.environ.get("FRAUD_MODELS", "good,good_boosted").split(","))
def model(request):
    """The model under test: the good ones by default, or those FRAUD_MODELS names."""
    return model_testing.model(request.param.strip())


@pytest.fixture
def data():
    """The held-out transactions and their labels (a fresh copy for each test)."""
    return model_testing.data()


def test_minimum_functionality(model, data):
    # TODO: score hand-built obvious frauds and obvious legitimate payments; assert every fraud >= 0.5 and every legitimate payment < 0.5
    raise NotImplementedError


def test_invariance_country_case(model, data):
    # TODO: score data.rows and a copy whose card_country is lower case; assert the scores are equal to 1e-9
    raise NotImplementedError


def test_invariance_transaction_id(model, data):
    # TODO: score data.rows and a copy with other transaction ids; assert the scores are equal to 1e-9
    raise NotImplementedError


def test_directional_amount_new_device(model, data):
    # TODO: on the new-device rows, score them and a copy with 10 times the amount; assert no score drops (1e-9) and the mean rises
    raise NotImplementedError


def test_slice_performance(model, data):
    # TODO: score data.rows; per channel, assert average_precision_score(labels, scores) >= your floor
    raise NotImplementedError
