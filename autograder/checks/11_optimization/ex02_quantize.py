"""Checks for 11_optimization/ex02_quantize (see solutions/11_optimization/ex02_quantize.py for the reference)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier

from autograder.assertions import assert_close, expect_raises, fail

# ex02 · quantize, dequantize, QuantizedLinearModel
#
# Hand-computed cases use ranges whose scale is exactly 1.0 (hi - lo = 255 for 8 bits), so that
# every w / scale is exact and the rounding rule (half to even) shows on ties like 2.5 and 3.5.
# The model checks build the QuantizedLinearModel in the learner's process (`observe`) and
# bring back plain facts: its stored weights, its scores on held-out rows, its size.


def _unpack(result: Any, where: str, strict: bool = False) -> tuple[np.ndarray, float, int]:
    """(q, scale, zero_point) from quantize's result, after checking their types (`strict`: the
    zero point a Python int, as the contract says; otherwise any integer, so that the other
    checks judge the values)."""
    if not isinstance(result, tuple) or len(result) != 3:
        fail(f"quantize should return a tuple (q, scale, zero_point), got {type(result).__name__}")
    q, scale, zero_point = result
    if not isinstance(q, np.ndarray) or q.dtype != np.int8:
        got = q.dtype if isinstance(q, np.ndarray) else type(q).__name__
        fail(f"q should be a numpy array of dtype int8 (1 byte per weight), got {got}, on {where}")
    integer = int if strict else (int, np.integer)
    if isinstance(zero_point, bool) or not isinstance(zero_point, integer):
        fail(
            f"zero_point should be a Python int, got {zero_point!r} ({type(zero_point).__name__}) "
            f"on {where}: an integer zero point is what stores 0.0 exactly, and a Python int "
            "(int(...)) is what json and every caller take as a plain number"
        )
    if isinstance(scale, bool) or not isinstance(scale, (float, np.floating)):
        fail(f"scale should be a float, got {type(scale).__name__} on {where}")
    return np.array(q, copy=True).view(np.ndarray), float(scale), int(zero_point)


def _quantize(
    submission, w: Any, bits: Any, where: str, strict: bool = False
) -> tuple[np.ndarray, float, int]:
    try:
        result = submission.quantize(w) if bits is None else submission.quantize(w, bits)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"quantize raised {type(exc).__name__}: {exc}, on {where}")
    return _unpack(result, where, strict)


def _expect(
    got: tuple[np.ndarray, float, int], q: list, scale: float, zero_point: int, where: str
) -> None:
    got_q, got_scale, got_zp = got
    if not np.isclose(got_scale, scale, rtol=1e-9, atol=0):
        fail(
            f"on {where} the scale should be (hi - lo) / (qmax - qmin) = {scale:.6g}, got "
            f"{got_scale:.6g} (the range [lo, hi] always contains 0; a symmetric scale "
            "max(|w|) / qmax wastes half of the integers on lopsided weights)"
        )
    if got_zp != zero_point:
        fail(
            f"on {where} the zero point should be qmin - round(lo / scale) = {zero_point}, got "
            f"{got_zp}"
        )
    expected = np.asarray(q, dtype=np.int64)
    if got_q.shape != expected.shape or not np.array_equal(got_q.astype(np.int64), expected):
        fail(
            f"on {where} q should be {expected.tolist()}, got {got_q.astype(np.int64).tolist()} "
            "(round(w / scale) half to even, plus the zero point, clipped to [qmin, qmax])"
        )


def _generated(seed: int) -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        ("normal weights (8,)", rng.normal(0, 0.5, size=8)),
        ("lopsided weights uniform(-0.3, 2) (5, 7)", rng.uniform(-0.3, 2.0, size=(5, 7))),
        ("positive weights (lognormal) (40,)", rng.lognormal(0, 1, size=40)),
        ("negative weights (3, 4, 5)", -rng.exponential(2.0, size=(3, 4, 5))),
        (
            "weights with exact zeros (200,)",
            np.where(rng.random(200) < 0.3, 0.0, rng.normal(size=200)),
        ),
    ]


class TestQuantize:
    def test_hand_computed_ties_and_truncation(self, submission):
        # lo = 0, hi = 255: scale 1.0, zero point -128; 2.5 -> 2 and 3.5 -> 4 (half to even),
        # 100.3 -> 100 and 100.7 -> 101 (never toward zero).
        w = [0.0, 255.0, 2.5, 3.5, 100.3, 100.7, 127.0]
        got = _quantize(submission, w, None, f"w={w}", strict=True)
        _expect(got, [-128, 127, -126, -124, -28, -27, -1], 1.0, -128, f"w={w}")

    def test_negative_only(self, submission):
        # lo = -255, hi = 0 (0 is always in the range): scale 1.0, zero point 127.
        w = np.array([-255.0, -100.3, -7.0, -0.5])
        got = _quantize(submission, w, 8, f"w={w.tolist()}")
        _expect(got, [-128, 27, 120, 127], 1.0, 127, f"w={w.tolist()} (negative weights only)")

    def test_lopsided_range_not_symmetric(self, submission):
        # lo = -15, hi = 240: scale 1.0, zero point -113.
        w = np.array([[-15.0, 240.0], [0.0, -14.6]])
        got = _quantize(submission, w, 8, "w=[[-15, 240], [0, -14.6]]")
        _expect(got, [[-128, 127], [-113, -128]], 1.0, -113, "w=[[-15, 240], [0, -14.6]]")

    def test_clipped_at_the_bounds(self, submission):
        # lo = -1.5 (round(-1.5) = -2), hi = 253.5: the zero point is -126 and 253.5 rounds to
        # 254 - 126 = 128, one past 127: without the clip int8 wraps it to -128.
        w = [-1.5, 253.5, 253.4, 0.0]
        got = _quantize(submission, w, 8, f"w={w}")
        _expect(got, [-128, 127, 127, -126], 1.0, -126, f"w={w} (the largest weight rounds to 128)")

    def test_constant_arrays(self, submission):
        cases = [
            ([0.0, 0.0, 0.0], [0, 0, 0], 1.0, 0, "an array of zeros"),
            ([3.0, 3.0, 3.0], [127, 127, 127], 3.0 / 255, -128, "a constant positive array"),
            ([-2.0, -2.0], [-128, -128], 2.0 / 255, 127, "a constant negative array"),
            ([[5.0]], [[127]], 5.0 / 255, -128, "a single weight (shape (1, 1))"),
        ]
        for w, q, scale, zero_point, what in cases:
            where = f"{what}, w={w}"
            got = _quantize(submission, w, 8, where)
            _expect(got, q, scale, zero_point, where)

    def test_fewer_bits(self, submission):
        cases = [
            ([0.0, 15.0, 2.5, 7.2], 4, [-8, 7, -6, -1], 1.0, -8),
            ([-2.0, 0.0, 0.5, 1.0], 2, [-2, 0, 0, 1], 1.0, 0),
            ([-27.0, 100.0, 50.5, 0.0], 7, [-64, 63, 13, -37], 1.0, -37),
        ]
        for w, bits, q, scale, zero_point in cases:
            where = (
                f"w={w}, bits={bits} (integers from {-(2 ** (bits - 1))} to {2 ** (bits - 1) - 1})"
            )
            _expect(_quantize(submission, w, bits, where), q, scale, zero_point, where)
        w = np.linspace(-1, 3, 50)
        got = _quantize(submission, w, np.int64(3), "linspace(-1, 3, 50), bits=numpy.int64(3)")
        if got[0].min() < -4 or got[0].max() > 3:
            fail(f"with bits=3, q must stay in [-4, 3], got [{got[0].min()}, {got[0].max()}]")

    def test_round_trip_within_half_a_step(self, submission, reference):
        for seed in (0, 1):
            for what, w in _generated(seed):
                for bits in (8, 5, 3):
                    where = f"{what}, bits={bits}, seed={seed}"
                    q, scale, zero_point = _quantize(submission, w, bits, where)
                    if q.shape != w.shape:
                        fail(f"q should have w's shape {w.shape}, got {q.shape}, on {where}")
                    qmin, qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
                    if q.min() < qmin or q.max() > qmax:
                        fail(
                            f"q must stay in [{qmin}, {qmax}], got [{q.min()}, {q.max()}] on {where}"
                        )
                    back = (q.astype(np.float64) - zero_point) * scale
                    err = np.abs(back - w)
                    if err.max() > scale / 2 * (1 + 1e-9):
                        k = int(np.argmax(err))
                        fail(
                            f"on {where} the weight {w.ravel()[k]:.6g} comes back as "
                            f"{back.ravel()[k]:.6g}, off by {err.max():.3g} > scale / 2 = "
                            f"{scale / 2:.3g}"
                        )
                    if np.any(back[w == 0.0] != 0.0):
                        fail(f"on {where} a weight of 0.0 should come back as exactly 0.0")
                    expected = reference.quantize(w, bits)
                    _expect((q, scale, zero_point), expected[0], expected[1], expected[2], where)

    def test_wrong_arguments_raise(self, submission):
        cases = [
            ([], 8, "an empty w"),
            ([1.0, float("nan")], 8, "w with NaN"),
            ([1.0, float("inf")], 8, "w with an infinity"),
            ([1.0, 2.0], 1, "bits=1"),
            ([1.0, 2.0], 9, "bits=9 (int8 holds 8)"),
            ([1.0, 2.0], 16, "bits=16"),
            ([1.0, 2.0], True, "bits=True (a bool)"),
            ([1.0, 2.0], 8.0, "bits=8.0 (a float)"),
        ]
        for w, bits, what in cases:
            expect_raises(ValueError, submission.quantize, w, bits, why=what)


class TestDequantize:
    def test_hand_computed(self, submission):
        q = np.array([[-128, 0], [127, 5]], dtype=np.int8)
        try:
            got = submission.dequantize(q, 0.5, 127)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
            fail(f"dequantize raised {type(exc).__name__}: {exc}")
        if not isinstance(got, np.ndarray) or got.dtype != np.float64:
            what = got.dtype if isinstance(got, np.ndarray) else type(got).__name__
            fail(f"dequantize should return a float64 numpy array, got {what}")
        assert_close(
            got,
            np.array([[-127.5, -63.5], [0.0, -61.0]]),
            "dequantize([[-128, 0], [127, 5]] as int8, 0.5, 127)",
            why="(q - zero_point) * scale, computed in float64: -128 - 127 in int8 wraps to 1",
        )
        got = submission.dequantize(np.array([3, -2], dtype=np.int8), 0.25, -3)
        assert_close(got, np.array([1.5, 0.25]), "dequantize([3, -2], 0.25, -3)")

    def test_inverts_quantize(self, submission, reference):
        for what, w in _generated(2):
            q, scale, zero_point = reference.quantize(w, 8)
            got = submission.dequantize(q, scale, zero_point)
            assert_close(got, reference.dequantize(q, scale, zero_point), f"dequantize on {what}")

    def test_bad_scale_raises(self, submission):
        q = np.array([1, 2], dtype=np.int8)
        for scale, what in (
            (0.0, "scale=0"),
            (-0.5, "scale=-0.5"),
            (float("nan"), "scale=NaN"),
            (float("inf"), "scale=inf"),
        ):
            expect_raises(ValueError, submission.dequantize, q, scale, 0, why=what)


# --- QuantizedLinearModel -------------------------------------------------------------------


def _breast_cancer() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Standardized breast-cancer features (30), a seeded split: (X_train, y_train, X_test, y_test)."""
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:350], order[350:]
    scaler = StandardScaler().fit(X[train])
    return scaler.transform(X[train]), y[train], scaler.transform(X[test]), y[test]


