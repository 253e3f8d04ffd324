"""The capstone checks' shared data: the hidden world, its raw export, the hidden future weeks.

The grader runs the learner's system on a data world the learner has not seen: the seed is
`capstone_seed()` (the environment variable MLGRADE_CAPSTONE_SEED when an instructor sets one,
else HIDDEN_SEED; learners develop on seed 0). One exercise is one learner process, so every
helper here is cached per process: the world is generated once, the raw export made once, in
whichever process asks (the grader's, or the learner's through `submission.observe`).

The split every part agrees on (`as_of`): the system is trained on what was known at `as_of`,
FUTURE_DAYS before the world's end; the weeks from `as_of` on are the hidden future, scored with
their final labels (`is_fraud`). A training run sees only the raw rows before `as_of`
(`history`); those rows still carry `chargeback_at` values after `as_of` (the export is what it
is), which an honest pipeline must not use as labels (fraudsys.config.LABEL_DELAY_DAYS).
"""

from __future__ import annotations

import functools
import os
import types
from typing import Any

import pandas as pd

import coursedata
from coursekit.schemas import Transaction

HIDDEN_SEED = 7  # the default hidden world's seed (instructors set MLGRADE_CAPSTONE_SEED)
SEED_VARIABLE = "MLGRADE_CAPSTONE_SEED"
REQUEST_COLUMNS = tuple(Transaction.model_fields)  # what a client sends the service
LEARNER_PROCESS_VARIABLE = "MLGRADE_LEARNER_PROCESS"  # set in every learner's process
KIND = "medium"  # 50,000 payments over 180 days, every planted drift, the incident
FUTURE_DAYS = 28  # the hidden future: the world's last four weeks
SMALL_KIND = "small"  # a quick world for the checks of mechanics (registry, errors)


def capstone_seed() -> int:
    """The hidden world's seed: MLGRADE_CAPSTONE_SEED when set (an integer), else HIDDEN_SEED.
    Read in the grader's process only: the learner's process never has the variable, so a probe
    that rebuilt the world there would build another world (and put it within the learner's
    reach); pass a probe the rows it needs instead."""
    if os.environ.get(LEARNER_PROCESS_VARIABLE):
        raise RuntimeError(
            "the capstone's hidden world is built in the grader's process only: pass the probe "
            "the rows it needs (the learner's process never sees MLGRADE_CAPSTONE_SEED)"
        )
    text = os.environ.get(SEED_VARIABLE, "").strip()
    return int(text) if text else HIDDEN_SEED


@functools.lru_cache(maxsize=4)
def world(seed: int | None = None, kind: str = KIND) -> coursedata.World:
    """The data world of `seed` (default: the hidden seed), generated once per process.
    Treat it as read-only: every check of this process shares it."""
    seed = capstone_seed() if seed is None else seed
    return coursedata.generate(**coursedata.SAMPLES[kind], seed=seed)


@functools.lru_cache(maxsize=4)
def raw(
    seed: int | None = None, kind: str = KIND
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(raw export, users, merchants) of the world: the system's raw input, all text in the
    export. The export's own randomness uses the same seed as the world. Read-only."""
    w = world(seed, kind)
    seed = capstone_seed() if seed is None else seed
    return coursedata.raw_export(w, seed=seed), w.users, w.merchants


def as_of(seed: int | None = None, kind: str = KIND) -> pd.Timestamp:
    """When the system is trained: FUTURE_DAYS before the world's end (midnight UTC)."""
    return world(seed, kind).truth.end - pd.Timedelta(days=FUTURE_DAYS)


@functools.lru_cache(maxsize=4)
def history(seed: int | None = None, kind: str = KIND) -> pd.DataFrame:
    """The raw export's rows of the payments made before `as_of` (what training sees), in the
    export's order, duplicates and mess included. Read-only."""
    w = world(seed, kind)
    export = raw(seed, kind)[0]
    tx = w.transactions
    past_ids = tx.loc[tx["timestamp"] < as_of(seed, kind), "transaction_id"].astype(str)
    return export[export["transaction_id"].isin(set(past_ids))].reset_index(drop=True)


@functools.lru_cache(maxsize=4)
def future(seed: int | None = None, kind: str = KIND) -> pd.DataFrame:
    """The hidden future weeks: the world's typed transactions made at or after `as_of`, with
    their final labels (`is_fraud`) and the leaky columns still there, in time order, indexed by
    `transaction_id`. Read-only."""
    tx = world(seed, kind).transactions
    rows = tx[tx["timestamp"] >= as_of(seed, kind)]
    return rows.set_index("transaction_id", drop=False).rename_axis(None)


@functools.lru_cache(maxsize=4)
def future_raw(seed: int | None = None, kind: str = KIND) -> pd.DataFrame:
    """The raw export's rows of the hidden future weeks (their first copy only), in the order of
    `future()`: what a learner's `clean_raw` turns into the rows to score. Read-only."""
    export = raw(seed, kind)[0]
    ids = future(seed, kind)["transaction_id"].astype(str)
    first = export.drop_duplicates("transaction_id", keep="first").set_index("transaction_id")
    return first.loc[ids.to_numpy()].reset_index()


def request_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a client sends to the service (coursekit.schemas.Transaction's fields) of
    typed transactions, e.g. `future()`: what `build_features` must be able to work from."""
    out = frame[list(REQUEST_COLUMNS)].copy()
    for column in ("currency", "merchant_category", "channel", "card_country", "merchant_country"):
        out[column] = out[column].astype(str)
    return out


@functools.lru_cache(maxsize=8)
def reference_part(stem: str):
    """The reference module of another capstone part (`"train"`, `"features"`, ...), loaded in
    the grader's process as the `reference` fixture loads this exercise's own."""
    from autograder.plugin import load_exercise, reference_dir

    return load_exercise(reference_dir(), f"capstone/{stem}", prefix="reference_")


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed transactions with plain-text columns instead of the world's categoricals."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(str)
    return out


def rebound(module: types.ModuleType, overrides: dict, owner: str) -> dict:
    """`module`'s globals with `overrides`, its functions and Test* classes copied so that their
    globals are that namespace: a lesson's checks, run with the capstone's names. The classes
    belong to `owner` (the capstone's check module that subclasses them)."""
    namespace: dict[str, Any] = {**vars(module), **overrides}

    def rebind(fn: types.FunctionType) -> types.FunctionType:
        copy = types.FunctionType(
            fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__
        )
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__doc__ = fn.__doc__
        return copy

    for name, value in list(namespace.items()):
        if name in overrides:
            continue
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            namespace[name] = rebind(value)
        elif (
            isinstance(value, type)
            and value.__module__ == module.__name__
            and name.startswith("Test")
        ):
            methods = {
                k: rebind(v) for k, v in vars(value).items() if isinstance(v, types.FunctionType)
            }
            namespace[name] = type(
                name, (), {**methods, "__module__": owner, "__doc__": value.__doc__}
            )
    return namespace
