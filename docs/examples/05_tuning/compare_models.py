"""Worked example: is one model better than another? Paired fold scores, and a t-test too confident.

Part 1 asks whether the fraud model needs its `amount_to_median` column (the payment's amount
over the user's median so far). Both models are scored on the same folds: 5-fold CV grouped by
user, repeated with three seeds, 15 paired scores. scipy's paired t-test (`ttest_rel`) treats
the 15 differences as independent; they are not, because any two training sets share most of
their rows (three quarters of them within a repeat, and more across repeats). Nadeau and Bengio's
correction widens the variance of the mean difference from `var / k` to
`var * (1 / k + n_test / n_train)`; the example prints the factor and what it does to `t`.

Part 2 measures the naive test's false alarms on simulated data where two models are equally good
by construction: a least-squares linear scorer on columns 0 to 4, another on columns 5 to 9, the
label driven by all ten alike. Any "significant" difference is a false positive.

Run: python docs/examples/05_tuning/compare_models.py (about three seconds)
"""

from __future__ import annotations

import numpy as np
from fraud_model import COLUMNS, booster, load
from scipy import stats
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedGroupKFold
from threadpoolctl import threadpool_limits

WITHOUT = [column for column in COLUMNS if column != "amount_to_median"]
REPEATS, FOLDS = 3, 5


def paired_fold_scores() -> tuple[np.ndarray, np.ndarray, float]:
    """AP of the model with and without amount_to_median on the same 15 folds, and the mean
    ratio of test to training rows."""
    data = load("small")
    X, y = data.X, data.y
    with_column, without, ratio = [], [], []
    with threadpool_limits(limits=1):
        for seed in range(REPEATS):
            splitter = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
            for train, test in splitter.split(X, y, data.user):
                for columns, scores in ((COLUMNS, with_column), (WITHOUT, without)):
                    model = booster().fit(X.iloc[train][columns], y.iloc[train])
                    p = model.predict_proba(X.iloc[test][columns])[:, 1]
                    scores.append(average_precision_score(y.iloc[test], p))
                ratio.append(len(test) / len(train))
    return np.array(with_column), np.array(without), float(np.mean(ratio))


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by ranks (Mann-Whitney), enough for continuous scores without ties."""
    ranks = stats.rankdata(scores)
    n_pos = labels.sum()
    n_neg = len(labels) - n_pos
    return float((ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def false_alarms(n_datasets: int = 300, n_rows: int = 200, seed: int = 0) -> tuple[float, float]:
    """Share of simulated datasets where the two equally good scorers differ at p < 0.05:
    (naive paired t-test, with the variance corrected), 5-fold CV repeated 3 times."""
    rng = np.random.default_rng(seed)
    naive = corrected = 0
    for _ in range(n_datasets):
        X = rng.normal(size=(n_rows, 10))
        y = (X.sum(axis=1) / np.sqrt(10) + rng.normal(size=n_rows) > 0).astype(int)
        diffs, ratio = [], 0.0
        for _ in range(REPEATS):
            fold_of = rng.permutation(np.arange(n_rows) % FOLDS)
            for fold in range(FOLDS):
                train, test = fold_of != fold, fold_of == fold
                aucs = []
                for cols in (slice(0, 5), slice(5, 10)):
                    w = np.linalg.lstsq(X[train][:, cols], y[train] - 0.5, rcond=None)[0]
                    aucs.append(auc(y[test], X[test][:, cols] @ w))
                diffs.append(aucs[0] - aucs[1])
                ratio = test.sum() / train.sum()
        k = len(diffs)
        t_naive = stats.ttest_1samp(diffs, 0.0).statistic
        shrink = np.sqrt(1 + k * ratio)  # the corrected variance over the naive one, square-rooted
        naive += stats.ttest_1samp(diffs, 0.0).pvalue < 0.05
        corrected += 2 * stats.t.sf(np.abs(t_naive) / shrink, k - 1) < 0.05
    return naive / n_datasets, corrected / n_datasets


def main() -> None:
    a, b, ratio = paired_fold_scores()
    diff = a - b
    k = len(diff)
    print(f"AP with amount_to_median:    mean {a.mean():.3f} over {k} folds")
    print(f"AP without amount_to_median: mean {b.mean():.3f}")
    print(
        f"difference: mean {diff.mean():+.3f}, SD {diff.std(ddof=1):.3f}, "
        f"positive in {(diff > 0).sum()} of {k} folds"
    )
    naive = stats.ttest_rel(a, b)
    print(f"naive paired t-test: t = {naive.statistic:.2f}, p = {naive.pvalue:.4f}")
    for repeats in (1, 2, 3):
        first = slice(0, repeats * FOLDS)
        p = stats.ttest_rel(a[first], b[first]).pvalue
        plural = "s" if repeats > 1 else ""
        print(f"  on the first {repeats * FOLDS:>2} folds ({repeats} repeat{plural}): p = {p:.4f}")
    factor = 1 + k * ratio
    print(
        f"n_test / n_train = {ratio:.3f}: the variance term 1/k = {1 / k:.3f} becomes "
        f"1/k + n_test/n_train = {1 / k + ratio:.3f}, {factor:.2f} times larger"
    )
    print(
        f"t divided by sqrt({factor:.2f}) = {np.sqrt(factor):.2f}: "
        f"{naive.statistic / np.sqrt(factor):.2f}, where p = 0.05 needs "
        f"{stats.t.ppf(0.975, k - 1):.2f} ({k - 1} degrees of freedom)"
    )
    for folds in (2, 5, 10):
        r = 1 / (folds - 1)
        print(
            f"  {folds:>2}-fold CV x 3 repeats: n_test/n_train = {r:.3f}, "
            f"variance x {1 + 3 * folds * r:.2f}"
        )
    naive_rate, corrected_rate = false_alarms()
    print(
        f"two equally good models, 300 simulated datasets: 'significant' at 5% in "
        f"{naive_rate:.1%} (naive), {corrected_rate:.1%} (corrected)"
    )


if __name__ == "__main__":
    main()
