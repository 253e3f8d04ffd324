"""An image is JSON and tar files: read one without a container engine.

`docker save fraud-api:0.1.0 -o image.tar`, `buildah push IMAGE oci-archive:image.tar` and
`skopeo copy` all write the same structure (the OCI image layout): an `index.json` that points to
a manifest, a manifest that points to a config and to the layers, each stored as a file named by
its SHA-256 under `blobs/sha256/`. This script writes a small image of that shape itself (four
layers of made-up bytes, like a single-stage build of a Python service), then follows the chain
index -> manifest -> config -> layers, and opens two layers to show what deleting a file in a
later step does to an image.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import tarfile
import tempfile
from pathlib import Path

MB = 1_000_000
STEPS = [  # (the instruction, as the builder records it; files the step adds, by size or text)
    ("ADD rootfs.tar / # the base image", {"usr/lib/python3.11/libpython.so": 2 * MB}),
    (
        "RUN pip install -r requirements.txt",
        {
            "opt/venv/lib/site-packages/sklearn/_tree.so": 1_500_000,
            "root/.cache/pip/http/wheels.bin": 800_000,
        },
    ),
    ("ENV PORT=8000", None),
    (
        "COPY . /app",
        {
            "app/coursekit/service.py": "app = create_app()\n",
            "app/.env": "PAYMENTS_API_KEY=sk-live-7f3a\n",
            "app/data/train.csv": 600_000,
        },
    ),
    ("RUN rm -rf /root/.cache/pip /app/.env", {"root/.cache/.wh.pip": "", "app/.wh..env": ""}),
    ('CMD ["python3", "-m", "uvicorn", "coursekit.service:app"]', None),
]


def blob(root: Path, data: bytes) -> dict:
    """Store bytes under their digest; return the descriptor that points to them."""
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def layer_tar(files: dict, rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, content in files.items():
            data = rng.randbytes(content) if isinstance(content, int) else content.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_image(root: Path) -> None:
    """An OCI image layout, as `buildah push IMAGE oci:DIR` writes it."""
    (root / "blobs" / "sha256").mkdir(parents=True)
    (root / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    rng = random.Random(9)
    layers, diff_ids, history = [], [], []
    for created_by, files in STEPS:
        if files is None:  # a step that changes the settings only: no layer, a history entry
            history.append({"created_by": created_by, "empty_layer": True})
            continue
        tar = layer_tar(files, rng)
        diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())  # of the plain tar
        gz = gzip.compress(tar, mtime=0)
        layers.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(root, gz)}
        )
        history.append({"created_by": created_by})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PORT=8000"], "Cmd": ["python3", "-m", "uvicorn"], "User": ""},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **blob(root, json.dumps(config).encode()),
        },
        "layers": layers,
    }
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **blob(root, json.dumps(manifest).encode()),
                "annotations": {"org.opencontainers.image.ref.name": "0.1.0"},
            }
        ],
    }
    (root / "index.json").write_text(json.dumps(index))


def read_blob(root: Path, descriptor: dict) -> bytes:
    algorithm, digest = descriptor["digest"].split(":")
    return (root / "blobs" / algorithm / digest).read_bytes()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_image(root)
        print("files:", sorted(p.name for p in root.iterdir()))

        index = json.loads((root / "index.json").read_text())
        entry = index["manifests"][0]
        tag = entry["annotations"]["org.opencontainers.image.ref.name"]
        print(f"index.json: {len(index['manifests'])} manifest, tag {tag}, {entry['digest'][:19]}")

        manifest = json.loads(read_blob(root, entry))
        print(f"manifest: a config and {len(manifest['layers'])} layers")
        for n, layer in enumerate(manifest["layers"], 1):
            print(f"  layer {n}: {layer['size']:>9,} bytes gzipped, {layer['digest'][:19]}")

        config = json.loads(read_blob(root, manifest["config"]))
        made = [h for h in config["history"] if not h.get("empty_layer")]
        print(f"config: {len(config['history'])} history entries, {len(made)} made a layer")
        for h in config["history"]:
            print(f"  {'(no layer) ' if h.get('empty_layer') else 'layer      '}{h['created_by']}")

        print("inside the layers:")
        tar_bytes = 0
        for n, layer in enumerate(manifest["layers"], 1):
            tar = gzip.decompress(read_blob(root, layer))
            tar_bytes += len(tar)
            assert (
                "sha256:" + hashlib.sha256(tar).hexdigest() == config["rootfs"]["diff_ids"][n - 1]
            )
            with tarfile.open(fileobj=io.BytesIO(tar)) as t:
                for member in t.getmembers():
                    print(f"  layer {n}: {member.name:<45} {member.size:>9,} bytes")
                    if member.name == "app/.env":
                        secret = t.extractfile(member).read().decode().strip()
        gzipped = sum(layer["size"] for layer in manifest["layers"])
        print(f"the layers' tars: {tar_bytes:,} bytes ({gzipped:,} gzipped, this run)")
        print(f"app/.env was deleted by layer 4; layer 3 still holds: {secret}")


if __name__ == "__main__":
    main()
