"""Checks for 09_containers/ex04_image_report (see solutions/09_containers/ex04_image_report.py).

The images are built here, in the exchange folder, with tarfile, gzip and json: every layout the
contract names (an OCI layout as a folder and as a tar, with and without "./" names; `docker
save` as older Docker, Docker 25+ and Docker's containerd store write it, and as buildah's
`docker-archive:` does), gzip and plain layers, empty layers in the history, ties. Each image
knows its own answer (the builder knows every layer's bytes), so the hand-built checks compare
with that, not with the reference; the differential check compares with the reference too.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from autograder.assertions import differential, fail, peak_allocation

COLUMNS = ["position", "digest", "size", "blob_size", "created_by"]
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"

# --- images, built from their layers ----------------------------------------------------------


@dataclass
class Layer:
    """A layer: the files it adds (name -> bytes), its command, stored gzip-compressed or not."""

    files: dict[str, bytes]
    command: str
    compressed: bool = False
    tar: bytes = field(init=False)
    blob: bytes = field(init=False)

    def __post_init__(self) -> None:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in self.files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), 1_700_000_000, 0o644
                tar.addfile(info, io.BytesIO(data))
        self.tar = buffer.getvalue()
        self.blob = gzip.compress(self.tar, mtime=0) if self.compressed else self.tar

    @property
    def diff_id(self) -> str:
        return "sha256:" + hashlib.sha256(self.tar).hexdigest()

    @property
    def blob_digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.blob).hexdigest()


@dataclass
class Image:
    """Layers in build order, and the history: one entry per instruction, where `None` stands for
    the next layer's entry and a string for an instruction that made no layer."""

    layers: list[Layer]
    history: list[str | None] = field(default_factory=list)
    history_entries: list[dict] | None = None  # given as is, when set

    def config(self) -> bytes:
        if self.history_entries is not None:
            entries = self.history_entries
        else:
            entries, next_layer = [], iter(self.layers)
            for item in self.history or [None] * len(self.layers):
                if item is None:
                    entries.append({"created": "2026-01-01T00:00:00Z",
                                    "created_by": next(next_layer).command})  # fmt: skip
                else:
                    entries.append({"created": "2026-01-01T00:00:00Z", "created_by": item,
                                    "empty_layer": True})  # fmt: skip
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {"User": "10001", "Cmd": ["python3"]},
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in self.layers]},
            "history": entries,
        }
        return json.dumps(config, indent=1).encode()

    def expected(self) -> pd.DataFrame:
        """The report, read off the builder's own knowledge of every layer."""
        entries = json.loads(self.config())["history"]
        commands = [e.get("created_by", "") for e in entries if not e.get("empty_layer", False)]
        rows = [
            (
                k,
                layer.diff_id,
                len(layer.tar),
                len(layer.blob),
                commands[k] if k < len(commands) else "",
            )  # fmt: skip
            for k, layer in enumerate(self.layers)
        ]
        frame = pd.DataFrame(rows, columns=COLUMNS)
        order = sorted(range(len(rows)), key=lambda k: -rows[k][2])  # stable: ties in build order
        return frame.iloc[order].reset_index(drop=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _entries_oci(image: Image) -> list[tuple[str, bytes]]:
    config = image.config()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": OCI_CONFIG,
                "digest": "sha256:" + _sha(config),
                "size": len(config),
            },  # fmt: skip
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar"
                    + ("+gzip" if layer.compressed else ""),
                    "digest": layer.blob_digest,
                    "size": len(layer.blob),
                }  # fmt: skip
                for layer in image.layers
            ],
        }
    ).encode()
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "size": len(manifest),
                    "digest": "sha256:" + _sha(manifest),
                }
            ],
        }  # fmt: skip
    ).encode()
    files = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), ("index.json", index)]
    blobs = {_sha(manifest): manifest, _sha(config): config}
    blobs.update({_sha(layer.blob): layer.blob for layer in image.layers})
    files += [(f"blobs/sha256/{digest}", data) for digest, data in blobs.items()]
    return files


