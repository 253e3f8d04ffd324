"""Checks for capstone/features (see solutions/capstone/fraudsys/features.py for the reference)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

from autograder.assertions import expect_raises, fail
from coursedata.schema import RAW_EXPORT

from . import _shared

# part QUALITY · LEAKY_COLUMNS, clean_raw, FEATURES, build_features, and the quality they give

EXPECTED_FEATURES = (
    "log_amount_eur",
    "hour",
    "night",
    "abroad",
    "merchant_us",
    "risky_category",
    "category_code",
    "channel_web",
    "channel_app",
    "channel_pos",
)
LEAKY = {"chargeback_at", "days_to_chargeback", "is_fraud"}
# The bars of the hidden future weeks (the reference: seed 7 AP 0.292, cost 0.58 of flagging
# nothing; seed 0 0.487 and 0.46; seeds 1 to 3 0.27 to 0.35 and 0.52 to 0.57). A random score's
# AP is the fraud share, about 0.025.
AP_BAR = 0.20
COST_BAR = 0.80  # the cost at the chosen threshold, as a share of the cost of flagging nothing


def _call(fn, *args, doing: str) -> Any:
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"{doing} raised {type(exc).__name__}: {exc}")


def _frame(value: Any, what: str) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        fail(f"{what} returned {type(value).__name__}, expected a pandas DataFrame")
    return value


# --- hand-built inputs -----------------------------------------------------------------------


def _users() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": np.array([2, 1, 3], dtype=np.int64),
            "home_country": pd.Categorical(["FR", "DE", "IT"]),
            "segment": ["student", "standard", "premium"],
        }
    )


def _merchants() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "merchant_id": np.array([11, 10], dtype=np.int64),
            "country": pd.Categorical(["US", "ES"]),
            "category": ["retail", "gift_cards"],
        }
    )


RAW_COLUMNS = list(RAW_EXPORT)  # the data world's raw export, column for column


def _raw() -> pd.DataFrame:
    """Four rows: id 5 twice (the copy differs: another offset, casing, card country), id 3 at
    the same instant as id 5 (the tie goes to the smaller id), id 9 first in time, with a user
    and a merchant that neither table knows."""
    rows = [
        ["5", "2025-03-01T23:30:00-05:00", "1", "10", "1,234.56", "EUR", " Gift_Cards ", "POS",
         "7", None, "ES", "1", "2025-03-20T00:00:00Z", "18.5"],
        ["3", "2025-03-02T04:30:00Z", "2", "11", "12.00", "USD", "GROCERY", "web ", "8", "FR",
         None, "0", None, None],
        ["5", "2025-03-02T05:30:00+01:00", "1", "10", "1234.56", "EUR", "gift_cards", "pos",
         "7", "GB", "ES", "1", "2025-03-20T00:00:00Z", "18.5"],
        ["9", "2025-03-01T10:00:00Z", "99", "12", "0.50", "CHF", "Crypto", "App", "9", None,
         None, "0", None, None],
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=RAW_COLUMNS, dtype=object)


def _expected_clean() -> pd.DataFrame:
    utc = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
    return pd.DataFrame(
        {
            "transaction_id": np.array([9, 3, 5], dtype=np.int64),
            "timestamp": [
                utc("2025-03-01 10:00"),
                utc("2025-03-02 04:30"),
                utc("2025-03-02 04:30"),
            ],
            "user_id": np.array([99, 2, 1], dtype=np.int64),
            "merchant_id": np.array([12, 11, 10], dtype=np.int64),
            "amount": [0.5, 12.0, 1234.56],
            "currency": ["CHF", "USD", "EUR"],
            "merchant_category": ["crypto", "grocery", "gift_cards"],
            "channel": ["app", "web", "pos"],
            "device_id": np.array([9, 8, 7], dtype=np.int64),
            "card_country": ["unknown", "FR", "DE"],
            "merchant_country": ["unknown", "US", "ES"],
            "is_fraud": [False, False, True],
            "chargeback_at": [pd.NaT, pd.NaT, utc("2025-03-20")],
            "days_to_chargeback": [math.nan, math.nan, 18.5],
        }
    )


def _compare_clean(got: pd.DataFrame, want: pd.DataFrame, where: str) -> None:
    """Column by column, in order, with a message naming the first difference."""
    if list(got.columns) != list(want.columns):
        fail(
            f"clean_raw's columns are {list(got.columns)}, expected the export's columns in its "
            f"order {list(want.columns)}, on {where}"
        )
    if len(got) != len(want):
        fail(
            f"clean_raw returned {len(got)} rows, expected {len(want)}: one row per transaction "
            f"(a transaction_id exported twice keeps its first row only), on {where}"
        )
    if not isinstance(got.index, pd.RangeIndex) or not got.index.equals(pd.RangeIndex(len(got))):
        fail(
            f"clean_raw's index is {got.index[:5].tolist()}..., expected a fresh RangeIndex 0, 1, 2, ..."
        )
    ids_got, ids_want = got["transaction_id"].to_numpy(), want["transaction_id"].to_numpy()
    if not np.array_equal(ids_got, ids_want):
        k = int(np.flatnonzero(ids_got != ids_want)[0])
        fail(
            f"row {k} of clean_raw's result is transaction {ids_got[k]}, expected {ids_want[k]}: "
            f"rows sorted by timestamp (in UTC: the offset says which instant), ties by "
            f"transaction_id, on {where}"
        )
    for column in want.columns:
        g, w = got[column], want[column]
        if isinstance(g.dtype, pd.CategoricalDtype):
            fail(f"column {column!r} is categorical; the contract asks for plain text, on {where}")
        if column in ("timestamp", "chargeback_at"):
            if not isinstance(g.dtype, pd.DatetimeTZDtype) or str(g.dt.tz) != "UTC":
                fail(f"column {column!r} has dtype {g.dtype}, expected tz-aware UTC datetimes")
            same = (
                g.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
                == w.astype("datetime64[ns, UTC]")
            ) | (g.isna() & w.isna())
        elif column in ("amount", "days_to_chargeback"):
            if g.dtype != np.float64:
                fail(f"column {column!r} has dtype {g.dtype}, expected float64, on {where}")
            same = (
                np.isclose(g.to_numpy(), w.to_numpy(), rtol=0, atol=1e-9)
                | (g.isna() & w.isna()).to_numpy()
            )
        elif column == "is_fraud":
            if g.dtype != bool:
                fail(f"column 'is_fraud' has dtype {g.dtype}, expected bool ('1' is True)")
            same = g.to_numpy() == w.to_numpy()
        elif w.dtype == np.int64:
            if g.dtype != np.int64:
                fail(f"column {column!r} has dtype {g.dtype}, expected int64, on {where}")
            same = g.to_numpy() == w.to_numpy()
        else:
            same = g.astype(object).to_numpy() == w.astype(object).to_numpy()
        same = np.asarray(same, dtype=bool)
        if not same.all():
            k = int(np.flatnonzero(~same)[0])
            fail(
                f"column {column!r}, row {k} (transaction {ids_want[k]}): got {g.iloc[k]!r}, "
                f"expected {w.iloc[k]!r}, on {where}. {_WHY.get(column, '')}"
            )


_WHY = {
    "timestamp": "Parse the ISO text with its offset and convert to UTC.",
    "amount": "Drop the thousands separators before parsing ('1,234.56' is 1234.56).",
    "merchant_category": "Lowercase, without surrounding spaces.",
    "channel": "Lowercase, without surrounding spaces.",
    "card_country": "A missing card country comes from users.home_country (by user_id), else "
    "'unknown'; a duplicate keeps its FIRST row.",
    "merchant_country": "A missing merchant country comes from merchants.country (by "
    "merchant_id), else 'unknown'.",
    "chargeback_at": "Parsed like timestamp; NaT when missing.",
}


def _feature_rows() -> pd.DataFrame:
    """Four payments whose features can be read off (index labels not 0..3 on purpose)."""
    return pd.DataFrame(
        {
            "transaction_id": [1, 2, 3, 4],
            "timestamp": pd.to_datetime(
                [
                    "2025-03-01T04:59:59Z",
                    "2025-03-01T06:30:00+02:00",  # 04:30 UTC: night in UTC, not in local time
                    "2025-03-01T05:00:00Z",  # the end of the night is excluded
                    "2025-03-01T00:00:00Z",
                ],
                utc=True,
            ),
            "amount": [108.0, 85.0, 10.0, 5.0],
            "currency": ["USD", "GBP", "EUR", "JPY"],
            "merchant_category": ["crypto", "grocery", "toys", "gambling"],
            "channel": ["web", "app", "pos", "pos"],
            "card_country": ["DE", "FR", "unknown", "IT"],
            "merchant_country": ["US", "FR", "DE", "ES"],
        },
        index=[40, 7, 13, 2],
    )


def _expected_features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "log_amount_eur": [math.log1p(100.0), math.log1p(100.0), math.log1p(10.0), math.nan],
            "hour": [4.0, 4.0, 5.0, 0.0],
            "night": [1.0, 1.0, 0.0, 1.0],
            "abroad": [1.0, 0.0, 0.0, 1.0],
            "merchant_us": [1.0, 0.0, 0.0, 0.0],
            "risky_category": [1.0, 0.0, 0.0, 1.0],
            "category_code": [13.0, 0.0, -1.0, 14.0],
            "channel_web": [1.0, 0.0, 0.0, 0.0],
            "channel_app": [0.0, 1.0, 0.0, 0.0],
            "channel_pos": [0.0, 0.0, 1.0, 1.0],
        },
        index=[40, 7, 13, 2],
    )


def _check_features(got: Any, want: pd.DataFrame, where: str, why: str = "") -> None:
    got = _frame(got, "build_features")
    if list(got.columns) != list(EXPECTED_FEATURES):
        fail(
            f"build_features' columns are {list(got.columns)}, expected FEATURES in order {list(EXPECTED_FEATURES)}"
        )
    if len(got) != len(want) or not got.index.equals(want.index):
        fail(
            f"build_features returned {len(got)} rows with index {got.index[:5].tolist()}..., "
            f"expected one row per input row with the input's index {want.index[:5].tolist()}..., on {where}"
        )
    bad = [c for c in got.columns if got[c].dtype != np.float64]
    if bad:
        fail(
            f"the columns {bad} are not float64 ({got[bad[0]].dtype}), on {where}: every feature is float64"
        )
    g, w = got.to_numpy(), want[list(EXPECTED_FEATURES)].to_numpy()
    same = np.isclose(g, w, rtol=1e-12, atol=1e-12) | (np.isnan(g) & np.isnan(w))
    if not same.all():
        r, c = (int(v[0]) for v in np.nonzero(~same))
        fail(
            f"feature {EXPECTED_FEATURES[c]!r} of row {want.index[r]!r} is {g[r, c]!r}, expected "
            f"{w[r, c]!r}, on {where}. {why}"
        )


# --- in the learner's process ----------------------------------------------------------------


def _pipeline(module, raw, users, merchants) -> tuple[pd.DataFrame, pd.DataFrame]:
    """clean_raw then build_features, in the learner's process: (cleaned ids and times, X)."""
    clean = module.clean_raw(raw, users, merchants)
    X = module.build_features(clean)
    return clean[["transaction_id", "timestamp"]], X


