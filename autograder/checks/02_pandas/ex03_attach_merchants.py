"""Checks for 02_pandas/ex03_attach_merchants (see solutions/02_pandas/ex03_attach_merchants.py for the reference)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import coursedata
from autograder.assertions import assert_close, differential, fail

from ._shared import (
    _assert_same_frame,
    _assert_unchanged,
    _column,
    _floats,
    _frame,
    _ints,
    _missing,
    _show_frame,
    _snapshot,
    _texts,
)

# ex03 · attach merchants

CATEGORIES = ["grocery", "fuel", "travel", "retail", "electronics"]


def _shop() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six payments (merchant 999 is unknown) with an unsorted, non-default index; four merchants."""
    tx = pd.DataFrame(
        {
            "transaction_id": np.array([101, 102, 103, 104, 105, 106], dtype=np.int64),
            "merchant_id": np.array([5, 3, 999, 3, 7, 5], dtype=np.int64),
            "amount": [12.5, 3.0, 99.0, 4.5, 60.0, 7.25],
        },
        index=[30, 10, 20, 40, 50, 60],
    )
    merchants = pd.DataFrame(
        {
            "merchant_id": np.array([7, 3, 5, 8], dtype=np.int64),
            "name": ["Fuel Stop", "Corner Grocery", "Sky Travel", "Mall Retail"],
            "category": pd.Categorical(
                ["fuel", "grocery", "travel", "retail"], categories=CATEGORIES
            ),
            "risk_score": [0.2, 0.1, 0.6, 0.3],
        }
    )
    return tx, merchants


def _attach(submission, tx: pd.DataFrame, merchants: pd.DataFrame) -> pd.DataFrame:
    return _frame(
        submission.attach_merchants(tx.copy(), merchants.copy()), "attach_merchants(tx, merchants)"
    )


