"""Labels: chargebacks arrive weeks late, some never, some for honest payments.

The label a fraud team has is not "was this payment fraud" but "has a chargeback arrived": a
chargeback comes `CHARGEBACK_DELAY["min_days"]` + Gamma(shape, scale) days after the payment
(median about 19 days; fewer than one in ten within a week). Two kinds of label noise sit at
known rows: *friendly fraud*, a chargeback on a genuine payment (the customer disputes their own
purchase: label 1, truth 0), and *missed fraud*, a fraud nobody ever charges back (label 0,
truth 1). `labels_as_of` gives the labels as they were known at a moment in time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_SECOND
from coursedata.frames import NAT_NS, Payments

if TYPE_CHECKING:
    from coursedata.world import World

CHARGEBACK_DELAY: dict[str, float] = {"min_days": 2.0, "gamma_shape": 2.0, "gamma_scale_days": 10.0}
MISSED_FRAUD_SHARE = 0.06  # of the fraudulent payments: never charged back
FRIENDLY_FRAUD_SHARE = 0.06  # as many honest payments as this share of the fraud: charged back


def chargeback_delay_ns(rng: np.random.Generator, size: int) -> np.ndarray:
    """Delays from payment to chargeback, int64 ns in whole seconds."""
    days = CHARGEBACK_DELAY["min_days"] + rng.gamma(
        CHARGEBACK_DELAY["gamma_shape"], CHARGEBACK_DELAY["gamma_scale_days"], size
    )
    return (days * 86400).astype(np.int64) * NS_PER_SECOND


def plant_label_noise(
    rng: np.random.Generator, legit: Payments, fraud: Payments
) -> tuple[np.ndarray, np.ndarray]:
    """Give `round(FRIENDLY_FRAUD_SHARE * len(fraud))` legitimate remote payments (web or app:
    friendly fraud disputes a purchase made at a distance) a chargeback, and take it away from
    `round(MISSED_FRAUD_SHARE * len(fraud))` fraudulent ones, in place. Returns (friendly rows
    of `legit`, missed rows of `fraud`), each sorted."""
    n_missed = min(round(MISSED_FRAUD_SHARE * len(fraud)), len(fraud))
    missed = np.sort(rng.choice(len(fraud), size=n_missed, replace=False))
    fraud.chargeback_ns[missed] = NAT_NS

    remote = np.flatnonzero(legit.channel != vocab.CHANNELS.index("pos"))
    n_friendly = min(round(FRIENDLY_FRAUD_SHARE * len(fraud)), remote.size)
    friendly = np.sort(rng.choice(remote, size=n_friendly, replace=False))
    legit.chargeback_ns[friendly] = legit.ts_ns[friendly] + chargeback_delay_ns(rng, n_friendly)
    return friendly, missed


def labels_as_of(world: World | pd.DataFrame, t: str | pd.Timestamp) -> pd.Series:
    """The labels as they were known at time `t` (a naive `t` is read as UTC).

    One entry per payment made at or before `t` (`timestamp <= t`), indexed and ordered like
    those rows of `world.transactions` (or of the frame passed instead of a world, which needs
    `timestamp` and `chargeback_at`): True when its chargeback had arrived by then
    (`chargeback_at <= t`), False otherwise. False means "no chargeback yet": honest, or a fraud
    whose chargeback is still to come. That is the honest training label at `t`. The Series is
    bool, named `is_fraud`; payments after `t` are left out, since nobody had seen them.
    """
    transactions = world if isinstance(world, pd.DataFrame) else world.transactions
    t = pd.Timestamp(t)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    seen = transactions["timestamp"] <= t
    known = (transactions["chargeback_at"] <= t).fillna(False)  # NaT compares False anyway
    return known[seen].astype(bool).rename("is_fraud")
