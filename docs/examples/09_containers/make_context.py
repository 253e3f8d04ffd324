"""Assemble the build context of lesson 09's image, to build and run it with your own Docker.

    python docs/examples/09_containers/make_context.py ~/fraud-api    # writes the folder
    cd ~/fraud-api && docker build -t fraud-api:0.1.0 .              # your exercise 01

The folder holds what the Dockerfile's contract names: your three exercise files from
lessons/09_containers/ (Dockerfile, .dockerignore, compose.yaml), requirements.txt (the
service's runtime dependencies pinned at the versions installed here), coursekit/ (lesson 08's
service and what it imports), models/model.skops with its sidecar (the model of lesson 08,
trained on the small world in a fraction of a second), and, for `docker compose up`,
prometheus.yml and a .env file of settings. Without an argument it writes a temporary folder,
lists it and deletes it.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))  # coursekit, from this checkout

from coursekit.model_io import sidecar_path  # noqa: E402
from coursekit.serving_model import make_model_file  # noqa: E402

RUNTIME = ["fastapi", "uvicorn", "pydantic", "pydantic-settings", "python-dotenv",
           "scikit-learn", "skops", "pandas", "numpy"]  # fmt: skip
PROMETHEUS = """\
# Prometheus scrapes the service by its Compose service name; lesson 10 adds its /metrics.
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: fraud-api
    static_configs:
      - targets: ["api:8000"]
"""
SETTINGS = """\
# The service's settings (exercise 05), read by compose.yaml's env_file. Never commit this file.
LOG_LEVEL=info
BATCH_LIMIT=1000
"""


def make_context(folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("Dockerfile", ".dockerignore", "compose.yaml"):
        shutil.copy(ROOT / "lessons" / "09_containers" / name, folder / name)
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in RUNTIME]
    (folder / "requirements.txt").write_text("\n".join(pins) + "\n")
    shutil.rmtree(folder / "coursekit", ignore_errors=True)
    shutil.copytree(
        ROOT / "coursekit", folder / "coursekit", ignore=shutil.ignore_patterns("__pycache__")
    )
    with tempfile.TemporaryDirectory() as scratch:
        model = make_model_file(scratch)
        (folder / "models").mkdir(exist_ok=True)
        shutil.copy(model, folder / "models" / "model.skops")
        shutil.copy(sidecar_path(model), folder / "models" / "model.skops.json")
    (folder / "prometheus.yml").write_text(PROMETHEUS)
    (folder / ".env").write_text(SETTINGS)
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def main() -> None:
    if len(sys.argv) > 1:
        folder = Path(sys.argv[1]).expanduser()
        files = make_context(folder)
        print(f"wrote {len(files)} files to {folder}; next: cd {folder} && docker build "
              "-t fraud-api:0.1.0 .")  # fmt: skip
        return
    with tempfile.TemporaryDirectory() as scratch:
        files = make_context(Path(scratch) / "fraud-api")
        top = sorted({name.split("/")[0] + ("/" if "/" in name else "") for name in files})
        print(f"the build context: {' '.join(top)}")
        pins = (Path(scratch) / "fraud-api" / "requirements.txt").read_text().split()
        print(f"requirements.txt pins: {', '.join(pin.split('==')[0] for pin in pins)}")
        print(f"models/: {[n for n in files if n.startswith('models/')]}")


if __name__ == "__main__":
    main()
