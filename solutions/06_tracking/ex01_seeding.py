"""Exercise 01 · Seed everything.

Docs: docs/lessons/06-tracking.md#ex01-seeding (the site: `mkdocs serve`, then Lesson 06)

A run you can repeat starts from known random numbers. A training script draws them from several
places: Python's `random` module (a `random.sample` of rows), NumPy's global generator
(`np.random.permutation`, and every scikit-learn estimator left with `random_state=None`), and
the NumPy `Generator` that new code is handed. Seed only one of them and the second run of the
"same" script differs from the first, with nothing in the code to say why. Write
`seed_everything(seed)`, which seeds them all from one number and returns a generator for new code.

Contract:
- `seed` is an int from 0 to 2**32 - 1 inclusive (NumPy's global generator accepts no more); a
  NumPy integer (`np.int64(7)`) is fine and means the same as the plain int.
- It calls `random.seed(seed)` and `np.random.seed(seed)` with the seed as a plain int, so that
  `random.random()` and `np.random.random()` then give exactly what they give after those two
  calls, however much was drawn from them before.
- It sets `os.environ["PYTHONHASHSEED"] = str(seed)`. The running interpreter salts its string
  hashes once, at start-up, so this cannot change them; it reaches the interpreters started
  afterwards (a `subprocess`, a joblib worker, `multiprocessing` with the `spawn` start method;
  a *forked* worker keeps its parent's salt), whose set orders of strings then repeat from run
  to run.
- It returns `np.random.default_rng(seed)`: a new `numpy.random.Generator` on each call, whose
  draws are exactly those of `np.random.default_rng(seed)` (the checks compare them). Never a
  generator kept from an earlier call, never one seeded from anything but `seed`.
- A seed that is not an int (None, a float such as 3.0, a string, a bool: True is not a seed)
  raises `TypeError`; an int below 0 or above 2**32 - 1 raises `ValueError`. A rejected seed
  changes nothing: check it before seeding anything.
"""

import os
import random

import numpy as np


def seed_everything(seed: int) -> np.random.Generator:
    # BEGIN SOLUTION: check the seed; seed Python's and NumPy's global generators and PYTHONHASHSEED; return a new Generator from the seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed must be between 0 and 2**32 - 1, got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    return np.random.default_rng(seed)
    # END SOLUTION
