"""Checks for capstone/train (see solutions/capstone/fraudsys/train.py for the reference)."""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import math
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

from autograder.assertions import fail

from . import _shared

# Lesson 06's template store (a copied empty migrated SQLite store: MLflow's migrations cost
# seconds) and the MLflow environment it sets before MLflow is imported.
_tracking = importlib.import_module("autograder.checks.06_tracking._shared")
fresh_store, open_client = _tracking.fresh_store, _tracking.open_client

# part TRAIN · train and load_champion
#
# One scenario runs in the learner's process, once per learner process, in one store, and every
# check reads what it left (the runs, the versions, the alias), as data. Only one step fits the
# real model (seconds); the others replace make_model by a constant scorer (DummyClassifier
# "prior", whose validation AP is the fraud share, about 0.013):
#   0. "a model below the floor": the constant scorer, no champion yet: registered, not promoted;
#      then the checks point the champion alias at that version 1 themselves;
#   1. "a tie": the constant scorer again, as good as its champion: registered, not promoted;
#   2. "the real model": better than the champion on the same validation rows: promoted;
#   3. "a worse model": the constant scorer against the real champion: not promoted;
#   then load_champion.

STEPS = ("a model below the floor", "a tie", "the real model", "a worse model")
REAL = 2  # the step that fits the real model
MODEL = "fraudsys-graded"  # the model_name the scenario passes (not the default: it must be used)
_SCENARIO: dict[str, Any] = {}


def _constant_model() -> DummyClassifier:
    return DummyClassifier(strategy="prior")


def _plain(value: Any) -> Any:
    """A learner's returned value as plain Python data (or its repr)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return repr(value)


def _scenario_in_learner(module, raw, users, merchants, as_of, uri, champion_alias):
    """Runs in the learner's process: the four trainings and load_champion; plain facts back."""
    from mlflow import MlflowClient

    steps = []
    original = module.make_model

    def run(name: str) -> bool:
        started = time.perf_counter()
        try:
            out = module.train(
                raw, users, merchants, tracking_uri=uri, as_of=as_of, model_name=MODEL
            )
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported by the checks
            steps.append({"step": name, "error": f"{type(exc).__name__}: {exc}"})
            return False
        steps.append({"step": name, "out": _plain(out), "seconds": time.perf_counter() - started})
        return True

    try:
        module.make_model = _constant_model
        ok = run(STEPS[0])
        if ok:
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            try:
                client.set_registered_model_alias(MODEL, champion_alias, "1")
            except Exception as exc:  # noqa: BLE001
                steps.append({"step": "set the alias", "error": f"{type(exc).__name__}: {exc}"})
                ok = False
        ok = ok and run(STEPS[1])
        if ok:
            module.make_model = original
            ok = run(STEPS[2])
        if ok:
            module.make_model = _constant_model
            run(STEPS[3])
    finally:
        module.make_model = original
    champion: dict[str, Any] = {}
    try:
        model, metadata = module.load_champion(uri, MODEL)
        champion = {"type": type(model).__name__, "metadata": _plain(metadata)}
    except NotImplementedError:
        champion = {"error": "NotImplementedError"}
    except Exception as exc:  # noqa: BLE001
        champion = {"error": f"{type(exc).__name__}: {exc}"}
    return steps, champion


def _scenario(submission, folder: Path) -> dict:
    """The scenario's facts, once per learner process (the first check that asks runs it)."""
    process = submission._process
    if _SCENARIO.get("process") is process:
        return _SCENARIO["facts"]
    ref = _shared.reference_part("train")
    uri = fresh_store(folder)
    raw, users, merchants = _shared.raw()
    steps, champion = submission.observe(
        _scenario_in_learner,
        _shared.history(),
        users,
        merchants,
        _shared.as_of().isoformat(),
        uri,
        ref.config.CHAMPION_ALIAS,
    )
    facts = {"uri": uri, "folder": folder, "steps": steps, "champion": champion}
    _SCENARIO.clear()
    _SCENARIO.update(process=process, facts=facts)
    return facts


