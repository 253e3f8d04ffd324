"""The fraud models of lesson 14's model tests (14_cicd/ex01_model_tests), good and broken.

Hand-written (not generated from an exercise). The exercise's tests, its `model` and `data`
pytest fixtures and its checks use these:

- `FraudModel`: a fitted fraud model over RAW transaction rows. `model.score(rows)` takes a
  DataFrame of transactions (the columns of `data().rows`; other columns are ignored) and returns
  a float64 ndarray of fraud probabilities in [0, 1], one per row, in the rows' order. The
  features are derived inside: log(1 + amount), the UTC hour and a night flag, `new_device`,
  whether the card's country differs from the merchant's, the card's country, the channel and a
  risky merchant category. `model.name` says which model it is. Country codes are compared
  without regard to case ("de" is "DE"). A row scored alone gets the score it gets in a batch.
- `good_model()`: the model the exercise's tests must pass (a scaled logistic regression);
  `good_model(1)`: a second, different good model (gradient-boosted trees, another training
  sample), which the same tests must pass as well.
- `data()`: a `ModelTestData` of held-out transactions as the service sees them: `rows` (a
  DataFrame; no label, no chargeback column) and `labels` (an int ndarray, 1 = fraud, aligned
  with `rows`). A fresh copy every call: change it freely.
- `transaction(**fields)`: one raw transaction as a dict, an ordinary daytime payment (a DE card
  paying 25.0 EUR at a DE grocery, card present, from a known device, 14:00 UTC) with `fields`
  replacing its values; `pd.DataFrame([transaction(...), transaction(...)])` gives rows to score.
- `broken_model(name)`: the broken models the tests must catch (`BROKEN`, with what is wrong);
  `model(name)`: any of them by name ("good", "good_boosted" or a key of `BROKEN`).

Columns of a row: transaction_id, timestamp (UTC), user_id, merchant_id, amount (> 0), currency,
merchant_category, channel ("web", "app", "pos"), device_id, new_device (True when the user had
never paid from this device before), card_country, merchant_country (ISO codes, "DE").

Models are trained on small samples of the data world (`coursedata.sample`) in well under a
second, once per process (cached), and the same call gives the same model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

RISKY_CATEGORIES = ("electronics", "digital_goods", "gift_cards", "jewelry", "crypto", "gambling")
CARD_COUNTRIES = ("DE", "FR", "ES", "IT", "NL", "IE", "GB", "CH")
LEAK_COLUMNS = ("is_fraud", "chargeback_at", "days_to_chargeback")

BROKEN: dict[str, str] = {
    "shuffled_labels": "trained on shuffled labels: its scores carry no signal",
    "ignores_amount": "never looks at the amount: a 10-fold amount leaves its score unchanged",
    "leaked_chargeback": (
        "learned from the chargeback column, which only exists after the fact: on rows without "
        "it (every row the service scores) it flags nothing"
    ),
    "inverted": "its scores are upside down (1 - p): frauds score lowest",
    "country_case": (
        "compares and encodes the card's country case-sensitively: 'de' is another country "
        "than 'DE', and abroad"
    ),
    "uses_transaction_id": "uses the transaction id as a feature: renumbering rows changes scores",
    "pos_noise": (
        "scrambles the scores of the pos channel (card present): mostly noise on that slice"
    ),
}


@dataclass
class ModelTestData:
    rows: pd.DataFrame  # held-out transactions, as served: no label, no chargeback columns
    labels: np.ndarray  # int64, 1 = fraud, aligned with rows


def _country(values: pd.Series, case_sensitive: bool) -> pd.Series:
    text = values.astype(str)
    return text if case_sensitive else text.str.strip().str.upper()


def features(
    rows: pd.DataFrame,
    *,
    amount: bool = True,
    case_sensitive: bool = False,
    transaction_id: bool = False,
    leak: bool = False,
) -> pd.DataFrame:
    """The model's input, derived from raw rows (float64, a fresh RangeIndex)."""
    timestamp = pd.to_datetime(rows["timestamp"], utc=True)
    hour = timestamp.dt.hour.to_numpy(dtype=np.float64)
    card = _country(rows["card_country"], case_sensitive)
    merchant = _country(rows["merchant_country"], False)
    channel = rows["channel"].astype(str).to_numpy()
    out = {}
    if amount:
        out["log_amount"] = np.log1p(rows["amount"].to_numpy(dtype=np.float64))
    out["hour_utc"] = hour
    out["is_night"] = (hour < 6).astype(np.float64)
    out["new_device"] = rows["new_device"].to_numpy(dtype=np.float64)
    out["is_foreign"] = (card.to_numpy() != merchant.to_numpy()).astype(np.float64)
    for code in CARD_COUNTRIES[1:]:  # DE is the baseline
        out[f"card_{code}"] = (card.to_numpy() == code).astype(np.float64)
    out["channel_web"] = (channel == "web").astype(np.float64)
    out["channel_app"] = (channel == "app").astype(np.float64)
    out["risky_category"] = (
        rows["merchant_category"].astype(str).isin(RISKY_CATEGORIES).to_numpy(dtype=np.float64)
    )
    if transaction_id:
        out["transaction_id"] = rows["transaction_id"].to_numpy(dtype=np.float64)
    if leak:  # absent at serving time: read as "no chargeback"
        days = rows.get("days_to_chargeback")
        out["days_to_chargeback"] = (
            np.full(len(rows), -1.0)
            if days is None
            else np.nan_to_num(days.to_numpy(dtype=np.float64), nan=-1.0)
        )
    return pd.DataFrame(out)


