"""The data world keeps its promises: seeded, typed as SCHEMA says, and the truths it plants
(fraud rate, leak, drift, the raw export's mess, fraud that needs history) are really there."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import coursedata
from coursedata import SCHEMA, schema_markdown

ROOT = Path(__file__).resolve().parents[1]
DOCS_PAGE = ROOT / "docs" / "reference" / "data-world.md"
FRAUD_BASELINE = ROOT / "docs" / "examples" / "coursedata" / "fraud_baseline.py"


@pytest.fixture(scope="module")
def medium() -> coursedata.World:
    return coursedata.sample("medium")


@pytest.fixture(scope="module")
def small() -> coursedata.World:
    return coursedata.sample("small")


def frame_hashes(world: coursedata.World) -> dict[str, np.ndarray]:
    return {
        name: pd.util.hash_pandas_object(getattr(world, name), index=True).to_numpy()
        for name in ("transactions", "users", "merchants")
    }


def load_example(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames_and_another_seed_differs():
    kwargs = {"n_transactions": 20_000, "n_users": 800, "n_merchants": 120}
    first = frame_hashes(coursedata.generate(**kwargs, seed=3))
    again = frame_hashes(coursedata.generate(**kwargs, seed=3))
    other = frame_hashes(coursedata.generate(**kwargs, seed=4))
    for name in first:
        assert np.array_equal(first[name], again[name]), f"{name} changed between two runs, seed 3"
        assert not np.array_equal(first[name], other[name]), f"{name} is the same for seeds 3 and 4"


def test_generate_leaves_global_random_state_alone():
    np.random.seed(0)
    expected = np.random.rand()
    np.random.seed(0)
    coursedata.sample("tiny")
    assert np.random.rand() == expected


def test_import_has_no_side_effects(tmp_path):
    code = "import coursedata, sys; print('sklearn' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "False", "importing coursedata should not import scikit-learn"
    assert list(tmp_path.iterdir()) == [], "importing coursedata wrote files"


# --- schema --------------------------------------------------------------------------------------


def test_frames_have_exactly_the_schema_columns_and_dtypes(small):
    frames = {
        "transactions": small.transactions,
        "users": small.users,
        "merchants": small.merchants,
        "raw_export": coursedata.raw_export(small),
    }
    for table, frame in frames.items():
        assert list(frame.columns) == list(SCHEMA[table]), f"{table}: columns differ from SCHEMA"
        for name, column in SCHEMA[table].items():
            assert str(frame[name].dtype) == column.dtype, f"{table}.{name}: {frame[name].dtype}"
            if column.values:
                assert tuple(frame[name].cat.categories) == column.values, f"{table}.{name}"
    assert str(small.transactions["timestamp"].dt.tz) == "UTC"


def test_docs_page_renders_every_schema_table():
    page = DOCS_PAGE.read_text(encoding="utf-8")
    for table in SCHEMA:
        assert schema_markdown(table) in page, (
            f"docs/reference/data-world.md is out of date for {table!r}: paste "
            f"coursedata.schema_markdown({table!r}) into it"
        )
        for name in SCHEMA[table]:
            assert f"`{name}`" in page


def test_keys_and_denormalised_columns_agree_with_the_dimension_tables(small):
    tx, users, merchants = small.transactions, small.users, small.merchants
    assert np.array_equal(tx["transaction_id"], np.arange(1, len(tx) + 1))
    assert tx["timestamp"].is_monotonic_increasing
    assert users["user_id"].is_unique and merchants["merchant_id"].is_unique
    user = users.set_index("user_id").loc[tx["user_id"]]
    merchant = merchants.set_index("merchant_id").loc[tx["merchant_id"]]
    assert (tx["card_country"].to_numpy() == user["home_country"].to_numpy()).all()
    assert (tx["merchant_country"].to_numpy() == merchant["country"].to_numpy()).all()
    assert (tx["merchant_category"].to_numpy() == merchant["category"].to_numpy()).all()
    assert (tx["timestamp"].to_numpy() >= user["signup_at"].to_numpy()).all(), "paid before signup"
    assert tx["timestamp"].min() >= small.truth.start and tx["timestamp"].max() < small.truth.end
    assert (tx["amount"] > 0).all()


# --- planted truths ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tiny", "small", "medium"])
def test_fraud_rate_is_between_one_and_two_percent(kind):
    world = coursedata.sample(kind)
    rate = world.transactions["is_fraud"].mean()
    assert 0.01 <= rate <= 0.02
    assert world.truth.fraud_rate == pytest.approx(rate)
    episode_of = world.truth.fraud_episode_of
    assert np.array_equal(
        episode_of.index, world.transactions.loc[world.transactions["is_fraud"], "transaction_id"]
    )
    assert world.truth.fraud_episodes["n_transactions"].sum() == len(episode_of)


def test_chargeback_leak_is_only_on_fraud_and_always_after_the_payment(medium):
    tx = medium.transactions
    assert medium.truth.leak_columns == ("chargeback_at", "days_to_chargeback")
    assert (tx["chargeback_at"].notna() == tx["is_fraud"]).all()
    assert (tx["days_to_chargeback"].notna() == tx["is_fraud"]).all()
    fraud = tx[tx["is_fraud"]]
    assert (fraud["chargeback_at"] > fraud["timestamp"]).all()
    delay = (fraud["chargeback_at"] - fraud["timestamp"]) / pd.Timedelta(days=1)
    assert np.allclose(delay, fraud["days_to_chargeback"])


def amount_and_channel_shift(before: pd.DataFrame, after: pd.DataFrame) -> tuple[float, float]:
    """(mean amount ratio after/before, total variation distance between the channel mixes)."""
    ratio = after["amount"].mean() / before["amount"].mean()
    mix_before = before["channel"].value_counts(normalize=True)
    mix_after = after["channel"].value_counts(normalize=True)
    return ratio, float((mix_after - mix_before).abs().sum() / 2)


def test_drift_is_visible_after_the_drift_date_and_not_before(medium):
    tx, drift = medium.transactions, medium.truth.drift_start
    assert drift == medium.truth.start + pd.Timedelta(days=120)  # default: two thirds of 180 days
    before, after = tx[tx["timestamp"] < drift], tx[tx["timestamp"] >= drift]
    ratio, distance = amount_and_channel_shift(before, after)
    assert ratio > 1.15 and distance > 0.12, (ratio, distance)
    midpoint = medium.truth.start + (drift - medium.truth.start) / 2
    early, late = before[before["timestamp"] < midpoint], before[before["timestamp"] >= midpoint]
    ratio, distance = amount_and_channel_shift(early, late)
    assert abs(ratio - 1) < 0.07 and distance < 0.04, (ratio, distance)


def test_drift_start_parameter_moves_the_drift():
    world = coursedata.generate(
        n_transactions=30_000, n_users=1_000, seed=1, drift_start="2025-02-15"
    )
    drift = pd.Timestamp("2025-02-15", tz="UTC")
    assert world.truth.drift_start == drift
    tx = world.transactions
    ratio, distance = amount_and_channel_shift(
        tx[tx["timestamp"] < drift], tx[tx["timestamp"] >= drift]
    )
    assert ratio > 1.15 and distance > 0.12


def test_fraud_is_learnable_from_history_but_not_from_raw_columns(medium):
    example = load_example(FRAUD_BASELINE)  # imports scikit-learn, so its OpenMP is loaded
    # One OpenMP thread: on a busy machine, gradient boosting's spinning threads take 10x longer.
    with threadpool_limits(limits=1):
        scores = example.compare(medium)
    raw, history = scores["raw"]["average_precision"], scores["history"]["average_precision"]
    assert history > 0.6 and history > raw + 0.3, scores


# --- the raw export ------------------------------------------------------------------------------


def parse_utc(text: pd.Series) -> pd.Series:
    """ISO 8601 strings with any offset to datetime64[ns, UTC] (pandas 3 would pick us)."""
    return pd.to_datetime(text, utc=True, format="ISO8601").dt.as_unit("ns")


def clean_raw_export(
    raw: pd.DataFrame, users: pd.DataFrame, merchants: pd.DataFrame
) -> pd.DataFrame:
    """A straightforward reference cleaning of `raw_export` back to typed transactions."""
    df = raw.drop_duplicates("transaction_id").reset_index(drop=True)
    tx = SCHEMA["transactions"]

    def category(values: pd.Series, name: str) -> pd.Categorical:
        return pd.Categorical(values, categories=tx[name].values)

    user_id, merchant_id = df["user_id"].astype("int64"), df["merchant_id"].astype("int64")
    home = users.set_index("user_id")["home_country"].astype(str)
    where = merchants.set_index("merchant_id")["country"].astype(str)
    clean = pd.DataFrame(
        {
            "transaction_id": df["transaction_id"].astype("int64"),
            "timestamp": parse_utc(df["timestamp"]),
            "user_id": user_id,
            "merchant_id": merchant_id,
            "amount": df["amount"].str.replace(",", "").astype("float64"),
            "currency": category(df["currency"], "currency"),
            "merchant_category": category(
                df["merchant_category"].str.strip().str.lower(), "merchant_category"
            ),
            "channel": category(df["channel"].str.strip().str.lower(), "channel"),
            "device_id": df["device_id"].astype("int64"),
            "card_country": category(df["card_country"].fillna(user_id.map(home)), "card_country"),
            "merchant_country": category(
                df["merchant_country"].fillna(merchant_id.map(where)), "merchant_country"
            ),
            "is_fraud": df["is_fraud"] == "1",
            "chargeback_at": parse_utc(df["chargeback_at"]),
            "days_to_chargeback": pd.to_numeric(df["days_to_chargeback"]),
        }
    )
    return clean.sort_values("transaction_id").reset_index(drop=True)


@pytest.fixture(scope="module")
def exported(small) -> tuple[pd.DataFrame, coursedata.RawExportTruth]:
    raw = coursedata.raw_export(small, seed=5)
    return raw, small.truth.raw_export


def test_raw_export_is_all_text_with_separated_amounts(exported):
    raw, _ = exported
    assert (raw.dtypes == "object").all()
    assert raw["amount"].map(type).eq(str).all()
    assert raw["amount"].str.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d").all()
    assert raw["amount"].str.contains(",").any(), "no amount of 1,000 or more"


def test_raw_export_duplicates_are_recorded(exported, small):
    raw, truth = exported
    assert truth.n_rows == len(raw) > len(small.transactions)
    repeated = raw["transaction_id"].astype("int64").duplicated()
    assert np.array_equal(np.flatnonzero(repeated), truth.duplicate_rows)
    ids = raw.loc[repeated, "transaction_id"].astype("int64").unique()
    assert np.array_equal(np.sort(ids), truth.duplicated_ids)
    assert len(truth.duplicated_ids) == round(0.02 * len(small.transactions))


def test_raw_export_categories_countries_and_timestamps_are_messy(exported):
    raw, truth = exported
    categories = set(SCHEMA["transactions"]["merchant_category"].values)
    off = ~raw["merchant_category"].isin(categories)
    assert off.any() and np.array_equal(np.flatnonzero(off), truth.messy_category_rows)
    off = ~raw["channel"].isin(SCHEMA["transactions"]["channel"].values)
    assert off.any() and np.array_equal(np.flatnonzero(off), truth.messy_channel_rows)
    assert raw["merchant_category"].str.startswith(" ").any() and raw["channel"].str.isupper().any()
    assert np.array_equal(
        np.flatnonzero(raw["card_country"].isna()), truth.missing_card_country_rows
    )
    assert np.array_equal(
        np.flatnonzero(raw["merchant_country"].isna()), truth.missing_merchant_country_rows
    )
    assert len(truth.missing_card_country_rows) > 0 and len(truth.missing_merchant_country_rows) > 0
    offset = raw["timestamp"].str.contains(r"[+-]\d\d:\d\d$")
    assert np.array_equal(np.flatnonzero(offset), truth.offset_timestamp_rows)
    assert not raw.loc[offset, "timestamp"].str.endswith("+00:00").any()
    # Dropping the offset, as naive parsing does, moves those payments in time.
    naive = pd.to_datetime(raw["timestamp"].str.replace(r"(Z|[+-]\d\d:\d\d)$", "", regex=True))
    right = pd.to_datetime(raw["timestamp"], utc=True, format="ISO8601").dt.tz_localize(None)
    assert ((naive != right) == offset).all()


def test_cleaning_the_raw_export_recovers_the_transactions(exported, small):
    raw, _ = exported
    pd.testing.assert_frame_equal(
        clean_raw_export(raw, small.users, small.merchants), small.transactions
    )


def test_raw_export_is_seeded_and_leaves_the_world_alone():
    world = coursedata.sample("tiny")
    before = frame_hashes(world)
    first = coursedata.raw_export(world, seed=1)
    assert first.equals(coursedata.raw_export(world, seed=1))
    assert not first.equals(coursedata.raw_export(world, seed=2))
    assert world.truth.raw_export.seed == 2, "the truth records the latest export"
    assert all(np.array_equal(before[k], v) for k, v in frame_hashes(world).items())
    with pytest.raises(ValueError, match="duplicate_rate"):
        coursedata.raw_export(world, duplicate_rate=1.5)


# --- samples and arguments -----------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "rows"), [("tiny", 1_000), ("small", 5_000)])
def test_sample_worlds_are_small_and_fast(kind, rows):
    started = time.perf_counter()
    world = coursedata.sample(kind)
    elapsed = time.perf_counter() - started
    assert len(world.transactions) == rows
    assert elapsed < 0.5, f"sample({kind!r}) took {elapsed:.2f} s"
    assert (
        frame_hashes(world)["transactions"].tolist()
        == frame_hashes(coursedata.sample(kind))["transactions"].tolist()
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_transactions": 10}, "n_transactions"),
        ({"n_merchants": 3}, "n_merchants"),
        ({"fraud_rate": 0.5}, "fraud_rate"),
        ({"drift_start": "2030-01-01"}, "drift_start"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        coursedata.generate(**kwargs)


def test_unknown_sample_kind_is_rejected():
    with pytest.raises(ValueError, match="huge"):
        coursedata.sample("huge")  # type: ignore[arg-type]


def test_truth_records_the_planted_episode_traits(medium):
    """The planted episode traits are recorded, with the documented pattern probabilities."""
    episodes, patterns = medium.truth.fraud_episodes, medium.truth.fraud_patterns
    assert set(patterns) >= {"p_night", "p_new_device", "p_abroad", "p_large_amount"}
    for trait, p in [("night", "p_night"), ("new_device", "p_new_device"), ("abroad", "p_abroad")]:
        assert abs(episodes[trait].mean() - patterns[p]) < 0.1, trait