def _step(facts: dict, k: int) -> dict:
    """The k-th step's returned dict, or a failure that says why there is none."""
    steps = facts["steps"]
    for earlier in steps[: k + 1]:
        if "error" in earlier:
            fail(
                f"train raised {earlier['error']} on the scenario's step '{earlier['step']}' "
                f"(the hidden world's export up to {_shared.as_of().date()}, as_of "
                f"{_shared.as_of().date()}), so this check could not run"
            )
    if len(steps) <= k:
        fail(f"the scenario stopped before its step '{STEPS[k]}'")
    out = steps[k]["out"]
    if not isinstance(out, dict):
        fail(f"train returned {out!r:.120}, expected a dict")
    need = {"run_id", "version", "promoted", "threshold", "fingerprint", "metrics"}
    if not need <= set(out):
        fail(f"train's dict has the keys {sorted(out)}, expected at least {sorted(need)}")
    return out


@functools.lru_cache(maxsize=1)
def _expected() -> dict:
    """The reference's split, labels, fingerprint, AP and threshold on the hidden history,
    computed without MLflow."""
    ref = _shared.reference_part("train")
    raw, users, merchants = _shared.raw()
    as_of = _shared.as_of()
    rows = ref._labelled_rows(ref.clean_raw(_shared.history(), users, merchants), as_of)
    cutoff = as_of - pd.Timedelta(days=ref.config.LABEL_DELAY_DAYS)
    valid = rows["timestamp"] >= cutoff - pd.Timedelta(days=ref.config.VALID_DAYS)
    X_train, y_train = ref.build_features(rows[~valid]), rows.loc[~valid, "label"].to_numpy()
    X_valid, y_valid = ref.build_features(rows[valid]), rows.loc[valid, "label"].to_numpy()
    with threadpool_limits(limits=1):
        model = ref.make_model().fit(X_train, y_train)
        scores = model.predict_proba(X_valid)[:, 1]
    threshold, cost = ref.best_threshold(y_valid, scores)
    return {
        "fingerprint": ref.fingerprint(rows),
        "train_rows": len(y_train),
        "valid_rows": len(y_valid),
        "train_frauds": int(y_train.sum()),
        "valid_frauds": int(y_valid.sum()),
        "valid_average_precision": float(average_precision_score(y_valid, scores)),
        "threshold": threshold,
        "valid_cost": cost,
        "cutoff": cutoff,
        "config": ref.config,
    }


def _runs(facts: dict) -> dict:
    """run_id -> Run of the experiment config.EXPERIMENT in the scenario's store."""
    config = _expected()["config"]
    client = open_client(facts["uri"])
    experiment = client.get_experiment_by_name(config.EXPERIMENT)
    if experiment is None:
        fail(f"the store holds no experiment named {config.EXPERIMENT!r} (config.EXPERIMENT)")
    return {r.info.run_id: r for r in client.search_runs([experiment.experiment_id])}


def _run_of(facts: dict, k: int):
    out = _step(facts, k)
    runs = _runs(facts)
    if out["run_id"] not in runs:
        fail(
            f"train returned run_id {out['run_id']!r}, which is not a run of the experiment "
            f"{_expected()['config'].EXPERIMENT!r} in the store given ({len(runs)} runs there)"
        )
    return out, runs[out["run_id"]]


def _alias(facts: dict) -> int | None:
    config = _expected()["config"]
    client = open_client(facts["uri"])
    try:
        model = client.get_registered_model(MODEL)
    except Exception:  # noqa: BLE001 - not registered
        return None
    version = model.aliases.get(config.CHAMPION_ALIAS)
    return None if version is None else int(version)


