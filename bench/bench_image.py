"""Benchmark: lesson 09's service image built for real, a naive Dockerfile against exercise 01's.

    python bench/bench_image.py            # builds both images (a few minutes; needs buildah)
    python bench/bench_image.py --show     # the tables of the committed results

Two Dockerfiles of the same service (lesson 08's app, `coursekit.service:app`, with a model made by
`coursekit.serving_model.make_model_file`) are built from the same build context:

- naive: docs/examples/09_containers/Dockerfile.naive, one stage, build tools installed, the
  whole context copied before `pip install`, pip's cache kept, root, shell-form CMD;
- multi-stage: solutions/09_containers/Dockerfile, exercise 01's reference answer.

Each is built cold (no cache: every step runs, the wheels are downloaded), then rebuilt after one
line of coursekit/service.py changed (with the cache: what a developer waits for after an edit).
Both images are then saved as OCI archives and read with exercise 04's reference
`image_report` (solutions/09_containers/ex04_image_report.py): one row per layer, biggest first,
"size" uncompressed (on disk once pulled) and "blob_size" gzip-compressed (what a pull
downloads). Results go to bench/results/image_sizes.json; docs/lessons/09-containers.md quotes
them.

How it builds: through the course's builder interface when it exists (autograder/containers.py),
else with buildah directly, as ../shared/recipes/containers.md describes: chroot isolation, the
Docker image format (which keeps HEALTHCHECK), the host's CA bundle mounted so that pip reaches
the package index, and the local base image localhost/pybase:bookworm (Debian bookworm's Python
3.11, made by `bash .ci/integration-deps`) passed as BASE_IMAGE, standing in for
python:3.11-slim. Build times include downloading the wheels and Debian packages, so they depend
on the network as well as the machine.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "results" / "image_sizes.json"
BASE_IMAGE = "localhost/pybase:bookworm"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
DOCKERFILES = {
    "naive": ROOT / "docs" / "examples" / "09_containers" / "Dockerfile.naive",
    "multi-stage": ROOT / "solutions" / "09_containers" / "Dockerfile",
}
# The service's runtime dependencies, pinned at the versions the course is tested with.
RUNTIME = [
    "fastapi",
    "uvicorn",
    "pydantic",
    "pydantic-settings",
    "python-dotenv",
    "scikit-learn",
    "skops",
    "pandas",
    "numpy",
]
MB = 1_000_000
EXPORT_ROWS = 1_000_000  # rows of the raw export left in data/ (about 80 MB of CSV)
FAKE_TOKEN = "sk-live-bench-0000"  # not a real token: the benchmark looks for it in the images
IGNORE_FILE = ROOT / "solutions" / "09_containers" / ".dockerignore"


# --- the build context --------------------------------------------------------------------------


def write_context(folder: Path) -> None:
    """A working folder of the service: what the course's build context holds (requirements.txt,
    coursekit/, models/), plus what a working day leaves beside it: the raw export the model was
    trained on (data/raw_export.csv) and a .env file with an API token."""
    import coursedata
    from coursekit.serving_model import make_model_file

    pins = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME]
    (folder / "requirements.txt").write_text("\n".join(pins) + "\n")
    shutil.copytree(
        ROOT / "coursekit", folder / "coursekit", ignore=shutil.ignore_patterns("__pycache__")
    )
    (folder / "models").mkdir()
    make_model_file(folder / "models" / "model.skops")
    (folder / "data").mkdir()
    world = coursedata.generate(n_transactions=EXPORT_ROWS, seed=0)
    coursedata.raw_export(world, seed=0).to_csv(folder / "data" / "raw_export.csv", index=False)
    (folder / ".env").write_text(f"PAYMENTS_API_TOKEN={FAKE_TOKEN}\n")


def context_sent(folder: Path, dockerignore: str | None) -> tuple[int, int]:
    """(files, bytes) the builder receives from `folder` with this .dockerignore (None: none),
    read as the Docker SDK for Python reads it (`docker.utils.build.exclude_paths`)."""
    from docker.utils.build import exclude_paths

    lines = [line.strip() for line in (dockerignore or "").splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    kept = exclude_paths(str(folder), patterns)
    files = [name for name in kept if (folder / name).is_file()]
    return len(files), sum((folder / name).stat().st_size for name in files)


def files_in_image(archive: Path) -> set[str]:
    """Every path any layer of the saved image holds (a path deleted later still counts)."""
    names: set[str] = set()
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            if not member.isfile() or member.size < 512:
                continue
            data = outer.extractfile(member)
            try:
                with tarfile.open(fileobj=data, mode="r:*") as layer:
                    names.update(name.removeprefix("./") for name in layer.getnames())
            except tarfile.TarError:  # a JSON file of the layout, not a layer
                continue
    return names


# --- building and saving --------------------------------------------------------------------------


def buildah(*args: str, timeout: float = 1800) -> str:
    result = subprocess.run(
        ["buildah", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def build(dockerfile: Path, context: Path, tag: str, *, cache: bool) -> float:
    """Build `dockerfile` in `context` as `tag`; the wall seconds it took."""
    args = ["bud", "--format", "docker", "--isolation", "chroot", "--layers"]
    args += ["-v", f"{CA_BUNDLE}:{CA_BUNDLE}:ro", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}"]
    if not cache:
        args.append("--no-cache")
    started = time.perf_counter()
    buildah(*args, "-t", tag, "-f", str(dockerfile), str(context))
    return time.perf_counter() - started


def inspect(tag: str) -> dict:
    config = json.loads(buildah("inspect", "--type", "image", tag))["Docker"]["config"]
    return {
        "user": config.get("User") or "root (none set)",
        "healthcheck": bool((config.get("Healthcheck") or {}).get("Test")),
        "cmd": config.get("Cmd"),
    }


def save(tag: str, path: Path) -> None:
    """The image as an OCI archive with gzip-compressed layers (as a registry stores them)."""
    buildah("push", "--quiet", tag, f"oci-archive:{path}")


def load_image_report():
    path = ROOT / "solutions" / "09_containers" / "ex04_image_report.py"
    spec = importlib.util.spec_from_file_location("image_report_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.image_report


# --- the measurement ---------------------------------------------------------------------------


def measure() -> dict:
    image_report = load_image_report()
    results: dict = {
        "machine": f"{platform.machine()}, {platform.system()} (2 cores, shared)",
        "builder": buildah("--version").strip(),
        "base_image": BASE_IMAGE + " (debootstrap bookworm minbase + python3, python3-venv)",
        "images": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-image-") as folder:
        work = Path(folder)
        context = work / "context"
        context.mkdir()
        write_context(context)
        results["working_folder"] = {
            p.relative_to(context).as_posix(): p.stat().st_size
            for p in sorted(context.rglob("*"))
            if p.is_file()
        }
        results["requirements"] = (context / "requirements.txt").read_text().split()
        for name, dockerfile in DOCKERFILES.items():
            tag = f"localhost/fraud-api-bench:{name}"
            ignore = None if name == "naive" else IGNORE_FILE.read_text()
            ignore_path = context / ".dockerignore"
            ignore_path.unlink(missing_ok=True)
            if ignore is not None:
                ignore_path.write_text(ignore)
            sent_files, sent_bytes = context_sent(context, ignore)
            service = context / "coursekit" / "service.py"
            original = service.read_text()
            try:
                cold = build(dockerfile, context, tag, cache=False)
                service.write_text(original + "# one line edited\n")
                rebuild = build(dockerfile, context, tag, cache=True)
            finally:
                service.write_text(original)
            archive = work / f"{name}.tar"
            save(tag, archive)
            report = image_report(archive)
            inside = files_in_image(archive)
            results["images"][name] = {
                "dockerfile": dockerfile.relative_to(ROOT).as_posix(),
                "dockerignore": "none"
                if ignore is None
                else IGNORE_FILE.relative_to(ROOT).as_posix(),
                "context_files_sent": sent_files,
                "context_mb_sent": round(sent_bytes / MB, 1),
                "build_seconds_cold": round(cold, 1),
                "rebuild_seconds_after_code_edit": round(rebuild, 1),
                "layers": len(report),
                "size_mb": round(int(report["size"].sum()) / MB, 1),
                "download_mb": round(int(report["blob_size"].sum()) / MB, 1),
                "holds_env_file": any(n.endswith("/.env") for n in inside),
                "holds_raw_export": any(n.endswith("data/raw_export.csv") for n in inside),
                **inspect(tag),
                "report": [
                    {
                        "position": int(row.position),
                        "size_mb": round(row.size / MB, 1),
                        "blob_mb": round(row.blob_size / MB, 1),
                        "created_by": row.created_by,
                    }
                    for row in report.itertuples()
                ],
            }
            buildah("rmi", "-f", tag)
    return results


def show(results: dict) -> None:
    images = results["images"]
    print("| image | layers | size (MB) | download, gzip (MB) | cold build (s) | rebuild after "
          "a code edit (s) | user | health check |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for name, image in images.items():
        print(
            f"| {name} | {image['layers']} | {image['size_mb']:,.1f} | {image['download_mb']:,.1f}"
            f" | {image['build_seconds_cold']:.1f} | {image['rebuild_seconds_after_code_edit']:.1f}"
            f" | {image['user']} | {'yes' if image['healthcheck'] else 'no'} |"
        )
    print("\n| image | .dockerignore | context sent (files, MB) | .env in the image | "
          "data/raw_export.csv in the image |")  # fmt: skip
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
            print(f"| {row['position']} | {row['size_mb']:,.1f} | {row['blob_mb']:,.1f} | "
                  f"`{command}` |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print the committed results")
    args = parser.parse_args(argv)
    if args.show:
        show(json.loads(OUT.read_text()))
        return
    if shutil.which("buildah") is None:
        raise SystemExit("buildah is not installed: bash .ci/integration-deps (as root)")
    results = measure()
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
