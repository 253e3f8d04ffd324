"""Worked example: labelling functions over the dispute notes, combined by majority vote.

Four noisy rules, each voting for a reason (a position in `coursedata.REASONS`) or abstaining:
two read the text, two read the disputed payment's merchant category. The vote matrix gives each
rule's coverage, overlap and conflict; the majority vote, with ties and empty rows abstaining,
labels what the rules agree on. The 20 % gold sample says how right each rule is.

Run: python docs/examples/13_data_centric/weak_labels.py
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

import coursedata

ABSTAIN = -1
LABEL = {reason: k for k, reason in enumerate(coursedata.REASONS)}
CANCEL_WORDS = ("cancel", "refund")
CANCEL_PHRASES = re.compile(
    r"\b(booking|subscription|reservation|order|trip)\s+(was\s+)?(cancell?ed|called off)"
    r"|\bcancell?ed\s+(my|the)\s+(subscription|booking|reservation|order)"
)
DESCRIBED = re.compile(r"\b(broken|damaged|defective|counterfeit|wrong (size|item|colou?r))\b")


def lf_cancel_words(note) -> int:
    return LABEL["cancelled"] if any(w in note.text.lower() for w in CANCEL_WORDS) else ABSTAIN


def lf_cancel_phrases(note) -> int:
    """The rule rewritten after reading its conflicts: a thing cancelled, not the word."""
    return LABEL["cancelled"] if CANCEL_PHRASES.search(note.text.lower()) else ABSTAIN


def lf_described_regex(note) -> int:
    return LABEL["not_as_described"] if DESCRIBED.search(note.text.lower()) else ABSTAIN


def lf_travel(note) -> int:
    """Bookings get cancelled: a dispute at a travel merchant is a cancellation (often not)."""
    return LABEL["cancelled"] if note.merchant_category == "travel" else ABSTAIN


def lf_restaurant(note) -> int:
    """A bill paid twice: a dispute at a restaurant is a duplicate (often not)."""
    return LABEL["duplicate"] if note.merchant_category == "restaurants" else ABSTAIN


RULES = (lf_cancel_words, lf_described_regex, lf_travel, lf_restaurant)


def vote(votes: np.ndarray) -> np.ndarray:
    """Majority of the non-abstaining votes per row; ABSTAIN on a tie or when nobody votes."""
    tally = np.stack([(votes == k).sum(axis=1) for k in range(len(LABEL))], axis=1)
    top = tally.max(axis=1)
    unique_top = (tally == top[:, None]).sum(axis=1) == 1
    return np.where((top > 0) & unique_top, tally.argmax(axis=1), ABSTAIN)


def evaluate(notes: pd.DataFrame, rules) -> np.ndarray:
    """Print each rule's coverage, overlap, conflict and accuracy on gold, then the vote's."""
    votes = np.array([[rule(note) for rule in rules] for note in notes.itertuples()])

    voting = votes != ABSTAIN
    n_labels = np.array([len(set(row[row != ABSTAIN])) for row in votes])
    gold = notes["gold_reason"].notna().to_numpy()
    gold_label = notes["gold_reason"].map(LABEL).to_numpy()
    print("| rule | coverage | overlap | conflict | right on gold (votes) |")
    print("|---|---:|---:|---:|---:|")
    for k, rule in enumerate(rules):
        on = voting[:, k]
        overlap = on & (voting.sum(axis=1) > 1)
        conflict = on & (n_labels > 1)
        scored = on & gold
        right = (votes[scored, k] == gold_label[scored]).mean()
        print(
            f"| {rule.__name__} | {on.mean():.1%} | {overlap.mean():.1%} | {conflict.mean():.1%} "
            f"| {right:.0%} ({scored.sum()}) |"
        )
    label = vote(votes)
    tied = (voting.any(axis=1)) & (label == ABSTAIN)
    decided = label != ABSTAIN
    on_gold = decided & gold
    print(
        f"majority vote: labels {decided.mean():.1%} of the notes, abstains on "
        f"{tied.sum()} ties; right on {(label[on_gold] == gold_label[on_gold]).mean():.0%} "
        f"of the {on_gold.sum()} gold notes it labels"
    )
    return votes


def main() -> None:
    world = coursedata.sample("medium")
    notes = coursedata.dispute_notes(world, seed=0)
    payments = world.transactions.set_index("transaction_id")
    notes["merchant_category"] = notes["transaction_id"].map(payments["merchant_category"])
    print(f"{len(notes):,} notes, {notes['gold_reason'].notna().sum()} with a gold reason")
    votes = evaluate(notes, RULES)
    as_vote = vote(np.where(votes == ABSTAIN, LABEL["unauthorized"], votes))
    print(
        "abstain counted as a vote for unauthorized: the vote labels "
        f"{(as_vote != ABSTAIN).mean():.1%} of the notes"
    )
    conflicted = [len(set(row[row != ABSTAIN])) > 1 for row in votes]
    example = notes[np.array(conflicted) & notes["gold_reason"].notna().to_numpy()].iloc[0]
    print(
        f"a conflict: {example.text!r} at {example.merchant_category}, gold {example.gold_reason}"
    )
    names = [rule.__name__ for rule in RULES]
    print("votes:", dict(zip(names, votes[example.name].tolist(), strict=True)))
    print("with lf_cancel_words replaced by lf_cancel_phrases:")
    evaluate(notes, (lf_cancel_phrases, *RULES[1:]))


if __name__ == "__main__":
    main()