class TestTrackedRun:
    def test_run_logged(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out, run = _run_of(facts, REAL)
        if run.info.status != "FINISHED":
            fail(f"the run {out['run_id']} has status {run.info.status}, expected FINISHED")
        params = run.data.params
        for key in ("as_of", "label_delay_days", "valid_days"):
            if key not in params:
                fail(f"the run's params are {sorted(params)}: {key!r} is missing")
        if pd.Timestamp(params["as_of"]) != _shared.as_of():
            fail(
                f"the run's param as_of is {params['as_of']!r}, expected {_shared.as_of().isoformat()}"
            )
        if str(params["label_delay_days"]) != str(_expected()["config"].LABEL_DELAY_DAYS):
            fail(f"the run's param label_delay_days is {params['label_delay_days']!r}")
        missing = [
            k for k in _shared.reference_part("train").make_model().get_params() if k not in params
        ]
        if missing:
            fail(
                f"the run's params lack the model's parameters {missing} (make_model().get_params())"
            )
        metrics = run.data.metrics
        for key in ("valid_average_precision", "valid_roc_auc", "valid_cost", "train_rows"):
            if key not in metrics:
                fail(f"the run's metrics are {sorted(metrics)}: {key!r} is missing")
            if not math.isclose(
                metrics[key], float(out["metrics"].get(key, math.nan)), abs_tol=1e-9
            ):
                fail(
                    f"the run's metric {key} is {metrics[key]}, but train returned "
                    f"{out['metrics'].get(key)!r}: return what was logged"
                )

    def test_data_fingerprint(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out, run = _run_of(facts, REAL)
        tag = run.data.tags.get("data_fingerprint")
        want = _expected()["fingerprint"]
        if tag is None:
            fail(f"the run has no tag 'data_fingerprint' (tags: {sorted(run.data.tags)})")
        if tag != out["fingerprint"]:
            fail(
                f"train returned the fingerprint {out['fingerprint']!r}, the run's tag says {tag!r}"
            )
        others = {_step(facts, k)["fingerprint"] for k in range(len(STEPS))}
        if others != {tag}:
            fail(f"the four runs on the same data returned the fingerprints {sorted(others)}")
        if tag != want:
            fail(
                f"the run's data_fingerprint is {tag!r}, expected {want!r}: fingerprint(rows) of "
                f"the cleaned payments made before {_expected()['cutoff']} (training and "
                "validation, in time order) with their labels as a bool column 'label'"
            )

    def test_model_file(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out, run = _run_of(facts, REAL)
        config = _expected()["config"]
        client = open_client(facts["uri"])
        names = {a.path for a in client.list_artifacts(out["run_id"])}
        for name in (config.MODEL_ARTIFACT, config.MODEL_ARTIFACT + ".json"):
            if name not in names:
                fail(f"the run's artifacts are {sorted(names)}: {name!r} is missing at their root")
        uri = run.info.artifact_uri
        where = Path(urlparse(uri).path if uri.startswith("file:") else uri).resolve()
        if Path(facts["folder"]).resolve() not in where.parents:
            fail(
                f"the run's artifacts are at {run.info.artifact_uri}, outside the store's folder "
                f"{facts['folder']}: create the experiment with artifact_location "
                "'<the store's folder>/artifacts'"
            )
        data = (where / config.MODEL_ARTIFACT).read_bytes()
        sidecar = json.loads((where / (config.MODEL_ARTIFACT + ".json")).read_text())
        digest = hashlib.sha256(data).hexdigest()
        if run.data.tags.get("model_sha256") != digest or sidecar.get("sha256") != digest:
            fail(
                "the model file's SHA-256 is not the run's tag model_sha256 and the sidecar's "
                "sha256: save it with coursekit.model_io.save_model and tag the digest of its bytes"
            )
        if sidecar.get("feature_names") != list(_shared.reference_part("features").FEATURES):
            fail(
                f"the sidecar's feature_names are {sidecar.get('feature_names')!r}, expected FEATURES"
            )
        if sidecar.get("data_fingerprint") != run.data.tags.get("data_fingerprint"):
            fail("the sidecar's data_fingerprint is not the run's tag data_fingerprint")
        if sidecar.get("as_of") is None or pd.Timestamp(sidecar["as_of"]) != _shared.as_of():
            fail(f"the sidecar's as_of is {sidecar.get('as_of')!r}, expected {_shared.as_of()}")
        threshold = sidecar.get("threshold")
        if threshold is None or not math.isclose(threshold, out["threshold"], rel_tol=1e-12):
            fail(f"the sidecar's threshold is {threshold!r}, train returned {out['threshold']!r}")


class TestHonestSplit:
    def test_rows_and_labels(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out = _step(facts, REAL)
        want = _expected()
        for key in ("train_rows", "valid_rows", "train_frauds", "valid_frauds"):
            got = out["metrics"].get(key)
            if got is None or float(got) != float(want[key]):
                fail(
                    f"metric {key} is {got!r}, expected {want[key]}: the rows used are the "
                    f"payments made before as_of - LABEL_DELAY_DAYS ({want['cutoff']}), labelled "
                    "fraud when their chargeback arrived by as_of (not is_fraud, which knows the "
                    "future); validation is their last VALID_DAYS days"
                )

    def test_threshold_and_precision(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out = _step(facts, REAL)
        want = _expected()
        ap = out["metrics"].get("valid_average_precision")
        if ap is None or not math.isclose(ap, want["valid_average_precision"], abs_tol=1e-9):
            fail(
                f"valid_average_precision is {ap!r}, expected {want['valid_average_precision']:.6f}: "
                "make_model() fitted on build_features of the training rows, scored on validation"
            )
        if not math.isclose(out["threshold"], want["threshold"], rel_tol=1e-9):
            fail(
                f"threshold {out['threshold']!r}, expected {want['threshold']!r}: the cheapest "
                "on validation at COST_FP per false alarm and COST_FN per missed fraud, flagging "
                "scores >= t, the highest threshold among equal costs"
            )
        cost = out["metrics"].get("valid_cost")
        if cost is None or not math.isclose(cost, want["valid_cost"], abs_tol=1e-6):
            fail(f"valid_cost is {cost!r}, expected {want['valid_cost']}")

    def test_labels_from_the_future_refused(self, submission, exchange):
        """Every chargeback arrives after as_of: nothing is labelled yet, so nothing to train."""
        raw, users, merchants = _shared.raw()
        history = _shared.history().copy()
        late = (_shared.as_of() + pd.Timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        history.loc[history["chargeback_at"].notna(), "chargeback_at"] = late
        uri = fresh_store(exchange)
        try:
            submission.train(history, users, merchants, tracking_uri=uri, as_of=_shared.as_of())
        except NotImplementedError:
            raise
        except ValueError:
            pass
        except Exception as exc:  # noqa: BLE001
            fail(f"train raised {type(exc).__name__}: {exc}; expected a ValueError")
        else:
            fail(
                "train trained a model although no chargeback had arrived by as_of (every "
                "chargeback_at was moved after it): labels are what is known at as_of, and a "
                "side with no fraud label is a ValueError"
            )
        client = open_client(uri)
        runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
        if runs:
            fail(f"train logged {len(runs)} run(s) before refusing: nothing is logged then")

    def test_tracking_uri_must_be_sqlite(self, submission, exchange):
        raw, users, merchants = _shared.raw()
        try:
            submission.train(
                _shared.history(), users, merchants,
                tracking_uri=f"file://{exchange}/mlruns", as_of=_shared.as_of(),
            )  # fmt: skip
        except NotImplementedError:
            raise
        except ValueError:
            return
        except Exception as exc:  # noqa: BLE001
            fail(f"train raised {type(exc).__name__}: {exc}; expected a ValueError")
        fail("train accepted tracking_uri 'file://...'; it must be a sqlite:/// URI (ValueError)")


class TestRegistry:
    def test_every_run_registered(self, submission, exchange):
        facts = _scenario(submission, exchange)
        client = open_client(facts["uri"])
        for k in range(4):
            out = _step(facts, k)
            if out["version"] != k + 1:
                fail(
                    f"train returned version {out['version']!r} on step '{STEPS[k]}', expected {k + 1}"
                )
            try:
                mv = client.get_model_version(MODEL, str(k + 1))
            except Exception as exc:  # noqa: BLE001
                fail(
                    f"version {k + 1} of {MODEL!r} is not in the registry ({exc}): register under "
                    "the model_name given"
                )
            if mv.run_id != out["run_id"]:
                fail(
                    f"version {k + 1} points to run {mv.run_id}, but that step's run is {out['run_id']}"
                )

    def test_floor_without_champion(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out = _step(facts, 0)
        if out["promoted"] is not False:
            fail(
                f"a constant scorer (validation AP {out['metrics'].get('valid_average_precision')}) "
                f"was promoted with no champion: the first model must reach PROMOTION_FLOOR "
                f"({_expected()['config'].PROMOTION_FLOOR})"
            )

    def test_better_candidate_promoted(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out = _step(facts, REAL)
        if out["promoted"] is not True:
            fail(
                "the real model beats the champion (a constant scorer, version 1) on the same "
                f"validation rows, yet train returned promoted={out['promoted']!r}"
            )
        champ = out["metrics"].get("champion_valid_average_precision")
        if champ is None or champ > 0.1:
            fail(
                f"champion_valid_average_precision is {champ!r}: the champion (version 1, a "
                "constant scorer) scored on the candidate's validation rows"
            )

    def test_tie_and_worse_not_promoted(self, submission, exchange):
        facts = _scenario(submission, exchange)
        tie, worse = _step(facts, 1), _step(facts, 3)
        if tie["promoted"] is not False:
            fail(
                "a constant scorer was promoted over a champion that is the same constant scorer: "
                "a candidate must be strictly better (a tie never promotes)"
            )
        if worse["promoted"] is not False:
            fail(
                "a constant scorer was promoted over a real champion: the promotion gate is missing"
            )
        client = open_client(facts["uri"])
        aliases = client.get_registered_model(MODEL).aliases
        if set(aliases) != {_expected()["config"].CHAMPION_ALIAS}:
            fail(f"the registered model has the aliases {aliases}; promoting sets 'champion' only")
        if _alias(facts) != REAL + 1:
            fail(
                f"after the four runs the champion alias points to version {_alias(facts)}, "
                f"expected {REAL + 1} (the only run that beat its champion)"
            )

    def test_load_champion(self, submission, exchange):
        facts = _scenario(submission, exchange)
        out = _step(facts, REAL)
        champion = facts["champion"]
        if "error" in champion:
            fail(f"load_champion raised {champion['error']}")
        meta = champion["metadata"]
        if (
            not isinstance(meta, dict)
            or meta.get("version") != REAL + 1
            or meta.get("run_id") != out["run_id"]
        ):
            fail(
                f"load_champion's metadata says version {meta.get('version')!r}, run "
                f"{meta.get('run_id')!r}; expected version {REAL + 1} and its run {out['run_id']}"
            )
        if meta.get("feature_names") != list(_shared.reference_part("features").FEATURES):
            fail("load_champion's metadata lacks the sidecar's feature_names")

    def test_no_champion_is_lookup_error(self, submission, exchange):
        uri = fresh_store(exchange)
        try:
            submission.load_champion(uri)
        except NotImplementedError:
            raise
        except LookupError:
            return
        except Exception as exc:  # noqa: BLE001
            fail(
                f"load_champion on an empty store raised {type(exc).__name__}: {exc}; expected LookupError"
            )
        fail("load_champion on an empty store returned; expected LookupError")
