"""Worked example: where the randomness of a training script comes from, and what seeds it.

The model is lesson 05's fraud model with column subsampling (`max_features=0.5`), so that its
`random_state` matters. It trains on the small world's first 70 % of payments, with the labels
known at the cut, and is scored on the rest (average precision, AP).

1. Ten runs of an unseeded script each get a fresh seed from the operating system; the example
   replays ten such runs with seeds 0 to 9, so that its own output is reproducible, and prints
   the spread. The same seed again gives the same model.
2. `random_state=None` makes scikit-learn draw from NumPy's *global* generator: `np.random.seed`
   then fixes the model, until anything else draws from that generator first. A
   `numpy.random.Generator` passed explicitly is not disturbed by other code.
3. Python's `random`, NumPy's generators and the string hash seed are three separate things.
   `PYTHONHASHSEED` is read when the interpreter starts: the example starts small interpreters
   with it set, and one that sets it too late, from inside.
4. Floating-point addition is not associative: the same numbers summed in another order give
   another last digit. Threads split sums; this model gives the same predictions on one thread
   and two, and BLAS products may not.

Run: python docs/examples/06_tracking/seeds.py (about four seconds)
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score
from threadpoolctl import threadpool_limits

import coursedata

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "05_tuning"))
from fraud_model import COLUMNS, booster, load  # noqa: E402


@dataclass
class Split:
    """The small world split by time: train before the cut (labels known then), valid after."""

    world: coursedata.World
    cut: pd.Timestamp
    X_train: pd.DataFrame
    y_train: pd.Series
    X_valid: pd.DataFrame
    y_valid: pd.Series


def time_split(kind: str = "small", share: float = 0.7) -> Split:
    """The first `share` of the payments to train on, the rest to validate on."""
    data = load(kind)
    cut = data.time.quantile(share)
    train = data.time < cut
    known = coursedata.labels_as_of(data.world, cut)  # lesson 03: the labels known at the cut
    X = data.X[COLUMNS]
    return Split(data.world, cut, X[train], known[train], X[~train], data.y[~train])


def model(random_state) -> HistGradientBoostingClassifier:
    """The fraud model of this lesson: 100 rounds, half of the columns offered at each split."""
    return booster(max_iter=100, max_features=0.5, random_state=random_state)


def validation_ap(split: Split, random_state) -> float:
    fitted = model(random_state).fit(split.X_train, split.y_train)
    return float(average_precision_score(split.y_valid, fitted.predict_proba(split.X_valid)[:, 1]))


def ap_curve(model: HistGradientBoostingClassifier, X, y) -> np.ndarray:
    """The model's average precision on (X, y) after each boosting iteration."""
    with threadpool_limits(limits=1):
        staged = model.staged_predict_proba(X)
        return np.array([average_precision_score(y, proba[:, 1]) for proba in staged])


def run_python(code: str, hash_seed: str | None) -> str:
    """Run `code` in a fresh interpreter with PYTHONHASHSEED set (or unset); return its output."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = hash_seed
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    return done.stdout.strip()


def main() -> None:
    split = time_split()
    print(
        f"train: {len(split.y_train):,} payments before {split.cut:%Y-%m-%d}, "
        f"{int(split.y_train.sum())} frauds known then; "
        f"valid: {len(split.y_valid):,} payments, {int(split.y_valid.sum())} frauds"
    )
    with threadpool_limits(limits=1):
        # 1. The spread of an unseeded script, replayed with the seeds 0 to 9.
        scores = np.array([validation_ap(split, seed) for seed in range(10)])
        print(
            f"ten runs, ten seeds: AP {scores.min():.3f} to {scores.max():.3f}, "
            f"std {scores.std():.3f}; seed 0 {scores[0]:.3f}, seed 6 {scores[6]:.3f}"
        )
        print(f"random_state=0 again, the same score: {validation_ap(split, 0) == scores[0]}")
        unseeded = [validation_ap(split, None) for _ in range(2)]
        print(f"random_state=None twice, the same score: {unseeded[0] == unseeded[1]}")

        # 2. NumPy's global generator: seeded, but shared with every other caller.
        np.random.seed(0)
        first = validation_ap(split, None)
        np.random.seed(0)
        np.random.permutation(10)  # e.g. a line added to print a random sample of the data
        second = validation_ap(split, None)
        print(
            f"np.random.seed(0), then fit: AP {first:.3f}; "
            f"the same after one more global draw: AP {second:.3f}"
        )
        rng, other = np.random.default_rng(0), np.random.default_rng(0)
        np.random.permutation(10)  # other code drawing from the global generator
        print(f"a Generator ignores global draws: {rng.random() == other.random()}")

        # 3. Three generators, seeded separately.
        random.seed(0)
        np.random.seed(1)
        before = np.random.random()
        random.seed(0)
        print(f"random.seed(0) reseeds NumPy: {np.random.random() == before}")

    code = "print(list({'web', 'app', 'pos'}))"
    orders = {seed: run_python(code, seed) for seed in ("0", "1", "2")}
    print("a set of three strings, in three interpreters:")
    for seed, order in orders.items():
        print(f"  PYTHONHASHSEED={seed}  {order}")
    late = "import os; os.environ['PYTHONHASHSEED'] = '0'; print(hash('fraud'))"
    too_late = {run_python(late, None) for _ in range(2)}
    print(f"set from inside the script, two runs agree: {len(too_late) == 1}")

    # 4. The order of a sum, and threads.
    numbers = np.random.default_rng(0).normal(size=1_000_000)
    print("a million floats summed in three orders:")
    print(
        f"  {numbers.sum():.13f} | reversed {numbers[::-1].sum():.13f}"
        f" | one by one {sum(numbers.tolist()):.13f}"
    )
    predictions = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            fitted = model(0).fit(split.X_train, split.y_train)
            predictions.append(fitted.predict_proba(split.X_valid)[:, 1])
    print(f"this model on 1 and 2 threads, same predictions: {np.array_equal(*predictions)}")
    a = np.random.default_rng(1).normal(size=(300, 2000))
    products = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            products.append(a @ a.T)
    gap = np.abs(products[0] - products[1]).max()
    print(f"a BLAS matrix product on 1 and 2 threads: largest difference {gap:.1e}")


if __name__ == "__main__":
    main()
