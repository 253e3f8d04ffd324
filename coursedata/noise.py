"""`noisy_labels`: an opt-in, noisier copy of the fraud label, flipped at known rows (lesson 13).

The world's own label noise (friendly and missed fraud, 6 % of the fraud count each) is enough
for confident learning to find, but too little for a model retrained on cleaned labels to
show a clear gain. `noisy_labels` flips more, asymmetrically, the way labels really go wrong
in fraud: many frauds are never reported (True -> False), fewer honest payments are disputed
(False -> True). The world's frames are never changed; the flips are recorded in the truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coursedata.world import World

TAG = 13_005


@dataclass(frozen=True)
class NoisyLabels:
    """What `noisy_labels(world, rate, seed)` flipped (sorted int64 transaction ids)."""

    seed: int
    rate: float  # share of the is_fraud rows flipped to False
    to_false_ids: np.ndarray  # is_fraud True, returned False
    to_true_ids: np.ndarray  # is_fraud False, returned True (half as many)
    flipped_ids: np.ndarray  # both, sorted


def noisy_labels(world: World, rate: float = 0.2, seed: int = 0) -> pd.Series:
    """`world.transactions["is_fraud"]` with `round(rate * positives)` of its True rows turned
    False and half as many of its False rows (remote payments: web or app) turned True, each
    chosen uniformly at random within its class. A bool Series named `is_fraud`, indexed like
    `world.transactions`. Records the flips in `world.truth.extras["noisy_labels"]` (a
    `NoisyLabels`), replacing an earlier call's. The flips come on top of the world's own
    label noise (`truth.label_noise_ids`), which they never touch. `rate` must be in [0, 0.5];
    otherwise raises `ValueError`."""
    if not 0.0 <= rate <= 0.5:
        raise ValueError(f"rate must be in [0, 0.5], got {rate}")
    tx = world.transactions
    rng = np.random.default_rng([seed, TAG])
    ids = tx["transaction_id"].to_numpy()
    y = tx["is_fraud"].to_numpy().copy()
    untouched = ~np.isin(ids, world.truth.label_noise_ids)
    positives = np.flatnonzero(y & untouched)
    negatives = np.flatnonzero(~y & untouched & (tx["channel"].to_numpy() != "pos"))
    n_false = round(rate * y.sum())
    n_true = round(n_false / 2)
    to_false = rng.choice(positives, size=min(n_false, positives.size), replace=False)
    to_true = rng.choice(negatives, size=n_true, replace=False)
    y[to_false] = False
    y[to_true] = True
    world.truth.extras["noisy_labels"] = NoisyLabels(
        seed=seed,
        rate=rate,
        to_false_ids=np.sort(ids[to_false]).astype(np.int64),
        to_true_ids=np.sort(ids[to_true]).astype(np.int64),
        flipped_ids=np.sort(ids[np.r_[to_false, to_true]]).astype(np.int64),
    )
    return pd.Series(y, index=tx.index, name="is_fraud")
