"""Why the order of a Dockerfile's steps decides what a rebuild costs.

Every instruction of a Dockerfile makes one layer (or one change of the image's settings), and a
builder keeps each result under a cache key: the key of the step before, the instruction's text
and, for COPY and ADD, the content of the files it copies. A step whose key was seen before is
taken from the cache; once one step misses, every step after it runs again, because its parent
changed. This script applies that rule to two Dockerfiles of the same service and two edits, and
prints which steps a rebuild runs. It builds nothing: the real seconds are in
bench/results/image_sizes.json (bench/bench_image.py builds both orders for real).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

from dockerfile_parse import DockerfileParser

CODE_FIRST = """\
FROM python:3.11-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -r requirements.txt
CMD ["python3", "-m", "coursekit.batch_job"]
"""

DEPS_FIRST = """\
FROM python:3.11-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY coursekit/ coursekit/
CMD ["python3", "-m", "coursekit.batch_job"]
"""

PROJECT = {
    "requirements.txt": "pandas==3.1.0\nscikit-learn==1.8.0\nskops==0.16.0\n",
    "coursekit/__init__.py": "",
    "coursekit/batch_job.py": "CHUNK_SIZE = 50_000\n\n\ndef main():\n    ...\n",
}


def content_hash(context: Path, source: str) -> str:
    """The hash of every file a COPY source names: paths and bytes, in sorted order."""
    digest = hashlib.sha256()
    root = context / source
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    for path in files:
        digest.update(path.relative_to(context).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_keys(dockerfile: str, context: Path) -> list[tuple[str, str]]:
    """(instruction, cache key) for each step, each key chained to the one before it."""
    parser = DockerfileParser(fileobj=io.BytesIO(dockerfile.encode()))
    keys, parent = [], ""
    for step in parser.structure:
        text = step["content"].strip()
        parts = [parent, text]
        if step["instruction"] in ("COPY", "ADD"):
            sources = step["value"].split()[:-1]  # the last word is the destination
            parts += [content_hash(context, source) for source in sources]
        parent = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        keys.append((text, parent))
    return keys


def rebuild(dockerfile: str, context: Path, cache: set[str]) -> list[str]:
    """The steps a build runs again (not found in the cache); the cache learns the new keys."""
    ran = [text for text, key in cache_keys(dockerfile, context) if key not in cache]
    cache.update(key for _, key in cache_keys(dockerfile, context))
    return ran


def write_project(folder: Path) -> None:
    for name, text in PROJECT.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def main() -> None:
    edits = {
        "one line of coursekit/batch_job.py": ("coursekit/batch_job.py", "CHUNK_SIZE = 20_000\n"),
        "a pin in requirements.txt": ("requirements.txt", "pandas==3.1.1\n"),
    }
    print("| Dockerfile | edit | steps run again | pip install runs again |")
    print("|---|---|---:|---|")
    for label, dockerfile in (("code first", CODE_FIRST), ("dependencies first", DEPS_FIRST)):
        steps = len(DockerfileParser(fileobj=io.BytesIO(dockerfile.encode())).structure)
        for edit, (name, line) in edits.items():
            with tempfile.TemporaryDirectory() as folder:
                context = Path(folder)
                write_project(context)
                cache: set[str] = set()
                cold = rebuild(dockerfile, context, cache)
                assert len(cold) == steps  # an empty cache runs every step
                path = context / name
                path.write_text(path.read_text().replace(path.read_text().splitlines()[0], line))
                ran = rebuild(dockerfile, context, cache)
                pip = any(text.startswith("RUN pip") for text in ran)
                print(f"| {label} | {edit} | {len(ran)} of {steps} | {'yes' if pip else 'no'} |")
    with tempfile.TemporaryDirectory() as folder:
        context = Path(folder)
        write_project(context)
        cache = set()
        rebuild(DEPS_FIRST, context, cache)
        (context / "coursekit" / "batch_job.py").touch()  # a new mtime, the same bytes
        print(
            f"touching a file without changing it: {len(rebuild(DEPS_FIRST, context, cache))} steps"
        )
        print("steps run again after the code edit, dependencies first:")
        (context / "coursekit" / "batch_job.py").write_text("CHUNK_SIZE = 20_000\n")
        for text in rebuild(DEPS_FIRST, context, cache):
            print(f"  {text}")


if __name__ == "__main__":
    main()