def _entries_docker_legacy(image: Image) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """Docker before 25: <hex>.json, <id>/layer.tar, <id>/json, <id>/VERSION; a layer already
    written is a symbolic link to the first copy. Returns (files, symlinks name -> target)."""
    config = image.config()
    files: list[tuple[str, bytes]] = [(f"{_sha(config)}.json", config)]
    links: dict[str, str] = {}
    first: dict[str, str] = {}
    names = []
    parent = ""
    for k, layer in enumerate(image.layers):
        layer_id = _sha(f"{parent}{layer.diff_id}{k}".encode())
        parent = layer_id
        name = f"{layer_id}/layer.tar"
        names.append(name)
        files.append((f"{layer_id}/VERSION", b"1.0"))
        files.append((f"{layer_id}/json", json.dumps({"id": layer_id}).encode()))
        if layer.diff_id in first:
            links[name] = f"../{first[layer.diff_id]}"
        else:
            first[layer.diff_id] = name
            files.append((name, layer.blob))
    manifest = [{"Config": f"{_sha(config)}.json", "RepoTags": ["fraud-api:0.1.0"],
                 "Layers": names}]  # fmt: skip
    files.append(("manifest.json", json.dumps(manifest).encode()))
    files.append(("repositories", json.dumps({"fraud-api": {"0.1.0": parent}}).encode()))
    return files, links


def _entries_buildah(image: Image) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """buildah's docker-archive: <hex>.tar files named in manifest.json, and <id>/layer.tar
    symbolic links to them."""
    config = image.config()
    files: list[tuple[str, bytes]] = []
    links: dict[str, str] = {}
    for layer in image.layers:
        name = f"{layer.diff_id.split(':')[1]}.tar"
        if name not in dict(files):
            files.append((name, layer.blob))
        links[f"{_sha(name.encode())}/layer.tar"] = f"../{name}"
    files.append((f"{_sha(config)}.json", config))
    manifest = [{"Config": f"{_sha(config)}.json", "RepoTags": ["localhost/fraud-api:test"],
                 "Layers": [f"{layer.diff_id.split(':')[1]}.tar" for layer in image.layers]}]  # fmt: skip
    files.append(("manifest.json", json.dumps(manifest).encode()))
    return files, links


def _entries_docker_recent(image: Image, containerd: bool) -> list[tuple[str, bytes]]:
    """Docker 25+: blobs/sha256/*, manifest.json naming them, and an OCI index.json; with the
    containerd store, index.json points to an index of the image and an attestation manifest."""
    files = _entries_oci(image)
    config = image.config()
    manifest = {
        "Config": f"blobs/sha256/{_sha(config)}",
        "RepoTags": ["fraud-api:0.1.0"],
        "Layers": [f"blobs/sha256/{layer.blob_digest.split(':')[1]}" for layer in image.layers],
    }
    files.append(("manifest.json", json.dumps([manifest]).encode()))
    if containerd:
        index = dict(files)["index.json"]
        image_manifest = json.loads(index)["manifests"][0]
        attestation = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": "sha256:" + _sha(b"{}"), "size": 2},
                "layers": [],
            }  # fmt: skip
        ).encode()
        inner = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {**image_manifest, "platform": {"architecture": "amd64", "os": "linux"}},
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": "sha256:" + _sha(attestation),
                        "size": len(attestation),
                        "platform": {"architecture": "unknown", "os": "unknown"},
                        "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
                    },
                ],
            }  # fmt: skip
        ).encode()
        outer = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    {"mediaType": OCI_INDEX, "digest": "sha256:" + _sha(inner), "size": len(inner)}
                ],
            }  # fmt: skip
        ).encode()
        files = [(n, outer if n == "index.json" else d) for n, d in files]
        files += [(f"blobs/sha256/{_sha(inner)}", inner),
                  (f"blobs/sha256/{_sha(attestation)}", attestation),
                  (f"blobs/sha256/{_sha(b'{}')}", b"{}")]  # fmt: skip
    return files


LAYOUTS = [
    "oci-folder",
    "oci-tar",
    "oci-tar-dot",
    "docker-legacy",
    "docker-legacy-folder",
    "buildah-docker-archive",
    "docker-25",
    "docker-25-containerd",
]