class TestCleanRaw:
    def test_hand_built_export(self, submission):
        raw, users, merchants = _raw(), _users(), _merchants()
        before = (raw.copy(), users.copy(), merchants.copy())
        got = _frame(
            _call(submission.clean_raw, raw, users, merchants, doing="clean_raw"), "clean_raw"
        )
        _compare_clean(got, _expected_clean(), "a hand-built export of four rows")
        for frame, copy, name in zip(
            (raw, users, merchants), before, ("raw", "users", "merchants"), strict=True
        ):
            if not frame.equals(copy):
                fail(f"clean_raw modified its argument {name}: it must work on a copy")

    def test_hidden_history_matches_reference(self, submission, reference):
        raw, users, merchants = _shared.raw()
        history = _shared.history()
        got = _frame(
            _call(submission.clean_raw, history, users, merchants, doing="clean_raw"), "clean_raw"
        )
        want = reference.clean_raw(history, users, merchants)
        _compare_clean(got, want, f"the hidden world's export up to {_shared.as_of().date()}")

    def test_missing_columns_raise(self, submission):
        raw, users, merchants = _raw(), _users(), _merchants()
        cases = [
            (raw.drop(columns=["amount"]), users, merchants, "raw without 'amount'"),
            (raw.drop(columns=["chargeback_at"]), users, merchants, "raw without 'chargeback_at'"),
            (raw, users.drop(columns=["home_country"]), merchants, "users without 'home_country'"),
            (raw, users, merchants.drop(columns=["country"]), "merchants without 'country'"),
        ]
        for r, u, m, what in cases:
            expect_raises(
                ValueError,
                submission.clean_raw,
                r,
                u,
                m,
                why=f"clean_raw on {what}: a missing column is a ValueError that names it",
            )


