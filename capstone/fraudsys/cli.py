"""The capstone's command line: what the CI workflow (and you) run. Given: it calls your parts.

Run from the repository's root, with capstone/ on the path (`PYTHONPATH=capstone`):

    python -m fraudsys.cli train --tracking-uri sqlite:///mlruns/mlflow.db
        part TRAIN on the development world's raw export (coursedata.sample("medium", --seed),
        its raw_export), as known FUTURE_DAYS before the world's end; prints train()'s result.
    python -m fraudsys.cli evaluate --tracking-uri sqlite:///mlruns/mlflow.db
        the model tests: the champion on the world's last FUTURE_DAYS (final labels, never seen
        in training); prints its average precision; exit status 1 below config.PROMOTION_FLOOR.
    python -m fraudsys.cli gate --tracking-uri sqlite:///mlruns/mlflow.db
        the release gate: exit status 1 unless the newest registered version is the champion
        (the promotion gate let the last training run through): nothing else is shipped.
    python -m fraudsys.cli export --tracking-uri sqlite:///mlruns/mlflow.db --out capstone/models/model.skops
        the champion's model file and its sidecar (with "model_version"), for the image.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

import coursedata
from coursekit.model_io import RESERVED_KEYS, save_model
from fraudsys import config

FUTURE_DAYS = 28  # the weeks after `as_of`: what the model tests score


def _world(seed: int) -> coursedata.World:
    return coursedata.sample("medium", seed)


def _as_of(world: coursedata.World) -> pd.Timestamp:
    return world.truth.end - pd.Timedelta(days=FUTURE_DAYS)


def train_command(args: argparse.Namespace) -> int:
    from fraudsys.train import train

    world = _world(args.seed)
    raw = coursedata.raw_export(world, seed=args.seed)
    as_of = _as_of(world)
    tx = world.transactions
    past = set(tx.loc[tx["timestamp"] < as_of, "transaction_id"].astype(str))
    known = raw[raw["transaction_id"].astype(str).isin(past)]
    result = train(known, world.users, world.merchants, tracking_uri=args.tracking_uri, as_of=as_of)
    print(json.dumps(result, default=str, indent=2))
    return 0


def evaluate_command(args: argparse.Namespace) -> int:
    from sklearn.metrics import average_precision_score

    from fraudsys.features import FEATURES, build_features
    from fraudsys.train import load_champion

    world = _world(args.seed)
    model, metadata = load_champion(args.tracking_uri)
    future = world.transactions[world.transactions["timestamp"] >= _as_of(world)]
    scores = model.predict_proba(build_features(future)[list(FEATURES)])[:, 1]
    ap = float(average_precision_score(future["is_fraud"].astype(bool), scores))
    print(json.dumps({"version": metadata.get("version"), "future_average_precision": ap}))
    if not math.isfinite(ap) or ap < config.PROMOTION_FLOOR:
        print(
            f"the champion's average precision {ap:.3f} < {config.PROMOTION_FLOOR}", file=sys.stderr
        )
        return 1
    return 0


def gate_command(args: argparse.Namespace) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)
    versions = client.search_model_versions(f"name='{config.MODEL_NAME}'")
    if not versions:
        print("no registered version: train first", file=sys.stderr)
        return 1
    newest = max(int(v.version) for v in versions)
    try:
        champion = int(
            client.get_model_version_by_alias(config.MODEL_NAME, config.CHAMPION_ALIAS).version
        )
    except Exception:  # noqa: BLE001 - no alias at all
        champion = None
    print(json.dumps({"newest": newest, "champion": champion}))
    if champion != newest:
        print(
            f"version {newest} was not promoted (champion: {champion}): nothing to ship",
            file=sys.stderr,
        )
        return 1
    return 0


def export_command(args: argparse.Namespace) -> int:
    from fraudsys.train import load_champion

    model, metadata = load_champion(args.tracking_uri)
    kept = {k: v for k, v in metadata.items() if k not in RESERVED_KEYS}
    kept["model_version"] = str(metadata.get("version"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, out, kept)
    print(json.dumps({"path": str(out), "model_version": kept["model_version"]}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fraudsys.cli", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run in (
        ("train", train_command),
        ("evaluate", evaluate_command),
        ("gate", gate_command),
        ("export", export_command),
    ):
        sub = commands.add_parser(name)
        sub.add_argument("--tracking-uri", required=True)
        sub.add_argument("--seed", type=int, default=0)
        if name == "export":
            sub.add_argument("--out", required=True)
        sub.set_defaults(run=run)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