class FraudModel:
    """A fitted fraud model over raw transaction rows (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        estimator,
        derive: Callable[[pd.DataFrame], pd.DataFrame],
        post: Callable[[pd.DataFrame, np.ndarray], np.ndarray] | None = None,
    ) -> None:
        self.name = name
        self._estimator = estimator
        self._derive = derive
        self._post = post

    def score(self, rows: pd.DataFrame) -> np.ndarray:
        if not isinstance(rows, pd.DataFrame):
            raise TypeError(f"score() takes a DataFrame of transactions, got {type(rows).__name__}")
        if len(rows) == 0:
            return np.empty(0, dtype=np.float64)
        rows = rows.reset_index(drop=True)
        X = self._derive(rows)
        with _one_thread():
            p = self._estimator.predict_proba(X)[:, 1].astype(np.float64)
        if self._post is not None:
            p = self._post(rows, p)
        return np.clip(p, 0.0, 1.0)

    def __repr__(self) -> str:
        return f"FraudModel({self.name!r})"


def _one_thread():
    """Run numerical libraries on one thread: the models are small, and OpenMP threads on a
    busy machine (a CI runner, a grader) cost far more than they save."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def _with_new_device(tx: pd.DataFrame) -> pd.DataFrame:
    """The world's transactions with `new_device`: the user's first payment from that device."""
    order = tx.sort_values(["timestamp", "transaction_id"], kind="stable")
    first = ~order.duplicated(["user_id", "device_id"])
    tx = tx.copy()
    tx["new_device"] = first.reindex(tx.index).to_numpy(dtype=bool)
    columns = [c for c in tx.columns if c != "new_device"]
    at = columns.index("device_id") + 1
    return tx[[*columns[:at], "new_device", *columns[at:]]]


@functools.cache
def _frame(kind: str, seed: int) -> pd.DataFrame:
    import coursedata

    return _with_new_device(coursedata.sample(kind, seed=seed).transactions)