class TestBuildFeatures:
    def test_hand_built_rows(self, submission):
        rows = _feature_rows()
        copy = rows.copy()
        got = _call(submission.build_features, rows, doing="build_features on four hand-built rows")
        if not rows.equals(copy):
            fail("build_features modified the frame it was given: it must leave it as it was")
        _check_features(
            got,
            _expected_features(),
            "four hand-built rows",
            "Amounts in EUR (amount / CURRENCY_RATES; NaN for an unknown currency), hours in UTC, "
            "night is [0, 5), abroad only when both countries are known, category_code from "
            "coursekit.schemas.CATEGORIES (-1 when absent), one-hot channels.",
        )
        berlin = rows.assign(timestamp=rows["timestamp"].dt.tz_convert("Europe/Berlin"))
        got = _call(submission.build_features, berlin, doing="build_features on Berlin times")
        _check_features(
            got,
            _expected_features(),
            "the same rows with their times in Europe/Berlin",
            "The same instants give the same features: convert to UTC before taking the hour.",
        )

    def test_no_rows(self, submission):
        got = _frame(
            _call(
                submission.build_features,
                _feature_rows().iloc[:0],
                doing="build_features on no rows",
            ),
            "build_features",
        )
        if list(got.columns) != list(EXPECTED_FEATURES) or len(got) != 0:
            fail(
                f"build_features on a frame with no rows returned {len(got)} rows and columns "
                f"{list(got.columns)}; expected no rows and the columns FEATURES"
            )

    def test_missing_field_raises(self, submission):
        for column in ("channel", "timestamp", "currency"):
            expect_raises(
                ValueError,
                submission.build_features,
                _feature_rows().drop(columns=[column]),
                why=f"build_features on rows without {column!r}: it is one of the seven fields it "
                "needs, so the call is a ValueError that names it",
            )

    def test_hidden_future_matches_reference(self, submission, reference):
        rows = _shared.typed_frame(_shared.future())
        got = _call(
            submission.build_features, rows, doing="build_features on the hidden future weeks"
        )
        _check_features(got, reference.build_features(rows), "the hidden world's future weeks")
        world = _shared.future().iloc[:2000]  # the world's own dtypes: categoricals
        got = _call(submission.build_features, world, doing="build_features on categoricals")
        _check_features(
            got,
            reference.build_features(rows.iloc[:2000]),
            "the hidden future weeks with the world's categorical columns",
            "Text or categorical columns give the same features (compare values, as text).",
        )

    def test_only_the_request_fields(self, submission, reference):
        """The service has nothing but the request's fields: the same features from them alone."""
        full = _shared.typed_frame(_shared.future()).iloc[:2000]
        want = reference.build_features(full)
        got = _call(
            submission.build_features,
            _shared.request_rows(full),
            doing="build_features on the fields of coursekit.schemas.Transaction alone",
        )
        _check_features(
            got,
            want,
            "rows holding only the fields a client sends (no user_id, no label, no chargeback)",
            "The service and the batch job have only these fields.",
        )