def _fraud() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The course's transactions (coursedata small world), the serving model's 7 features,
    standardized; trained on the earlier 70 % by time, tested on the later 30 %."""
    import coursedata
    from coursekit.serving_model import to_features

    tx = coursedata.sample("small").transactions.sort_values("timestamp", kind="stable")
    X = to_features(tx.to_dict("records")).to_numpy(dtype=np.float64)
    y = tx["is_fraud"].to_numpy().astype(int)
    cut = int(0.7 * len(y))
    scaler = StandardScaler().fit(X[:cut])
    return scaler.transform(X[:cut]), y[:cut], scaler.transform(X[cut:]), y[cut:]


def _fit(X: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(max_iter=1000).fit(X, y)


def _array_fact(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True).view(np.ndarray)
    return f"<{type(value).__name__}>"


# run in the learner's process


def _build_facts(module, model, X: np.ndarray, bits: Any = None, mutate: bool = False) -> dict:
    """Build the quantized model, (optionally wreck the float model), and score X with it."""
    built = (
        module.QuantizedLinearModel(model)
        if bits is None
        else module.QuantizedLinearModel(model, bits)
    )
    if mutate:  # the float model changes after the quantized one was built, in place
        model.coef_[:] = 0.0
        model.intercept_[:] = 5.0
        model.classes_[:] = [7, 9]  # the same array: a quantized model sharing it would see this
    facts: dict[str, Any] = {}
    for name in ("q", "scale", "zero_point", "intercept_", "classes_", "nbytes"):
        try:
            value = getattr(built, name)
        except AttributeError:
            facts[name] = "<missing>"
            continue
        facts[name] = _array_fact(value) if name in ("q", "classes_") else value
    for method in ("decision_function", "predict_proba", "predict"):
        facts[method] = _array_fact(getattr(built, method)(X))
    return facts


def _raises(module, model, bits: Any, X: Any) -> tuple[str | None, bool, str]:
    """(exception name, is a ValueError, message) of building with `model` (then scoring X)."""
    try:
        built = module.QuantizedLinearModel(model, bits)
        if X is not None:
            built.predict_proba(X)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the check as data
        return type(exc).__name__, isinstance(exc, ValueError), str(exc)[:300]
    return None, False, ""


# in the grader's process


def _facts(submission, model, X, bits=None, mutate=False, where="") -> dict:
    try:
        return submission.observe(_build_facts, model, X, bits, mutate)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(f"QuantizedLinearModel raised {type(exc).__name__}: {exc}, on {where}")


def _array(facts: dict, name: str, where: str) -> np.ndarray:
    value = facts[name]
    if not isinstance(value, np.ndarray):
        fail(f"{name} should be a numpy array, got {value} on {where}")
    return value


def _expected(model: LogisticRegression, X: np.ndarray, reference, bits: int = 8) -> dict:
    q, scale, zero_point = reference.quantize(model.coef_.ravel(), bits)
    decision = X @ ((q.astype(np.float64) - zero_point) * scale) + model.intercept_[0]
    return {"q": q, "scale": scale, "zero_point": zero_point, "decision": decision}


class TestQuantizedLinearModel:
    def test_stores_the_quantized_coefficients(self, submission, reference):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        where = "a logistic regression on breast_cancer (30 standardized features)"
        facts = _facts(submission, model, X_test, where=where)
        expected = _expected(model, X_test, reference)
        q = _array(facts, "q", where)
        if q.dtype != np.int8 or q.shape != (30,):
            fail(
                f"q should be an int8 array of shape (30,) (one per feature), got {q.dtype} {q.shape}"
            )
        got = (q, facts["scale"], facts["zero_point"])
        if (
            not isinstance(got[1], (float, np.floating))
            or isinstance(got[2], bool)
            or not isinstance(got[2], int)
        ):
            fail(
                f"scale should be a float and zero_point a Python int (as quantize returns them), "
                f"got {got[1]!r} ({type(got[1]).__name__}), {got[2]!r} ({type(got[2]).__name__})"
            )
        _expect(
            (q, float(got[1]), int(got[2])),
            expected["q"],
            expected["scale"],
            expected["zero_point"],
            f"{where}: q, scale, zero_point = quantize(model.coef_.ravel(), 8)",
        )
        intercept = facts["intercept_"]
        if isinstance(intercept, bool) or not isinstance(intercept, (float, np.floating)):
            fail(
                f"intercept_ should be a float (model.intercept_[0]), got {intercept!r} "
                f"({type(intercept).__name__})"
            )
        if not np.isclose(float(intercept), model.intercept_[0], rtol=1e-12, atol=0):
            fail(
                f"intercept_ should be the model's, {model.intercept_[0]!r}, got {facts['intercept_']!r}"
            )

    def test_scores_from_the_dequantized_weights(self, submission, reference):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        where = "breast_cancer held-out rows"
        facts = _facts(submission, model, X_test, where=where)
        expected = _expected(model, X_test, reference)
        assert_close(
            _array(facts, "decision_function", where),
            expected["decision"],
            "decision_function(X)",
            why="X @ dequantize(q, scale, zero_point) + intercept_ (the quantized weights, not the float ones)",
        )
        p = expit(expected["decision"])
        assert_close(
            _array(facts, "predict_proba", where),
            np.column_stack([1 - p, p]),
            "predict_proba(X)",
            why="[1 - p, p] with p = expit(decision_function(X))",
        )
        predicted = _array(facts, "predict", where)
        if not np.array_equal(predicted, model.classes_[(expected["decision"] > 0).astype(int)]):
            fail("predict(X) should be classes_[1] where the decision is > 0, else classes_[0]")

    def test_within_the_documented_tolerance(self, submission):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        for bits in (8, 4):
            where = f"breast_cancer, bits={bits}"
            facts = _facts(submission, model, X_test, bits=bits, where=where)
            got = _array(facts, "predict_proba", where)[:, 1]
            scale = float(facts["scale"])
            bound = scale / 8 * np.abs(X_test).sum(axis=1) + 1e-12
            gap = np.abs(got - model.predict_proba(X_test)[:, 1])
            if np.any(gap > bound):
                k = int(np.argmax(gap - bound))
                fail(
                    f"on {where}, row {k}: the probability is off the float model's by "
                    f"{gap[k]:.4g}, more than scale / 8 * sum(|x|) = {bound[k]:.4g}"
                )

    def test_four_times_smaller(self, submission):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        facts = _facts(submission, model, X_test[:5], where="breast_cancer")
        q = _array(facts, "q", "breast_cancer")
        nbytes = facts["nbytes"]
        if isinstance(nbytes, bool) or not isinstance(nbytes, (int, np.integer)):
            fail(f"nbytes should be an int, got {nbytes!r}")
        if nbytes != q.nbytes + 16:
            fail(
                f"nbytes should be q.nbytes + 16 (8 for the scale, 8 for the zero point) = "
                f"{q.nbytes + 16}, got {nbytes}"
            )
        ratio = model.coef_.nbytes / nbytes
        if ratio < 4:
            fail(
                f"30 float64 weights take {model.coef_.nbytes} bytes; yours {nbytes}: {ratio:.2f}x, not >= 4x"
            )

    def test_auc_loss_on_the_course_data(self, submission):
        for name, data in (
            ("breast_cancer", _breast_cancer),
            ("the course's transactions", _fraud),
        ):
            X_train, y_train, X_test, y_test = data()
            model = _fit(X_train, y_train)
            facts = _facts(submission, model, X_test, where=name)
            auc_float = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
            auc = roc_auc_score(y_test, _array(facts, "predict_proba", name)[:, 1])
            if auc < auc_float - 0.005:
                fail(
                    f"on {name} the float model's ROC AUC is {auc_float:.4f} and the quantized "
                    f"one's {auc:.4f}: a loss of {100 * (auc_float - auc):.2f} points, more than 0.5"
                )

    def test_independent_of_the_float_model(self, submission, reference):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        facts = _facts(submission, model, X_test, mutate=True, where="a float model changed after")
        expected = _expected(model, X_test, reference)
        assert_close(
            _array(facts, "decision_function", "breast_cancer"),
            expected["decision"],
            "decision_function(X) after the float model's coefficients were zeroed",
            why="the quantized model keeps its own weights, intercept and classes; it never reads the float model again",
        )
        classes = _array(facts, "predict", "breast_cancer")
        if not set(np.unique(classes)) <= {0, 1}:
            fail(
                f"predict should use the classes copied at construction, [0, 1], got "
                f"{np.unique(classes)} after the float model's classes_ array was changed in "
                "place to [7, 9]: store a copy (np.array(model.classes_, copy=True)), not the "
                "float model's own array"
            )

    def test_string_classes_and_dataframe(self, submission, reference):
        import pandas as pd

        X_train, y_train, X_test, _ = _breast_cancer()
        labels = np.array(["benign", "malignant"])[1 - y_train]
        model = _fit(X_train, labels)
        frame = pd.DataFrame(X_test[:40], columns=[f"x{k}" for k in range(30)])
        facts = _facts(submission, model, frame, where="string classes, X a DataFrame")
        decision = _expected(model, X_test[:40], reference)["decision"]
        predicted = _array(facts, "predict", "string classes")
        if not np.array_equal(predicted.astype(str), model.classes_[(decision > 0).astype(int)]):
            fail("predict should return the model's classes (here 'benign' / 'malignant')")

    def test_predict_at_a_decision_of_zero(self, submission):
        # Without an intercept, a row of zeros has a decision of exactly 0.0: not > 0.
        X_train, y_train, _, _ = _breast_cancer()
        model = LogisticRegression(max_iter=1000, fit_intercept=False).fit(X_train, y_train)
        zeros = np.zeros((3, 30))
        facts = _facts(submission, model, zeros, where="rows of zeros, a model without intercept")
        predicted = _array(facts, "predict", "rows of zeros")
        if not np.array_equal(predicted, np.zeros(3, dtype=int)):
            fail(
                f"on rows whose decision is exactly 0.0 predict should return classes_[0] = 0, "
                f"got {predicted.tolist()}: classes_[1] only where the decision is > 0 (strictly)"
            )
        proba = _array(facts, "predict_proba", "rows of zeros")
        assert_close(proba, np.full((3, 2), 0.5), "predict_proba at a decision of 0.0")

    def test_wrong_models_raise(self, submission):
        X_train, y_train, X_test, _ = _breast_cancer()
        model = _fit(X_train, y_train)
        three = _fit(X_train, (X_train[:, 0] > 0).astype(int) + (X_train[:, 1] > 0).astype(int))
        cases = [
            (DecisionTreeClassifier(max_depth=2).fit(X_train, y_train), 8, None, "a decision tree"),
            (
                LinearSVC().fit(X_train, y_train),
                8,
                None,
                "a fitted LinearSVC (it has coef_, but only a LogisticRegression is accepted: "
                "check isinstance(model, LogisticRegression), not hasattr(model, 'coef_'))",
            ),
            (LogisticRegression(), 8, None, "a LogisticRegression that is not fitted"),
            (three, 8, None, "a logistic regression with three classes"),
            (model, 9, None, "bits=9"),
            (model, 8, X_test[:, :29], "an X with 29 columns for a model of 30"),
        ]
        for est, bits, X, what in cases:
            name, is_value_error, _ = submission.observe(_raises, est, bits, X)
            if not is_value_error:
                fail(f"{what} should raise ValueError, got {name or 'nothing'}")
