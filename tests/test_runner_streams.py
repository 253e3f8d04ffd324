"""The parent's stream handling, fed byte by byte: no pipe read boundary may change a result."""

from __future__ import annotations

import json

import pytest

from autograder.manifest import load_course
from autograder.plugin import CHECKS_DIR
from autograder.runner import FORGED, ForkingLoop, Limits, _Child

SENTINEL = b"\n\x00mlgrade-end-of-check-0123456789abcdef\x00"


class FakeItem:
    def __init__(self, name: str) -> None:
        self.name = self.originalname = name
        self.nodeid = f"01_numpy/ex01_standardize.py::{name}"
        self.path = CHECKS_DIR / "01_numpy" / "ex01_standardize.py"  # a course check, not hidden


def make_child(n_checks: int, limit_bytes: int = 64) -> tuple[ForkingLoop, _Child]:
    loop = ForkingLoop(load_course(), Limits(output_limit=limit_bytes))
    items = [FakeItem(f"test_{i}") for i in range(n_checks)]
    child = _Child(
        pid=1,
        pidfd=-1,
        exercise_id="01_numpy/ex01_standardize",
        items=items,
        result_fd=-1,
        output_fd=-1,
        limit=10,
        started=0,
        deadline=10,
        sentinel=SENTINEL,
        token="secret",
    )
    return loop, child


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 40, 10_000])
def test_output_is_split_per_check_whatever_the_read_size(chunk):
    loop, child = make_child(3, limit_bytes=10)
    stream = b"first check" + SENTINEL + b"" + SENTINEL + b"x" * 25 + SENTINEL
    for start in range(0, len(stream), chunk):
        loop._take_output(child, stream[start : start + chunk])
    assert [bytes(o) for o in child.outputs[:3]] == [b"first chec", b"", b"x" * 10]
    assert child.output_totals[:3] == [11, 0, 25], "bytes beyond the limit are counted, not kept"


@pytest.mark.parametrize("chunk", [1, 5, 1000])
def test_result_lines_are_read_whatever_the_read_size(chunk):
    loop, child = make_child(2)
    lines = b"".join(
        (
            json.dumps(
                {"i": i, "t": "secret", "status": "passed", "message": "", "duration_s": 0.01}
            )
            + "\n"
        ).encode()
        for i in range(2)
    )
    for start in range(0, len(lines), chunk):
        child.result_buf += lines[start : start + chunk]
        loop._take_results(child)
    assert [r.status for r in child.results] == ["passed", "passed"]


def test_a_line_without_the_token_voids_every_result_of_the_child():
    loop, child = make_child(3)
    good = {"i": 0, "t": "secret", "status": "passed", "message": "", "duration_s": 0.0}
    forged = {"i": 1, "t": "guess", "status": "passed", "message": "", "duration_s": 0.0}
    child.result_buf += (json.dumps(good) + "\n" + json.dumps(forged) + "\n").encode()
    loop._take_results(child)
    assert [(r.status, r.message) for r in child.results] == [("error", FORGED)] * 2


def test_an_out_of_order_line_voids_the_child():
    loop, child = make_child(2)
    line = {"i": 1, "t": "secret", "status": "passed", "message": "", "duration_s": 0.0}
    child.result_buf += (json.dumps(line) + "\n").encode()
    loop._take_results(child)
    assert child.forged and child.results[0].status == "error"