class TestNoLeak:
    def test_leaky_columns(self, submission):
        got = submission.LEAKY_COLUMNS
        if not isinstance(got, tuple) or set(got) != LEAKY or len(got) != len(LEAKY):
            fail(
                f"LEAKY_COLUMNS is {got!r}; expected the tuple of the leak and the label: "
                "('chargeback_at', 'days_to_chargeback', 'is_fraud')"
            )
        full = _shared.typed_frame(_shared.future()).iloc[:3000]
        clean = _frame(
            _call(submission.build_features, full, doing="build_features"), "build_features"
        )
        garbage = full.assign(
            is_fraud=~full["is_fraud"],
            chargeback_at=full["timestamp"] + pd.Timedelta(days=2),
            days_to_chargeback=2.0,
        )
        got = _call(submission.build_features, garbage, doing="build_features with garbage labels")
        _check_features(
            got,
            clean,
            "the hidden future rows whose is_fraud, chargeback_at and days_to_chargeback were "
            "replaced by garbage",
            "Those columns are known only after the label: a feature that reads them is a leak.",
        )
        without = full.drop(columns=list(LEAKY))
        got = _call(
            submission.build_features, without, doing="build_features without the leaky columns"
        )
        _check_features(got, clean, "the same rows without the leaky columns")

    def test_each_row_alone(self, submission):
        full = _shared.typed_frame(_shared.future()).iloc[:3000]
        want = _frame(
            _call(submission.build_features, full, doing="build_features"), "build_features"
        )
        backwards = full.iloc[::-1]
        got = _call(submission.build_features, backwards, doing="build_features on reversed rows")
        _check_features(
            got,
            want.iloc[::-1],
            "the same rows in reverse order",
            "A row's features come from that row alone, whatever the other rows and their order.",
        )
        picks = np.random.default_rng(3).choice(len(full), size=12, replace=False)
        for k in picks:
            one = full.iloc[[int(k)]]
            got = _call(submission.build_features, one, doing="build_features on one row")
            _check_features(
                got,
                want.iloc[[int(k)]],
                f"row {one.index[0]} alone (as the service scores it)",
                "A row's features come from that row alone: no statistic over the frame.",
            )