def write_image(image: Image, layout: str, dest: Path) -> Path:
    """`image` saved in `layout` at `dest` (a folder, or a tar file), which is returned."""
    links: dict[str, str] = {}
    if layout.startswith("oci"):
        files = _entries_oci(image)
    elif layout.startswith("docker-legacy"):
        files, links = _entries_docker_legacy(image)
    elif layout == "buildah-docker-archive":
        files, links = _entries_buildah(image)
    else:
        files = _entries_docker_recent(image, containerd=layout.endswith("containerd"))
    if layout.endswith("folder"):
        dest.mkdir(parents=True)
        for name, data in files:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(data)
        for name, target in links.items():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).symlink_to(target)
        return dest
    prefix = "./" if layout.endswith("dot") else ""
    with tarfile.open(dest, "w") as tar:
        if prefix:
            info = tarfile.TarInfo(".")
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for name, data in files:
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in links.items():
            info = tarfile.TarInfo(prefix + name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return dest


# --- layers the checks use ---------------------------------------------------------------------


def _random(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size=n, dtype=np.uint8).tobytes()


def _app_image(compressed: bool = True) -> Image:
    """The lesson's image in small: a base, requirements, the installed packages (large, but
    zeros: tiny once compressed), the code, the model; ENV, WORKDIR, USER, CMD make no layer."""
    base = Layer({"usr/lib/libpython.so": _random(60_000, 1), "etc/os-release": b"bookworm\n"},
                 "/bin/sh -c #(nop) ADD file:4f6a in /", compressed)  # fmt: skip
    reqs = Layer({"build/requirements.txt": b"fastapi==0.165.0\n"},
                 "COPY requirements.txt . # buildkit", compressed)  # fmt: skip
    venv = Layer({"opt/venv/lib/sklearn.so": bytes(150_000), "opt/venv/bin/uvicorn": b"#!py\n"},
                 "RUN /bin/sh -c pip install --no-cache-dir -r requirements.txt # buildkit",
                 compressed)  # fmt: skip
    code = Layer({"app/coursekit/service.py": b"app = None\n"}, "COPY coursekit/ ./coursekit/",
                 compressed)  # fmt: skip
    model = Layer({"app/models/model.skops": _random(25_000, 2)}, "COPY models/ ./models/",
                  compressed)  # fmt: skip
    history = [None, "ENV PATH=/opt/venv/bin:$PATH", "WORKDIR /app", None, None, None,
               "USER 10001", None, "EXPOSE 8000", 'CMD ["uvicorn"]']  # fmt: skip
    return Image([base, reqs, venv, code, model], history)


# --- calling and comparing ---------------------------------------------------------------------


def _report(submission, path: Any, where: str) -> pd.DataFrame:
    try:
        got = submission.image_report(path)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"image_report raised {type(exc).__name__}: {str(exc)[:300]}, on {where}")
    if not isinstance(got, pd.DataFrame):
        fail(f"image_report returned a {type(got).__name__} on {where}, expected a DataFrame")
    return got


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [
        (int(p), str(d), int(s), int(b), str(c))
        for p, d, s, b, c in zip(*(frame[name].tolist() for name in COLUMNS), strict=True)
    ]


def compare_reports(got: pd.DataFrame, expected: pd.DataFrame, where: str) -> None:
    if list(got.columns) != COLUMNS:
        fail(f"the report's columns are {list(got.columns)} on {where}, expected {COLUMNS}")
    if len(got) != len(expected):
        fail(
            f"the report has {len(got)} rows on {where}, expected {len(expected)} (one per layer "
            "of the manifest; instructions with empty_layer made none)"
        )
    if not isinstance(got.index, pd.RangeIndex) or list(got.index) != list(range(len(got))):
        fail(f"the report's index is {list(got.index)[:10]} on {where}, expected 0..n-1")
    for name in ("position", "size", "blob_size"):
        if not pd.api.types.is_integer_dtype(got[name].dtype):
            fail(f"the column {name!r} has dtype {got[name].dtype} on {where}, expected integers")
    for name in ("digest", "created_by"):
        if len(got) and not all(isinstance(v, str) for v in got[name].tolist()):
            fail(f"the column {name!r} holds {got[name].tolist()[:3]} on {where}, expected strs")
    got_rows, want_rows = _rows(got), _rows(expected)
    by_position = {row[0]: row for row in want_rows}
    for k, (g, w) in enumerate(zip(got_rows, want_rows, strict=True)):
        if g == w:
            continue
        mine = by_position.get(g[0])
        if mine is not None and mine != g:
            for i, name in enumerate(COLUMNS[1:], start=1):
                if g[i] != mine[i]:
                    fail(
                        f"on {where}, layer {g[0]} (build order) has {name}={g[i]!r}, expected "
                        f"{mine[i]!r}; {_why(name)}"
                    )
        fail(
            f"on {where}, row {k} is layer {g[0]} (build order), expected layer {w[0]}: the "
            f"layers by size are {[r[0] for r in want_rows]}, yours {[r[0] for r in got_rows]}. "
            "Sort by size, biggest first; layers of equal size keep their build order"
        )


