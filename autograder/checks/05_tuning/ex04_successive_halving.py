"""Checks for 05_tuning/ex04_successive_halving (see solutions/05_tuning/ex04_successive_halving.py for the reference)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from autograder.assertions import differential, expect_raises, fail
from autograder.learner_process import Remote

# ex04 · successive_halving(candidates, evaluate, min_budget, max_budget, eta=3)

MISSING = -999.0  # what the check's evaluate answers for a (candidate, budget) off its table


def _same_budget(a: Any, b: Any) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return False


class _Scores:
    """`evaluate(candidate, budget)` read from a table {candidate: {budget: score}}: a
    module-level class, so that an instance can be sent to the learner's process (pickled).
    A pair off the table (a budget outside the schedule) scores MISSING."""

    def __init__(self, table: dict) -> None:
        self.table = table

    def __call__(self, candidate: Any, budget: Any) -> float:
        try:
            row = self.table.get(candidate, {})
        except TypeError:  # an unhashable stand-in for a candidate
            return MISSING
        for b, score in row.items():
            if _same_budget(b, budget):
                return score
        return MISSING


class _Recorder(_Scores):
    """The same evaluate, which also records its calls (in the learner's process)."""

    def __init__(self, table: dict) -> None:
        super().__init__(table)
        self.calls: list = []

    def __call__(self, candidate: Any, budget: Any) -> float:
        self.calls.append((_plain(candidate), _plain(budget)))
        return super().__call__(candidate, budget)


class _MustNotBeCalled:
    """An evaluate for invalid arguments: they must be rejected before any training."""

    def __call__(self, candidate: Any, budget: Any) -> float:
        raise RuntimeError(
            f"evaluate({candidate!r}, {budget!r}) was called before the arguments were checked"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _recorded_calls(module: Any, candidates: list, table: dict, lo: Any, hi: Any, eta: int):
    """Run in the learner's process (observed): the learner's function with a recording
    evaluate; the calls it made, as plain data."""
    evaluate = _Recorder(table)
    try:
        module.successive_halving(list(candidates), evaluate, lo, hi, eta)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as data, with the calls made so far
        return evaluate.calls, f"{type(exc).__name__}: {str(exc)[:200]}"
    return evaluate.calls, None


def _schedule(candidates: list, evaluate, lo: Any, hi: Any, eta: int):
    """The check's own successive halving: (best, history, rounds), rounds as
    [(budget, [candidates], [scores])]. Written apart from the reference on purpose."""
    survivors, history, rounds, r = list(candidates), [], [], 0
    while True:
        budget = lo * eta**r
        scores = [evaluate(c, budget) for c in survivors]
        history += [(c, budget, s) for c, s in zip(survivors, scores, strict=True)]
        rounds.append((budget, list(survivors), scores))
        order = sorted(range(len(survivors)), key=lambda i: (-scores[i], i))
        if len(survivors) == 1 or lo * eta ** (r + 1) > hi:
            return survivors[order[0]], history, rounds
        keep = sorted(order[: max(1, len(survivors) // eta)])
        survivors = [survivors[i] for i in keep]
        r += 1


def _show(values: list) -> str:
    text = repr(list(values))
    return text if len(text) <= 160 else text[:157] + "...]"


def _unpack(out: Any, where: str) -> tuple[Any, list[tuple]]:
    if not isinstance(out, tuple | list) or len(out) != 2:
        fail(f"{where}: should return a tuple (best, history), got {type(out).__name__}")
    best, history = out
    if not isinstance(history, list | tuple):
        fail(
            f"{where}: history should be a list of (candidate, budget, score) tuples, got "
            f"{type(history).__name__}"
        )
    entries = []
    for i, entry in enumerate(history):
        if not isinstance(entry, tuple | list) or len(entry) != 3:
            fail(
                f"{where}: history[{i}] is {entry!r:.120}; each entry is one call of evaluate, "
                "the tuple (candidate, budget, score)"
            )
        if any(isinstance(v, Remote) for v in entry) or isinstance(best, Remote):
            fail(f"{where}: history and best should hold the candidates themselves (plain values)")
        entries.append(tuple(_plain(v) for v in entry))
    return _plain(best), entries


def _rounds_of(history: list[tuple]) -> list[tuple[Any, list, list]]:
    """The learner's history cut into rounds: a new round when the budget changes or a candidate
    comes back at the same budget."""
    rounds: list[tuple[Any, list, list]] = []
    for c, b, s in history:
        if rounds and _same_budget(rounds[-1][0], b) and c not in rounds[-1][1]:
            rounds[-1][1].append(c)
            rounds[-1][2].append(s)
        else:
            rounds.append((b, [c], [s]))
    return rounds


def _why_survivors(prev: tuple, got: list, expected: list, eta: int) -> str:
    """Why round r's candidates differ: the best max(1, n // eta) of round r - 1, by score."""
    _, cands, scores = prev
    n, k = len(cands), max(1, len(cands) // eta)
    if not all(c in cands for c in got):
        return (
            "it evaluated candidates eliminated in an earlier round: only the survivors of the "
            "round before go on"
        )
    score = {repr(c): s for c, s in zip(cands, scores, strict=True)}
    if len(got) != k:
        alt = -(-n // eta)
        how = f" (that is ceil({n} / {eta}) = {alt}: round down instead)" if len(got) == alt else ""
        return (
            f"it kept {len(got)} of the {n} candidates of the round before, expected "
            f"max(1, {n} // {eta}) = {k}{how}"
        )
    worst = sorted(range(n), key=lambda i: (scores[i], i))[:k]
    if k < n and {repr(c) for c in got} == {repr(cands[i]) for i in worst}:
        return (
            "it kept the candidates with the LOWEST scores: higher is better, so keep the best "
            "1/eta and drop the rest"
        )
    wrong_in = [c for c in got if c not in expected]
    left_out = [c for c in expected if c not in got]
    if any(score[repr(a)] == score[repr(b)] for a in wrong_in for b in left_out):
        return (
            "equal scores at the cut: of two candidates with the same score, keep the one "
            "earlier in candidates (a stable sort keeps that order; reversing an argsort does "
            "not)"
        )
    return (
        f"the survivors are the best max(1, n // eta) = {k} of the round before, by that "
        "round's scores only (higher is better)"
    )


def _check_rounds(history: list, candidates: list, table: dict, lo, hi, eta: int, where: str):
    """Compare a history (or the calls of evaluate, with their scores) with the schedule, round
    by round, naming the first difference and its likely cause."""
    _, _, expected_rounds = _schedule(candidates, _Scores(table), lo, hi, eta)
    rounds = _rounds_of(history)
    for r, (budget, cands, scores) in enumerate(rounds[: len(expected_rounds)]):
        exp_budget, exp_cands, _ = expected_rounds[r]
        if isinstance(lo, int) and not isinstance(budget, int):
            fail(
                f"{where}: round {r} ran at budget {budget!r}, a {type(budget).__name__}: with an "
                f"int min_budget ({lo}) every budget is an int, min_budget * eta**r (a number of "
                "trees or epochs cannot be fractional)"
            )
        if not _same_budget(budget, exp_budget):
            grow = ""
            if r > 0 and _same_budget(budget, rounds[r - 1][0]):
                grow = " (the budget did not grow: multiply it by eta after each round)"
            fail(
                f"{where}: round {r} ran at budget {budget!r}, expected {exp_budget!r} = "
                f"min_budget * eta**{r}{grow}. History: {_show(history)}"
            )
        if sorted(map(repr, cands)) != sorted(map(repr, exp_cands)):
            extra = [c for c in cands if c not in exp_cands]
            missing = [c for c in exp_cands if c not in cands]
            why = (
                "round 0 evaluates every candidate once"
                if r == 0
                else _why_survivors(expected_rounds[r - 1], cands, exp_cands, eta)
            )
            fail(
                f"{where}: round {r} (budget {exp_budget!r}) evaluated {_show(cands)}, expected "
                f"{_show(exp_cands)} (not expected: {_show(extra)}, missing: {_show(missing)}): "
                f"{why}"
            )
        if cands != exp_cands:
            fail(
                f"{where}: round {r} evaluated the right candidates in the order {_show(cands)}, "
                f"expected {_show(exp_cands)}: within a round, candidates are evaluated (and "
                "recorded) in the order they have in candidates"
            )
        expected_scores = [table[c][next(b for b in table[c] if _same_budget(b, budget))]
                           for c in cands]  # fmt: skip
        if scores != expected_scores:
            fail(
                f"{where}: round {r}'s history records the scores {_show(scores)}, but evaluate "
                f"returned {_show(expected_scores)}: record each score as evaluate returned it"
            )
    if len(rounds) != len(expected_rounds):
        budgets = [b for b, _, _ in expected_rounds]
        last = expected_rounds[-1]
        stop = (
            "it evaluated a single candidate"
            if len(last[1]) == 1
            else f"the next budget, {lo * eta ** len(expected_rounds)!r}, exceeds max_budget={hi!r}"
        )
        fail(
            f"{where}: history has {len(rounds)} rounds, expected {len(expected_rounds)} at "
            f"budgets {budgets}: stop after round {len(expected_rounds) - 1} (counting from 0) "
            f"because {stop}; "
            "a next budget equal to max_budget still runs, and the last round's lone survivor is "
            f"still evaluated. History: {_show(history)}"
        )


def _check_run(out: Any, candidates: list, table: dict, lo, hi, eta: int, where: str) -> None:
    """Compare a learner's (best, history) with the schedule: the rounds, then best."""
    best, expected_history, expected_rounds = _schedule(candidates, _Scores(table), lo, hi, eta)
    got_best, history = _unpack(out, where)
    _check_rounds(history, candidates, table, lo, hi, eta, where)
    if repr(got_best) != repr(best) or got_best != best:
        last_budget, last, last_scores = expected_rounds[-1]
        overall = max(expected_history, key=lambda e: e[2])[0]
        hint = ""
        if got_best == overall and overall != best:
            hint = (
                f" ({got_best!r} has the highest score of the whole history, but at a smaller "
                "budget: scores at different budgets are not comparable; take the best of the "
                "last round)"
            )
        fail(
            f"{where}: best is {got_best!r}, expected {best!r}: the highest score of the last "
            f"round (budget {last_budget!r}: {_show(list(zip(last, last_scores, strict=True)))}), "
            f"the earlier candidate on a tie{hint}"
        )


# The hand-built case: 9 candidates, eta=3, budgets 1, 3, 9. Read off: round 0 keeps c (0.95),
# f (0.85) and h (0.83); round 1 keeps f (0.86, c drops to 0.80); round 2 runs f alone at 9.
# 'c' has the highest score of the history (0.95 at budget 1) but is not the answer; the worst
# three of round 0 are a, e and i.
NINE = list("abcdefghi")
NINE_TABLE = {
    "a": {1: 0.50},
    "b": {1: 0.70},
    "c": {1: 0.95, 3: 0.80},
    "d": {1: 0.72},
    "e": {1: 0.55},
    "f": {1: 0.85, 3: 0.86, 9: 0.90},
    "g": {1: 0.60},
    "h": {1: 0.83, 3: 0.84},
    "i": {1: 0.40},
}
NINE_HISTORY = [
    *[(c, 1, NINE_TABLE[c][1]) for c in NINE],
    ("c", 3, 0.80),
    ("f", 3, 0.86),
    ("h", 3, 0.84),
    ("f", 9, 0.90),
]


def _table(candidates: list, lo, eta: int, rounds: int, seed: int, ties: bool) -> dict:
    """Scores for every candidate at the first `rounds` budgets of the schedule: a learning
    curve per candidate (so rankings change between budgets), on a coarse grid when `ties`."""
    rng = np.random.default_rng(seed)
    table = {}
    for c in candidates:
        start, gain = rng.uniform(0.4, 0.8), rng.uniform(0.0, 0.1)
        row = {}
        for r in range(rounds):
            s = start + gain * r + rng.normal(0.0, 0.05)
            row[lo * eta**r] = round(s * 10) / 10 if ties else round(float(s), 6)
        table[c] = row
    return table


def _rounds_to_one(n: int, eta: int) -> int:
    """How many rounds the schedule runs when the budget never runs out."""
    rounds = 1
    while n > 1:
        n, rounds = max(1, n // eta), rounds + 1
    return rounds


def _generated_cases() -> Iterator[dict]:
    """Seeded searches, smallest first: 1 to 40 candidates of three types, eta 2 to 4, int and
    float budgets; max_budget exactly at the last budget of the full schedule, above it, or
    cutting the schedule short between two budgets; with and without tied scores."""
    kinds = ("ints", "strings", "tuples")
    seed = 5400
    for n in (1, 2, 3, 4, 5, 7, 9, 10, 16, 27, 40):
        for eta in (2, 3, 4):
            for lo, limit in ((1, "exactly"), (2, "above"), (0.125, "short")):
                seed += 1
                kind = kinds[seed % 3]
                if kind == "ints":
                    rng = np.random.default_rng(seed)
                    cands = [int(v) for v in rng.permutation(100)[:n]]
                elif kind == "strings":
                    cands = [f"model_{i}" for i in range(n)]
                else:
                    cands = [(2 ** (1 + i // 2), (0.1, 0.3)[i % 2]) for i in range(n)]
                full = _rounds_to_one(n, eta)
                hi = lo * eta ** (full - 1)
                if limit == "above":
                    hi = hi * 1.5
                elif limit == "short" and full > 1:
                    hi = lo * eta ** max(0, full - 3) * 1.5  # between two budgets
                ties = seed % 2 == 0
                yield {
                    "where": f"{n} {kind} candidates, min_budget={lo!r}, max_budget={hi!r}, "
                    f"eta={eta}" + (", tied scores" if ties else ""),
                    "candidates": cands,
                    "table": _table(cands, lo, eta, full + 2, seed, ties),
                    "lo": lo,
                    "hi": hi,
                    "eta": eta,
                }


class TestSuccessiveHalving:
    def test_nine_candidates_by_hand(self, submission):
        out = submission.successive_halving(list(NINE), _Scores(NINE_TABLE), 1, 9, 3)
        where = "successive_halving(9 candidates 'a'..'i', evaluate, 1, 9, eta=3)"
        best, history = _unpack(out, where)
        if history != NINE_HISTORY or best != "f":
            _check_run(out, NINE, NINE_TABLE, 1, 9, 3, where)
            fail(
                f"{where}: returned best={best!r} and history {_show(history)}, expected best="
                f"'f' and history {_show(NINE_HISTORY)}"
            )

    def test_best_is_the_last_rounds_winner(self, submission):
        # 'c' leads at budget 1 (0.95) and 'h' at budget 3 (0.84 > 0.80); with max_budget=8 the
        # search stops after budget 3 (9 > 8), so the answer is 'h', the best of that last round.
        table = {c: dict(row) for c, row in NINE_TABLE.items()}
        table["f"][3] = 0.70
        out = submission.successive_halving(list(NINE), _Scores(table), 1, 8, 3)
        _check_run(out, NINE, table, 1, 8, 3, "successive_halving(9 candidates, evaluate, 1, 8)")

    def test_evaluate_called_exactly_as_scheduled(self, submission):
        cases = [
            (NINE, NINE_TABLE, 1, 9, 3),
            *[
                (c["candidates"], c["table"], c["lo"], c["hi"], c["eta"])
                for c in _generated_cases()
                if len(c["candidates"]) in (10, 27) and c["lo"] == 1
            ],
        ]
        for candidates, table, lo, hi, eta in cases:
            where = (
                f"successive_halving({len(candidates)} candidates, evaluate, {lo}, {hi}, eta={eta})"
            )
            calls, raised = submission.observe(_recorded_calls, candidates, table, lo, hi, eta)
            if raised:
                fail(f"{where} raised {raised} after {len(calls)} calls of evaluate")
            _, history, rounds = _schedule(candidates, _Scores(table), lo, hi, eta)
            expected = [(c, b) for c, b, _ in history]
            seen: dict = {}
            for c, b in calls:
                key = (repr(c), float(b))
                seen[key] = seen.get(key, 0) + 1
                if seen[key] == 2:
                    fail(
                        f"{where}: evaluate({c!r}, {b!r}) was called twice. Training is the "
                        "expensive part: score each surviving candidate once per round and reuse "
                        "the scores for ranking and for the history"
                    )
            scored = [(c, b, _Scores(table)(c, b)) for c, b in calls]
            _check_rounds(scored, candidates, table, lo, hi, eta, f"{where}, its calls of evaluate")
            if len(calls) != len(expected) or any(
                c != ec or not _same_budget(b, eb)
                for (c, b), (ec, eb) in zip(calls, expected, strict=False)
            ):
                fail(
                    f"{where}: evaluate was called {len(calls)} times, as {_show(calls)}; "
                    f"expected {len(expected)} calls, as {_show(expected)}"
                )

    def test_stops_before_exceeding_max_budget(self, submission):
        for hi in (8, 9, 26, 27):  # rounds: 2, 3, 3, 4
            cands = list(range(27))
            table = _table(cands, 1, 3, 5, seed=hi, ties=False)
            out = submission.successive_halving(cands, _Scores(table), 1, hi, 3)
            where = f"successive_halving(27 candidates, evaluate, 1, max_budget={hi}, eta=3)"
            _check_run(out, cands, table, 1, hi, 3, where)

    def test_one_round_when_min_equals_max(self, submission):
        cands = ["lr=0.3", "lr=0.1", "lr=0.03", "lr=0.01"]
        table = {
            "lr=0.3": {5: 0.61},
            "lr=0.1": {5: 0.74},
            "lr=0.03": {5: 0.71},
            "lr=0.01": {5: 0.5},
        }
        out = submission.successive_halving(list(cands), _Scores(table), 5, 5, 2)
        _check_run(
            out,
            cands,
            table,
            5,
            5,
            2,
            "successive_halving(4 candidates, evaluate, min_budget=5, max_budget=5, eta=2) "
            "(one round: the next budget, 10, exceeds max_budget)",
        )

    def test_lone_survivor_and_single_candidate(self, submission):
        # Two candidates, eta=3: max(1, 2 // 3) = 1 survives and is evaluated at budget 3; then
        # the search stops (one candidate), although 9 <= max_budget. One candidate: one call.
        table = {"x": {1: 0.6, 3: 0.62}, "y": {1: 0.7, 3: 0.75, 9: 0.8, 27: 0.9}}
        for cands, where in (
            (["x", "y"], "successive_halving(['x', 'y'], evaluate, 1, 27, eta=3)"),
            (["y"], "successive_halving(['y'], evaluate, 1, 27, eta=3)"),
        ):
            out = submission.successive_halving(list(cands), _Scores(table), 1, 27, 3)
            _check_run(out, cands, table, 1, 27, 3, where)

    def test_keeps_n_floor_divided_by_eta(self, submission):
        # 10 candidates, eta=3: keep 10 // 3 = 3 (not ceil = 4), then 1. 5 with eta=2: 2, then
        # 1. 8 with eta=4: 2, then max(1, 2 // 4) = 1.
        for n, eta in ((10, 3), (5, 2), (8, 4)):
            cands = [f"m{i}" for i in range(n)]
            table = _table(cands, 1, eta, 4, seed=60 + n, ties=False)
            hi = eta**3
            out = submission.successive_halving(list(cands), _Scores(table), 1, hi, eta)
            where = f"successive_halving({n} candidates, evaluate, 1, {hi}, eta={eta})"
            _check_run(out, cands, table, 1, hi, eta, where)

    def test_ties_keep_the_earlier_candidate(self, submission):
        # 6 candidates, eta=3, keep 2: 'q', 'r', 's' and 'u' tie at 0.7, so 'q' and 'r' (the
        # earliest) go on; at budget 3 they tie again, so best is 'q'.
        cands = ["p", "q", "r", "s", "t", "u"]
        table = {
            "p": {1: 0.5},
            "q": {1: 0.7, 3: 0.8},
            "r": {1: 0.7, 3: 0.8},
            "s": {1: 0.7},
            "t": {1: 0.2},
            "u": {1: 0.7},
        }
        out = submission.successive_halving(list(cands), _Scores(table), 1, 3, 3)
        _check_run(out, cands, table, 1, 3, 3, "successive_halving(6 candidates with ties, 1, 3)")

    def test_candidates_of_any_hashable_type(self, submission):
        # (max_depth, learning_rate) tuples, given as a tuple; and ints in no particular order.
        grid = ((2, 0.1), (4, 0.1), (8, 0.1), (2, 0.3), (4, 0.3), (8, 0.3), (16, 0.1), (16, 0.3))
        table = _table(list(grid), 10, 2, 4, seed=77, ties=False)
        out = submission.successive_halving(grid, _Scores(table), 10, 80, eta=2)
        _check_run(
            out,
            list(grid),
            table,
            10,
            80,
            2,
            "successive_halving(a tuple of 8 (max_depth, learning_rate) tuples, evaluate, 10, 80, "
            "eta=2)",
        )
        ints = [31, 7, 99, 3, 54, 12, 70, 45, 18]
        table = _table(ints, 0.125, 2, 4, seed=78, ties=False)
        out = submission.successive_halving(ints, _Scores(table), 0.125, 1.0, 2)
        _check_run(
            out, ints, table, 0.125, 1.0, 2, "successive_halving(9 ints, evaluate, 0.125, 1.0, 2)"
        )
        if ints != [31, 7, 99, 3, 54, 12, 70, 45, 18]:
            fail(
                f"successive_halving changed the caller's candidates list to {ints}: the caller "
                "still needs it (work on a copy, e.g. list(candidates))"
            )

    def test_default_eta_is_3(self, submission):
        out = submission.successive_halving(list(NINE), _Scores(NINE_TABLE), 1, 9)
        _check_run(out, NINE, NINE_TABLE, 1, 9, 3, "successive_halving(9 candidates, 1, 9)")

    def test_rejects_invalid_arguments(self, submission):
        cands = ["a", "b", "c"]
        never = _MustNotBeCalled()
        fn = submission.successive_halving
        expect_raises(ValueError, fn, [], never, 1, 9, 3, why="no candidates to search")
        expect_raises(
            ValueError,
            fn,
            ["a", "b", "a"],
            never,
            1,
            9,
            3,
            why="'a' is given twice: each candidate must be distinct (before any evaluate call)",
        )
        for eta in (1, 0, -3, 2.5):
            expect_raises(
                ValueError,
                fn,
                cands,
                never,
                1,
                9,
                eta,
                why=f"eta={eta!r} is not an integer of at least 2 (before any evaluate call)",
            )
        for lo, hi in ((0, 9), (-1, 9), (0.0, 1.0)):
            expect_raises(
                ValueError,
                fn,
                cands,
                never,
                lo,
                hi,
                3,
                why=f"min_budget={lo!r} is not positive (before any evaluate call)",
            )
        expect_raises(
            ValueError,
            fn,
            cands,
            never,
            10,
            9,
            3,
            why="min_budget=10 is above max_budget=9 (before any evaluate call)",
        )
        expect_raises(
            ValueError,
            fn,
            cands,
            never,
            1.5,
            1.25,
            2,
            why="min_budget=1.5 is above max_budget=1.25 (before any evaluate call)",
        )

    def test_matches_reference_on_generated_searches(self, submission, reference):
        cases = list(_generated_cases())

        def runs():
            for case in cases:
                yield (
                    case["where"],
                    lambda fn, c=case: fn(
                        list(c["candidates"]), _Scores(c["table"]), c["lo"], c["hi"], c["eta"]
                    ),
                )

        by_where = {case["where"]: case for case in cases}

        def compare(got, expected, where):
            # `where` is "successive_halving, on <the case's where> (the smallest ...)"
            case = by_where[where.split(", on ", 1)[1].split(" (the smallest", 1)[0]]
            _check_run(
                got,
                case["candidates"],
                case["table"],
                case["lo"],
                case["hi"],
                case["eta"],
                where,
            )
            if _unpack(got, where) != _unpack(expected, where):
                fail(f"{where}: got {got!r:.300}, expected {expected!r:.300}")

        differential(runs(), submission.successive_halving, reference.successive_halving, compare,
                     "successive_halving")  # fmt: skip
