"""Benchmark: lesson 09's service image built for real, a naive Dockerfile against exercise 01's.

    python bench/bench_image.py            # builds both images (a few minutes; needs an engine)
    python bench/bench_image.py --show     # the tables of the committed results

Two Dockerfiles of the same service (lesson 08's app, `coursekit.service:app`, with a model made by
`coursekit.serving_model.make_model_file`) are built from the same working folder:

- naive: docs/examples/09_containers/Dockerfile.naive, one stage, the whole folder copied before
  `pip install`, pip upgraded in a layer of its own, root, a shell-form CMD, and no .dockerignore;
- multi-stage: solutions/09_containers/Dockerfile (exercise 01's reference answer), with
  solutions/09_containers/.dockerignore (exercise 02's).

The working folder is the build context the Dockerfile's contract describes (requirements.txt
pinning the service's runtime dependencies and theirs at the versions installed here,
coursekit/, models/) plus what a working day leaves beside it: the raw export of 1M payments in
data/ and a .env file holding a (fake) token. "context sent" is what the builder receives, read as
the Docker SDK for Python reads a .dockerignore (`docker.utils.build.exclude_paths`).

Each image is built three ways through the course's builder interface (autograder/containers.py:
a Docker engine when one answers, else buildah in chroot isolation with the local base image
localhost/pybase:bookworm, Debian bookworm's Python 3.11 made by `bash .ci/integration-deps`,
standing in for python:3.11-slim):

- "cold": a comment line unique to this run heads requirements.txt, so that every step from the
  first COPY that reads it misses the build cache and pip downloads and installs everything (the
  steps before that COPY, a WORKDIR, a venv, a useradd, may come from the cache);
- "rebuild after a code edit": one line of coursekit/service.py changed, everything else as it
  was: what a developer waits for after an edit;
- "nothing changed": once more with the same files (every step from the cache: the fixed cost).

Each kind runs `--repeats` times, interleaved (cold, edit, nothing changed, cold, ...); times
are the best of the runs (all runs are kept in the JSON file). They
include downloading wheels, so they depend on the network as well as on the machine. Both
images are then saved (the Docker layout, as `docker save` writes it, and with buildah also an
OCI archive with gzip-compressed layers, as a registry stores them) and read with exercise 04's
reference `image_report` (solutions/09_containers/ex04_image_report.py): one row per layer,
biggest first, "size" uncompressed (on disk once pulled), "gzip" what a pull downloads. The
image's configuration (user, health check, command) and whether any layer holds the .env file
or the raw export are read from the saved archive too. Results go to
bench/results/image_sizes.json; docs/lessons/09-containers.md quotes them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "results" / "image_sizes.json"
LOCAL_BASE = "localhost/pybase:bookworm"
DOCKERFILES = {
    "naive": ROOT / "docs" / "examples" / "09_containers" / "Dockerfile.naive",
    "multi-stage": ROOT / "solutions" / "09_containers" / "Dockerfile",
}
IGNORE_FILE = ROOT / "solutions" / "09_containers" / ".dockerignore"
# What coursekit.service imports at run time; pinned with everything they require.
RUNTIME = ["fastapi", "uvicorn", "pydantic", "pydantic-settings", "python-dotenv",
           "scikit-learn", "skops", "numpy", "pandas"]  # fmt: skip
EXPORT_ROWS = 1_000_000  # payments in the raw export left in data/ (about 80 MB of CSV)
FAKE_TOKEN = "sk-live-bench-0000"  # not a real token: the benchmark looks for its file
MB = 1_000_000


# --- the working folder -------------------------------------------------------------------------


def pinned(names: list[str]) -> list[str]:
    """`name==version` for `names` and every distribution they require, as installed here."""
    from packaging.requirements import Requirement

    seen: dict[str, str] = {}
    queue = list(names)
    while queue:
        dist = importlib.metadata.distribution(queue.pop())
        key = dist.metadata["Name"].lower().replace("_", "-")
        if key in seen:
            continue
        seen[key] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    return [f"{name}=={version}" for name, version in sorted(seen.items())]


def write_working_folder(folder: Path) -> None:
    import coursedata
    from coursekit.model_io import sidecar_path
    from coursekit.serving_model import make_model_file

    (folder / "requirements.txt").write_text("\n".join(pinned(RUNTIME)) + "\n")
    shutil.copytree(
        ROOT / "coursekit", folder / "coursekit", ignore=shutil.ignore_patterns("__pycache__")
    )
    (folder / "models").mkdir()
    with tempfile.TemporaryDirectory() as scratch:
        model = make_model_file(Path(scratch))
        shutil.copy(model, folder / "models" / "model.skops")
        shutil.copy(sidecar_path(model), folder / "models" / "model.skops.json")
    (folder / "data").mkdir()
    world = coursedata.generate(n_transactions=EXPORT_ROWS, seed=0)
    coursedata.raw_export(world, seed=0).to_csv(folder / "data" / "raw_export.csv", index=False)
    (folder / ".env").write_text(f"PAYMENTS_API_TOKEN={FAKE_TOKEN}\n")
    for path in folder.rglob("*"):  # the modes of a git checkout
        path.chmod(0o755 if path.is_dir() else 0o644)


def context_sent(folder: Path, dockerignore: str | None) -> tuple[int, int]:
    """(files, bytes) the builder receives from `folder` with this .dockerignore (None: none),
    read as the Docker SDK for Python reads it."""
    from docker.utils.build import exclude_paths

    lines = [line.strip() for line in (dockerignore or "").splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    kept = exclude_paths(str(folder), patterns)
    files = [name for name in kept if (folder / name).is_file()]
    return len(files), sum((folder / name).stat().st_size for name in files)


# --- reading a saved image ------------------------------------------------------------------------


def read_archive(archive: Path) -> tuple[dict, set[str]]:
    """The image's config and every path any of its layers holds (deleted later or not)."""
    config: dict = {}
    names: set[str] = set()
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            if not member.isfile():
                continue
            data = outer.extractfile(member).read() if member.size < MB else None
            if data is not None:
                try:
                    document = json.loads(data)
                except ValueError:
                    document = None
                if isinstance(document, dict) and "rootfs" in document:
                    config = document
                    continue
            try:
                with tarfile.open(fileobj=outer.extractfile(member), mode="r:*") as layer:
                    names.update(name.removeprefix("./") for name in layer.getnames())
            except tarfile.TarError:  # JSON of the layout, not a layer
                continue
    return config, names