def _why(name: str) -> str:
    return {
        "digest": "the digest is the layer's diff_id from the config's rootfs.diff_ids (the "
        "SHA-256 of the uncompressed tar), not a compressed blob's digest",
        "size": "size is the length of the layer's tar uncompressed (decompress a gzip layer "
        "and count its bytes), not the sum of its files' sizes nor the stored blob's length",
        "blob_size": "blob_size is the length of the layer's file as stored in the archive "
        "(for a symbolic link, the file it points to)",
        "created_by": "skip the history entries with empty_layer: true, then the k-th entry "
        "left is the k-th layer's ('' when none is left)",
    }[name]


def _check(submission, image: Image, layout: str, folder: Path, as_str: bool = True) -> None:
    suffix = "" if layout.endswith("folder") else ".tar"
    path = write_image(image, layout, folder / f"image-{layout}{suffix}")
    where = f"an image of {len(image.layers)} layers saved as {layout}"
    got = _report(submission, str(path) if as_str else path, where)
    compare_reports(got, image.expected(), where)


def _expect_value_error(submission, path: Path, why: str, named: bool) -> None:
    try:
        submission.image_report(str(path))
    except NotImplementedError:
        raise
    except ValueError as exc:
        if named and path.name not in str(exc):
            fail(
                f"for {why}, the ValueError's message is {str(exc)[:200]!r}: name the path "
                f"({path.name}), so that whoever reads it knows which file was wrong"
            )
        return
    except Exception as exc:  # noqa: BLE001
        fail(f"for {why}, image_report raised {type(exc).__name__}: {exc}; expected ValueError")
    fail(f"for {why}, image_report returned; expected ValueError")


def _peak(module, path: str) -> int:
    """Peak bytes traced while the learner's image_report reads `path` (after a warm-up)."""
    module.image_report(path)
    _, peak = peak_allocation(module.image_report, path)
    return int(peak)


# --- the checks -------------------------------------------------------------------------------


