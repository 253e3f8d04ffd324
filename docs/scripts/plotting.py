"""Helpers the figure scripts share: where the worked examples live, how to load one, how to save a PNG.

make_plots.py loads this module by path and registers it as ``plotting``, so the figure scripts it loads
can ``from plotting import ...`` however make_plots.py itself was run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "docs" / "examples"
PNG_METADATA = {"Software": None}  # keep the output identical across runs


def load_example(lesson: str, name: str, *, on_path: bool = False) -> ModuleType:
    """Import the worked example ``name`` of ``lesson`` by path (they are scripts, not a package).

    on_path: the lesson's examples import each other, so put their folder on sys.path first.
    """
    folder = EXAMPLES / lesson
    if on_path and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    path = folder / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_example_{lesson[:2]}_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def save(fig: plt.Figure, out: Path, name: str) -> Path:
    """Lay the figure out, write it to out/name without varying metadata, and close it."""
    fig.tight_layout()
    path = out / name
    fig.savefig(path, metadata=PNG_METADATA)
    plt.close(fig)
    return path
