"""Checks for 13_data_centric/ex04_hybrid_router (see solutions/13_data_centric/ex04_hybrid_router.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import expect_raises, fail

# ex04 · route and choose_band
#
# `llm` is a callable: a spy defined here answers from a script and records every call (the
# note ids it was given). It lives where route runs, so route's checks run in the learner's
# process (`submission.observe`) and bring back the result and the calls. choose_band takes only
# data, so it is called directly and compared with hand-computed answers and the reference.

REASONS = ("unauthorized", "not_received", "not_as_described", "duplicate", "cancelled")
COLUMNS = ["note_id", "proba", "routed", "label", "decision"]


class _Spy:
    """An llm that records the note ids of each call (and the columns and index of the rows it
    was given) and answers `answers[note_id]`."""

    def __init__(self, answers: dict, kind: str = "series") -> None:
        self.answers = answers
        self.kind = kind
        self.calls: list[list] = []
        self.frames: list[tuple] = []

    def __call__(self, rows):
        self.calls.append([_plain(v) for v in rows["note_id"]])
        self.frames.append(([str(c) for c in rows.columns], [_plain(i) for i in rows.index]))
        labels = [self.answers.get(_plain(v)) for v in rows["note_id"]]
        if self.kind == "list":
            return labels
        if self.kind == "array":
            return np.array(labels, dtype=object)
        return pd.Series(labels, dtype="object")  # index 0..k-1, as label_with_llm's column


class _Short(_Spy):
    def __call__(self, rows):
        return list(super().__call__(rows))[:-1]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _route(module, proba, notes, low, high, spy) -> dict:
    """route run in the learner's process with the spy; the result and the spy's calls."""
    try:
        out = module.route(proba, notes, low, high, spy)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}", "calls": spy.calls}
    if not isinstance(out, pd.DataFrame):
        return {"error": f"a {type(out).__name__}, not a DataFrame", "calls": spy.calls}
    return {"out": pd.DataFrame(out), "calls": spy.calls, "frames": spy.frames, "error": None}


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _check_route(facts: dict, want: pd.DataFrame, calls: list, where: str) -> None:
    if facts["error"]:
        fail(f"route raised or returned no DataFrame on {where}: {facts['error']}")
    if facts["calls"] != calls:
        fail(
            f"llm was called {len(facts['calls'])} time(s), with the note ids {facts['calls'][:3]}, "
            f"on {where}; expected {len(calls)} call(s) with {calls}: call llm once with the rows "
            "low <= proba <= high (both ends included), in the notes' order, and never with no row"
        )
    out = facts["out"]
    if list(out.columns) != COLUMNS:
        fail(f"route returned the columns {list(out.columns)}, expected {COLUMNS}, on {where}")
    if len(out) != len(want) or not out.index.equals(pd.RangeIndex(len(want))):
        fail(
            f"route returned {len(out)} rows with index {out.index[:5].tolist()}..., expected {len(want)} rows, index 0..{len(want) - 1}, on {where}"
        )
    for k in range(len(want)):
        got = out.iloc[k]
        exp = want.iloc[k]
        g = (
            _plain(got["note_id"]),
            float(got["proba"]),
            got["routed"],
            None if _missing(got["label"]) else got["label"],
            got["decision"],
        )
        label = None if _missing(exp["label"]) else exp["label"]
        e = (
            _plain(exp["note_id"]),
            float(exp["proba"]),
            exp["routed"],
            label,
            int(exp["decision"]),
        )
        g = (*g[:4], _plain(g[4]))
        if g[:4] != e[:4] or _missing(g[4]) or int(g[4]) != e[4] or float(g[4]) != int(g[4]):
            fail(
                f"row {k} is (note_id, proba, routed, label, decision) = {g}, expected {e}, on "
                f"{where}: below low the model decides 0, above high 1; in [low, high] the LLM "
                "decides (1 for 'unauthorized', 0 for another reason, the model's proba >= 0.5 "
                "when it gave no label)"
            )
    if str(out["decision"].dtype) not in ("int64", "int32"):
        fail(
            f"the decision column has dtype {out['decision'].dtype}, expected integers (0 or 1), on {where}"
        )


def _expected(proba, notes, low, high, answers) -> tuple[pd.DataFrame, list]:
    rows, band = [], []
    for note_id, p in zip(notes["note_id"], proba, strict=True):
        note_id = _plain(note_id)
        if p < low:
            rows.append((note_id, p, "model", None, 0))
        elif p > high:
            rows.append((note_id, p, "model", None, 1))
        else:
            band.append(note_id)
            label = answers.get(note_id)
            if _missing(label):
                rows.append((note_id, p, "llm", None, int(p >= 0.5)))
            else:
                rows.append((note_id, p, "llm", label, int(label == "unauthorized")))
    return pd.DataFrame(rows, columns=COLUMNS), ([band] if band else [])


def _notes(n: int, index_from: int = 0, ids_from: int = 100) -> pd.DataFrame:
    return pd.DataFrame(
        {"note_id": np.arange(ids_from, ids_from + n), "text": [f"note {k}" for k in range(n)]},
        index=np.arange(index_from, index_from + n),
    )


def _validation(
    n: int, seed: int, shift: float = 0.0
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """A seeded validation set: proba (rounded to 2 decimals, so rows sit on grid values), y,
    and notes with llm_reason (right 80 % of the time, missing 5 %)."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.35).astype(np.int64)
    proba = np.clip(0.5 * y + 0.25 + shift + rng.normal(0, 0.22, n), 0, 1).round(2)
    right = np.where(y == 1, "unauthorized", rng.choice(REASONS[1:], n))
    labels = np.where(rng.random(n) < 0.8, right, rng.choice(REASONS, n)).astype(object)
    labels[rng.random(n) < 0.05] = None
    notes = pd.DataFrame(
        {"note_id": np.arange(n), "text": [f"n{k}" for k in range(n)], "llm_reason": labels}
    )
    return proba, y, notes


