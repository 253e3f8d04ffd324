"""Draw the figures of the docs site from the worked examples, so a plot never disagrees with its code.

Run from the repository root: python docs/scripts/make_plots.py [--out docs/assets/plots]

Deterministic: fixed inputs, no timestamps or version strings in the PNG metadata, so an unchanged
figure is byte-identical on the same matplotlib and the committed PNGs only change when a plot does.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

SCRIPTS = Path(__file__).resolve().parent
DOCS = SCRIPTS.parent
DEFAULT_OUT = DOCS / "assets" / "plots"


def _load_plotting() -> ModuleType:
    """The shared helpers, by path and registered as ``plotting``: this script is also loaded by path
    (tests), where docs/scripts is not on sys.path, and the figure scripts it loads import plotting."""
    if "plotting" in sys.modules:
        return sys.modules["plotting"]
    spec = importlib.util.spec_from_file_location("plotting", SCRIPTS / "plotting.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["plotting"] = module
    spec.loader.exec_module(module)
    return module


plotting = _load_plotting()


def load_example(relpath: str) -> ModuleType:
    """Import a worked example by its path under docs/examples, e.g. "01_numpy/logsumexp.py"."""
    lesson, name = Path(relpath).parent.as_posix(), Path(relpath).stem
    return plotting.load_example(lesson, name)


def gd_learning_rates(out: Path) -> Path:
    """Lesson 01: gradient descent on the quadratic bowl, one loss curve per learning rate."""
    gd = load_example("01_numpy/gradient_descent.py")
    best = gd.loss(np.linalg.solve(gd.A, gd.b))
    limit = 2 / np.linalg.eigvalsh(gd.A).max()
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    for lr in gd.LEARNING_RATES:
        gaps = np.array(gd.descend(lr)) - best  # the example's own step count, as the page says
        note = "diverges" if lr > limit else "converges"
        ax.semilogy(np.maximum(gaps, 1e-16), marker=".", label=f"lr = {lr} ({note})")
    ax.set_xlabel("gradient-descent step")
    ax.set_ylabel("loss − minimum loss (log scale)")
    ax.set_title(f"Learning rate decides: stable only below 2 / λmax = {limit:.2f}")
    ax.set_ylim(1e-16, 1e6)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower left")
    return plotting.save(fig, out, "01-gd-learning-rates.png")


def logsumexp_overflow(out: Path) -> Path:
    """Lesson 01: naive vs shifted log-sum-exp as the inputs move away from 0."""
    lse = load_example("01_numpy/logsumexp.py")
    base = np.array([0.0, -0.5, -2.0, -3.0])
    shifts = np.linspace(-1000, 1000, 801)
    naive = np.array([lse.logsumexp_naive(base + c) for c in shifts])
    stable = np.array([lse.logsumexp(base + c) for c in shifts])
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(
        shifts, stable, lw=4, alpha=0.35, color="tab:blue", label="stable: m + log Σ exp(z − m)"
    )
    ax.plot(
        shifts,
        np.where(np.isfinite(naive), naive, np.nan),
        color="tab:red",
        label="naive: log Σ exp(z)",
    )
    edge = np.log(np.finfo(np.float64).max)
    for x0, x1 in ((-1000, -745), (edge, 1000)):
        ax.axvspan(x0, x1, color="tab:red", alpha=0.08)
    ax.text(-990, 700, "exp underflows to 0:\nnaive gives −inf", va="top", fontsize=9)
    ax.text(720, -700, "exp overflows:\nnaive gives inf", va="bottom", fontsize=9)
    ax.set_xlabel("largest input, max(z)")
    ax.set_ylabel("log-sum-exp of z")
    ax.set_title("Subtracting the maximum keeps log-sum-exp finite")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper center")
    return plotting.save(fig, out, "01-logsumexp-overflow.png")


FIGURES = (gd_learning_rates, logsumexp_overflow)


def lesson_figures() -> list:
    """Figures of later lessons: each docs/scripts/figures_<lesson>.py exposes FIGURES."""
    found = []
    for path in sorted(SCRIPTS.glob("figures_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.extend(module.FIGURES)
    return found


def main(argv: list[str] | None = None) -> list[Path]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for the PNGs (default: {DEFAULT_OUT})",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = [figure(args.out) for figure in (*FIGURES, *lesson_figures())]
    for path in written:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return written


if __name__ == "__main__":
    main()
