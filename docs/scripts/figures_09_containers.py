"""Figures of lesson 09 (containers).

docs/scripts/make_plots.py collects FIGURES from here; each figure writes one PNG into `out`.
Both figures read the benchmark's results (bench/results/image_sizes.json, written by
bench/bench_image.py), which come from real image builds that take minutes and need a container
engine, so they are not measured again here.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
from plotting import ROOT, save  # noqa: E402

BENCH = ROOT / "bench" / "results" / "image_sizes.json"

KINDS = {  # what a layer holds, told from the instruction that made it: (label, colour)
    "base": ("the base image", "#9e9e9e"),
    "deps": ("the dependencies (venv, pip)", "tab:blue"),
    "folder": ("the whole working folder (COPY . .)", "tab:red"),
    "app": ("code, model, user", "tab:green"),
}


def _kind(instruction: str) -> str:
    if instruction.startswith("(the base"):
        return "base"
    if instruction == "COPY . .":
        return "folder"
    if "pip" in instruction or "venv" in instruction:
        return "deps"
    return "app"


def image_layers(out: Path) -> Path:
    """Each image's layers in build order, stacked, coloured by what they hold."""
    images = json.loads(BENCH.read_text())["images"]
    fig, ax = plt.subplots(figsize=(8, 3.8), dpi=110)
    seen: set[str] = set()
    names = list(images)
    for y, name in enumerate(names):
        left = 0.0
        for layer in sorted(images[name]["report"], key=lambda r: r["position"]):
            kind = _kind(layer["instruction"])
            label, colour = KINDS[kind]
            ax.barh(y, layer["size_mb"], left=left, color=colour, edgecolor="white",
                    label=None if kind in seen else label)  # fmt: skip
            seen.add(kind)
            if layer["size_mb"] >= 30:
                ax.text(left + layer["size_mb"] / 2, y, f"{layer['size_mb']:.0f}", ha="center",
                        va="center", color="white", fontsize=9)  # fmt: skip
            left += layer["size_mb"]
        gzip = images[name]["gzip_mb"]
        size = images[name]["size_mb"]
        note = f"{size:.1f} MB" + ("" if gzip is None else f" ({gzip:.1f} MB gzip)")
        ax.text(left + 8, y, note, va="center", fontsize=9)
    ax.set_yticks(range(len(names)), [f"{n}\n{images[n]['layers']} layers" for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, max(i["size_mb"] for i in images.values()) * 1.3)
    ax.set_xlabel("MB, uncompressed (each segment a layer, in build order)")
    ax.set_title("What each image is made of (image_report on the saved images)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8, ncol=2, frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    return save(fig, out, "09-image-layers.png")


def rebuild_times(out: Path) -> Path:
    """Seconds to build each image cold, after a one-line code edit, and with nothing changed."""
    results = json.loads(BENCH.read_text())
    images = results["images"]
    kinds = (
        ("build_seconds_cold", "cold (every step from requirements.txt on)", "#9e9e9e"),
        ("rebuild_seconds_after_code_edit", "after a one-line code edit", "tab:orange"),
        ("rebuild_seconds_nothing_changed", "nothing changed", "tab:green"),
    )
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    width = 0.26
    names = list(images)
    for k, (key, label, colour) in enumerate(kinds):
        xs = [i + (k - 1) * width for i in range(len(names))]
        values = [images[n][key] for n in names]
        bars = ax.bar(xs, values, width, color=colour, label=label)
        ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], fontsize=8, padding=2)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("seconds (best of the runs)")
    ax.set_title(f"The build cache at work ({results['builder'].split(' version')[0]}, best of "
                 f"{results['repeats']} builds each)")  # fmt: skip
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_ylim(0, max(images[n]["build_seconds_cold"] for n in names) * 1.15)
    return save(fig, out, "09-rebuild-times.png")


FIGURES = (image_layers, rebuild_times)
