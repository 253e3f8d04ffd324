"""The values that cross from a learner's process to the grader's: encoded without pickle.

Only data crosses: plain Python values, NumPy arrays (their bytes, dtype string and shape; never
an object dtype),
pandas frames, series and indexes (column by column, each with its dtype), timestamps. Anything
else (a function, an estimator, a generator, an object of the learner's class) stays in the
learner's process and crosses as a *handle*, a number the grader uses to ask for its attributes,
call it or iterate it. Decoding never unpickles, imports or evaluates anything it receives.

The other direction (the grader's arguments to a learner's function) may use pickle: a learner's
process unpickling the grader's data endangers nothing but itself.

A message is a JSON tree plus a list of binary blobs, framed on a stream socket as
`<4-byte JSON length><4-byte blob count><8-byte blob lengths...><JSON><blobs...>`.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import struct
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_MESSAGE = 1 << 34  # 16 GiB: a guard against a corrupt length, not a quota


class WireError(ValueError):
    """A message that is not of the grader's protocol (a learner's process that misbehaves)."""


# --- framing ------------------------------------------------------------------------------------


def _recv_exact(sock, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:  # MSG_WAITALL: one system call, unless a signal interrupts it
        k = sock.recv_into(view[got:], n - got, socket.MSG_WAITALL)
        if k == 0:
            raise EOFError("the other process closed the connection")
        got += k
    return bytes(buf)


def send(sock, tree: Any, blobs: list[bytes]) -> None:
    head = json.dumps(tree, allow_nan=False, separators=(",", ":")).encode()
    sizes = struct.pack(f"<II{len(blobs)}Q", len(head), len(blobs), *(len(b) for b in blobs))
    sock.sendall(b"".join([sizes, head, *blobs]))


def recv(sock) -> tuple[Any, list[bytes]]:
    """One message: three reads (the two counts, the sizes, everything else)."""
    n, count = struct.unpack("<II", _recv_exact(sock, 8))
    sizes = struct.unpack(f"<{count}Q", _recv_exact(sock, 8 * count)) if count else ()
    if n + sum(sizes) > MAX_MESSAGE:
        raise WireError(f"a message of {n + sum(sizes)} bytes")
    body = _recv_exact(sock, n + sum(sizes))
    tree = json.loads(body[:n])
    blobs, at = [], n
    for size in sizes:
        blobs.append(body[at : at + size])
        at += size
    return tree, blobs


# --- encoding (learner side) --------------------------------------------------------------------


class Encoder:
    """Encodes one value; `handle(obj)` turns what is not data into a handle number."""

    def __init__(self, handle: Callable[[Any], dict]):
        self.blobs: list[bytes] = []
        self.handle = handle

    def blob(self, data: bytes) -> int:
        self.blobs.append(data)
        return len(self.blobs) - 1

    def array(self, arr: np.ndarray) -> dict:
        if arr.dtype.hasobject:
            return {"$ao": list(arr.shape), "items": [self.encode(x) for x in arr.ravel()]}
        arr = np.require(arr, requirements="C")
        return {"$a": self.blob(arr.tobytes()), "dtype": arr.dtype.str, "shape": list(arr.shape)}

    def encode(self, v: Any) -> Any:  # noqa: C901 - one branch per kind of value
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int) and type(v) is int:
            return v if abs(v) < 2**53 else {"$int": str(v)}
        if type(v) is float:
            return v if math.isfinite(v) else {"$float": repr(v)}
        if isinstance(v, (bytes, bytearray)):
            return {"$bytes": self.blob(bytes(v))}
        if type(v) in (list, tuple, set, frozenset):
            key = {list: "$l", tuple: "$t", set: "$s", frozenset: "$s"}[type(v)]
            return {key: [self.encode(x) for x in v]}
        if type(v) is dict:
            return {"$d": [[self.encode(k), self.encode(x)] for k, x in v.items()]}
        if isinstance(v, np.ndarray) and type(v) is np.ndarray:
            return self.array(v)
        if isinstance(v, np.generic) and not isinstance(v, np.object_):
            return {"$g": self.array(np.asarray(v))}
        encoded = self._pandas(v)
        if encoded is not None:
            return encoded
        return self.handle(v)

    def _pandas(self, v: Any) -> Any:
        import sys

        pd = sys.modules.get("pandas")
        if pd is None:
            return None
        if v is pd.NaT:
            return {"$nat": True}
        if v is pd.NA:
            return {"$na": True}
        if type(v) is pd.Timestamp:
            return {"$ts": int(v.value), "unit": v.unit, "tz": None if v.tz is None else str(v.tz)}
        if type(v) is pd.Timedelta:
            return {"$td": int(v.value)}
        if type(v) is pd.DataFrame:
            return {
                "$df": [self.column(v.iloc[:, i]) for i in range(v.shape[1])],
                "columns": self.index(v.columns),
                "index": self.index(v.index),
            }
        if type(v) is pd.Series:
            return {
                "$ser": self.column(v),
                "index": self.index(v.index),
                "name": self.encode(v.name),
            }
        if isinstance(v, pd.Index):
            return self.index(v)
        if type(v) is pd.Categorical:
            return self.values(v)
        return None

    def index(self, idx: Any) -> dict:
        import pandas as pd

        if type(idx) is pd.RangeIndex:
            return {"$ri": [idx.start, idx.stop, idx.step], "name": self.encode(idx.name)}
        if type(idx) is pd.MultiIndex:
            return {
                "$mi": [self.index(level) for level in idx.levels],
                "codes": [self.array(np.asarray(c)) for c in idx.codes],
                "names": [self.encode(n) for n in idx.names],
            }
        return {"$idx": self.values(idx.array), "name": self.encode(idx.name)}

    def column(self, series: Any) -> dict:
        return self.values(series.array)

    def values(self, arr: Any) -> dict:
        """A pandas array or NumPy array, with its dtype."""
        import pandas as pd

        dtype = arr.dtype
        if (
            isinstance(dtype, np.dtype)
            or hasattr(dtype, "numpy_dtype")
            and not hasattr(arr, "_mask")
        ):
            return self.array(np.asarray(arr))  # NumPy-backed (also pandas' NumpyExtensionArray)
        if isinstance(dtype, pd.CategoricalDtype):
            return {
                "$cat": self.array(np.asarray(arr.codes)),
                "categories": self.index(dtype.categories),
                "ordered": bool(dtype.ordered),
            }
        if isinstance(dtype, pd.DatetimeTZDtype):
            return {
                "$dt": self.array(np.asarray(arr.asi8)),
                "tz": str(dtype.tz),
                "unit": dtype.unit,
            }
        if isinstance(dtype, pd.StringDtype):
            items = [None if x is pd.NA or x is None or x != x else str(x) for x in arr]
            return {"$str": items, "dtype": str(dtype), "storage": dtype.storage}
        masked = getattr(arr, "_mask", None)
        data = getattr(arr, "_data", None)
        if isinstance(masked, np.ndarray) and isinstance(data, np.ndarray):
            return {"$masked": self.array(data), "mask": self.array(masked), "dtype": str(dtype)}
        return self.array(np.asarray(arr, dtype=object))  # any other extension dtype: objects


def encode(value: Any, handle: Callable[[Any], dict]) -> tuple[Any, list[bytes]]:
    enc = Encoder(handle)
    tree = enc.encode(value)
    return tree, enc.blobs


# --- decoding (grader side) ---------------------------------------------------------------------


class Decoder:
    def __init__(self, blobs: list[bytes], handle: Callable[[dict], Any]):
        self.blobs = blobs
        self.handle = handle

    def blob(self, i: Any) -> bytes:
        if not isinstance(i, int) or not 0 <= i < len(self.blobs):
            raise WireError(f"no blob {i!r}")
        return self.blobs[i]

    def array(self, node: dict) -> np.ndarray:
        if "$ao" in node:
            shape = tuple(int(s) for s in node["$ao"])
            items = [self.decode(x) for x in node["items"]]
            out = np.empty(len(items), dtype=object)
            for i, item in enumerate(items):  # one by one: a list item must stay one object
                out[i] = item
            return out.reshape(shape)
        return _raw_array(self.blob(node["$a"]), node.get("dtype"), node.get("shape"))

    def decode(self, node: Any) -> Any:  # noqa: C901 - one branch per kind of value
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            raise WireError("a bare list")
        if not isinstance(node, dict) or not node:
            raise WireError(f"not a value: {str(node)[:80]}")
        key = next(iter(node))
        if key == "$int":
            return int(node["$int"])
        if key == "$float":
            return float(node["$float"])
        if key == "$bytes":
            return self.blob(node["$bytes"])
        if key in ("$l", "$t", "$s"):
            items = [self.decode(x) for x in node[key]]
            return {"$l": list, "$t": tuple, "$s": set}[key](items)
        if key == "$d":
            return {self.decode(k): self.decode(v) for k, v in node["$d"]}
        if key in ("$a", "$ao"):
            return self.array(node)
        if key == "$g":
            return self.array(node["$g"])[()]
        if key == "$h":
            return self.handle(node)
        return self._pandas(key, node)

    def _pandas(self, key: str, node: dict) -> Any:
        import pandas as pd

        if key == "$nat":
            return pd.NaT
        if key == "$na":
            return pd.NA
        if key == "$ts":
            ts = pd.Timestamp(int(node["$ts"]), tz="UTC" if node["tz"] else None)
            ts = ts.tz_convert(node["tz"]) if node["tz"] else ts
            return ts.as_unit(node["unit"]) if node.get("unit") else ts
        if key == "$td":
            return pd.Timedelta(int(node["$td"]))
        if key == "$df":
            columns = self.index(node["columns"])
            index = self.index(node["index"])
            arrays = [self.values(c) for c in node["$df"]]
            if len(arrays) != len(columns):
                raise WireError("a frame whose columns and data differ in number")
            frame = pd.DataFrame(dict(enumerate(arrays)), index=index)
            frame.columns = columns
            return frame
        if key == "$ser":
            return pd.Series(
                self.values(node["$ser"]),
                index=self.index(node["index"]),
                name=self.decode(node["name"]),
            )
        if key in ("$ri", "$mi", "$idx"):
            return self.index(node)
        if key in ("$cat", "$dt", "$str", "$masked"):
            return self.values(node)
        raise WireError(f"unknown kind {key!r}")

    def index(self, node: dict) -> Any:
        import pandas as pd

        if "$ri" in node:
            start, stop, step = (int(x) for x in node["$ri"])
            return pd.RangeIndex(start, stop, step, name=self.decode(node["name"]))
        if "$mi" in node:
            return pd.MultiIndex(
                levels=[self.index(level) for level in node["$mi"]],
                codes=[self.array(c) for c in node["codes"]],
                names=[self.decode(n) for n in node["names"]],
            )
        if "$idx" in node:
            return pd.Index(
                self.values(node["$idx"]), name=self.decode(node["name"]), tupleize_cols=False
            )
        raise WireError("not an index")

    def values(self, node: dict) -> Any:
        import pandas as pd

        if "$cat" in node:
            codes = self.array(node["$cat"])
            dtype = pd.CategoricalDtype(
                self.index(node["categories"]), ordered=bool(node["ordered"])
            )
            return pd.Categorical.from_codes(codes, dtype=dtype)
        if "$dt" in node:
            i8 = self.array(node["$dt"]).astype(np.int64)
            unit = str(node["unit"])
            if unit not in ("s", "ms", "us", "ns"):
                raise WireError(f"unit {unit!r}")
            naive = pd.DatetimeIndex(i8.view(f"datetime64[{unit}]"))
            return naive.tz_localize("UTC").tz_convert(str(node["tz"])).array
        if "$str" in node:
            items = node["$str"]
            if not all(x is None or isinstance(x, str) for x in items):
                raise WireError("a string column with a value that is no string")
            return pd.array(items, dtype=_string_dtype(str(node["dtype"]), node.get("storage")))
        if "$masked" in node:
            data, mask = self.array(node["$masked"]), self.array(node["mask"])
            dtype = pd.api.types.pandas_dtype(str(node["dtype"]))
            return dtype.construct_array_type()(data, mask.astype(bool))
        if "$a" in node or "$ao" in node:
            return self.array(node)
        raise WireError("not an array")


def _string_dtype(name: str, storage: Any) -> Any:
    import pandas as pd

    try:
        dtype = pd.api.types.pandas_dtype(name)
    except TypeError:
        dtype = pd.StringDtype()
    if storage and getattr(dtype, "storage", storage) != storage:
        with contextlib.suppress(TypeError, ImportError, ValueError):  # the learner's storage
            dtype = pd.StringDtype(storage=storage, na_value=dtype.na_value)
    return dtype


def _raw_array(data: bytes, descr: Any, shape: Any) -> np.ndarray:
    """An array from its bytes, a dtype string and a shape; never a dtype that holds objects
    (reading pointers from another process's bytes), never one that needs pickle."""
    if not isinstance(descr, str) or not isinstance(shape, list):
        raise WireError("an array without dtype or shape")
    try:
        dtype = np.dtype(descr)
    except (TypeError, ValueError) as exc:
        raise WireError(f"dtype {descr!r}") from exc
    if dtype.hasobject or dtype.kind == "V":
        raise WireError(f"dtype {descr!r} is not plain data")
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise WireError(f"shape {shape!r}")
    count = math.prod(shape)
    if count * dtype.itemsize != len(data):
        raise WireError("an array whose bytes do not match its shape")
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape).copy()


def decode(tree: Any, blobs: list[bytes], handle: Callable[[dict], Any]) -> Any:
    return Decoder(blobs, handle).decode(tree)