class TestQuality:
    def test_hidden_future_weeks(self, submission):
        """The features, fed to train.py's model, on the weeks after as_of that nobody has seen."""
        _, users, merchants = _shared.raw()
        as_of = _shared.as_of()
        try:
            past_ids, X_past = submission.observe(_pipeline, _shared.history(), users, merchants)
            future_ids, X_future = submission.observe(
                _pipeline, _shared.future_raw(), users, merchants
            )
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001
            fail(f"clean_raw then build_features raised {type(exc).__name__}: {exc}")
        truth = _shared.world().transactions.set_index("transaction_id")
        train_mod = _shared.reference_part("train")
        config = train_mod.config
        cutoff = as_of - pd.Timedelta(days=config.LABEL_DELAY_DAYS)
        valid_start = cutoff - pd.Timedelta(days=config.VALID_DAYS)
        known = truth["chargeback_at"].notna() & (truth["chargeback_at"] <= as_of)
        ids = past_ids["transaction_id"].to_numpy()
        when = truth.loc[ids, "timestamp"]
        label = known.loc[ids].to_numpy()
        used = (when < cutoff).to_numpy()
        valid = used & (when >= valid_start).to_numpy()
        fit = used & ~valid
        with threadpool_limits(limits=1):
            model = train_mod.make_model().fit(X_past[fit], label[fit])
            threshold, _ = train_mod.best_threshold(
                label[valid], model.predict_proba(X_past[valid])[:, 1]
            )
            scores = model.predict_proba(X_future)[:, 1]
        y = truth.loc[future_ids["transaction_id"].to_numpy(), "is_fraud"].to_numpy()
        if len(y) != len(_shared.future()):
            fail(f"clean_raw kept {len(y)} of the {len(_shared.future())} future payments")
        ap = float(average_precision_score(y, scores))
        flagged = scores >= threshold
        cost = config.COST_FP * float((flagged & ~y).sum()) + config.COST_FN * float(
            (~flagged & y).sum()
        )
        nothing = config.COST_FN * float(y.sum())
        where = (
            f"train.py's model trained on your features of the payments before {cutoff.date()} "
            f"(labels as known at {as_of.date()}), scored on the {len(y)} payments of the hidden "
            f"weeks from {as_of.date()} ({int(y.sum())} frauds)"
        )
        if not ap >= AP_BAR:
            fail(
                f"average precision {ap:.3f} on {where}; the bar is {AP_BAR} (a random score gets "
                f"about {y.mean():.3f}). Features that carry the row's signal: amount in EUR, "
                "hour and night, abroad, the category's risk, the channel."
            )
        if not cost <= COST_BAR * nothing:
            fail(
                f"the threshold chosen on validation costs {cost:,.0f} EUR on {where}, "
                f"{cost / nothing:.2f} of the {nothing:,.0f} EUR of flagging nothing; the bar is "
                f"{COST_BAR}"
            )