def _rows_kept_in_order(out: pd.DataFrame, tx: pd.DataFrame, merchants: pd.DataFrame) -> None:
    got = _ints(_column(out, "transaction_id", "the result"), "transaction_id").tolist()
    want = tx["transaction_id"].tolist()
    known = set(merchants["merchant_id"].tolist())
    lost = [t for t, m in zip(want, tx["merchant_id"], strict=True) if t not in got]
    if lost:
        unknown = [t for t, m in zip(want, tx["merchant_id"], strict=True) if m not in known]
        why = (
            " They pay merchants that are not in merchants: an inner join drops them; a left "
            "join (how='left') keeps every transaction"
            if set(lost) <= set(unknown)
            else ""
        )
        fail(
            f"{len(want)} transactions went in, {len(got)} rows came out; transactions {lost[:5]} "
            f"are lost.{why}"
        )
    if len(got) > len(want):
        fail(
            f"{len(want)} transactions went in, {len(got)} rows came out: some transactions now "
            "appear more than once (a merchant_id that repeats in merchants copies its rows)"
        )
    if got != want:
        i = next(k for k, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
        fail(
            f"the transactions should stay in tx's order; from row {i} on it is "
            f"{want[i : i + 6]}, you have {got[i : i + 6]}. A left join keeps the left frame's "
            "order; sorting, or joining the known and the unknown merchants apart and "
            "concatenating them, does not"
        )
    index = out.index.tolist()
    if index != tx.index.tolist():
        fail(
            f"the result's index is {index[:8]}; it must be tx's index, {tx.index.tolist()[:8]}, so "
            "the result lines up with tx row by row. merge() returns a fresh RangeIndex: set "
            "tx's index back on the result"
        )


def _random_shop(seed: int, n_tx: int, n_merchants: int, repeats: int) -> tuple:
    """Seeded (tx, merchants): merchants in random row and column order (merchant_id not always
    first), categorical category and country, some columns beyond merchant_id and category left
    out; tx paying known and unknown merchants, several payments per merchant, under an unsorted
    index (integers or text labels). With `repeats`, that many merchant rows are repeated, some
    exact copies, some not, used by tx or not."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(1, 4 * n_merchants + 4), n_merchants, replace=False)
    merchants = pd.DataFrame(
        {
            "merchant_id": ids.astype(np.int64),
            "name": [f"Shop {m}" for m in ids],
            "category": pd.Categorical(
                rng.choice(CATEGORIES[:4], n_merchants), categories=CATEGORIES
            ),
            "country": pd.Categorical(
                rng.choice(["DE", "FR"], n_merchants), categories=["DE", "FR", "GB"]
            ),
            "risk_score": rng.choice([0.05, 0.25, 0.5, 0.9], n_merchants),
        }
    )
    if repeats:
        copies = merchants.iloc[rng.integers(0, n_merchants, repeats)].copy()
        copies["name"] = [n if rng.random() < 0.5 else n + " Ltd" for n in copies["name"]]
        merchants = pd.concat([merchants, copies], ignore_index=True)
    merchants = merchants.iloc[rng.permutation(len(merchants))].reset_index(drop=True)
    optional = [c for c in ("name", "country", "risk_score") if rng.random() < 0.75]
    merchants = merchants[list(rng.permutation(["merchant_id", "category", *optional]))]
    pool = np.r_[ids, [997, 998, 999]]  # the last three are unknown
    labels = rng.choice(np.arange(10 * n_tx + 10), n_tx, replace=False)
    tx = pd.DataFrame(
        {
            "transaction_id": np.arange(101, 101 + n_tx, dtype=np.int64),
            "user_id": rng.integers(1, 4, n_tx).astype(np.int64),
            "merchant_id": rng.choice(pool, n_tx).astype(np.int64),
            "amount": rng.choice([1.5, 20.0, 99.99], n_tx),
        },
        index=[f"t{k}" for k in labels] if rng.random() < 0.5 else labels,
    )
    return tx, merchants


@dataclass
class _Raised:
    """What a call raised (a ValueError) in place of a result."""

    message: str
    repeated: list[int]


def _generated_shops():
    sizes = [(1, 1, 0), (1, 2, 0), (2, 1, 0), (2, 2, 1), (3, 2, 0), (4, 3, 1), (5, 3, 0)]
    sizes += [(8, 4, 0), (8, 4, 2), (12, 6, 0), (20, 8, 0), (30, 10, 3), (60, 20, 0)]
    for k, (n_tx, n_merchants, repeats) in enumerate(sizes):
        tx, merchants = _random_shop(400 + k, n_tx, n_merchants, repeats)
        repeated = sorted(set(merchants.loc[merchants["merchant_id"].duplicated(), "merchant_id"]))

        def run(fn, tx=tx, merchants=merchants, repeated=repeated):
            try:
                return fn(tx.copy(deep=True), merchants.copy(deep=True))
            except ValueError as exc:
                return _Raised(str(exc), [int(m) for m in repeated])

        yield (
            f"this tx ({n_tx} rows, seed {400 + k}):{_show_frame(tx)}\n  and these merchants:"
            f"{_show_frame(merchants)}\n ",
            run,
        )


def _compare_attached(got: Any, expected: Any, where: str) -> None:
    if isinstance(expected, _Raised):
        if not isinstance(got, _Raised):
            fail(
                f"{where}: merchants repeats merchant_id {expected.repeated}, so a ValueError naming "
                f"them is expected; your code returned a {type(got).__name__}"
            )
        missing = [m for m in expected.repeated if str(m) not in got.message]
        if missing:
            fail(
                f"{where}: your ValueError says {got.message[:200]!r}, which does not name the "
                f"repeated merchant_id(s) {missing}"
            )
        return
    if isinstance(got, _Raised):
        fail(
            f"{where}: your code raised ValueError ({got.message[:200]}); merchants has one row "
            "per merchant_id there, so the reference returns the joined rows"
        )
    out = _frame(got, "attach_merchants(tx, merchants)")
    _assert_same_frame(out, expected, where, "tx's index")


class TestAttachMerchants:
    def test_matches_reference_on_generated_inputs(self, submission, reference):
        differential(
            _generated_shops(),
            submission.attach_merchants,
            reference.attach_merchants,
            _compare_attached,
            "attach_merchants(tx, merchants)",
        )

    def test_every_transaction_kept_in_order(self, submission):
        tx, merchants = _shop()
        _rows_kept_in_order(_attach(submission, tx, merchants), tx, merchants)

    def test_merchant_columns_attached(self, submission):
        tx, merchants = _shop()
        out = _attach(submission, tx, merchants)
        want_columns = [*tx.columns, "name", "category", "risk_score"]
        if [str(c) for c in out.columns] != want_columns:
            fail(
                f"the columns should be tx's, then merchants' other columns: {want_columns}; got "
                f"{[str(c) for c in out.columns]}"
            )
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if sorted(ids) != sorted(tx["transaction_id"].tolist()):
            fail(
                f"the result should hold transactions {tx['transaction_id'].tolist()}, one row "
                f"each; got {ids}"
            )
        names = out["name"].astype(object).tolist()
        risk = _floats(out["risk_score"], "risk_score")
        lookup = {7: ("Fuel Stop", 0.2), 3: ("Corner Grocery", 0.1), 5: ("Sky Travel", 0.6)}
        merchant_of = dict(zip(tx["transaction_id"], tx["merchant_id"], strict=True))
        for i, tid in enumerate(ids):
            mid = merchant_of[tid]
            if mid in lookup and (names[i] != lookup[mid][0] or risk[i] != lookup[mid][1]):
                fail(
                    f"transaction {tid} pays merchant {mid}, {lookup[mid][0]!r} with risk_score "
                    f"{lookup[mid][1]}; the result says {names[i]!r} and {risk[i]}"
                )

    def test_unknown_merchant_gets_category_unknown(self, submission):
        tx, merchants = _shop()
        out = _attach(submission, tx, merchants)
        ids = _ints(out["transaction_id"], "transaction_id").tolist()
        if 103 not in ids:
            fail(
                "transaction 103 (merchant 999, not in merchants) is missing from the result: a "
                "left join (how='left') keeps it, with category 'unknown'"
            )
        categories = _texts(_column(out, "category", "the result"), "category")
        merchant_of = dict(zip(tx["transaction_id"], tx["merchant_id"], strict=True))
        want = {5: "travel", 3: "grocery", 7: "fuel", 999: "unknown"}
        for i, tid in enumerate(ids):
            if categories[i] != want[merchant_of[tid]]:
                fail(
                    f"transaction {tid} (merchant {merchant_of[tid]}) has category "
                    f"{categories[i]!r}, expected {want[merchant_of[tid]]!r}. Unknown merchants get "
                    "'unknown'; on a categorical column add the category first "
                    "(.cat.add_categories) or convert the column to text"
                )
        name = out["name"].astype(object).tolist()[ids.index(103)]
        if not _missing(name):
            fail(
                f"transaction 103's merchant is unknown, so its name should be missing, got {name!r}"
            )

    def test_repeated_merchant_id_raises_naming_it(self, submission):
        tx, merchants = _shop()
        tx = pd.concat(
            [
                tx,
                pd.DataFrame(
                    {"transaction_id": [107], "merchant_id": [907], "amount": [15.0]}, index=[70]
                ),
            ]
        )
        merchants = pd.concat(
            [
                merchants,
                pd.DataFrame(
                    {
                        "merchant_id": np.array([907, 907, 55, 55], dtype=np.int64),
                        "name": ["Gem Store", "Gem Store Ltd", "Casino", "Casino"],
                        "category": pd.Categorical(
                            ["retail", "electronics", "retail", "retail"], categories=CATEGORIES
                        ),
                        "risk_score": [0.5, 0.5, 0.9, 0.9],
                    }
                ),
            ],
            ignore_index=True,
        )
        try:
            out = submission.attach_merchants(tx.copy(), merchants.copy())
        except NotImplementedError:
            raise
        except ValueError as exc:
            message = str(exc)
            missing = [m for m in ("907", "55") if m not in message]
            if missing:
                fail(
                    f"the ValueError says {message[:200]!r}, which does not name merchant id(s) "
                    f"{missing}; name the repeated ids so whoever fixes the merchants table knows "
                    "which rows to look at (merchants['merchant_id'].duplicated())"
                )
            return
        except Exception as exc:
            fail(
                f"merchants repeats merchant_id 907 and 55: expected ValueError, but your code raised "
                f"{type(exc).__name__}: {exc}"
            )
        n = len(out) if isinstance(out, pd.DataFrame) else "?"
        fail(
            f"merchants repeats merchant_id 907 and 55, and nothing was raised (your result has {n} "
            f"rows for {len(tx)} transactions). A repeated id copies each of its transactions once "
            "per repeat: check merchants['merchant_id'] first and raise ValueError naming them"
        )

    def test_matches_lookup_on_a_shuffled_sample(self, submission):
        world = coursedata.sample("small", seed=0)
        rng = np.random.default_rng(30)
        tx = world.transactions.iloc[rng.permutation(len(world.transactions))]
        tx = tx.set_axis(np.arange(len(tx)) * 7 + 5)[
            ["transaction_id", "user_id", "merchant_id", "amount"]
        ]
        dropped = [3, 17, 42]
        merchants = world.merchants[~world.merchants["merchant_id"].isin(dropped)]
        merchants = merchants.iloc[rng.permutation(len(merchants))]
        out = _attach(submission, tx, merchants)
        _rows_kept_in_order(out, tx, merchants)
        lookup = dict(
            zip(merchants["merchant_id"], merchants["category"].astype(object), strict=True)
        )
        want = [lookup.get(m, "unknown") for m in tx["merchant_id"].tolist()]
        got = _texts(_column(out, "category", "the result"), "category")
        wrong = [i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        if wrong:
            i = wrong[0]
            fail(
                f"{len(wrong)} of {len(tx):,} categories are wrong; e.g. transaction "
                f"{tx['transaction_id'].iat[i]} (merchant {tx['merchant_id'].iat[i]}): got "
                f"{got[i]!r}, expected {want[i]!r}"
            )
        risk = dict(zip(merchants["merchant_id"], merchants["risk_score"], strict=True))
        assert_close(
            _floats(_column(out, "risk_score", "the result"), "risk_score"),
            np.array([risk.get(m, np.nan) for m in tx["merchant_id"].tolist()]),
            "risk_score, row by row",
            rtol=0,
            atol=0,
            why="each row carries its own merchant's risk_score (missing when unknown)",
        )

    def test_inputs_not_modified(self, submission):
        tx, merchants = _shop()
        before_tx, before_m = _snapshot(tx), _snapshot(merchants)
        submission.attach_merchants(tx, merchants)
        _assert_unchanged(before_tx, tx, "tx", "attach_merchants")
        _assert_unchanged(before_m, merchants, "merchants", "attach_merchants")
