"""Worked example: active learning on the dispute notes, uncertainty against random sampling.

The task is the five-way reason of a note; the "analyst" who labels a note on request is the
world's truth. A TF-IDF vocabulary is fitted once on the pool's texts (no labels needed); each
round a fresh logistic regression is trained on the notes labelled so far and scored on held-out
notes. Then 10 more notes are labelled: those where the model's two most probable reasons are
closest (margin sampling, a neighbour of exercise 05's least-confidence sampling), or 10 at
random. Five seeds each; every seed draws its own initial 20 notes, the same for both strategies.

Run: python docs/examples/13_data_centric/active_learning_curves.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import coursedata

SEEDS = (0, 1, 2, 3, 4)
START, STEP, BUDGET = 20, 10, 160


def smallest_margins(proba: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k rows whose two most probable classes are closest."""
    top_two = np.sort(proba, axis=1)[:, -2:]
    return np.argsort(top_two[:, 1] - top_two[:, 0], kind="stable")[:k]


def curve(X_pool, y_pool, X_test, y_test, strategy: str, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    chosen = list(rng.choice(len(y_pool), size=START, replace=False))
    scores = []
    while True:
        clf = LogisticRegression(C=10, max_iter=1_000).fit(X_pool[chosen], y_pool[chosen])
        scores.append(float((clf.predict(X_test) == y_test).mean()))
        if len(chosen) >= BUDGET:
            return scores
        free = np.setdiff1d(np.arange(len(y_pool)), chosen)
        if strategy == "margin":
            picks = free[smallest_margins(clf.predict_proba(X_pool[free]), STEP)]
        else:
            picks = rng.choice(free, size=STEP, replace=False)
        chosen.extend(picks.tolist())


def learning_curves() -> pd.DataFrame:
    """Mean and spread of the test accuracy over the seeds, per strategy and labels bought."""
    world = coursedata.sample("medium")
    notes = coursedata.dispute_notes(world, seed=0)
    truth = world.truth.extras["dispute_notes"].set_index("note_id")["reason"].astype(str)
    y = notes["note_id"].map(truth).to_numpy()
    order = np.random.default_rng(0).permutation(len(notes))
    pool, test = order[:1_500], order[1_500:]
    vocabulary = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X_pool = vocabulary.fit_transform(notes["text"].iloc[pool])
    X_test = vocabulary.transform(notes["text"].iloc[test])
    rows = []
    for strategy in ("margin", "random"):
        for seed in SEEDS:
            accuracy = curve(X_pool, y[pool], X_test, y[test], strategy, seed)
            for i, value in enumerate(accuracy):
                rows.append((strategy, seed, START + i * STEP, value))
    frame = pd.DataFrame(rows, columns=["strategy", "seed", "labels", "accuracy"])
    return frame.groupby(["strategy", "labels"])["accuracy"].agg(["mean", "std"]).reset_index()


def main() -> None:
    with threadpool_limits(limits=1):  # many small fits: threads only wait for each other
        summary = learning_curves()
    wide = summary.pivot(index="labels", columns="strategy", values="mean")
    print("mean test accuracy over 5 seeds (622 held-out notes)")
    print("| labels bought | margin sampling | random sampling |")
    print("|---:|---:|---:|")
    for labels in (20, 40, 80, 120, 160):
        print(f"| {labels} | {wide.loc[labels, 'margin']:.3f} | {wide.loc[labels, 'random']:.3f} |")
    final = summary[summary["labels"] == BUDGET].set_index("strategy")
    reached = wide.index[wide["random"] >= wide.loc[BUDGET, "random"]].min()
    margin_reach = wide.index[wide["margin"] >= wide.loc[BUDGET, "random"]].min()
    print(
        f"at {BUDGET} labels: margin {final.loc['margin', 'mean']:.3f} "
        f"(std {final.loc['margin', 'std']:.3f}), random {final.loc['random', 'mean']:.3f} "
        f"(std {final.loc['random', 'std']:.3f}); margin sampling reaches random's {BUDGET}-label "
        f"accuracy with {margin_reach} labels (random: {reached})"
    )


if __name__ == "__main__":
    main()
