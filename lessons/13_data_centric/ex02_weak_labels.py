"""Exercise 02 · Weak labels.

Docs: docs/lessons/13-data-centric.md#ex02-weak-labels (the site: `mkdocs serve`, then Lesson 13)

Thousands of dispute notes, a gold reason for one in five. Rather than label the rest by hand,
write labelling functions (LFs): small rules, each of which either votes for a reason or
abstains. Each is noisy; together, with a clear rule for combining their votes and a report of
where they agree and disagree, they label much of the data, and show you which rule to fix next.

Labels are the positions of `coursedata.REASONS` (`UNAUTHORIZED = 0`, `NOT_RECEIVED = 1`,
`NOT_AS_DESCRIBED = 2`, `DUPLICATE = 3`, `CANCELLED = 4`); `ABSTAIN = -1` means "no vote".

Labelling functions: each is called as `lf(text, amount)` with the note's text (a `str`) and
the disputed payment's `amount` (a float, the transactions' `amount`), and returns a label or
`ABSTAIN` (a Python `int`):

- `lf_unauthorized_keywords`: `UNAUTHORIZED` when the lowercased text contains any of
  `UNAUTHORIZED_KEYWORDS` (as a substring), else `ABSTAIN`.
- `lf_duplicate_keywords`: `DUPLICATE` when the lowercased text contains any of
  `DUPLICATE_KEYWORDS` (as a substring), else `ABSTAIN`.
- `lf_not_received_regex`: `NOT_RECEIVED` when `re.search(NOT_RECEIVED_PATTERN, text,
  re.IGNORECASE)` finds a match, else `ABSTAIN` (the pattern accepts the common typo "recieved").
- `lf_large_amount`: `UNAUTHORIZED` when `amount >= LARGE_AMOUNT` (large disputed payments are
  mostly card fraud), else `ABSTAIN`; the text is not read.
- `LFS` is the tuple of the four, in that order.

`apply_lfs(notes) -> ndarray`: `notes` is a DataFrame with (at least) the columns `text` and
`amount`; returns the vote matrix, an int64 array of shape `(len(notes), len(LFS))` whose
column k holds `LFS[k]`'s vote on each row, in the notes' order. `ValueError` when a column is
missing.

`majority_label(votes) -> ndarray` (int64, one label per row):

- `votes`: a 2-D array-like of integers (rows = data points, columns = LFs), each `ABSTAIN`
  (-1) or a label >= 0 (any label, not only 0..4).
- Abstentions are not votes: a row's label is the label with the most votes among its
  non-abstaining LFs. A tie for the most votes gives `ABSTAIN` (never one of the tied labels,
  nor the most common class); a row where every LF abstains gives `ABSTAIN`.

`lf_report(votes) -> DataFrame`: one row per LF (per column of `votes`, in order; the index is
0..m-1, or the column names when `votes` is a DataFrame), with float columns, in this order,
each a fraction of ALL the rows (as snorkel's `LFAnalysis` defines them):

- `coverage`: the rows where this LF votes (does not abstain);
- `overlap`: the rows where this LF votes and at least one other LF votes too (agreeing or not);
- `conflict`: the rows where this LF votes and at least one other LF votes a different label.

`ValueError` from `majority_label` and `lf_report` when `votes` is not 2-D, has no column,
holds non-integers (floats and bools refused) or a value below -1; and from `lf_report` when it
has no row (fractions of nothing).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

ABSTAIN = -1
UNAUTHORIZED, NOT_RECEIVED, NOT_AS_DESCRIBED, DUPLICATE, CANCELLED = range(5)
UNAUTHORIZED_KEYWORDS = (
    "unauthorized",
    "stolen",
    "without permission",
    "don't recognise",
    "never used",
)
DUPLICATE_KEYWORDS = (
    "charged twice",
    "duplicate charge",
    "double charge",
    "two times",
    "appears twice",
)
NOT_RECEIVED_PATTERN = r"\b(never|not)\s+(arrived|received|recieved|delivered)\b"
LARGE_AMOUNT = 500.0
REPORT_COLUMNS = ["coverage", "overlap", "conflict"]


def lf_unauthorized_keywords(text: str, amount: float) -> int:
    """UNAUTHORIZED when the lowercased text contains one of UNAUTHORIZED_KEYWORDS."""
    # TODO: lowercase, look for each keyword
    raise NotImplementedError


def lf_duplicate_keywords(text: str, amount: float) -> int:
    """DUPLICATE when the lowercased text contains one of DUPLICATE_KEYWORDS."""
    # TODO: lowercase, look for each keyword
    raise NotImplementedError


def lf_not_received_regex(text: str, amount: float) -> int:
    """NOT_RECEIVED when NOT_RECEIVED_PATTERN matches the text, ignoring case."""
    # TODO: re.search with re.IGNORECASE
    raise NotImplementedError


def lf_large_amount(text: str, amount: float) -> int:
    """UNAUTHORIZED when the amount is at least LARGE_AMOUNT."""
    # TODO: compare the amount with LARGE_AMOUNT (inclusive)
    raise NotImplementedError


LFS = (lf_unauthorized_keywords, lf_duplicate_keywords, lf_not_received_regex, lf_large_amount)


def apply_lfs(notes: pd.DataFrame) -> np.ndarray:
    """The vote matrix: one row per note, one column per function of LFS."""
    # TODO: check the columns; call every LF on every (text, amount)
    raise NotImplementedError


def majority_label(votes) -> np.ndarray:
    """Per row, the label with the most (non-abstaining) votes; ABSTAIN on a tie or no vote."""
    # TODO: validate; count votes per label, abstentions left out; ties abstain
    raise NotImplementedError


def lf_report(votes) -> pd.DataFrame:
    """Per LF: coverage, overlap and conflict, as fractions of all the rows."""
    # TODO: validate; per column, who votes, who else votes, who else disagrees
    raise NotImplementedError


def _vote_matrix(votes) -> np.ndarray:
    """`votes` as a 2-D int64 array; ValueError when it is not a valid vote matrix."""
    # TODO: 2-D, at least one column, integers, nothing below ABSTAIN
    raise NotImplementedError
