"""Worked example: a model file is a program. What pickle runs on load, and what skops refuses.

1. A pickle does not store an object; it stores instructions to rebuild one, and an instruction
   can be "call this function with these arguments". `__reduce__` writes such a call. The file
   below runs a shell command (a harmless `echo`) inside `pickle.loads`; `joblib.load` reads the
   same instructions. Whoever can write your model file can run code as your scoring job.
2. skops stores a model as data: a zip of JSON and arrays. Before it builds an object it lists
   every type the file asks for that it does not trust by default
   (`skops.io.get_untrusted_types`), and `skops.io.loads` refuses the file until you pass the
   types you have reviewed as `trusted=`. The same trick saved with skops runs nothing.
3. A sidecar next to the file records its SHA-256 (and what the file is: here the feature
   names): one changed bit in the file, and the hashes differ.
4. The price: skops loads slower than pickle. The example times both (the numbers vary from run
   to run; the benchmark's are on the page).

Run: python docs/examples/07_batch/model_files.py
"""

from __future__ import annotations

import hashlib
import pickle
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
import skops.io as sio
from scoring_model import FEATURES, payments_table, trained_model
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from skops.io.exceptions import UntrustedTypesFoundException
from threadpoolctl import threadpool_limits

# Reviewed: gradient boosting keeps its trees in this class. Nothing else is trusted.
REVIEWED = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


class NotAModel:
    """What an attacker saves as "model.pkl"."""

    def __reduce__(self):
        # "To rebuild me, call subprocess.check_output with these arguments."
        return subprocess.check_output, (["echo", "this command ran inside pickle.loads"],)


def clip_amounts(X):
    """A helper of your own inside a model: skops stores its name, and will not trust it."""
    return np.clip(X, -5, 5)


def median_seconds(load, repeat: int = 9) -> float:
    """The median time of `repeat` calls of `load()`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        load()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print("1. pickle")
    evil = pickle.dumps(NotAModel())
    print(f"the file names the function to call: {b'check_output' in evil}")
    print(f"pickle.loads returned {pickle.loads(evil)!r}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.joblib"
        path.write_bytes(evil)
        print(f"joblib.load returned {joblib.load(path)!r}")

    print("2. skops")
    model = trained_model()
    data = sio.dumps(model)
    print(f"untrusted types in the fraud model's file: {sio.get_untrusted_types(data=data)}")
    try:
        sio.loads(data)
    except UntrustedTypesFoundException as error:
        print(f"loads without trusted=: {type(error).__name__}")
    loaded = sio.loads(data, trusted=REVIEWED)
    X = payments_table(1_000)[FEATURES]
    same = np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    print(f"loaded with trusted=REVIEWED: the same scores: {same}")

    small = payments_table(2_000).astype({"channel": "category"})
    X, y = small[["log_amount", "risk_score"]], small["is_fraud"]
    own = make_pipeline(
        FunctionTransformer(clip_amounts), HistGradientBoostingClassifier(max_iter=5)
    )
    own_types = sio.get_untrusted_types(data=sio.dumps(own.fit(X, y)))
    print(f"a model with a function of your own asks for: {own_types}")
    native = HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype")
    native.fit(small[["channel", "risk_score"]], y)
    print(f"native categories ask for: {sio.get_untrusted_types(data=sio.dumps(native))}")
    trick = sio.dumps(NotAModel())
    asked = sio.get_untrusted_types(data=trick)
    rebuilt = sio.loads(trick, trusted=asked)
    print(f"the pickle trick saved with skops asks for {asked}; loaded: {type(rebuilt).__name__}")

    print("3. a sidecar")
    sidecar = {
        "sha256": hashlib.sha256(data).hexdigest(),
        "feature_names": list(model.feature_names_in_),
    }
    damaged = bytearray(data)
    damaged[len(damaged) // 2] ^= 1  # one bit of one byte
    print(f"file and sidecar agree: {hashlib.sha256(data).hexdigest() == sidecar['sha256']}")
    changed = hashlib.sha256(bytes(damaged)).hexdigest() == sidecar["sha256"]
    print(f"after one changed bit they agree: {changed}")

    print("4. load time (this run)")
    pickled = pickle.dumps(model)
    print(f"file size: pickle {len(pickled) / 1e3:.0f} kB, skops {len(data) / 1e3:.0f} kB")
    seconds_pickle = median_seconds(lambda: pickle.loads(pickled))
    seconds_skops = median_seconds(lambda: sio.loads(data, trusted=REVIEWED))
    print(
        f"median load: pickle {seconds_pickle * 1e3:.1f} ms, skops {seconds_skops * 1e3:.1f} ms "
        f"({seconds_skops / seconds_pickle:.0f}x)"
    )


if __name__ == "__main__":
    with threadpool_limits(limits=1):  # OpenMP threads only wait for each other on a busy machine
        main()
