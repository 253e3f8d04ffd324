"""Benchmark: lesson 11's fraud model, compressed and distilled, against the unoptimized one.

    python bench/bench_optimization.py [--repeats 200] [--resamples 500]
    python bench/bench_optimization.py --show   # the tables of the committed results

The data and the unoptimized model are the lesson's (docs/examples/11_optimization/
fraud_data.py): the medium world's payments as the lesson-08 service's seven features, a random
forest of 300 trees (leaves of at least 10 payments, one thread) trained on the payments before
1 April 2025 with the labels known on 1 April. Every model runs on one thread. Two
measurements, in one run, printed as Markdown tables and written to
bench/results/optimization.json (docs/reference/benchmarks.md quotes them):

1. Compression (exercise 04). Two choices by the same rule, the exercise's reference
   `smallest_within` with a budget of 1 ROC AUC point (0.01) on the VALIDATION month: April
   2025, with its final labels (the comparison is made once April's chargebacks are in).
   (a) Among the issue's kinds of compression of the forest itself: its first 30 and first 10
   trees (a forest's trees are independent: no retraining), fewer leaves (100 or 30 trees of at
   most 32 leaves, retrained), fewer features (the 5 it found most important, retrained), and
   the ONNX export of each and of the forest (skl2onnx, scored by onnxruntime on one thread).
   The issue's target is judged on this choice.
   (b) Among those plus models of other families trained on the same rows: gradient boosting
   (50 trees of depth 3, and HistGradientBoosting's 50 trees of 8 leaves), a depth-6 tree, a
   logistic regression after a StandardScaler, and the ONNX exports skl2onnx makes of them (not
   HistGradientBoosting). A change of family is a change of model, validated on one month.
   Each chosen model and the forest are then measured on the TEST months (May and June, never
   seen by the choice): size on disk (pickle bytes; an ONNX model's file), the median time of
   one `predict_proba` call on one row over `--repeats` calls after a warm-up, and ROC AUC.
   The issue's target: >= 10x smaller and >= 10x faster per row at <= 1 point of test ROC AUC
   lost.
2. Distillation (exercise 03). The student is a small gradient-boosting regressor (50 trees of
   at most 8 leaves); the teacher the 300-tree forest. "distilled" is the exercise's reference
   `distill`: out-of-fold teacher scores (3 folds) on the labelled rows (before 1 April, labels
   known on 1 April), mixed with the labels by alpha, plus April's payments scored by the
   teacher as unlabelled rows (a model retrained on 1 May has them, without their chargebacks);
   "labels only" is the same student fitted on the labelled rows' labels. Both are scored on the
   test months: ROC AUC and average precision, the difference with a 90 % interval from
   `--resamples` paired bootstrap resamples of the test payments (resampling payments ignores
   that frauds come in episodes: the true uncertainty is somewhat wider). The exercise's
   `compare_students` is run once too, at alpha 0.5, and must agree with these numbers.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import pickle
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples" / "11_optimization"
sys.path[:0] = [str(ROOT), str(EXAMPLES)]

OUT = ROOT / "bench" / "results" / "optimization.json"
BUDGET = 0.01  # one ROC AUC point
TARGET = {"smaller": 10.0, "faster_per_row": 10.0, "max_auc_loss_points": 1.0}
ALPHAS = (0.0, 0.5)


def solution(name: str):
    """The reference solution of a lesson-11 exercise, imported from solutions/."""
    path = ROOT / "solutions" / "11_optimization" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def first_trees(forest, k: int):
    """The first k trees of a fitted forest, as a forest of its own (the trees are shared)."""
    small = copy.copy(forest)
    small.estimators_ = forest.estimators_[:k]
    small.n_estimators = k
    return small


def median_ms(model, X, repeats: int) -> float:
    model.predict_proba(X)  # warm-up, untimed
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_proba(X)
        times.append(time.perf_counter() - start)
    return 1000.0 * statistics.median(times)


def size_bytes(model) -> int:
    onnx = getattr(model, "onnx_bytes", None)
    return len(onnx) if onnx is not None else len(pickle.dumps(model))


def data():
    """(split, X_april, y_april, X_all, y_all, times): the lesson's split, April as validation,
    and the whole table for compare_students (y: known on 1 April before it, NaN in April,
    final from 1 May)."""
    import numpy as np
    from fraud_data import TEST_START, TRAIN_END, split

    import coursedata
    from coursekit.serving_model import to_features

    world = coursedata.sample("medium")
    tx = world.transactions
    X = to_features(tx.to_dict("records")).to_numpy(dtype=np.float32)
    known = coursedata.labels_as_of(world, TRAIN_END).reindex(tx.index, fill_value=False)
    final = tx["is_fraud"].to_numpy().astype(np.float64)
    times = tx["timestamp"]
    april = ((times >= TRAIN_END) & (times < TEST_START)).to_numpy()
    train = (times < TRAIN_END).to_numpy()
    y_all = np.where(train, known.to_numpy().astype(np.float64), final)
    y_all[april] = np.nan
    return split(), X[april], final[april].astype(np.int64), X, y_all, times


def compressed_forests(forest, d) -> dict:
    """The issue's kinds of compression of the forest itself: fewer trees (its first 30 or 10,
    no retraining), fewer leaves (retrained with at most 32 leaves a tree), fewer features
    (retrained on the five it found most important)."""
    import numpy as np
    from fraud_data import big_forest
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline

    top5 = np.sort(np.argsort(-forest.feature_importances_)[:5]).tolist()
    keep = ColumnTransformer([("top5", "passthrough", top5)])
    return {
        "forest, first 30 trees": first_trees(forest, 30),
        "forest, first 10 trees": first_trees(forest, 10),
        "forest, 100 trees x 32 leaves": big_forest(100, max_leaf_nodes=32).fit(
            d.X_train, d.y_train
        ),
        "forest, 30 trees x 32 leaves": big_forest(30, max_leaf_nodes=32).fit(d.X_train, d.y_train),
        "forest, 5 most important features": make_pipeline(keep, big_forest()).fit(
            d.X_train, d.y_train
        ),
    }


def other_families(d) -> dict:
    """Models of other families, trained on the same rows: a change of model, not a compression."""
    from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    return {
        "hist boosting, 50 trees x 8 leaves": HistGradientBoostingClassifier(
            max_iter=50, max_leaf_nodes=8, early_stopping=False, random_state=0
        ).fit(d.X_train, d.y_train),
        "boosting, 50 trees of depth 3": GradientBoostingClassifier(
            n_estimators=50, max_depth=3, random_state=0
        ).fit(d.X_train, d.y_train),
        "tree, depth 6": DecisionTreeClassifier(
            max_depth=6, min_samples_leaf=10, random_state=0
        ).fit(d.X_train, d.y_train),
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression()).fit(
            d.X_train, d.y_train
        ),
    }


def with_onnx(ex04, models: dict, X_sample, refused: dict) -> dict:
    """The models and the ONNX export of each that skl2onnx converts."""
    out = dict(models)
    for name, model in models.items():
        try:
            out[f"ONNX: {name}"] = ex04.OnnxModel.from_sklearn(model, X_sample)
        except ValueError as exc:
            refused[name] = str(exc)[:120]
    return out


def on_test(args, d, forest, name: str, chosen) -> dict:
    """The chosen model against the forest on the test months, and the ratios."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    one = d.X_test[:1]
    measured = {}
    for label, model in (("forest, 300 trees", forest), (name, chosen)):
        measured[label] = {
            "size_bytes": size_bytes(model),
            "p50_ms_row": median_ms(model, one, args.repeats),
            "p50_ms_1000_rows": median_ms(model, d.X_test[:1000], max(5, args.repeats // 10)),
            "test_auc": float(
                roc_auc_score(d.y_test, np.asarray(model.predict_proba(d.X_test))[:, 1])
            ),
        }
    base, small = measured["forest, 300 trees"], measured[name]
    ratios = {
        "smaller": base["size_bytes"] / small["size_bytes"],
        "faster_per_row": base["p50_ms_row"] / small["p50_ms_row"],
        "faster_1000_rows": base["p50_ms_1000_rows"] / small["p50_ms_1000_rows"],
        "auc_change_points": 100 * (small["test_auc"] - base["test_auc"]),
    }
    met = (
        ratios["smaller"] >= TARGET["smaller"]
        and ratios["faster_per_row"] >= TARGET["faster_per_row"]
        and -ratios["auc_change_points"] <= TARGET["max_auc_loss_points"]
    )
    return {
        "chosen": name,
        "measured_on_test": {
            k: {f: round(v, 4) for f, v in m.items()} for k, m in measured.items()
        },
        "ratios": {k: round(v, 2) for k, v in ratios.items()},
        "target_met": bool(met),
    }


def compression(args, ex04, d, X_val, y_val) -> dict:
    """Two choices by the same rule: among compressions of the forest (the issue's candidates),
    and among those plus models of other families. Both chosen models measured on test."""
    import numpy as np
    from fraud_data import big_forest
    from sklearn.metrics import roc_auc_score

    forest = big_forest().fit(d.X_train, d.y_train)
    refused: dict[str, str] = {}
    compressed = with_onnx(
        ex04, {"forest, 300 trees": forest, **compressed_forests(forest, d)}, d.X_train, refused
    )
    compressed.pop("forest, 300 trees")  # the reference itself is always in the report
    families = with_onnx(ex04, other_families(d), d.X_train, refused)
    everything = {**compressed, **families}

    choices = {}
    reports = {}
    for key, candidates in (("compressions", compressed), ("any_family", everything)):
        chosen, report = ex04.smallest_within(
            candidates, X_val, y_val, BUDGET, forest, repeats=args.validation_repeats
        )
        name = next((n for n, m in candidates.items() if m is chosen), "reference")
        choices[key] = on_test(args, d, forest, name, chosen if name != "reference" else forest)
        reports[key] = report
    report = reports["any_family"].copy()
    models = {**everything, "reference": forest}
    report["test_auc"] = [
        float(roc_auc_score(d.y_test, np.asarray(models[n].predict_proba(d.X_test))[:, 1]))
        for n in report["name"]
    ]
    report["family"] = [
        "the forest" if n == "reference" or n in compressed else "other" for n in report["name"]
    ]
    report["name"] = report["name"].replace({"reference": "forest, 300 trees (reference)"})
    return {
        "budget_auc": BUDGET,
        "validation_rows": int(len(y_val)),
        "validation_frauds": int(y_val.sum()),
        "test_rows": int(len(d.y_test)),
        "test_frauds": int(d.y_test.sum()),
        "onnx_refused": refused,
        "report": report.round(
            {"auc": 4, "auc_drop": 4, "p50_ms_row": 4, "p50_ms_batch": 3, "test_auc": 4}
        ).to_dict("records"),
        "candidates": {"compressions": len(compressed), "any_family": len(everything)},
        **choices["compressions"],
        "any_family": choices["any_family"],
    }


def distillation(args, ex03, d, X_all, y_all, times) -> dict:
    import numpy as np
    from fraud_data import TEST_START, TRAIN_END, big_forest
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.metrics import average_precision_score, roc_auc_score

    student = HistGradientBoostingRegressor(
        max_iter=50, max_leaf_nodes=8, early_stopping=False, random_state=0
    )
    teacher = big_forest()
    t = times.to_numpy()
    labelled = t < TRAIN_END
    unlabelled = (t >= TRAIN_END) & (t < TEST_START)
    test = t >= TEST_START
    y_test = y_all[test].astype(np.int64)
    X_test = X_all[test]

    labels_only = clone(student).fit(X_all[labelled], y_all[labelled])
    scores = {"labels only": labels_only.predict(X_test)}
    none = X_all[:0]
    for alpha in ALPHAS:
        for extra, rows_u in ((", April unlabelled", X_all[unlabelled]), (", no unlabelled", none)):
            model = ex03.distill(
                teacher, student, rows_u, X_all[labelled], y_all[labelled], alpha, cv=3
            )
            scores[f"distilled, alpha {alpha}{extra}"] = model.predict(X_test)
    teacher_scores = big_forest().fit(X_all[labelled], y_all[labelled]).predict_proba(X_test)[:, 1]
    scores["teacher (forest, 300 trees)"] = teacher_scores

    rng = np.random.default_rng(0)
    draws = [rng.integers(0, len(y_test), len(y_test)) for _ in range(args.resamples)]
    draws = [i for i in draws if 0 < y_test[i].sum() < len(i)]
    rows = []
    base = scores["labels only"]
    for name, s in scores.items():
        row = {
            "model": name,
            "roc_auc": float(roc_auc_score(y_test, s)),
            "average_precision": float(average_precision_score(y_test, s)),
        }
        if name.startswith("distilled"):
            for metric, fn in (
                ("roc_auc", roc_auc_score),
                ("average_precision", average_precision_score),
            ):
                diffs = [fn(y_test[i], s[i]) - fn(y_test[i], base[i]) for i in draws]
                row[f"{metric}_difference"] = row[metric] - fn(y_test, base)
                row[f"{metric}_difference_90"] = [
                    float(np.quantile(diffs, 0.05)),
                    float(np.quantile(diffs, 0.95)),
                ]
        rows.append(row)
    check = ex03.compare_students(
        teacher, student, X_all, y_all, times, TRAIN_END, TEST_START, alpha=0.5, cv=3
    )
    mine = next(r for r in rows if r["model"] == "distilled, alpha 0.5, April unlabelled")
    agree = abs(check.loc["roc_auc", "distilled"] - mine["roc_auc"]) < 1e-9
    return {
        "labelled_rows": int(labelled.sum()),
        "labelled_frauds": int(np.nansum(y_all[labelled])),
        "unlabelled_rows": int(unlabelled.sum()),
        "test_rows": int(test.sum()),
        "test_frauds": int(y_test.sum()),
        "resamples": len(draws),
        "rows": [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in rows
        ],
        "compare_students_alpha_0.5": {
            c: {i: round(float(check.loc[i, c]), 4) for i in check.index} for c in check.columns
        },
        "compare_students_agrees": bool(agree),
    }


def show(result: dict) -> None:
    c = result["compression"]
    print(
        f"## Compression: budget {c['budget_auc']} ROC AUC on April ({c['validation_rows']:,} "
        f"payments, {c['validation_frauds']} frauds)\n"
    )
    print(
        "| candidate | on disk | validation ROC AUC | drop | 1 row (p50) | batch (p50) | within "
        "| test ROC AUC (not used) |"
    )
    print("|---|---:|---:|---:|---:|---:|:-:|---:|")
    for r in c["report"]:
        print(
            f"| {r['name']} ({r['family']}) | {r['size_bytes'] / 1e3:,.1f} kB | {r['auc']:.4f} "
            f"| {100 * r['auc_drop']:+.2f} pt | {r['p50_ms_row']:.3f} ms "
            f"| {r['p50_ms_batch']:.1f} ms | {'yes' if r['within_budget'] else 'no'} "
            f"| {r['test_auc']:.4f} |"
        )
    print(f"\nno ONNX export for: {', '.join(c['onnx_refused']) or 'none'}\n")
    for title, choice in (
        (f"Among the {c['candidates']['compressions']} compressions of the forest", c),
        (f"Among all {c['candidates']['any_family']} candidates", c["any_family"]),
    ):
        print(
            f"### {title}: chosen {choice['chosen']}; on the test months "
            f"({c['test_rows']:,} payments, {c['test_frauds']} frauds)\n"
        )
        print("| model | on disk | 1 row (p50) | 1,000 rows (p50) | test ROC AUC |")
        print("|---|---:|---:|---:|---:|")
        for name, m in choice["measured_on_test"].items():
            print(
                f"| {name} | {m['size_bytes'] / 1e3:,.1f} kB | {m['p50_ms_row']:.4f} ms "
                f"| {m['p50_ms_1000_rows']:.3f} ms | {m['test_auc']:.4f} |"
            )
        r = choice["ratios"]
        print(
            f"\n{r['smaller']:,.0f}x smaller, {r['faster_per_row']:,.0f}x faster per row, "
            f"{r['faster_1000_rows']:,.1f}x faster per 1,000 rows, "
            f"{r['auc_change_points']:+.2f} ROC AUC points: target (>= 10x, >= 10x, <= 1 point "
            f"lost) {'met' if choice['target_met'] else 'NOT met'}\n"
        )
    s = result["distillation"]
    print(
        f"## Distillation: {s['labelled_rows']:,} labelled payments ({s['labelled_frauds']} "
        f"frauds known on 1 April), {s['unlabelled_rows']:,} unlabelled (April), test "
        f"{s['test_rows']:,} ({s['test_frauds']} frauds); 90 % intervals from "
        f"{s['resamples']} paired bootstrap resamples\n"
    )
    print("| model | ROC AUC | vs labels only | average precision | vs labels only |")
    print("|---|---:|---:|---:|---:|")
    for row in s["rows"]:

        def diff(metric: str, row: dict = row) -> str:
            if f"{metric}_difference" not in row:
                return ""
            lo, hi = row[f"{metric}_difference_90"]
            return f"{row[f'{metric}_difference']:+.4f} [{lo:+.4f}, {hi:+.4f}]"

        print(
            f"| {row['model']} | {row['roc_auc']:.4f} | {diff('roc_auc')} "
            f"| {row['average_precision']:.4f} | {diff('average_precision')} |"
        )
    print(f"\ncompare_students at alpha 0.5 agrees with the table: {s['compare_students_agrees']}")
    print(
        f"load average {result['load_average_at_start']} at the start, "
        f"{result['load_average_at_end']} at the end; {result['seconds']:.0f} s in all"
    )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed one-row calls per model")
    parser.add_argument("--validation-repeats", type=int, default=20)
    parser.add_argument("--resamples", type=int, default=500)
    parser.add_argument("--show", action="store_true", help=f"print the tables of {OUT.name}")
    args = parser.parse_args(argv)
    if args.show:
        result = json.loads(OUT.read_text(encoding="utf-8"))
        show(result)
        return result

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.filterwarnings("ignore")
    import numpy as np
    import onnxruntime
    import skl2onnx
    import sklearn
    from threadpoolctl import threadpool_limits

    load_start = os.getloadavg()[0]
    started = time.perf_counter()
    ex03, ex04 = solution("ex03_distill"), solution("ex04_compress")
    with threadpool_limits(limits=1):
        d, X_val, y_val, X_all, y_all, times = data()
        result = {
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "skl2onnx": skl2onnx.__version__,
            "onnxruntime": onnxruntime.__version__,
            "cpus": os.cpu_count(),
            "repeats": args.repeats,
            "compression": compression(args, ex04, d, X_val, y_val),
            "distillation": distillation(args, ex03, d, X_all, y_all, times),
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average_at_start"] = round(load_start, 2)
    result["load_average_at_end"] = round(os.getloadavg()[0], 2)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    show(result)
    return result


if __name__ == "__main__":
    main()
