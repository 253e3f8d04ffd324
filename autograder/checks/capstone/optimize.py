"""Checks for capstone/optimize (see solutions/capstone/fraudsys/optimize.py for the reference)."""

from __future__ import annotations

import functools
import math
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from autograder.assertions import expect_raises, fail

from . import _shared

# part OPTIMIZE · optimize
#
# The champion is train.py's model fitted by the checks (reference code) on the hidden world's
# history; optimize runs once per learner process, in one check's exchange folder, and the other
# checks read what it returned and wrote. Latency is measured in the learner's process, the
# compact model against the champion, interleaved, as a ratio with a wide margin.

LATENCY_MARGIN = 1.5  # the measured ratio may exceed config.MAX_LATENCY_RATIO by this factor
_RUN: dict[str, Any] = {}


@functools.lru_cache(maxsize=1)
def _data() -> dict:
    """The champion and the training and validation rows of the hidden history (reference)."""
    ref = _shared.reference_part("train")
    _, users, merchants = _shared.raw()
    as_of = _shared.as_of()
    rows = ref._labelled_rows(ref.clean_raw(_shared.history(), users, merchants), as_of)
    cutoff = as_of - pd.Timedelta(days=ref.config.LABEL_DELAY_DAYS)
    valid = rows["timestamp"] >= cutoff - pd.Timedelta(days=ref.config.VALID_DAYS)
    X_train, y_train = ref.build_features(rows[~valid]), rows.loc[~valid, "label"].to_numpy()
    X_val, y_val = ref.build_features(rows[valid]), rows.loc[valid, "label"].to_numpy()
    with threadpool_limits(limits=1):
        champion = ref.make_model().fit(X_train, y_train)
    return {
        "champion": champion,
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "ref": ref,
        "config": ref.config,
    }


def _constant_candidates() -> dict:
    return {"constant": DummyClassifier(strategy="prior")}


def _optimize_in_learner(module, champion, X_train, y_train, X_val, y_val, out_dir, patch):
    """Runs in the learner's process: optimize, and whether the champion stayed as it was."""
    before = champion.predict_proba(X_val)[:, 1]
    params = champion.get_params()
    original = module.candidates
    try:
        if patch:
            module.candidates = _constant_candidates
        out = module.optimize(champion, X_train, y_train, X_val, y_val, out_dir)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported by the checks
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        module.candidates = original
    after = champion.predict_proba(X_val)[:, 1]
    untouched = bool(np.array_equal(before, after) and champion.get_params() == params)
    plain = out if isinstance(out, dict) else {"not a dict": repr(out)}
    plain = {
        str(k): (v if isinstance(v, (str, int, float, bool)) else repr(v)) for k, v in plain.items()
    }
    return {"out": plain, "untouched": untouched, "listing": sorted(os.listdir(out_dir))}


def _latency_in_learner(module, path, champion, row, repeats):
    """Runs in the learner's process: the per-row latency of the saved model and the champion,
    interleaved so that a busy moment slows both (medians, ms)."""
    from coursekit.model_io import load_model

    compact, _ = load_model(path)
    with threadpool_limits(limits=1):
        compact.predict_proba(row), champion.predict_proba(row)
        times: dict[str, list[float]] = {"compact": [], "champion": []}
        for _ in range(repeats):
            for name, m in (("compact", compact), ("champion", champion)):
                started = time.perf_counter()
                m.predict_proba(row)
                times[name].append(time.perf_counter() - started)
    return {k: statistics.median(v) * 1000.0 for k, v in times.items()}


def _run(submission, exchange: Path) -> dict:
    """optimize's facts, once per learner process."""
    process = submission._process
    if _RUN.get("process") is process:
        return _RUN["facts"]
    d = _data()
    folder = exchange / "served"
    folder.mkdir()
    facts = submission.observe(
        _optimize_in_learner,
        d["champion"],
        d["X_train"],
        d["y_train"],
        d["X_val"],
        d["y_val"],
        str(folder),
        False,
    )
    facts["folder"] = folder
    _RUN.clear()
    _RUN.update(process=process, facts=facts)
    return facts


