"""Exercise 04 · What makes an image big.

Docs: docs/lessons/09-containers.md#ex04-image-report (the site: `mkdocs serve`, then Lesson 09)

An image is a stack of layers, one per instruction of the Dockerfile that changed files, and
each layer is a tar of those changes. To make an image smaller you first need to know which
instruction made which bytes. Engines can tell you (`docker history`), but the image itself
holds everything, as plain files: write a report that reads a saved image with nothing but the
standard library and pandas, so that it works on any machine, with or without an engine.

Write `image_report(path) -> pandas.DataFrame`.

`path` (a `str` or a `Path`) is a folder or a tar file holding one image in one of two layouts:

- A `docker save` archive: `manifest.json` is a list with one entry per image, whose "Config"
  is the path of the image's config file and "Layers" the paths of its layer files, in build
  order (base first). Docker before 25 writes `<hex>.json` and `<id>/layer.tar` files (a layer
  it has already written under another id becomes a symbolic link to that file); Docker 25 and
  later writes `blobs/sha256/<hex>` paths, beside an OCI `index.json`; buildah's
  `docker-archive:` writes `<hex>.tar` files.
- An OCI image layout (`buildah push IMAGE oci:DIR` or `oci-archive:FILE`, `skopeo copy`):
  `index.json`'s "manifests" lists one manifest; a manifest, the config and the layers are
  blobs, the file `blobs/<algorithm>/<hex>` for a digest "<algorithm>:<hex>". The manifest's
  "config" and "layers" are descriptors (dicts with a "digest"), the layers in build order.

When both are there (Docker 25+), read `manifest.json`: with Docker's containerd image store,
`index.json` points to an index of several manifests (the image's, and its build
attestations'). Paths inside a tar may start with "./" (`tar -C DIR -cf FILE .`).

The config (JSON) holds `rootfs.diff_ids` (one "sha256:<hex>" per layer, in build order) and
`history` (one entry per instruction, in build order). An instruction that made no layer (ENV,
CMD, USER, EXPOSE...) has `"empty_layer": true` in its history entry: skip those entries, and
the k-th entry left belongs to the k-th layer. A layer with no entry left (an image with a
shorter history, or none) gets the command "".

A layer's file is a tar, either plain or gzip-compressed: tell them apart by content (a gzip
file starts with the bytes 1f 8b), not by name or media type (`docker save` gives none).

Return one row per layer of the manifest, with the columns, in this order:

- "position": the layer's index in build order (0 for the base layer), an integer;
- "digest": its diff_id from the config's `rootfs.diff_ids` (the SHA-256 of the uncompressed
  tar, the same in every layout; not the digest of a compressed blob), a str;
- "size": the number of bytes of the layer's tar, uncompressed (what it takes on disk once
  pulled: the length of the decompressed stream for a gzip layer), an integer;
- "blob_size": the number of bytes of the layer's file as stored in the archive (compressed or
  not: what a pull downloads), an integer; for a symbolic link, the file it points to;
- "created_by": the command of the layer's history entry ("created_by"; "" when missing).

Rows sorted by "size", biggest first; layers of equal size keep their build order. The index
is 0..n-1. An image with no layer gives an empty frame with these columns.

Errors: `ValueError` whose message names `path` when `path` does not exist, or is neither a
folder nor a tar file, or holds neither `manifest.json` nor `index.json`. `ValueError` too when
`manifest.json` lists more than one image, when `index.json` (read only without
`manifest.json`) lists more than one manifest, when the config's
diff_ids and the manifest's layers differ in number, or when a file the archive's JSON names is
not in it.

Read a layer in chunks (a megabyte at a time, say), never whole: an image may hold gigabytes,
and the report must not need memory in proportion to a layer's size.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import posixpath
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pandas as pd

COLUMNS = ["position", "digest", "size", "blob_size", "created_by"]
CHUNK = 1 << 20


def image_report(path: str | os.PathLike) -> pd.DataFrame:
    """The layers of the image saved at `path`, biggest first (see the module's docstring)."""
    # TODO: open the folder or tar; find config and layers; size each; align history
    raise NotImplementedError
