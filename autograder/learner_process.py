"""The learner's code runs in a process of its own; only values come back (see `wire`).

The grading child (which runs the checks and owns the result channel) forks a *learner process*
before any learner code runs. That process closes every file descriptor but its socket and the
output pipe; in the instructor modes it enters the sandbox (`sandbox.py`: read-only files, no
network, other submissions hidden), and otherwise, when the grader runs as root, it sheds every
capability on the machine (a user namespace of its own). Then it serves requests:
load the exercise file, get an attribute, call, iterate. Each answer is a value encoded by `wire`
(plain data, arrays, frames) or a handle to an object that stays in the learner's process. The
checks hold `Remote` proxies, so `submission.standardize(X)` reads as before and returns a real
NumPy array built by the grader from bytes, never the learner's object.

Arguments go the other way by pickle (only the learner's process unpickles them). An argument the
learner's code changes in place (an array, a frame, a list, a NumPy Generator's state) is written
back into the grader's object after the call, so "the input is not modified" is still checked, and
a result that *is* one of the arguments comes back as the grader's own object.

What only the learner's process can see (executed-line counts, memory peaks, scikit-learn's
estimator checks on a learner's class) is measured there by a function of the check module:
`submission.observe(fn, *args)` runs `fn(learner_module, *args)` in the learner's process and
returns its value. Such a check is reported as *observed in the learner's process*: a forger could
fake it, for that check of that exercise only.
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import os
import pickle
import socket
import struct
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import sandbox, wire

ALLOWED_EXCEPTION_MODULES = ("builtins", "numpy", "pandas", "sklearn", "scipy")
NEXT_CHUNK = 8  # items of an iterator fetched per round trip
DUNDERS = ("__len__", "__getitem__", "__contains__", "__bool__", "__repr__", "__iter__", "__next__")

# Set by `observe` during a check, read and reset by the grading child after each check.
observed_this_check = False


class LearnerProcessError(RuntimeError):
    """The learner's process ended or broke the protocol while a check waited for it."""


OUT_OF_PROTOCOL = LearnerProcessError(
    "the process running your code answered out of the grader's protocol: an exercise file must "
    "not write to the file descriptors it did not open"
)


# --- the learner's side ---------------------------------------------------------------------------

_handles: dict[int, Any] = {}


def _handle_ref(number: int) -> Any:
    """Unpickling a `Remote` in the learner's process gives back the object it stands for."""
    return _handles[number]