class TestImageReport:
    def test_oci_folder(self, submission, exchange):
        _check(submission, _app_image(), "oci-folder", exchange, as_str=False)

    def test_oci_archive(self, submission, exchange):
        for layout in ("oci-tar", "oci-tar-dot"):
            _check(submission, _app_image(), layout, exchange)

    def test_docker_save_before_25(self, submission, exchange):
        # Older Docker's layout, as a tar and unpacked; the 2nd copy of a layer is a symlink.
        image = _app_image(compressed=False)
        twin = Layer(dict(image.layers[1].files), "COPY requirements.txt /check/", False)
        image.layers.insert(4, twin)
        image.history.insert(7, None)
        for layout in ("docker-legacy", "docker-legacy-folder"):
            _check(submission, image, layout, exchange)

    def test_buildah_docker_archive(self, submission, exchange):
        _check(submission, _app_image(compressed=False), "buildah-docker-archive", exchange)

    def test_docker_save_25_and_later(self, submission, exchange):
        _check(submission, _app_image(compressed=False), "docker-25", exchange)
        # Docker's containerd image store keeps the layers compressed, and its index.json points
        # to an index of two manifests: manifest.json says which layers are the image's.
        _check(submission, _app_image(compressed=True), "docker-25-containerd", exchange)

    def test_empty_layers_skipped(self, submission, exchange):
        layers = [Layer({f"f{k}": _random(3000 * (k + 1), 10 + k)}, f"RUN step {k}", k % 2 == 0)
                  for k in range(4)]  # fmt: skip
        cases = {
            "leading": Image(layers, ["ARG V=1", "LABEL a=b", None, None, None, None]),
            "between": Image(layers, [None, "ENV A=1", "ENV B=2", None, "WORKDIR /x", None,
                                      None, "CMD x"]),  # fmt: skip
            "explicit false": Image(layers, history_entries=[
                {"created_by": "RUN step 0", "empty_layer": False},
                {"created_by": "ENV A=1", "empty_layer": True},
                {"created_by": "RUN step 1", "empty_layer": False},
                {"created_by": "RUN step 2"}, {"created_by": "RUN step 3"}]),
            "no command": Image(layers, history_entries=[
                {"created_by": "RUN step 0"}, {"comment": "no created_by"},
                {"created_by": "USER 1", "empty_layer": True}, {"created_by": "RUN step 2"},
                {"created_by": "RUN step 3"}]),
            "short history": Image(layers, history_entries=[
                {"created_by": "RUN step 0"}, {"created_by": "CMD x", "empty_layer": True},
                {"created_by": "RUN step 1"}]),
            "no history": Image(layers, history_entries=[]),
        }  # fmt: skip
        for k, (name, image) in enumerate(cases.items()):
            folder = exchange / f"case{k}"
            folder.mkdir()
            layout = ("oci-tar", "docker-legacy", "docker-25")[k % 3]
            path = write_image(image, layout, folder / "image.tar")
            got = _report(
                submission, str(path), f"an image saved as {layout} whose history is '{name}'"
            )
            compare_reports(
                got, image.expected(), f"an image saved as {layout} whose history is '{name}'"
            )

    def test_sizes_gzip_and_plain(self, submission, exchange):
        # Compressed and plain layers side by side: a layer of zeros is the largest once
        # uncompressed but the smallest as stored, and random bytes do not compress.
        layers = [
            Layer({"zeros": bytes(80_000)}, "RUN make zeros", compressed=True),
            Layer({"noise": _random(50_000, 3)}, "RUN make noise", compressed=True),
            Layer({"text": b"abc" * 12_000}, "COPY text", compressed=False),
            Layer({"more": _random(20_000, 4)}, "COPY more", compressed=False),
        ]
        for layout in ("oci-folder", "docker-25-containerd"):
            _check(submission, Image(layers), layout, exchange)

    def test_ties_keep_build_order(self, submission, exchange):
        # Small layers all make a tar of the same length (a tar is padded to 10 KiB).
        layers = [Layer({f"small{k}": _random(100 + k, 20 + k)}, f"COPY small{k}", k % 2 == 1)
                  for k in range(6)]  # fmt: skip
        layers.insert(3, Layer({"big": _random(40_000, 30)}, "RUN big", True))
        for layout in ("oci-tar", "docker-legacy"):
            _check(submission, Image(layers), layout, exchange)

    def test_no_layers(self, submission, exchange):
        image = Image([], history_entries=[{"created_by": 'CMD ["true"]', "empty_layer": True}])
        for layout in ("oci-folder", "docker-legacy"):
            suffix = "" if layout.endswith("folder") else ".tar"
            path = write_image(image, layout, exchange / f"empty-{layout}{suffix}")
            got = _report(submission, str(path), f"an image with no layer saved as {layout}")
            if list(got.columns) != COLUMNS or len(got):
                fail(
                    f"on an image with no layer saved as {layout}, the report has columns "
                    f"{list(got.columns)} and {len(got)} rows; expected the columns {COLUMNS} "
                    "and no row"
                )

    def test_not_an_image(self, submission, exchange):
        empty = exchange / "empty-folder"
        empty.mkdir()
        other = exchange / "project"
        other.mkdir()
        (other / "Dockerfile").write_text("FROM python:3.11-slim\n")
        text = exchange / "notes.txt"
        text.write_text("not an image\n")
        lone = exchange / "manifest.json"
        lone.write_text("[]")
        stray = exchange / "backup.tar"
        with tarfile.open(stray, "w") as tar:
            info = tarfile.TarInfo("data/readme.md")
            info.size = 5
            tar.addfile(info, io.BytesIO(b"hello"))
        for path, why in (
            (exchange / "nowhere.tar", "a path that does not exist"),
            (empty, "an empty folder"),
            (other, "a folder holding neither manifest.json nor index.json"),
            (text, "a text file (not a tar)"),
            (lone, "a JSON file (not a tar, nor a folder)"),
            (stray, "a tar holding neither manifest.json nor index.json"),
        ):
            _expect_value_error(submission, path, why, named=True)

    def test_broken_archives(self, submission, exchange):
        image = _app_image()
        cases = []
        # manifest.json listing two images
        path = write_image(image, "docker-legacy-folder", exchange / "two-images")
        entries = json.loads((path / "manifest.json").read_text())
        (path / "manifest.json").write_text(json.dumps(entries * 2))
        cases.append((path, "a docker save archive whose manifest.json lists two images"))
        # index.json listing two manifests
        path = write_image(image, "oci-folder", exchange / "two-manifests")
        index = json.loads((path / "index.json").read_text())
        index["manifests"] *= 2
        (path / "index.json").write_text(json.dumps(index))
        cases.append((path, "an OCI layout whose index.json lists two manifests"))
        # one diff_id too many in the config
        path = write_image(image, "docker-legacy-folder", exchange / "diff-ids")
        manifest = json.loads((path / "manifest.json").read_text())
        config_path = path / manifest[0]["Config"]
        config = json.loads(config_path.read_text())
        config["rootfs"]["diff_ids"].append("sha256:" + "0" * 64)
        config_path.write_text(json.dumps(config))
        cases.append((path, "a config with 6 diff_ids for 5 layers"))
        # a layer the manifest names is not there
        path = write_image(image, "oci-folder", exchange / "lost-blob")
        (path / "blobs" / "sha256" / image.layers[2].blob_digest.split(":")[1]).unlink()
        cases.append((path, "an OCI layout missing one of its layers' blobs"))
        path = write_image(image, "docker-legacy-folder", exchange / "lost-layer")
        manifest = json.loads((path / "manifest.json").read_text())
        (path / manifest[0]["Layers"][1]).unlink()
        cases.append((path, "a docker save folder missing one of its layer files"))
        for path, why in cases:
            _expect_value_error(submission, path, why, named=False)

    def test_layers_read_in_chunks(self, submission, exchange):
        # A 32 MiB layer of zeros, gzip-compressed (32 KiB stored), and a 16 MiB plain one: a
        # report that reads either whole needs at least that much memory.
        mib = 1 << 20
        image = Image([Layer({"big": bytes(32 * mib)}, "RUN fallocate", compressed=True),
                       Layer({"plain": bytes(16 * mib)}, "COPY plain"),
                       Layer({"small": b"x"}, "COPY small")])  # fmt: skip
        where = "an OCI archive with a 32 MiB layer (gzip) and a 16 MiB one (plain)"
        path = write_image(image, "oci-tar", exchange / "big.tar")
        got = _report(submission, str(path), where)
        compare_reports(got, image.expected(), where)
        peak = submission.observe(_peak, str(path))
        if peak > 8 * mib:
            fail(
                f"reading {where} took {peak / mib:.1f} MiB of memory at its peak: a layer was "
                "read whole. Count its bytes in chunks (read(1 << 20) in a loop, through "
                "gzip.GzipFile for a compressed layer; a plain file's length needs no reading): "
                "an image may hold layers of gigabytes"
            )


