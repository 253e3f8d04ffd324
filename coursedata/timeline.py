"""The world's calendar: which days are busy, and when each planted change happens.

A `Timeline` holds the window and the dates of the step drift, the gradual drift, the prevalence
shift and the one-day data incident, all as int64 nanoseconds, plus the relative volume of every
day of the window (the weekly rhythm). The generators read the dates from here, and the world
records them in its `Truth`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_DAY

# Legitimate payments abroad: this share before the gradual drift, rising linearly to the next.
ABROAD_SHARE_BEFORE = 0.06
ABROAD_SHARE_AFTER = 0.18
PREVALENCE_FACTOR = 2.0  # fraud episodes per payment, after the shift / before
INCIDENT_FACTOR = 100.0  # amounts sent in cents: 100 times too large
INCIDENT_COLUMN, INCIDENT_VALUE = "merchant_country", "IT"  # the faulty upstream source


@dataclass(frozen=True)
class Timeline:
    start_ns: int
    end_ns: int  # exclusive
    drift_ns: int  # step drift: amounts x DRIFT_AMOUNT_FACTOR, channel mix moves to the app
    gradual_start_ns: int  # the abroad share starts to rise ...
    gradual_end_ns: int  # ... and stops here
    prevalence_ns: int  # fraud x PREVALENCE_FACTOR from here on
    incident_ns: int  # midnight of the incident day

    @classmethod
    def make(cls, start_ns: int, days: int, drift_ns: int) -> Timeline:
        """The default dates for a window of `days` days from `start_ns` (midnight UTC): the
        gradual drift runs from 1/6 to 1/2 of the window, the incident falls on day 3/4 and the
        prevalence shift at 5/6 (each at midnight); `drift_ns` is the caller's step drift."""

        def day(fraction_num: int, fraction_den: int) -> int:
            return start_ns + days * fraction_num // fraction_den * NS_PER_DAY

        return cls(
            start_ns=start_ns,
            end_ns=start_ns + days * NS_PER_DAY,
            drift_ns=drift_ns,
            gradual_start_ns=day(1, 6),
            gradual_end_ns=day(1, 2),
            prevalence_ns=day(5, 6),
            incident_ns=day(3, 4),
        )

    @property
    def n_days(self) -> int:
        return (self.end_ns - self.start_ns) // NS_PER_DAY

    def day_weights(self) -> np.ndarray:
        """Relative volume of each day of the window (the weekday profile, mean 1)."""
        first_weekday = (self.start_ns // NS_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday
        return vocab.WEEKDAY_WEIGHTS[(first_weekday + np.arange(self.n_days)) % 7]

    def first_day(self, signup_ns: np.ndarray) -> np.ndarray:
        """The first whole day (index into the window) on which each account can pay."""
        return np.clip(-((self.start_ns - signup_ns) // NS_PER_DAY), 0, self.n_days - 1)

    def abroad_share(self, ts_ns: np.ndarray) -> np.ndarray:
        """The share of legitimate payments made abroad at each time (the gradual drift)."""
        span = max(self.gradual_end_ns - self.gradual_start_ns, 1)
        progress = np.clip((ts_ns - self.gradual_start_ns) / span, 0.0, 1.0)
        return ABROAD_SHARE_BEFORE + (ABROAD_SHARE_AFTER - ABROAD_SHARE_BEFORE) * progress

    def prevalence_multiplier(self) -> np.ndarray:
        """Per day of the window: 1 before the prevalence shift, PREVALENCE_FACTOR from it on."""
        day_start = self.start_ns + np.arange(self.n_days) * NS_PER_DAY
        return np.where(day_start >= self.prevalence_ns, PREVALENCE_FACTOR, 1.0)
