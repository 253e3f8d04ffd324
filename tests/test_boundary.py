"""The process boundary: what crosses from a learner's process, and how (autograder/wire.py,
autograder/learner_process.py). The whole-grader tests are in test_hostile.py and test_exercises.py;
these pin the contract of each piece."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from autograder import wire
from autograder.learner_process import (
    LearnerProcess,
    LearnerProcessError,
    Remote,
    learner_isinstance,
)


def roundtrip(value):
    tree, blobs = wire.encode(value, lambda obj: {"$h": 7, "type": type(obj).__qualname__})
    return wire.decode(json.loads(json.dumps(tree)), blobs, lambda node: ("handle", node["$h"]))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        -3,
        2**80,
        1.5,
        float("inf"),
        "text",
        b"\x00bytes",
        [1, (2, 3.0), {"a": {4}}],
        {1: "one", (2, 3): None},
        np.arange(12, dtype=np.int16).reshape(3, 4),
        np.array([1.5, np.nan], dtype=np.float32),
        np.float32(2.5),
        np.int8(-3),
        pd.Timestamp("2025-03-30 01:30", tz="Europe/Berlin"),
        pd.Timedelta("36h"),
    ],
    ids=repr,
)
def test_plain_values_cross_unchanged(value):
    back = roundtrip(value)
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and np.array_equal(back, value, equal_nan=True)
    else:
        assert back == value or (back != back and value != value)


def test_a_frame_crosses_with_every_dtype_and_its_index():
    frame = pd.DataFrame(
        {
            "i8": np.array([1, -2, 3], dtype=np.int8),
            "u32": np.array([1, 2, 3], dtype=np.uint32),
            "f": [1.0, np.nan, 3.5],
            "b": [True, False, True],
            "cat": pd.Categorical(["a", None, "b"], categories=["b", "a"], ordered=True),
            "utc": pd.to_datetime(["2025-01-01", None, "2025-01-03"], utc=True),
            "naive": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03"]),
            "string": pd.array(["x", None, "z"], dtype="string"),
            "obj": np.array(["x", None, 3], dtype=object),
            "Int64": pd.array([1, None, 3], dtype="Int64"),
        },
        index=pd.Index([30, 10, 20], name="id"),
    )
    frame.columns = [*frame.columns[:-1], ("a", "tuple")]  # a column name that is not a string
    back = roundtrip(frame)
    pd.testing.assert_frame_equal(back, frame)
    series = pd.Series([1, 2], index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)]), name="s")
    pd.testing.assert_series_equal(roundtrip(series), series)


def test_anything_else_crosses_as_a_handle():
    assert roundtrip(lambda x: x) == ("handle", 7)
    assert roundtrip(iter([1])) == ("handle", 7)


@pytest.mark.parametrize(
    "tree",
    [
        [1, 2],
        {"$a": 5},
        {"$pickle": "x"},
        {"$str": [1]},
        {
            "$df": [],
            "columns": {"$ri": [0, 1, 1], "name": None},
            "index": {"$ri": [0, 0, 1], "name": None},
        },
    ],
    ids=["bare list", "missing blob", "unknown kind", "string of ints", "columns without data"],
)
def test_a_malformed_message_is_refused(tree):
    with pytest.raises(wire.WireError):
        wire.decode(tree, [], lambda node: None)


def test_an_object_array_is_never_unpickled():
    arr = np.empty(1, dtype=object)
    arr[0] = {"nested": [1]}
    tree, blobs = wire.encode(arr, lambda obj: {"$h": 0})
    assert "$ao" in tree  # element by element, never np.save of an object array (a pickle)
    assert roundtrip(arr)[0] == {"nested": [1]}


EXERCISE = """
import numpy as np

class Shout(ValueError):
    pass

def double_in_place(X):
    X *= 2
    return X.sum()

def same(X):
    return X

def draw(rng, n):
    return rng.random(n)

def batches(X, rng):
    for i in rng.permutation(len(X)):
        yield X[i]

def bad():
    raise Shout("learner-made")

def leave():
    raise SystemExit(3)

def checked_late(n):
    if n < 0:
        raise ValueError("n must be >= 0")
    yield from range(n)

def unchecked(n):
    return Model()

class Model:
    def fit(self, X):
        self.mean_ = float(np.mean(X))
        return self