def _training(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    frame = _frame("medium", seed)
    return frame, frame["is_fraud"].to_numpy(dtype=np.int64)


def _logistic(X: pd.DataFrame, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    with _one_thread():
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)


def _boosted(X: pd.DataFrame, y: np.ndarray, seed: int, monotone: bool = True):
    from sklearn.ensemble import HistGradientBoostingClassifier

    cst = None
    if monotone:
        cst = [1 if c in ("log_amount", "new_device") else 0 for c in X.columns]
    model = HistGradientBoostingClassifier(
        max_iter=60, learning_rate=0.1, max_leaf_nodes=15, monotonic_cst=cst, random_state=seed
    )
    with _one_thread():
        return model.fit(X, y)


@functools.cache
def good_model(which: int = 0) -> FraudModel:
    """The good model (0: scaled logistic regression) or the second good one (1: boosted trees)."""
    if which == 0:
        frame, y = _training(1)
        return FraudModel("good", _logistic(features(frame), y), features)
    if which == 1:
        frame, y = _training(3)
        return FraudModel("good_boosted", _boosted(features(frame), y, seed=3), features)
    raise ValueError(f"which must be 0 or 1, got {which!r}")


def _unit_hash(values: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per int64 value (splitmix64)."""
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(2**53)


def _pos_noise(rows: pd.DataFrame, p: np.ndarray) -> np.ndarray:
    pos = rows["channel"].astype(str).to_numpy() == "pos"
    ns = pd.to_datetime(rows["timestamp"], utc=True).astype("int64").to_numpy()
    return np.where(pos, 0.05 * _unit_hash(ns) + 0.01 * p, p)


@functools.cache
def broken_model(name: str) -> FraudModel:
    """One of the broken models of `BROKEN`."""
    with np.errstate(over="ignore"):
        frame, y = _training(1)
        if name == "shuffled_labels":
            shuffled = np.random.default_rng(11).permutation(y)
            return FraudModel(name, _logistic(features(frame), shuffled), features)
        if name == "ignores_amount":
            derive = functools.partial(features, amount=False)
            return FraudModel(name, _logistic(derive(frame), y), derive)
        if name == "leaked_chargeback":
            derive = functools.partial(features, leak=True)
            return FraudModel(name, _logistic(derive(frame), y), derive)
        if name == "inverted":
            good = good_model()
            return FraudModel(name, good._estimator, features, lambda rows, p: 1.0 - p)
        if name == "country_case":
            derive = functools.partial(features, case_sensitive=True)
            return FraudModel(name, good_model()._estimator, derive)
        if name == "uses_transaction_id":
            derive = functools.partial(features, transaction_id=True)
            return FraudModel(name, _boosted(derive(frame), y, seed=1), derive)
        if name == "pos_noise":
            return FraudModel(name, good_model()._estimator, features, _pos_noise)
    raise ValueError(f"unknown broken model {name!r}; choose one of {sorted(BROKEN)}")


def model(name: str) -> FraudModel:
    """Any model by its name: "good", "good_boosted" or one of `BROKEN`."""
    if name == "good":
        return good_model(0)
    if name == "good_boosted":
        return good_model(1)
    if name in BROKEN:
        return broken_model(name)
    raise ValueError(
        f"unknown model {name!r}; choose 'good', 'good_boosted' or one of {sorted(BROKEN)}"
    )


def data() -> ModelTestData:
    """Held-out transactions as served (a fresh copy every call) and their labels."""
    frame = _frame("medium", 2)
    rows = frame.drop(columns=list(LEAK_COLUMNS)).reset_index(drop=True)
    return ModelTestData(rows=rows.copy(), labels=frame["is_fraud"].to_numpy(dtype=np.int64))


def transaction(**fields) -> dict:
    """One ordinary raw transaction as a dict, with `fields` replacing its values."""
    row = {
        "transaction_id": 1,
        "timestamp": pd.Timestamp("2025-03-04 14:00:00", tz="UTC"),
        "user_id": 1,
        "merchant_id": 1,
        "amount": 25.0,
        "currency": "EUR",
        "merchant_category": "grocery",
        "channel": "pos",
        "device_id": 1,
        "new_device": False,
        "card_country": "DE",
        "merchant_country": "DE",
    }
    unknown = sorted(set(fields) - set(row))
    if unknown:
        raise ValueError(f"unknown transaction field(s) {unknown}; the fields are {list(row)}")
    row.update(fields)
    return row