GRID = [round(0.05 * k, 2) for k in range(21)]


class TestRoute:
    def test_hand_case(self, submission):
        proba = np.array([0.05, 0.2, 0.35, 0.5, 0.8, 0.95, 0.81, 0.19, 0.6])
        notes = _notes(9, index_from=50).assign(amount=np.arange(9) * 10.0)
        answers = {
            101: "unauthorized",
            102: "duplicate",
            103: None,
            104: "cancelled",
            108: "unauthorized",
        }
        for kind in ("series", "list", "array"):
            where = f"9 notes (index 50..58), low=0.2, high=0.8, an llm returning a {kind}"
            facts = submission.observe(_route, proba, notes, 0.2, 0.8, _Spy(answers, kind))
            want, calls = _expected(proba, notes, 0.2, 0.8, answers)
            _check_route(facts, want, calls, where)
            in_band = (proba >= 0.2) & (proba <= 0.8)
            frames = [(list(notes.columns), notes.index[in_band].tolist())]
            if facts["frames"] != frames:
                fail(
                    f"llm was given rows with the columns and index {facts['frames']}, on {where}; "
                    f"expected {frames}: call llm with notes[in_band] itself, every column and "
                    "the notes' own index (no column subset, no reset index)"
                )

    def test_boundaries_inclusive(self, submission):
        proba = np.array([0.0, 0.5, 0.4999, 0.5001, 1.0])
        notes = _notes(5)
        answers = {100: "duplicate", 101: "unauthorized", 104: "not_received"}
        for low, high in ((0.5, 0.5), (0.0, 0.5), (0.5, 1.0), (0.0, 1.0)):
            where = f"probas {proba.tolist()}, low={low}, high={high}"
            facts = submission.observe(_route, proba, notes, low, high, _Spy(answers))
            want, calls = _expected(proba, notes, low, high, answers)
            _check_route(facts, want, calls, where)

    def test_only_the_band_goes_to_the_llm(self, submission):
        rng = np.random.default_rng(7)
        proba = rng.random(200).round(3)
        notes = _notes(200, index_from=1000)
        answers = {100 + k: REASONS[k % 5] for k in range(200)}
        for low, high in ((0.3, 0.7), (0.45, 0.55), (0.9, 0.95)):
            where = f"200 notes with seeded probas, low={low}, high={high}"
            facts = submission.observe(_route, proba, notes, low, high, _Spy(answers))
            want, calls = _expected(proba, notes, low, high, answers)
            sent = sum(len(c) for c in facts["calls"])
            if sent != sum(len(c) for c in calls):
                fail(
                    f"llm was given {sent} rows on {where}, expected {sum(len(c) for c in calls)} "
                    "(the rows in the band): every row sent to the LLM is paid for; the model "
                    "decides the confident ones"
                )
            _check_route(facts, want, calls, where)

    def test_empty_band_never_calls_llm(self, submission):
        proba = np.array([0.1, 0.9, 0.2, 0.95])
        notes = _notes(4)
        facts = submission.observe(_route, proba, notes, 0.4, 0.6, _Spy({}))
        want, calls = _expected(proba, notes, 0.4, 0.6, {})
        _check_route(
            facts,
            want,
            calls,
            "probas [0.1, 0.9, 0.2, 0.95], low=0.4, high=0.6 (no row in the band)",
        )

    def test_missing_labels_fall_back_to_the_model(self, submission):
        proba = np.array([0.3, 0.6, 0.5, 0.49, 0.55])
        notes = _notes(5)
        for missing in (None, float("nan"), pd.NA):
            answers = {
                100: missing,
                101: missing,
                102: missing,
                103: missing,
                104: "not_as_described",
            }
            where = f"every row in the band [0.2, 0.8], the llm answering {missing!r} for 4 of them"
            facts = submission.observe(_route, proba, notes, 0.2, 0.8, _Spy(answers, "list"))
            want, calls = _expected(proba, notes, 0.2, 0.8, answers)
            _check_route(facts, want, calls, where)

    def test_rejects_bad_input(self, submission):
        notes = _notes(3)
        proba = np.array([0.1, 0.5, 0.9])
        cases = [
            ((proba, notes, 0.6, 0.4), {}, "low > high"),
            ((proba, notes, -0.1, 0.4), {}, "low < 0"),
            ((proba, notes, 0.2, 1.1), {}, "high > 1"),
            ((proba[:2], notes, 0.2, 0.8), {}, "2 probas for 3 notes"),
            ((np.array([0.1, 1.5, 0.9]), notes, 0.2, 0.8), {}, "a proba of 1.5"),
            ((np.array([0.1, np.nan, 0.9]), notes, 0.2, 0.8), {}, "a NaN proba"),
        ]
        for args, _, why in cases:
            facts = submission.observe(_route, *args, _Spy({}))
            if not (facts["error"] or "").startswith("ValueError"):
                fail(f"expected ValueError for {why}; got {facts['error'] or 'a result'}")
        answers = {101: "unauthorized"}
        for spy, why in (
            (_Short(answers), "an llm that returns one label fewer than the rows it was given"),
            (_Spy({101: "fraud"}), "an llm that answers 'fraud' (not one of REASONS)"),
            (
                _Spy({101: "Unauthorized"}),
                "an llm that answers 'Unauthorized' (REASONS are lower case: a label is one of "
                "them exactly, no case folding)",
            ),
        ):
            facts = submission.observe(_route, proba, notes, 0.2, 0.8, spy)
            if not (facts["error"] or "").startswith("ValueError"):
                fail(f"expected ValueError for {why}; got {facts['error'] or 'a result'}")

    def test_matches_reference(self, submission, reference):
        for seed in range(4):
            rng = np.random.default_rng(100 + seed)
            n = 10 + 30 * seed
            proba = rng.random(n).round(2)
            notes = _notes(n, index_from=3 * seed)
            answers = {
                100 + k: (None if rng.random() < 0.1 else REASONS[int(rng.integers(5))])
                for k in range(n)
            }
            low, high = sorted(rng.choice(np.round(np.linspace(0, 1, 11), 1), 2))
            where = f"{n} seeded notes, low={low}, high={high}"
            facts = submission.observe(_route, proba, notes, low, high, _Spy(answers))
            ref = _route(reference, proba, notes, low, high, _Spy(answers))
            want = ref["out"].assign(
                label=[None if _missing(v) else v for v in ref["out"]["label"]]
            )
            _check_route(facts, want, ref["calls"], where)