"""


@pytest.fixture
def learner(tmp_path: Path):
    path = tmp_path / "ex.py"
    path.write_text(EXERCISE)
    process = LearnerProcess(path, "boundary_test_ex")
    yield process.load()
    process.close()


def test_an_argument_changed_in_place_is_written_back(learner):
    X = np.ones(4)
    assert learner.double_in_place(X) == 8.0
    assert np.array_equal(X, [2, 2, 2, 2]), "the check must see what the learner's code did to X"


def test_a_result_that_is_the_argument_comes_back_as_the_checks_object(learner):
    X = np.arange(3.0)
    assert learner.same(X) is X


def test_a_generator_is_iterated_across_and_the_rng_moves_as_it_would(learner):
    rng = np.random.default_rng(0)
    first = learner.draw(rng, 2)
    second = learner.draw(rng, 2)
    assert not np.array_equal(first, second), "the check's rng must advance with each call"
    reference = np.random.default_rng(0)
    assert np.array_equal(first, reference.random(2))
    rng = np.random.default_rng(1)
    got = list(learner.batches(np.arange(5.0), rng))
    assert sorted(got) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert rng.bit_generator.state == _advanced(1, lambda r: r.permutation(5))


def _advanced(seed, use):
    rng = np.random.default_rng(seed)
    use(rng)
    return rng.bit_generator.state


def test_exceptions_cross_as_the_nearest_allowed_type(learner):
    with pytest.raises(ValueError, match="learner-made") as info:
        learner.bad()
    assert type(info.value) is ValueError, "never the learner's own class"
    assert "ex.py, line" in info.value.mlgrade_where
    with pytest.raises(SystemExit) as exit_info:
        learner.leave()
    assert exit_info.value.code == 3


def test_an_object_is_a_handle_with_one_proxy(learner):
    model = learner.Model()
    assert isinstance(model, Remote) and type(model).__name__ == "Model"
    assert model.fit(np.arange(4.0)) is model, "fit returns self: the same proxy"
    assert model.mean_ == 1.5
    assert learner_isinstance(model, object)
    assert not learner_isinstance(model, int)


def test_expect_raises_tells_a_returned_object_from_a_generator(learner):
    """A handle has every dunder: expect_raises asks the learner's process whether the result is
    an iterator, so a returned object reads "nothing was raised", not a TypeError of next()."""
    from autograder.assertions import CheckFailure, expect_raises

    expect_raises(ValueError, learner.checked_late, -1, why="negative n")  # raised on first use
    with pytest.raises(CheckFailure, match="nothing was raised"):
        expect_raises(ValueError, learner.unchecked, -1, why="negative n")


WRITER = """
def write(path, text):
    with open(path, "w") as fh:
        fh.write(text)
    return path
"""


def test_a_sandboxed_process_writes_only_its_exchange_folder(tmp_path: Path):
    """The `exchange` folder is the one place outside its private /tmp that a sandboxed learner's
    process may write: the checks read what it wrote there (a scored file, a model, a store)."""
    from autograder import sandbox
    from autograder.manifest import COURSE_ROOT

    if sandbox.probe() == sandbox.NONE:
        pytest.fail("no sandbox can start on this machine: Linux user namespaces are needed")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    path = tmp_path / "writer.py"
    path.write_text(WRITER)
    process = LearnerProcess(path, "boundary_test_writer", hide=[], writable=[exchange])
    try:
        learner = process.load()
        (exchange / "check-1").mkdir()  # made by the checks after the sandbox was set up
        learner.write(str(exchange / "check-1" / "scores.csv"), "id,score\n1,0.5\n")
        assert (exchange / "check-1" / "scores.csv").read_text() == "id,score\n1,0.5\n"
        with contextlib.suppress(OSError):  # /tmp is the sandbox's own: a write stays there
            learner.write(str(tmp_path / "beside.txt"), "x")
        with pytest.raises(OSError):
            learner.write(str(COURSE_ROOT / "README.md"), "x")
    finally:
        process.close()
    assert not (tmp_path / "beside.txt").exists()


def test_a_learner_process_that_dies_is_reported(tmp_path: Path):
    path = tmp_path / "ex.py"
    path.write_text("import os\n\ndef die():\n    os._exit(7)\n")
    process = LearnerProcess(path, "boundary_test_die")
    try:
        module = process.load()
        with pytest.raises(LearnerProcessError, match="exit code 7"):
            module.die()
        assert not process.alive()
    finally:
        process.close()


def test_a_learner_process_holds_no_descriptor_of_the_grader(tmp_path: Path):
    r, w = os.pipe()  # stands for the grading child's result pipe
    path = tmp_path / "ex.py"
    path.write_text(
        "import os\n\ndef fds():\n    return sorted(int(f) for f in os.listdir('/proc/self/fd'))\n"
    )
    process = LearnerProcess(path, "boundary_test_fds")
    try:
        open_fds = process.load().fds()
    finally:
        process.close()
        os.close(r)
        os.close(w)
    assert r not in open_fds[4:] and w not in open_fds[4:]
    assert len(open_fds) <= 5, open_fds  # stdin, stdout, stderr, its socket, the listing itself


SANDBOX_PROBE = """
import json, os, socket, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from autograder import sandbox
hidden, readme, host_port = sys.argv[2], sys.argv[3], int(sys.argv[4])
sandbox.enter([Path(hidden)])
seen = {}
def attempt(name, fn):
    try:
        fn()
        seen[name] = "allowed"
    except OSError:
        seen[name] = "denied"