class _Host:
    def __init__(self, sock: socket.socket, path: Path, module_name: str):
        self.sock = sock
        self.path = path
        self.module_name = module_name
        self.module: Any = None
        self.next_handle = 0
        self.numbers: dict[int, int] = {}  # id(object) -> its handle number
        import numpy as np

        self.array_equal = np.array_equal  # bound before any learner code runs
        self.watch: dict[int, list] = {}  # iterator handle -> watched arguments of its call

    def handle(self, obj: Any) -> dict:
        """The handle of `obj`: the same number every time the same object crosses."""
        number = self.numbers.get(id(obj))
        if number is None or _handles.get(number) is not obj:
            self.next_handle += 1
            number = self.next_handle
            _handles[number] = obj
            self.numbers[id(obj)] = number
        kind = type(obj)
        return {"$h": number, "type": kind.__qualname__, "module": kind.__module__}

    @staticmethod
    def _flush() -> None:
        """Before an answer: what the learner printed belongs to the check now running."""
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()

    def reply(self, value: Any, **extra: Any) -> None:
        tree, blobs = wire.encode(value, self.handle)
        self._flush()
        wire.send(self.sock, {"value": tree, **extra}, blobs)

    def where(self, exc: BaseException) -> str:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if Path(frame.filename) == self.path:
                return f" ({self.path.name}, line {frame.lineno})"
        return ""

    def failure(self, exc: BaseException) -> dict:
        """What crosses of an exception: its classes' names, its message, where it was raised."""
        mro = [[k.__module__, k.__qualname__] for k in type(exc).__mro__]
        info = {"mro": mro, "message": str(exc)[:2000], "where": self.where(exc)}
        if isinstance(exc, SystemExit):
            info["code"] = exc.code if isinstance(exc.code, (int, str)) else None
        return info

    def fail(self, exc: BaseException) -> None:
        info = self.failure(exc)
        self._flush()
        wire.send(self.sock, {"exc": info}, [])

    def load(self, source: str) -> None:
        import importlib.util

        spec = importlib.util.spec_from_loader(self.module_name, loader=None, origin=str(self.path))
        module = importlib.util.module_from_spec(spec)
        module.__file__ = str(self.path)
        sys.modules[self.module_name] = module
        exec(compile(source, str(self.path), "exec"), module.__dict__)  # noqa: S102 - the learner's own code, in its own process
        self.module = module

    @staticmethod
    def _snapshot(value: Any) -> Any:
        import numpy as np

        if isinstance(value, np.random.Generator):
            return copy.deepcopy(value.bit_generator.state)
        return value.copy() if hasattr(value, "copy") else copy.deepcopy(value)

    @staticmethod
    def _watched(value: Any) -> bool:
        import numpy as np

        pd = sys.modules.get("pandas")
        kinds: tuple = (np.ndarray, np.random.Generator, list, dict)
        if pd is not None:
            kinds += (pd.DataFrame, pd.Series)
        return isinstance(value, kinds)

    def _same(self, before: Any, now: Any) -> bool:
        """Whether an argument is as it was before the call (`before`: its snapshot). Compared
        with NumPy's function as it was before the learner's code ran (which may rebind it)."""
        import numpy as np

        try:
            if isinstance(now, np.random.Generator):
                return before == now.bit_generator.state
            if isinstance(now, np.ndarray):
                return (
                    before.shape == now.shape
                    and before.dtype == now.dtype
                    and bool(self.array_equal(before, now, equal_nan=now.dtype.kind in "fc"))
                )
            if hasattr(now, "dtypes"):  # a DataFrame
                return bool(before.equals(now)) and before.dtypes.equals(now.dtypes)
            if hasattr(now, "dtype"):  # a Series
                return bool(before.equals(now)) and before.dtype == now.dtype
            return bool(before == now)
        except Exception:  # noqa: BLE001 - incomparable: count it as changed
            return False

    def writeback(self, watched: list) -> list:
        import numpy as np

        changes = []
        for entry in watched:
            key, value, before = entry
            if self._same(before, value):
                continue
            now = value.bit_generator.state if isinstance(value, np.random.Generator) else value
            tree, blobs = wire.encode(now, self.handle)
            changes.append((key, tree, blobs))
            entry[2] = self._snapshot(value)
        return changes

    def send_result(self, result: Any, args: dict, watched: list) -> None:
        for key, value in args.items():
            if result is value and self._watched(value):
                changes = self.writeback(watched)
                self._send(None, {"same_as": key}, changes)
                return
        if hasattr(result, "__next__") and watched:  # a generator: its arguments change lazily
            self.watch[self.handle(result)["$h"]] = watched
        self._send(result, {}, self.writeback(watched))

    def _send(self, value: Any, extra: dict, changes: list) -> None:
        enc = wire.Encoder(self.handle)
        tree = enc.encode(value)
        moved = []
        for key, change_tree, change_blobs in changes:
            offset = len(enc.blobs)
            enc.blobs.extend(change_blobs)
            moved.append([key, _shift_blobs(change_tree, offset)])
        self._flush()
        wire.send(self.sock, {"value": tree, "writeback": moved, **extra}, enc.blobs)

    def serve(self) -> None:
        while True:
            try:
                request, blobs = wire.recv(self.sock)
            except EOFError:
                return
            try:
                self.answer(request, blobs)
            except BaseException as exc:  # noqa: BLE001 - every failure of learner code is reported
                with contextlib.suppress(OSError):
                    self.fail(exc)

    def answer(self, request: dict, blobs: list[bytes]) -> None:
        op = request["op"]
        target = self.module if request.get("h") is None else _handles[request["h"]]
        if op == "load":
            self.load(blobs[0].decode("utf-8", "replace"))
            self.reply(None)
        elif op == "getattr":
            self.reply(getattr(target, request["name"]))
        elif op == "call":
            args, kwargs = pickle.loads(blobs[0])  # noqa: S301 - the grader's own data
            named = {**{str(i): a for i, a in enumerate(args)}, **kwargs}
            watched = [[k, v, self._snapshot(v)] for k, v in named.items() if self._watched(v)]
            fn = target if request.get("h") is not None else getattr(self.module, request["name"])
            result = fn(*args, **kwargs)
            self.send_result(result, named, watched)
        elif op == "dunder":
            name = request["name"]
            if name not in DUNDERS:
                raise AttributeError(name)
            args = pickle.loads(blobs[0]) if blobs else ()  # noqa: S301 - the grader's own data
            if name == "__repr__":
                self.reply(repr(target)[:300])
            elif name == "__iter__":
                it = iter(target)
                if it is not target and request["h"] in self.watch:
                    self.watch[self.handle(it)["$h"]] = self.watch[request["h"]]
                self.reply(it)
            elif name == "__next__":  # up to NEXT_CHUNK items in one round trip
                items: list = []
                extra: dict = {}
                while len(items) < NEXT_CHUNK:
                    try:
                        items.append(next(target))
                    except StopIteration:
                        extra["stop"] = True
                        break
                    except BaseException as exc:  # noqa: BLE001 - raised after the items before it
                        extra["map_failed"] = self.failure(exc)
                        break
                self._send(items, extra, self.writeback(self.watch.get(request["h"], [])))
            elif name == "__bool__":
                self.reply(bool(target))
            else:  # as Python itself: a TypeError where the object has no such method
                method = getattr(type(target), name, None)
                if method is None:
                    raise TypeError(f"'{type(target).__name__}' object has no {name}")
                self.reply(method(target, *args))
        elif op == "map":  # one call per blob, in order, in one round trip (see Remote.map)
            results: list = []
            for blob in blobs:
                args, kwargs = pickle.loads(blob)  # noqa: S301 - the grader's own data
                try:
                    results.append(target(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - reported with the calls before it
                    self.reply(results, map_failed=self.failure(exc))
                    return
            self.reply(results)
        elif op == "isinstance":
            self.reply(isinstance(target, pickle.loads(blobs[0])))  # noqa: S301 - the grader's
        elif op == "clone":
            from sklearn.base import clone

            self.reply(clone(target))
        elif op == "observe":
            fn = sys.modules[request["module"]]
            for part in request["qualname"].split("."):
                fn = getattr(fn, part)
            args = pickle.loads(blobs[0])  # noqa: S301 - the grader's own data
            self.reply(fn(self.module, *args))
        elif op == "release":
            _handles.pop(request["h"], None)
            self.watch.pop(request["h"], None)
            self.reply(None)
        else:
            raise ValueError(f"unknown request {op!r}")


def _shift_blobs(tree: Any, offset: int) -> Any:
    """A value's tree with every blob index moved by `offset` (to share one message's blobs)."""
    if isinstance(tree, list):
        return [_shift_blobs(x, offset) for x in tree]
    if not isinstance(tree, dict):
        return tree
    out = {}
    for k, v in tree.items():
        if k in ("$a", "$bytes") and isinstance(v, int):
            out[k] = v + offset
        else:
            out[k] = _shift_blobs(v, offset)
    return out


def _child_main(
    sock: socket.socket,
    path: Path,
    module_name: str,
    hide: list[str] | None,
    writable: list[Path],
    import_root: Path | None = None,
) -> None:
    keep = {sock.fileno(), 0, 1, 2}
    for fd in range(3, _max_fd()):
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)
    if hide is None:
        sandbox.shed_privileges()  # a learner's own check: as root, no capability on the machine
    else:
        readable = [import_root] if import_root is not None and import_root.is_dir() else []
        sandbox.enter([Path(p) for p in hide], writable, readable)
    os.environ.pop(HIDDEN_SEED_VARIABLE, None)  # the capstone's hidden world stays hidden
    os.environ["MLGRADE_LEARNER_PROCESS"] = "1"  # checks' helpers refuse to build it here
    if import_root is not None:
        # The capstone's modules import each other from the learner's tree, never from a copy
        # this process inherited from the grader (the reference, loaded for a differential check).
        forget_packages(import_root)
        sys.path.insert(0, str(import_root))
        _forget_check_data()
    _Host(sock, path, module_name).serve()


def _max_fd() -> int:
    try:
        return max(int(n) for n in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return 1024


HIDDEN_SEED_VARIABLE = "MLGRADE_CAPSTONE_SEED"


def _forget_check_data() -> None:
    """Drop what the checks cached before this process was forked (a re-fork, after the
    learner's code ended its process): the memoized results of their modules' functions."""
    import functools
    import gc

    for name in [n for n in sys.modules if n.split(".", 1)[0] == "mlgrade_course_checks"]:
        for value in list(vars(sys.modules[name]).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()
    gc.collect()


def forget_packages(root: Path) -> None:
    """Drop from `sys.modules` every module imported from the packages and modules in `root`."""
    root = Path(root)
    if not root.is_dir():
        return
    names = {
        p.stem if p.is_file() else p.name
        for p in root.iterdir()
        if (p.is_file() and p.suffix == ".py") or (p / "__init__.py").is_file()
    }
    for loaded in list(sys.modules):
        if loaded.split(".", 1)[0] in names:
            del sys.modules[loaded]


# --- the grader's side ----------------------------------------------------------------------------


class LearnerProcess:
    """One learner process per exercise child; the exercise module is loaded afresh per check."""

    def __init__(
        self,
        path: Path,
        module_name: str,
        hide: list[str] | None = None,
        writable: list[Path] | None = None,
        import_root: Path | None = None,
    ):
        """`hide`: sandbox the process (instructor modes), hiding these folders; None: don't.
        `writable`: folders the sandboxed process may write (the checks' exchange folder).
        `import_root`: a folder put first on `sys.path` (the capstone's, for its package)."""
        self.path = path
        parent, child = socket.socketpair()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            try:
                parent.close()
                _child_main(child, path, module_name, hide, list(writable or []), import_root)
            finally:
                os._exit(0)
        child.close()
        self.pid = pid
        self.sock = parent
        self.proxies: dict[int, Remote] = {}

    def request(
        self, op: str, blobs: list[bytes] | None = None, origin: dict | None = None, **fields: Any
    ) -> Any:
        try:
            wire.send(self.sock, {"op": op, **fields}, blobs or [])
            reply, reply_blobs = wire.recv(self.sock)
        except (EOFError, OSError) as exc:
            raise self._ended() from exc
        except (ValueError, TypeError, struct.error) as exc:
            raise OUT_OF_PROTOCOL from exc
        if not isinstance(reply, dict):
            raise OUT_OF_PROTOCOL
        if "exc" in reply:
            raise _rebuild(reply["exc"])
        try:
            decoder = wire.Decoder(reply_blobs, lambda node: self.proxy(node, origin))
            for key, tree in reply.get("writeback", []):
                if origin is not None and key in origin:
                    _write_back(origin[key], decoder.decode(tree))
            if "same_as" in reply and origin is not None:
                return origin[reply["same_as"]]
            value = decoder.decode(reply["value"])
            if op == "map" or fields.get("name") == "__next__":
                failed = _rebuild(reply["map_failed"]) if "map_failed" in reply else None
                return value, failed, bool(reply.get("stop"))
            return value
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise OUT_OF_PROTOCOL from exc

    def proxy(self, node: dict, origin: dict | None) -> Remote:
        """The one `Remote` of a handle, so that `enc.fit(X, y) is enc` holds as it would."""
        number = int(node["$h"])
        obj = self.proxies.get(number)
        if obj is None:
            obj = self.proxies[number] = remote(self, node, origin)
        return obj

    def _ended(self) -> LearnerProcessError:
        status = None
        with contextlib.suppress(ChildProcessError):
            _, status = os.waitpid(self.pid, 0)
        why = "the process running your code ended early"
        if status is not None and os.WIFEXITED(status):
            why += (
                f" with exit code {os.WEXITSTATUS(status)}: your code must not call os._exit() "
                "or end the interpreter"
            )
        elif status is not None and os.WIFSIGNALED(status):
            why += f", killed by signal {os.WTERMSIG(status)} (a crash, or far too much memory)"
        return LearnerProcessError(why)

    def load(self) -> RemoteModule:
        source = self.path.read_bytes()
        self.request("load", [source])
        self.proxies.clear()  # a fresh module: the objects of the previous check are forgotten
        return RemoteModule(self)

    def alive(self) -> bool:
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, 9)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _write_back(original: Any, new: Any) -> None:
    """Apply to the grader's argument what the learner's code changed in place."""
    import numpy as np

    pd = sys.modules.get("pandas")
    if isinstance(original, np.random.Generator) and isinstance(new, dict):
        with contextlib.suppress(Exception):
            original.bit_generator.state = new
    elif isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if new.shape == original.shape:  # (a resize in place cannot be mirrored; it is rare)
            with contextlib.suppress(Exception):
                original[...] = new.astype(original.dtype, copy=False)
    elif pd is not None and isinstance(original, pd.DataFrame) and isinstance(new, pd.DataFrame):
        original._update_inplace(new)  # noqa: SLF001 - the in-place change, as the learner made it
    elif pd is not None and isinstance(original, pd.Series) and isinstance(new, pd.Series):
        original._update_inplace(new)  # noqa: SLF001
    elif isinstance(original, list) and isinstance(new, list):
        original[:] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        original.clear()
        original.update(new)


def _rebuild(info: dict) -> BaseException:
    """The learner's exception as the grader's: the nearest class from builtins, NumPy, pandas,
    scikit-learn or SciPy in its MRO (never a class of the learner's), with its message."""
    message = str(info.get("message", ""))
    for module_name, qualname in info.get("mro", []):
        module_name, qualname = str(module_name), str(qualname)
        if module_name.split(".")[0] not in ALLOWED_EXCEPTION_MODULES:
            continue
        obj: Any = builtins if module_name == "builtins" else sys.modules.get(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part, None)
        if not (isinstance(obj, type) and issubclass(obj, BaseException)):
            continue
        if obj is SystemExit:
            exc: BaseException = SystemExit(info.get("code"))
        elif not issubclass(obj, Exception):
            continue  # KeyboardInterrupt, GeneratorExit: no reason to stop the grader
        else:
            try:
                exc = obj(message)
            except Exception:  # noqa: BLE001 - a class that wants other arguments: try its base
                continue
        exc.mlgrade_where = str(info.get("where", ""))[:200]  # type: ignore[attr-defined]
        return exc
    exc = RuntimeError(f"{info.get('mro', [['', 'Exception']])[0][1]}: {message}")
    exc.mlgrade_where = str(info.get("where", ""))[:200]  # type: ignore[attr-defined]
    return exc


_remote_classes: dict[str, type] = {}


def remote(process: LearnerProcess, node: dict, origin: dict | None = None) -> Remote:
    """A proxy for the learner's object behind a handle, of a class named like the object's."""
    name = str(node.get("type", "object")).rsplit(".", 1)[-1] or "object"
    name = name if name.isidentifier() else "object"
    cls = _remote_classes.get(name)
    if cls is None:
        cls = _remote_classes[name] = type(name, (Remote,), {"__module__": "learner"})
    obj = object.__new__(cls)
    object.__setattr__(obj, "_process", process)
    object.__setattr__(obj, "_handle", int(node["$h"]))
    object.__setattr__(obj, "_origin", origin)
    return obj


class Remote:
    """An object that lives in the learner's process: attributes, calls and iteration are asked
    of that process, and what comes back is a value (or another `Remote`)."""

    _process: LearnerProcess
    _handle: int
    _origin: dict | None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._process.request("getattr", h=self._handle, name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        origin = {**{str(i): a for i, a in enumerate(args)}, **kwargs}
        blob = pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        return self._process.request("call", [blob], origin=origin, h=self._handle)

    def _dunder(self, name: str, *args: Any) -> Any:
        blobs = [pickle.dumps(args)] if args else []
        return self._process.request(
            "dunder", blobs, origin=self._origin, h=self._handle, name=name
        )

    def __iter__(self) -> Any:
        it = self._dunder("__iter__")
        if isinstance(it, Remote):
            object.__setattr__(it, "_origin", self._origin)
        return it

    def __next__(self) -> Any:
        """The next item; the learner's iterator runs ahead by up to NEXT_CHUNK items, fetched in
        one round trip (what it raises comes after the items before it)."""
        buffer = self.__dict__.setdefault("_buffer", [])
        if not buffer:
            if self.__dict__.get("_ended") is not None:
                raise self.__dict__["_ended"]
            items, failed, stop = self._dunder("__next__")
            buffer.extend(items)
            ended = failed or (StopIteration() if stop else None)
            object.__setattr__(self, "_ended", ended)
            if not buffer and ended is not None:
                raise ended
        return buffer.pop(0)

    def __len__(self) -> int:
        return self._dunder("__len__")

    def __getitem__(self, key: Any) -> Any:
        return self._dunder("__getitem__", key)

    def __contains__(self, key: Any) -> bool:
        return self._dunder("__contains__", key)

    def __bool__(self) -> bool:
        try:
            return bool(self._dunder("__bool__"))
        except (AttributeError, TypeError):
            return True

    def __repr__(self) -> str:
        try:
            return str(self._dunder("__repr__"))
        except Exception:  # noqa: BLE001
            return f"<{type(self).__name__} in the learner's process>"

    def map(self, calls: list[tuple[tuple, dict]]) -> tuple[list, BaseException | None]:
        """Call this function once per `(args, kwargs)`, in order, in one round trip: the results
        of the calls made, and the exception that stopped them (None if none did). Each call's
        arguments are pickled apart, so one call's in-place change never reaches the next."""
        blobs = [pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL) for call in calls]
        results, failed, _ = self._process.request("map", blobs, h=self._handle)
        return results, failed

    def __sklearn_clone__(self) -> Any:
        return self._process.request("clone", h=self._handle)

    def __reduce__(self) -> tuple[Callable[[int], Any], tuple[int]]:
        return _handle_ref, (self._handle,)


def learner_isinstance(obj: Any, cls: type | tuple[type, ...]) -> bool:
    """`isinstance(obj, cls)`, asked of the learner's process when `obj` lives there (an observed
    answer: it tells the class of the learner's object, as that process sees it)."""
    if isinstance(obj, Remote):
        global observed_this_check
        observed_this_check = True
        blob = pickle.dumps(cls, protocol=pickle.HIGHEST_PROTOCOL)
        return bool(obj._process.request("isinstance", [blob], h=obj._handle))
    return isinstance(obj, cls)


class RemoteModule:
    """The learner's exercise module, as the checks see it: `submission.fn(...)` calls `fn` in the
    learner's process; `submission.observe(fn, *args)` runs a check's own `fn(module, *args)` there."""

    def __init__(self, process: LearnerProcess):
        self._process = process
        self._handles: dict[str, Remote] = {}  # functions and classes, asked for once per check

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        cached = self._handles.get(name)
        if cached is not None:
            return cached
        value = self._process.request("getattr", name=name)
        if isinstance(value, Remote):
            self._handles[name] = value
        return value

    def observe(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(learner_module, *args)`, run in the learner's process; its value comes back.
        `fn` must be a module-level function of a check module or of the grader."""
        global observed_this_check
        observed_this_check = True
        blob = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        return self._process.request(
            "observe", [blob], module=fn.__module__, qualname=fn.__qualname__
        )
