"""Worked example: a pickle runs code when it is loaded; a skops file lists what it needs first.

1. `pickle` rebuilds an object by calling whatever the file names. A class whose `__reduce__`
   returns `(print, ("this ran on load",))` is saved as "call print with this text": loading the
   bytes runs the call, and it could as well have been any other function. (Harmless here: it
   prints.)
2. skops saves the fraud model of this lesson in its own format and, before loading, reports
   the types it would have to build that are not on its list of safe ones. Loading refuses until
   you name them as trusted; the example keeps a reviewed list in the code and loads with it.
   The hostile object is refused the same way, and its code does not run.

Lesson 07 treats model files as untrusted input in depth.

Run: python docs/examples/06_tracking/pickle_vs_skops.py (about two seconds)
"""

from __future__ import annotations

import io
import pickle
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import skops.io
from skops.io.exceptions import UntrustedTypesFoundException
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seeds import model, time_split  # noqa: E402

# Reviewed once, by reading what each is, for files this project writes itself. A file that
# needs any other type is refused. (Never pass get_untrusted_types(...) straight to trusted=.)
REVIEWED = [
    "functools.partial",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
]


class RunsOnLoad:
    """An object whose pickle is an instruction: call print("this ran on load")."""

    def __reduce__(self):
        return (print, ("this ran on load",))


def main() -> None:
    payload = pickle.dumps(RunsOnLoad())
    print(f"pickle: {len(payload)} bytes, names builtins.print: {b'print' in payload}")
    print("pickle.loads(payload) ...")
    loaded = pickle.loads(payload)  # prints: the call ran while loading
    print(f"... returned {loaded!r}, not a RunsOnLoad")

    split = time_split()
    with threadpool_limits(limits=1):
        fitted = model(0).fit(split.X_train, split.y_train)
    data = skops.io.dumps(fitted)
    unknown = skops.io.get_untrusted_types(data=data)
    print("skops file of the fraud model, types to review:")
    for name in unknown:
        print(f"  {name}")
    try:
        skops.io.loads(data)
    except UntrustedTypesFoundException:
        print("skops.io.loads(data) without trusted=...: UntrustedTypesFoundException")
    print(f"every type on the reviewed list: {set(unknown) <= set(REVIEWED)}")
    again = skops.io.loads(data, trusted=REVIEWED)
    same = np.array_equal(again.predict_proba(split.X_valid), fitted.predict_proba(split.X_valid))
    print(f"loaded with those types trusted, same predictions: {same}")

    hostile = skops.io.dumps(RunsOnLoad())
    print(
        f"skops file of RunsOnLoad, types to review: {skops.io.get_untrusted_types(data=hostile)}"
    )
    captured, refused = io.StringIO(), False
    with redirect_stdout(captured):
        try:
            skops.io.loads(hostile)
        except UntrustedTypesFoundException:
            refused = True
    print(f"skops.io.loads refused it: {refused}; printed while loading: {captured.getvalue()!r}")


if __name__ == "__main__":
    main()