attempt("write the course", lambda: open(readme, "a").close())
attempt("write /tmp", lambda: open("/tmp/scratch", "w").close())
attempt("network", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1))
attempt("the machine's 127.0.0.1", lambda: socket.create_connection(("127.0.0.1", host_port), 1))
def own_loopback():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=1).close()
attempt("its own loopback", own_loopback)
seen["hidden file visible"] = os.path.exists(os.path.join(hidden, "bob.py"))
print(json.dumps(seen))
"""


def _sandbox_cases() -> list[str]:
    cases = ["the grader's user"]
    if os.geteuid() == 0 and Path("/usr/bin/python3").exists():
        cases.append("an unprivileged user")  # the user namespace path a non-root grader takes
    return cases


@pytest.mark.parametrize("who", _sandbox_cases())
def test_the_sandbox_makes_files_read_only_hides_folders_and_cuts_the_network(
    who: str, tmp_path: Path
):
    import subprocess
    import sys

    from autograder import sandbox
    from autograder.manifest import COURSE_ROOT

    if sandbox.probe() == sandbox.NONE:
        pytest.fail("no sandbox can start on this machine: Linux user namespaces are needed")
    import shutil
    import tempfile

    # Outside /tmp, which the sandbox replaces anyway, and where an unprivileged user can look.
    hidden = Path(tempfile.mkdtemp(prefix=".mlgrade-sandbox-test-", dir=COURSE_ROOT.parent))
    hidden.chmod(0o755)
    (hidden / "bob.py").write_text("secret")
    cmd = [sys.executable, "-c", SANDBOX_PROBE, str(COURSE_ROOT), str(hidden)]
    listener = socket.socket()  # a service on the machine's own loopback
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    cmd += [str(COURSE_ROOT / "README.md"), str(listener.getsockname()[1])]
    preexec = None
    if who == "an unprivileged user":
        cmd[0] = "/usr/bin/python3"  # the course's venv may live where nobody cannot read

        def preexec() -> None:
            os.setgid(65534)
            os.setuid(65534)

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, preexec_fn=preexec)
    finally:
        shutil.rmtree(hidden, ignore_errors=True)
        listener.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout)
    assert seen == {
        "write the course": "denied",
        "write /tmp": "allowed",
        "network": "denied",
        "the machine's 127.0.0.1": "denied",
        "its own loopback": "allowed",  # a local Dask cluster, a server and its client
        "hidden file visible": False,
    }, seen


def _capstone_tree(root: Path, marker: str) -> Path:
    package = root / "fraudsys"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text(f"WHO = {marker!r}\n")
    (package / "part.py").write_text(
        "import os\n\nimport fraudsys.config as config\n\n"
        "def who():\n    return config.WHO\n\n"
        "def seed_seen():\n    return os.environ.get('MLGRADE_CAPSTONE_SEED')\n"
    )
    return package / "part.py"


@pytest.mark.parametrize("sandboxed", [False, True], ids=["plain", "sandboxed"])
def test_a_capstone_module_imports_its_siblings_from_the_learners_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandboxed: bool
):
    """The capstone's modules import each other (`import fraudsys.config`). In the learner's
    process they come from the learner's tree, readable in the sandbox, even when the grader
    process had imported the reference's package of the same name before forking; and the
    instructors' hidden seed never reaches the learner's process."""
    import sys

    from autograder import sandbox

    if sandboxed and sandbox.probe() == sandbox.NONE:
        pytest.fail("no sandbox can start on this machine: Linux user namespaces are needed")
    reference = _capstone_tree(tmp_path / "reference", "the reference")
    learner = _capstone_tree(tmp_path / "learner", "the learner")
    monkeypatch.setenv("MLGRADE_CAPSTONE_SEED", "123456789")
    monkeypatch.syspath_prepend(str(reference.parent.parent))
    import fraudsys.config  # noqa: F401 - the grader's process now holds the reference's package

    try:
        process = LearnerProcess(
            learner,
            "boundary_test_capstone",
            hide=[] if sandboxed else None,
            import_root=learner.parent.parent,
        )
        try:
            module = process.load()
            assert module.who() == "the learner"
            assert module.seed_seen() is None
        finally:
            process.close()
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] == "fraudsys"]:
            del sys.modules[name]