# --- differential on generated images ---------------------------------------------------------


def _generated(seed: int) -> tuple[Image, str]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 7)) if seed % 5 else int(rng.integers(1, 3))
    layers = []
    for k in range(n):
        kind = rng.random()
        count = int(rng.integers(1, 4))
        files = {}
        for j in range(count):
            length = int(rng.choice([0, 10, 700, 5_000, 30_000]))
            data = bytes(length) if kind < 0.3 else _random(length, seed * 100 + k * 10 + j)
            files[f"layer{k}/file{j}"] = data
        layers.append(Layer(files, f"RUN step {k} of image {seed}", bool(rng.random() < 0.5)))
    history: list[str | None] = []
    for k in range(n):
        history += [f"ENV K{k}_{j}=1" for j in range(int(rng.integers(0, 3)))]
        history.append(None)
    history += ["EXPOSE 8000", 'CMD ["x"]'][: int(rng.integers(0, 3))]
    layout = LAYOUTS[seed % len(LAYOUTS)]
    return Image(layers, history), layout


class TestDifferential:
    def test_generated_images(self, submission, reference, exchange):
        cases = []
        for seed in range(24):
            image, layout = _generated(seed)
            suffix = "" if layout.endswith("folder") else ".tar"
            path = write_image(image, layout, exchange / f"gen{seed}-{layout}{suffix}")
            where = f"generated image {seed}: {len(image.layers)} layers, {layout}"
            cases.append((where, lambda fn, p=str(path): fn(p)))

        differential(
            sorted(cases, key=lambda c: int(c[0].split(": ")[1].split()[0])),
            submission.image_report,
            reference.image_report,
            compare_reports,
            "image_report",
        )
