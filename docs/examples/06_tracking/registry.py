"""Worked example: the model registry, a `champion` alias, and a hash check before it moves.

Four runs of the fraud model are recorded with `tracked_run.record_run` (each logs its model
file with skops and tags the file's SHA-256), and each becomes a version of one registered
model. The `champion` alias names the version that serves. A candidate takes it only if

1. the file the registry would serve is the file its run wrote: its SHA-256 equals the run's
   `model_sha256` tag. A file that was replaced, truncated or copied from the wrong run fails
   here, before anything else is read;
2. its validation AP beats the champion's by more than `MIN_GAIN`. `seeds.py` shows the seed
   alone moving this model's AP by up to 0.149 on these 29 validation frauds: a gain below a
   few hundredths is a coin toss, not an improvement.

The candidates: the payment's own columns only; the columns with the user's history (seed 0);
the same model with seed 6; and a model with 16 leaves whose file is overwritten in the
artifact store after its run ended (by another model's file, as a botched copy would).

Run: python docs/examples/06_tracking/registry.py (about six seconds)
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tracked_run import open_store, record_run, time_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "coursedata"))
from fraud_baseline import RAW_COLUMNS  # noqa: E402

NAME = "fraud-model"
MIN_GAIN = 0.05


def settings(learning_rate=0.1, leaves=8, seed=0) -> dict:
    return {
        "learning_rate": learning_rate,
        "max_leaf_nodes": leaves,
        "max_iter": 100,
        "max_features": 0.5,
        "random_state": seed,
    }


def stored_file(client, run_id: str) -> Path:
    """Where the run's model file sits in the (local) artifact store."""
    root = client.get_run(run_id).info.artifact_uri  # file:///.../artifacts/<run id>/artifacts
    return Path(url2pathname(urlparse(root).path)) / "model.skops"


def file_sha256(client, run_id: str, folder: Path) -> str:
    """Download the run's model file, as a server would before loading it, and hash it."""
    local = client.download_artifacts(run_id, "model.skops", str(folder))
    return hashlib.sha256(Path(local).read_bytes()).hexdigest()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="store-") as tmp:
        folder = Path(tmp)
        client, experiment_id = open_store(folder)
        split = time_split()
        raw = replace(split, X_train=split.X_train[RAW_COLUMNS], X_valid=split.X_valid[RAW_COLUMNS])
        candidates = [
            ("own columns", raw, settings()),
            ("with history, seed 0", split, settings()),
            ("with history, seed 6", split, settings(seed=6)),
            ("16 leaves, file replaced", split, settings(leaves=16)),
        ]
        client.create_registered_model(NAME, description="Kestrel Pay fraud scores")
        versions = []
        for label, data, params in candidates:
            run_id = record_run(client, experiment_id, data, params, label)
            version = client.create_model_version(
                NAME, f"runs:/{run_id}/model.skops", run_id=run_id
            )
            versions.append((label, version))
        # Someone copies version 1's file over version 4's, after version 4's run ended.
        shutil.copyfile(stored_file(client, versions[0][1].run_id), stored_file(client, run_id))

        print(f"registered model {NAME!r}: versions {[int(v.version) for _, v in versions]}")
        print(f"rule: the file's sha256 equals its run's tag, then a gain above {MIN_GAIN}")
        for label, version in versions:
            run = client.get_run(version.run_id)
            ap = run.data.metrics["valid_ap"]
            hash_ok = (
                file_sha256(client, run.info.run_id, folder / "downloads")
                == (run.data.tags["model_sha256"])
            )
            aliases = client.get_registered_model(NAME).aliases
            if not hash_ok:
                promote, why = False, "sha256 is not the run's tag"
            elif "champion" not in aliases:
                promote, why = True, "no champion yet"
            else:
                champion = client.get_model_version_by_alias(NAME, "champion")
                gain = ap - client.get_run(champion.run_id).data.metrics["valid_ap"]
                promote = gain > MIN_GAIN  # strictly: a gain of exactly MIN_GAIN is not enough
                why = f"gain {gain:+.3f} over v{champion.version}"
            if promote:
                client.set_registered_model_alias(NAME, "champion", version.version)
            now = client.get_model_version_by_alias(NAME, "champion").version
            outcome = "champion" if promote else f"stays v{now}"
            print(f"  v{version.version} {label:<24} valid_ap {ap:.3f}  {why} -> {outcome}")

        champion = client.get_model_version_by_alias(NAME, "champion")
        print(f"models:/{NAME}@champion is version {champion.version}")
        client.set_registered_model_alias(NAME, "champion", "1")  # a rollback: one pointer moves
        rolled = client.get_model_version_by_alias(NAME, "champion").version
        print(f"after a rollback to version 1, models:/{NAME}@champion is version {rolled}")


if __name__ == "__main__":
    main()
