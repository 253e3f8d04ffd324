"""What `docker build .` sends to the builder, with and without a .dockerignore.

The build context is the folder named on the command line, every file in it, sent whole before the
first instruction runs. The Docker SDK for Python computes the same list as the docker CLI with
`docker.utils.build.exclude_paths(root, patterns)`: this script asks it about a project folder
laid out like the course's (large files are sparse, so the script writes almost nothing), and
prints what goes in, how much, and which secrets go with it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from docker.utils.build import exclude_paths

MB = 1_000_000
PROJECT = {  # path: size in bytes (sparse) or text
    "Dockerfile": "FROM python:3.11-slim\n",
    "requirements.txt": "fastapi==0.165.0\n",
    "coursekit/service.py": "app = ...\n",
    "coursekit/__pycache__/service.cpython-311.pyc": 4_000,
    "models/model.skops": 1_400_000,
    "models/model.skops.json": "{}\n",
    ".env": "PAYMENTS_API_KEY=sk-live-7f3a\n",
    "deploy/staging/.env": "PAYMENTS_API_KEY=sk-test-91c2\n",
    ".git/objects/pack/pack-1.pack": 48 * MB,
    ".venv/lib/python3.11/site-packages/sklearn/_tree.so": 210 * MB,
    "data/transactions-2025.parquet": 350 * MB,
    "notebooks/explore.ipynb": 2 * MB,
}

IGNORE_FILES = {
    "no .dockerignore": [],
    "top-level names only": [".git", ".venv", "data", ".env", "__pycache__"],
    "with **/ for names at any depth": [".git", ".venv", "data", "**/.env", "**/__pycache__"],
}


def make_project(root: Path) -> None:
    for name, content in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, int):
            with open(path, "wb") as f:
                f.truncate(content)  # a sparse file: its size, without writing its bytes
        else:
            path.write_text(content)


def is_secret(path: Path) -> bool:
    """A small text file holding an API key (the large files are zeros: not read)."""
    return path.stat().st_size < 10_000 and "sk-" in path.read_text(errors="ignore")


def context(root: Path, patterns: list[str]) -> list[str]:
    """The files the builder receives (exclude_paths also lists folders: keep the files)."""
    kept = exclude_paths(str(root), list(patterns))  # a copy: it appends "!Dockerfile"
    return sorted(p for p in kept if (root / p).is_file())


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        make_project(root)
        print("| .dockerignore | files sent | MB sent | secrets sent |")
        print("|---|---:|---:|---|")
        for label, patterns in IGNORE_FILES.items():
            files = context(root, patterns)
            size = sum((root / p).stat().st_size for p in files) / MB
            secrets = [p for p in files if is_secret(root / p)]
            print(f"| {label} | {len(files)} | {size:,.1f} | {', '.join(secrets) or 'none'} |")
        print(f"sent with the last one: {files}")

        print("\nthe last matching line wins:")
        for patterns in (["data", "!data/README.md"], ["!data/README.md", "data"]):
            (root / "data" / "README.md").write_text("what the data are\n")
            sent = "data/README.md" in context(root, patterns)
            print(f"  {patterns}: data/README.md sent: {sent}")


if __name__ == "__main__":
    main()