def _out(facts: dict) -> dict:
    if "error" in facts:
        fail(f"optimize raised {facts['error']} on train.py's champion and the hidden world's rows")
    out = facts["out"]
    need = {"path", "name", "size_bytes", "champion_size_bytes", "auc", "champion_auc"} | {
        "auc_drop",
        "p50_ms_row",
        "champion_p50_ms_row",
        "threshold",
        "within_budget",
    }
    if not need <= set(out):
        fail(f"optimize returned the keys {sorted(out)}, expected {sorted(need)}")
    return out


def _load(path: str):
    from coursekit.model_io import ModelFileError, load_model

    try:
        return load_model(path)
    except (ModelFileError, OSError) as exc:
        fail(f"the saved model {path} does not load with coursekit.model_io.load_model: {exc}")


class TestServedModel:
    def test_file_saved(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        want = str(facts["folder"] / "model.skops")
        if out["path"] != want:
            fail(
                f"optimize returned path {out['path']!r}, expected {want!r} (out_dir / 'model.skops')"
            )
        if facts["listing"] != ["model.skops", "model.skops.json"]:
            fail(
                f"out_dir holds {facts['listing']} after optimize; expected only the model file and "
                "its sidecar (measure the candidates' sizes in a temporary folder)"
            )
        _, meta = _load(want)
        if meta.get("feature_names") != list(_data()["X_val"].columns):
            fail(f"the sidecar's feature_names are {meta.get('feature_names')!r}")
        if out["size_bytes"] != Path(want).stat().st_size:
            fail(
                f"size_bytes is {out['size_bytes']}, the saved file has {Path(want).stat().st_size}"
            )

    def test_auc_budget(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        d = _data()
        model, _ = _load(out["path"])
        with threadpool_limits(limits=1):
            auc = roc_auc_score(d["y_val"], model.predict_proba(d["X_val"])[:, 1])
            champion = roc_auc_score(d["y_val"], d["champion"].predict_proba(d["X_val"])[:, 1])
        budget = d["config"].MAX_AUC_DROP
        if champion - auc > budget + 1e-9:
            fail(
                f"the served model's validation ROC AUC is {auc:.4f}, {champion - auc:.4f} below "
                f"the champion's {champion:.4f}; the budget is {budget}"
            )
        for key, value in (("auc", auc), ("champion_auc", champion), ("auc_drop", champion - auc)):
            if not math.isclose(float(out[key]), value, abs_tol=1e-9):
                fail(f"optimize reported {key} = {out[key]}, the checks measure {value:.6f}")

    def test_size_budget(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        d = _data()
        from coursekit.model_io import save_model

        mine = exchange / "champion.skops"
        save_model(d["champion"], mine, {"feature_names": list(d["X_val"].columns)})
        champion = mine.stat().st_size
        size = Path(out["path"]).stat().st_size
        ratio = d["config"].MAX_SIZE_RATIO
        if size > ratio * champion:
            fail(
                f"the served model's file has {size:,} bytes, {size / champion:.2f} of the "
                f"champion's {champion:,}; the budget is {ratio} of it"
            )
        if int(out["champion_size_bytes"]) != champion:
            fail(f"champion_size_bytes is {out['champion_size_bytes']}, its file has {champion}")

    def test_latency_budget(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        d = _data()
        p50 = submission.observe(
            _latency_in_learner, out["path"], d["champion"], d["X_val"].iloc[:1], 40
        )
        ratio = p50["compact"] / p50["champion"]
        limit = d["config"].MAX_LATENCY_RATIO * LATENCY_MARGIN
        if ratio > limit:
            fail(
                f"one row takes {p50['compact']:.3f} ms with the served model, {ratio:.2f} times "
                f"the champion's {p50['champion']:.3f} ms in the same process; the budget is "
                f"{d['config'].MAX_LATENCY_RATIO} (checked with a margin: {limit:.2f})"
            )

    def test_threshold_chosen_again(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        d = _data()
        model, meta = _load(out["path"])
        with threadpool_limits(limits=1):
            scores = model.predict_proba(d["X_val"])[:, 1]
        want, _ = d["ref"].best_threshold(d["y_val"], scores)
        if not math.isclose(float(out["threshold"]), want, rel_tol=1e-9):
            fail(
                f"optimize returned threshold {out['threshold']}, expected {want!r}: the served "
                "model's own cheapest threshold on validation (its scores are not the champion's)"
            )
        if meta.get("threshold") is None or not math.isclose(meta["threshold"], want, rel_tol=1e-9):
            fail(f"the sidecar's threshold is {meta.get('threshold')!r}, expected {want!r}")

    def test_smallest_within_budget(self, submission, exchange):
        facts = _run(submission, exchange)
        out = _out(facts)
        d = _data()
        cands = _shared.reference_part("optimize").candidates()
        from coursekit.model_io import save_model

        champion_path = exchange / "champion.skops"
        save_model(d["champion"], champion_path, {"feature_names": list(d["X_val"].columns)})
        with threadpool_limits(limits=1):
            champion_auc = roc_auc_score(d["y_val"], d["champion"].predict_proba(d["X_val"])[:, 1])
            sizes = {}
            for name, model in cands.items():
                model.fit(d["X_train"], d["y_train"])
                auc = roc_auc_score(d["y_val"], model.predict_proba(d["X_val"])[:, 1])
                path = exchange / f"{name}.skops"
                save_model(model, path, {"feature_names": list(d["X_val"].columns)})
                if champion_auc - auc <= d["config"].MAX_AUC_DROP + 1e-9:
                    sizes[name] = path.stat().st_size
        if not sizes:
            return  # no candidate within the AUC budget on this world: nothing to compare
        best = min(sizes, key=sizes.get)
        if out["name"] not in sizes or sizes[out["name"]] > sizes[best]:
            fail(
                f"optimize served {out['name']!r}; within the AUC budget, {best!r} "
                f"({sizes[best]:,} bytes) is the smallest of candidates() (sizes: {sizes})"
            )
        if out["within_budget"] is not True:
            fail("optimize returned within_budget False although a candidate was within budget")

    def test_champion_untouched(self, submission, exchange):
        facts = _run(submission, exchange)
        _out(facts)
        if not facts["untouched"]:
            fail("optimize changed the champion (its parameters or its scores): fit clones")


class TestNoCandidate:
    def test_champion_served(self, submission, exchange):
        d = _data()
        facts = submission.observe(
            _optimize_in_learner,
            d["champion"],
            d["X_train"],
            d["y_train"],
            d["X_val"],
            d["y_val"],
            str(exchange),
            True,
        )
        out = _out(facts)
        if out["name"] != "champion" or out["within_budget"] is not False:
            fail(
                f"with one candidate, a constant scorer (AUC 0.5), optimize served "
                f"{out['name']!r} with within_budget={out['within_budget']!r}; expected the "
                "champion itself ('champion', within_budget False)"
            )
        model, _ = _load(out["path"])
        with threadpool_limits(limits=1):
            same = np.allclose(
                model.predict_proba(d["X_val"])[:, 1], d["champion"].predict_proba(d["X_val"])[:, 1]
            )
        if not same:
            fail("the file optimize saved does not score like the champion it had to serve")


class TestErrors:
    def test_bad_inputs(self, submission, exchange):
        d = _data()
        c, Xt, yt, Xv, yv = d["champion"], d["X_train"], d["y_train"], d["X_val"], d["y_val"]
        cases = [
            ((c, Xt, yt, Xv.iloc[:0], yv[:0], str(exchange)), {}, "X_val with no rows"),
            ((c, Xt.iloc[:0], yt[:0], Xv, yv, str(exchange)), {}, "X_train with no rows"),
            ((c, Xt, yt[:-1], Xv, yv, str(exchange)), {}, "y_train one label short"),
            ((c, Xt, np.ones(len(yt), dtype=int), Xv, yv, str(exchange)), {}, "y_train all 1"),
            ((c, Xt, yt, Xv, yv[:-1], str(exchange)), {}, "y_val one label short"),
            ((c, Xt, yt, Xv, np.zeros(len(yv), dtype=bool), str(exchange)), {}, "y_val all 0"),
            ((c, Xt, yt, Xv[Xv.columns[::-1]], yv, str(exchange)), {}, "X_val's columns reversed"),
            ((c, Xt, yt, Xv, yv, str(exchange / "nowhere")), {}, "an out_dir that does not exist"),
            ((c, Xt, yt, Xv, yv, str(exchange)), {"repeats": 0}, "repeats=0"),
        ]
        for args, kwargs, what in cases:
            expect_raises(
                ValueError,
                submission.optimize,
                *args,
                why=f"optimize with {what}: a ValueError that says what is wrong",
                **kwargs,
            )
