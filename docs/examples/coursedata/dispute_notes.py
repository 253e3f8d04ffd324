"""Worked example: the customers' dispute notes, how far keyword rules get, and how the notes
tie to the label noise.

`coursedata.dispute_notes(world)` writes one note per disputed payment; the truth
(`world.truth.extras["dispute_notes"]`) knows every note's reason and how hard its wording is.
A handful of keyword rules, each voting for one reason or abstaining, cover about seven notes in
ten: nearly all the clear ones, rightly; a third of the paraphrases and nearly all the misleading
ones, wrongly (another reason's word in passing, negated, or a first guess given up).

Run: python docs/examples/coursedata/dispute_notes.py
"""

from __future__ import annotations

import pandas as pd

import coursedata

KEYWORDS = {
    "unauthorized": r"unauthori[sz]ed|did not make|not me\b|fraud|stolen|recogni[sz]e|permission",
    "not_received": r"never (?:received|arrived)|not (?:received|delivered)",
    "not_as_described": r"broken|damaged|not as described|wrong item|fake|defective",
    "duplicate": r"twice|duplicate|double|two times",
    "cancelled": r"cancel|refund|returned",
}


def keyword_votes(text: pd.Series) -> pd.DataFrame:
    """One column per reason: does the note contain one of its keywords?"""
    lower = text.str.lower()
    return pd.DataFrame({reason: lower.str.contains(p) for reason, p in KEYWORDS.items()})


def main() -> None:
    world = coursedata.sample("medium")
    notes = coursedata.dispute_notes(world, seed=0)
    truth = world.truth.extras["dispute_notes"].set_index("note_id").loc[notes["note_id"]]
    sources = truth["source"].value_counts()
    print(
        f"{len(notes):,} notes: {sources['fraud']} fraud, {sources['friendly_fraud']} friendly "
        f"fraud, {sources['missed_fraud']} missed fraud (a declined dispute), "
        f"{sources['dispute']} disputes not charged back"
    )
    gold = notes["gold_reason"].notna()
    print(f"gold reason on {gold.sum()} notes ({gold.mean():.0%})")
    wording = truth["wording"].value_counts()
    print(
        f"wording: {wording['clear']} clear, {wording['paraphrase']} paraphrase, "
        f"{wording['misleading']} misleading; {int(truth['hard'].sum())} hard "
        f"(difficulty >= 0.6)"
    )
    for reason in coursedata.REASONS:
        example = truth[(truth["reason"] == reason) & ~truth["hard"]]["text"].iloc[0]
        print(f"  {reason:<17} {example}")
    votes = keyword_votes(notes["text"]).set_index(notes["note_id"])
    n_votes = votes.sum(axis=1)
    single = n_votes == 1
    right = votes[single].idxmax(axis=1) == truth["reason"][single].astype(str)
    print(
        f"keyword rules: coverage {(n_votes > 0).mean():.1%}, "
        f"conflicts {(n_votes > 1).mean():.1%}, "
        f"accuracy where exactly one rule votes {right.mean():.1%}"
    )
    covered = (n_votes > 0).groupby(truth["wording"], observed=True).mean()
    correct = right.groupby(truth["wording"][single], observed=True).mean()
    for name in ("clear", "paraphrase", "misleading"):
        print(f"  {name:<10} coverage {covered[name]:.0%}, accuracy {correct[name]:.0%}")
    friendly = truth[truth["source"] == "friendly_fraud"]
    fraud = truth[truth["source"] == "fraud"]
    print(
        "label noise: friendly-fraud notes not about an unauthorized payment: "
        f"{(friendly['reason'] != 'unauthorized').sum()} of {len(friendly)}; "
        f"true-fraud notes: {(fraud['reason'] != 'unauthorized').sum()} of {len(fraud)}"
    )


if __name__ == "__main__":
    main()