def layer_steps(dockerfile: Path) -> list[str]:
    """The steps of the final stage that make a layer (RUN, COPY, ADD), after the base image's:
    the instruction behind each layer, in build order, as the Dockerfile writes it."""
    from dockerfile_parse import DockerfileParser

    steps: list[str] = []
    with open(dockerfile, "rb") as f:
        for instruction in DockerfileParser(fileobj=f).structure:
            if instruction["instruction"] == "FROM":
                steps = ["(the base image)"]
            elif instruction["instruction"] in ("RUN", "COPY", "ADD"):
                steps.append(" ".join(instruction["content"].replace("\\\n", " ").split()))
    return steps


def load_image_report():
    path = ROOT / "solutions" / "09_containers" / "ex04_image_report.py"
    spec = importlib.util.spec_from_file_location("image_report_reference", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.image_report


# --- the measurement ---------------------------------------------------------------------------


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def measure(repeats: int) -> dict:
    from autograder.containers import find_builder

    builder = find_builder()
    build_args = {"BASE_IMAGE": LOCAL_BASE} if builder.name == "buildah" else {}
    image_report = load_image_report()
    results: dict = {
        "machine": f"{platform.machine()}, {platform.system()}, 2 cores shared with other work",
        "builder": builder.name,
        "base_image": build_args.get("BASE_IMAGE", "python:3.11-slim"),
        "repeats": repeats,
        "images": {},
    }
    if builder.name == "buildah":
        version = subprocess.run(["buildah", "--version"], capture_output=True, text=True)
        results["builder"] = version.stdout.strip()
        results["base_image"] += " (debootstrap bookworm minbase + python3, python3-venv)"
    with tempfile.TemporaryDirectory(prefix="bench-image-") as folder:
        work = Path(folder)
        context = work / "context"
        context.mkdir()
        write_working_folder(context)
        results["working_folder_mb"] = {
            p.relative_to(context).as_posix(): round(p.stat().st_size / MB, 3)
            for p in sorted(context.rglob("*"))
            if p.is_file() and not p.relative_to(context).as_posix().startswith("coursekit/")
        }
        results["requirements"] = (context / "requirements.txt").read_text().split()
        requirements = context / "requirements.txt"
        pins = requirements.read_text()
        service = context / "coursekit" / "service.py"
        code = service.read_text()
        for name, dockerfile in DOCKERFILES.items():
            tag = f"localhost/fraud-api-bench:{name}"
            ignore = None if name == "naive" else IGNORE_FILE.read_text()
            (context / ".dockerignore").unlink(missing_ok=True)
            if ignore is not None:
                (context / ".dockerignore").write_text(ignore)
            sent_files, sent_bytes = context_sent(context, ignore)
            colds, edits, unchanged = [], [], []
            try:
                for run in range(repeats):
                    requirements.write_text(f"# bench run {uuid.uuid4().hex}\n{pins}")
                    colds.append(timed(builder.build, context, dockerfile, tag, build_args))
                    service.write_text(code + f"# one line edited ({run})\n")
                    edits.append(timed(builder.build, context, dockerfile, tag, build_args))
                    unchanged.append(timed(builder.build, context, dockerfile, tag, build_args))
                docker_archive = builder.save(tag, work / f"{name}-docker.tar", "docker")
                report = image_report(docker_archive)
                gzip_mb = None
                if builder.name == "buildah":
                    oci = image_report(builder.save(tag, work / f"{name}-oci.tar", "oci"))
                    gzip_mb = dict(zip(oci["position"], oci["blob_size"] / MB, strict=True))
                config, inside = read_archive(docker_archive)
            finally:
                requirements.write_text(pins)
                service.write_text(code)
                builder.remove(tag)
            settings = config.get("config", {})
            steps = layer_steps(dockerfile)
            if len(steps) != len(report):  # a step that made no layer, or a layer not from one
                steps = [""] * len(report)
            results["images"][name] = {
                "dockerfile": dockerfile.relative_to(ROOT).as_posix(),
                "dockerignore": "none"
                if ignore is None
                else IGNORE_FILE.relative_to(ROOT).as_posix(),
                "context_files_sent": sent_files,
                "context_mb_sent": round(sent_bytes / MB, 1),
                "build_seconds_cold": round(min(colds), 1),
                "rebuild_seconds_after_code_edit": round(min(edits), 1),
                "rebuild_seconds_nothing_changed": round(min(unchanged), 1),
                "all_runs_seconds": {
                    "cold": [round(t, 1) for t in colds],
                    "after_code_edit": [round(t, 1) for t in edits],
                    "nothing_changed": [round(t, 1) for t in unchanged],
                },
                "layers": len(report),
                "size_mb": round(int(report["size"].sum()) / MB, 1),
                "gzip_mb": None if gzip_mb is None else round(sum(gzip_mb.values()), 1),
                "user": settings.get("User") or "root (none set)",
                "healthcheck": bool((settings.get("Healthcheck") or {}).get("Test")),
                "cmd": settings.get("Cmd"),
                "holds_env_file": any(n == ".env" or n.endswith("/.env") for n in inside),
                "holds_raw_export": any(n.endswith("data/raw_export.csv") for n in inside),
                "report": [
                    {
                        "position": int(row.position),
                        "size_mb": round(row.size / MB, 1),
                        "gzip_mb": None if gzip_mb is None else round(gzip_mb[row.position], 1),
                        "created_by": row.created_by,
                        "instruction": steps[row.position],
                    }
                    for row in report.itertuples()
                ],
            }
    return results


def show(results: dict) -> None:
    images = results["images"]
    gz = lambda v: "n/a" if v is None else f"{v:,.1f}"  # noqa: E731
    print("| image | layers | size (MB) | gzip (MB) | cold build (s) | rebuild after a code edit "
          "(s) | rebuild, nothing changed (s) | user | health check |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for name, image in images.items():
        print(
            f"| {name} | {image['layers']} | {image['size_mb']:,.1f} | {gz(image['gzip_mb'])}"
            f" | {image['build_seconds_cold']:.1f} | {image['rebuild_seconds_after_code_edit']:.1f}"
            f" | {image['rebuild_seconds_nothing_changed']:.1f} | {image['user']} | {'yes' if image['healthcheck'] else 'no'} |"
        )
    print("\n| image | .dockerignore | context sent (files, MB) | .env in a layer | "
          "data/raw_export.csv in a layer |")  # fmt: skip
    print("|---|---|---:|---|---|")
    for name, image in images.items():
        print(
            f"| {name} | {image['dockerignore']} | {image['context_files_sent']}, "
            f"{image['context_mb_sent']:,.1f} | {'yes' if image['holds_env_file'] else 'no'} | "
            f"{'yes' if image['holds_raw_export'] else 'no'} |"
        )
    for name, image in images.items():
        print(f"\n{name}: image_report, biggest first")
        print("| position | size (MB) | gzip (MB) | created by |")
        print("|---:|---:|---:|---|")
        for row in image["report"]:
            command = row["created_by"].replace("|", "\\|")
            if len(command) > 90:
                command = command[:87] + "..."
            print(f"| {row['position']} | {row['size_mb']:,.1f} | {gz(row['gzip_mb'])} | "
                  f"`{command}` |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the committed results")
    parser.add_argument("--repeats", type=int, default=3, help="builds of each kind (best kept)")
    args = parser.parse_args(argv)
    if args.show:
        show(json.loads(OUT.read_text()))
        return
    results = measure(args.repeats)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