def _band(value: Any, where: str) -> tuple[float, float]:
    if not isinstance(value, tuple) or len(value) != 2:
        fail(f"choose_band returned {value!r}, expected a tuple (low, high), on {where}")
    try:
        return float(value[0]), float(value[1])
    except (TypeError, ValueError):
        fail(f"choose_band returned {value!r}, not two numbers, on {where}")


class TestChooseBand:
    def test_hand_case(self, submission):
        # 6 notes. Right on every note needs the LLM on the three in [0.4, 0.6] (row 1 is
        # unauthorized at 0.4, rows 2 and 3 are not at 0.5 and 0.6): F1 1.0 for 3 rows. With 2
        # rows at most, [0.4, 0.5] is best (F1 6/7); with none, (0.0, 0.0) and (0.55, 0.55)
        # both reach 2/3, and so do (0.0, 0.05) and (0.05, 0.05): the smallest low, then high.
        proba = np.array([0.1, 0.4, 0.5, 0.6, 0.9, 0.95])
        y = np.array([0, 1, 0, 0, 1, 1])
        llm = ["duplicate", "unauthorized", "cancelled", "cancelled", "duplicate", None]
        notes = pd.DataFrame({"note_id": range(6), "text": list("abcdef"), "llm_reason": llm})
        grid = [0.6, 0.0, 0.05, 0.4, 0.45, 0.5, 0.55, 1.0]
        cases = [
            (1.0, 3.0, (0.4, 0.6), "3 LLM rows allowed: [0.4, 0.6] is right on every note"),
            (
                1.0,
                10.0,
                (0.4, 0.6),
                "[0.0, 0.6] is right on every note too, but costs 4 rows: "
                "ties go to the cheaper band",
            ),
            (
                1.0,
                2.0,
                (0.4, 0.5),
                "2 LLM rows allowed: [0.4, 0.5] has F1 6/7, and [0.4, 0.55] "
                "ties it with the same 2 rows: the smaller high",
            ),
            (
                1.0,
                0.0,
                (0.0, 0.0),
                "no money: bands without a row only (the model alone); "
                "F1 2/3 ties at low 0.0, 0.05 and 0.55: the smallest low, then the smallest high",
            ),
            (
                0.1,
                0.3,
                (0.4, 0.6),
                "3 rows at 0.1 cost 0.30000000000000004, which fits a "
                "spend limit of 0.3 within the 1e-9 the contract allows",
            ),
            (
                0.0,
                0.0,
                (0.4, 0.6),
                "a free LLM: every band costs 0, and [0.4, 0.6] (3 rows) ties with [0.0, 0.6] "
                "(4 rows) at F1 1.0: ties go to the band with fewer rows, not the lower cost",
            ),
        ]
        for cost, limit, want, why in cases:
            where = f"6 hand-built notes, grid {grid}, llm_cost_per_row={cost}, spend_limit={limit}"
            got = _band(submission.choose_band(proba, y, notes, cost, limit, grid), where)
            if got != want:
                fail(f"choose_band returned {got}, expected {want} on {where}: {why}")
        # A missing label at proba 0.5 falls back to the model's proba >= 0.5: decision 1.
        proba = np.array([0.1, 0.5, 0.9])
        notes = pd.DataFrame(
            {
                "note_id": range(3),
                "text": list("abc"),
                "llm_reason": ["duplicate", None, "unauthorized"],
            }
        )
        where = (
            "probas [0.1, 0.5, 0.9], y [0, 1, 1], llm_reason ['duplicate', None, "
            "'unauthorized'], grid [0.0, 0.5, 1.0], llm_cost_per_row=1.0, spend_limit=1.0"
        )
        got = _band(
            submission.choose_band(proba, np.array([0, 1, 1]), notes, 1.0, 1.0, [0.0, 0.5, 1.0]),
            where,
        )
        if got != (0.5, 0.5):
            fail(
                f"choose_band returned {got}, expected (0.5, 0.5) on {where}: the band [0.5, 0.5] "
                "sends row 1 to the LLM, which gave no label, so the model decides it as route "
                "does: proba >= 0.5 gives 1, right on every note (F1 1.0)"
            )

    def test_spend_limit_respected(self, submission, reference):
        proba, y, notes = _validation(300, seed=3)
        for limit in (0.0, 0.5, 2.0, 6.0, 30.0):
            where = f"300 seeded validation notes, llm_cost_per_row=0.1, spend_limit={limit}"
            low, high = _band(submission.choose_band(proba, y, notes, 0.1, limit, GRID), where)
            rows = int(((proba >= low) & (proba <= high)).sum())
            if rows * 0.1 > limit + 1e-9:
                fail(
                    f"choose_band returned ({low}, {high}), whose band holds {rows} rows (cost {rows * 0.1:g}), over the spend limit {limit}, on {where}"
                )
            want = reference.choose_band(proba, y, notes, 0.1, limit, GRID)
            if (low, high) != want:
                fail(
                    f"choose_band returned ({low}, {high}), expected {want} (the best F1 within the spend limit, ties to the cheaper band), on {where}"
                )

    def test_uses_only_its_inputs(self, submission, reference):
        # A validation and a test set whose best bands differ; each call must give the band of
        # the set it is given: nothing read elsewhere, nothing remembered from an earlier call.
        val = _validation(250, seed=11)
        test = _validation(250, seed=12, shift=0.08)
        for name, data in (
            ("the test set", test),
            ("the validation set", val),
            ("the test set again", test),
        ):
            want = reference.choose_band(*data, 0.1, 8.0, GRID)
            copies = (data[0].copy(), data[1].copy(), data[2].copy())
            got = _band(submission.choose_band(*copies, 0.1, 8.0, GRID), name)
            if got != want:
                fail(
                    f"on {name} choose_band returned {got}, expected {want}: the band is chosen "
                    "from the arguments alone (the validation set the caller passes), never "
                    "from other data nor from an earlier call"
                )
            if not (
                np.array_equal(copies[0], data[0])
                and np.array_equal(copies[1], data[1])
                and copies[2].equals(data[2])
            ):
                fail(f"choose_band changed its inputs on {name}")
        if reference.choose_band(*val, 0.1, 8.0, GRID) == reference.choose_band(
            *test, 0.1, 8.0, GRID
        ):
            fail("internal: the validation and test sets should have different best bands")

    def test_matches_reference(self, submission, reference):
        for seed in range(5):
            n = 20 + 60 * seed
            proba, y, notes = _validation(n, seed=40 + seed)
            cost, limit = 0.02 * (seed + 1), 0.5 * seed
            grid = GRID if seed % 2 else [0.0, 0.25, 0.3, 0.5, 0.7, 1.0]
            where = f"{n} seeded validation notes, llm_cost_per_row={cost:g}, spend_limit={limit:g}, grid {grid}"
            got = _band(submission.choose_band(proba, y, notes, cost, limit, grid), where)
            want = reference.choose_band(proba, y, notes, cost, limit, grid)
            if got != want:
                fail(f"choose_band returned {got}, the reference {want}, on {where}")

    def test_rejects_bad_input(self, submission):
        proba, y, notes = _validation(20, seed=5)
        cases = [
            ((proba[:10], y, notes, 0.1, 1.0, GRID), "10 probas for 20 notes"),
            ((proba, y[:10], notes, 0.1, 1.0, GRID), "10 labels y for 20 notes"),
            ((proba, np.where(y == 1, 2, 0), notes, 0.1, 1.0, GRID), "y holding a 2"),
            (
                (proba, y, notes.drop(columns="llm_reason"), 0.1, 1.0, GRID),
                "notes without llm_reason",
            ),
            ((proba, y, notes, 0.1, 1.0, []), "an empty grid"),
            ((proba, y, notes, 0.1, 1.0, [0.2, 1.2]), "a grid value of 1.2"),
            ((proba, y, notes, -0.1, 1.0, GRID), "a negative llm_cost_per_row"),
            ((proba, y, notes, 0.1, -1.0, GRID), "a negative spend_limit"),
            (
                (proba, y, notes, 1.0, 0.0, sorted(set(proba.tolist()))),
                "a grid of the probas themselves and no money: every band holds a row",
            ),
        ]
        for bad in ("Unauthorized", "fraud"):
            labels = notes["llm_reason"].tolist()
            labels[3] = bad
            cases.append(
                (
                    (proba, y, notes.assign(llm_reason=labels), 0.1, 1.0, GRID),
                    f"an llm_reason of {bad!r} (neither missing nor one of REASONS, which route "
                    "refuses too; no case folding)",
                )
            )
        for args, why in cases:
            expect_raises(ValueError, submission.choose_band, *args, why=why)
