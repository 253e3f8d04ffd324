"""`dispute_notes`: the short notes customers write when they dispute a payment (lesson 13).

One note per charged-back payment (`is_fraud`: the true frauds and the friendly frauds), one for
half of the missed frauds (a dispute the bank declined, so no chargeback: the label stayed
False), and notes of disputes about honest payments that were not charged back. Each note
states one of `REASONS`; its wording is drawn from templates of three styles:

- `clear`: the reason's own keyword ("never received", "charged twice", "cancelled");
- `paraphrase`: the reason in other words, no keyword ("tracking has said in transit for weeks");
- `misleading`: the reason, worded with another reason's keyword ("this is not fraud, I made
  the payment, but the parcel is still missing").

On top: hedges ("Not sure, but"), typos in the keyword ("recieved"), a negated sentence with
another reason's keyword ("I did not cancel anything."), amounts in the payment's currency, the
merchant's kind, casual lowercase. `difficulty` (0 = a clear keyword, 1 = misleading wording)
follows from those choices; every text is unique (the simulated LLM looks notes up by text).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from coursedata import vocabulary as vocab
from coursedata.draws import NS_PER_DAY, NS_PER_SECOND
from coursedata.frames import utc_column
from coursedata.world import World

TAG = 13_004
REASONS: tuple[str, ...] = vocab.DISPUTE_REASONS
EXTRA_PER_CHARGEBACK = 1.8  # disputes that were not charged back, per charged-back payment
MISSED_WITH_NOTE = 0.5  # share of missed frauds whose (declined) dispute left a note
GOLD_SHARE = 0.2
STYLE_P = {"clear": 0.55, "paraphrase": 0.28, "misleading": 0.17}
STYLE_BASE = {"clear": 0.0, "paraphrase": 0.45, "misleading": 0.8}
P_HEDGE, P_TYPO, P_DISTRACTOR, P_CASUAL = 0.2, 0.15, 0.15, 0.12
HARD_FROM = 0.6  # difficulty at or above this is "hard"

# The reason a friendly fraudster gives, and the reasons of disputes that are not charged back.
FRIENDLY_REASON_P = {"unauthorized": 0.2, "not_received": 0.4, "not_as_described": 0.15,
                     "cancelled": 0.25}  # fmt: skip
DISPUTE_REASON_P = {"unauthorized": 0.12, "not_received": 0.25, "not_as_described": 0.23,
                    "duplicate": 0.2, "cancelled": 0.2}  # fmt: skip
# Which payments each reason's disputes are about: relative weight by merchant category.
CATEGORY_PREFERENCE = {
    "unauthorized": {"crypto": 3, "gambling": 3, "gift_cards": 3, "digital_goods": 2},
    "not_received": {"retail": 4, "electronics": 5, "gift_cards": 3, "jewelry": 4},
    "not_as_described": {"retail": 4, "electronics": 5, "jewelry": 4, "health": 2},
    "duplicate": {"restaurants": 3, "fuel": 3, "grocery": 1.5, "transport": 2},
    "cancelled": {"travel": 8, "entertainment": 4, "utilities": 5, "digital_goods": 3},
}
OTHER_CATEGORY_WEIGHT = 0.3

SHOPS = {
    "grocery": ("the supermarket", "the grocery store", "a corner shop"),
    "restaurants": ("the restaurant", "a cafe", "the pizza place"),
    "transport": ("the taxi company", "the train operator", "a ride-hailing app"),
    "fuel": ("the petrol station", "the fuel station"),
    "retail": ("the clothing shop", "an online shop", "the furniture store"),
    "utilities": ("my energy provider", "the phone company", "the internet provider"),
    "health": ("the pharmacy", "the optician"),
    "entertainment": ("the cinema", "the streaming service", "the ticket site"),
    "travel": ("the airline", "the hotel", "the travel agency"),
    "electronics": ("the electronics store", "an online tech shop"),
    "digital_goods": ("the app store", "a game website"),
    "gift_cards": ("the gift card site", "a voucher shop"),
    "jewelry": ("the jeweller", "a watch shop"),
    "crypto": ("the crypto exchange",),
    "gambling": ("the betting site", "an online casino"),
}
ITEMS = ("order", "parcel", "package", "item", "delivery")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "unauthorized": {
        "clear": (
            "I did not make this payment of {amt} at {shop}.",
            "This charge is unauthorized, I have never used {shop}.",
            "Someone used my card without permission: {amt} at {shop}.",
            "I don't recognise this transaction of {amt}.",
            "Fraud! My card was stolen and someone spent {amt}.",
            "Not me. I never shopped at {shop} and I want my {amt} back.",
        ),
        "paraphrase": (
            "My card was in my wallet the whole time, yet {shop} took {amt}.",
            "I have no idea who paid {amt} at {shop}, I was at home all day.",
            "Never heard of {shop}. How did they get my card details?",
            "My phone was lost on {day} and this {amt} payment appeared after that.",
            "Somebody else must have my card number; I would never buy anything at {shop}.",
        ),
        "misleading": (
            "I never received any goods because I never ordered anything from {shop}; {amt} was "
            "taken anyway.",
            "After I saw {amt} from {shop}, a shop I have never visited, I cancelled my card.",
            "They charged me twice, {amt} each time, at {shop}, and I have never been a "
            "customer there.",
            "Please refund {amt}; the payment to {shop} came from a phone I have never owned.",
        ),
    },
    "not_received": {
        "clear": (
            "I never received my {item} from {shop}.",
            "Paid {amt} and the {item} never arrived.",
            "The {item} from {shop} was not delivered.",
            "Still not received after {n} weeks, {amt} paid to {shop}.",
            "My {item} never arrived and {shop} stopped answering.",
        ),
        "paraphrase": (
            "Tracking has said 'in transit' for {n} weeks; {shop} kept my {amt}.",
            "Nothing has turned up at my door since I paid {shop} {amt}.",
            "I am still waiting for the {item} I paid {amt} for, {n} weeks now.",
            "The courier claims the {item} was left with a neighbour, but nobody here has it.",
            "{Shop} took {amt} and I have nothing to show for it.",
        ),
        "misleading": (
            "This is not fraud, I did make the payment of {amt}, but the {item} is still missing.",
            "I asked {shop} to cancel if they could not ship; they kept {amt} and sent nothing.",
            "The seller says the {item} was damaged in their warehouse, so it never left; I have "
            "no {item} and no money back.",
            "{Shop} says they sent a duplicate shipment after the first got lost, yet I still "
            "have nothing for my {amt}.",
        ),
    },
    "not_as_described": {
        "clear": (
            "The {item} arrived broken.",
            "Item not as described: what {shop} sent is a cheap copy.",
            "Received a damaged product, paid {amt}.",
            "Wrong item delivered by {shop}, I ordered something else.",
            "The product is fake and nothing like the photos; {amt} for this?",
            "Defective product from {shop}, it stopped working after one day.",
        ),
        "paraphrase": (
            "What came from {shop} is much smaller than the pictures showed.",
            "The colour and size are completely different from the listing at {shop}.",
            "The thing smells of smoke and has scratches all over it, {amt} wasted.",
            "{Shop} sent a used one although I paid {amt} for a new one.",
        ),
        "misleading": (
            "I got the {item}, but it's not what I ordered; I want a refund of {amt}.",
            "Not a duplicate charge, a single {amt} payment, but what {shop} sent is a poor "
            "imitation.",
            "I didn't authorise paying {amt} for a second-hand product; the listing said new.",
            "The {item} came, if you can call it that: a box with a toy inside instead of the "
            "phone from {shop}.",
        ),
    },
    "duplicate": {
        "clear": (
            "I was charged twice for the same purchase at {shop}.",
            "Duplicate charge of {amt}.",
            "Double charge: {amt} taken two times on {day}.",
            "The same payment of {amt} appears twice on my statement.",
            "{Shop} billed me {amt} two times for one purchase.",
        ),
        "paraphrase": (
            "There are two identical lines of {amt} from {shop} on {day}; I only paid once.",
            "The card machine at {shop} failed, I paid again, and both went through.",
            "My statement shows {amt} from {shop} and the very same amount a minute later.",
            "One purchase, two payments of {amt}. Please remove one.",
        ),
        "misleading": (
            "I don't recognise the second {amt} payment at {shop}, the first one was mine.",
            "The second {amt} charge from {shop} should have been cancelled when the first one "
            "went through.",
            "I never received a receipt for the second {amt} payment, only for the one I made "
            "at {shop}.",
        ),
    },
    "cancelled": {
        "clear": (
            "I cancelled my subscription with {shop} but was still charged {amt}.",
            "Order cancelled, no refund of {amt} yet.",
            "I returned the {item} to {shop} and they never refunded the {amt}.",
            "Booking cancelled weeks ago, {shop} still charged me {amt}.",
            "This is a charge of {amt} after I cancelled my membership at {shop}.",
        ),
        "paraphrase": (
            "I ended my contract with {shop} on {day} and they keep taking {amt}.",
            "The trip was called off by {shop} and my {amt} never came back.",
            "I sent the {item} back on {day} with tracking; still waiting for my {amt}.",
            "I told {shop} I no longer wanted it before it shipped, yet {amt} was taken.",
        ),
        "misleading": (
            "It's not that the {item} never arrived: I sent it back and {shop} kept my {amt}.",
            "{Shop} renewed a plan I had stopped, and now I see {amt} I did not authorise.",
            "The {item} was damaged so I sent it back as agreed; {shop} confirmed the return "
            "but kept {amt}.",
        ),
    },
}
# A negated sentence that carries another reason's keyword (a trap for keyword rules).
DISTRACTORS = {
    "unauthorized": ("It was not fraud.", "My card was not stolen."),
    "not_received": ("This is not about a parcel that never arrived.",),
    "not_as_described": ("Nothing was broken or damaged.",),
    "duplicate": ("I was not charged twice.", "It is not a duplicate."),
    "cancelled": ("I did not cancel anything.", "I am not asking for a refund."),
}
HEDGES = ("I think ", "Not sure, but ", "Maybe I'm wrong, but ", "Possibly a mistake: ")
CLOSINGS = (
    "Please help.", "Thanks.", "Please look into it.", "I have contacted them {n} times.",
    "This is the second time this happens.", "Card ending {last4}.", "Ref {ref}.",
    "I want my money back.", "Can you check?",
)  # fmt: skip
TYPOS = {
    "received": "recieved", "arrived": "arived", "delivered": "deliverd",
    "unauthorized": "unathorized", "recognise": "recognize", "stolen": "stollen",
    "twice": "twise", "Duplicate": "Dublicate", "Double": "Duble", "two times": "2 times",
    "cancelled": "canceled", "refunded": "refundd", "broken": "brokn", "damaged": "damagd",
    "fake": "fak", "Defective": "Defectiv", "Fraud": "Frod",
}  # fmt: skip
SYMBOL = {"EUR": "€{:.2f}", "GBP": "£{:.2f}", "CHF": "CHF {:.2f}", "USD": "${:.2f}"}


def dispute_notes(world: World, seed: int = 0) -> pd.DataFrame:
    """The customers' dispute notes of `world`: `note_id` (int64, 1..n in random order),
    `transaction_id`, `created_at` (UTC, after the payment and before its chargeback), `text`
    (1 to 3 sentences, unique) and `gold_reason` (one of `REASONS` for a random 20 % of the
    notes, missing elsewhere), sorted by `created_at`, ties by `note_id`.

    Records in `world.truth.extras["dispute_notes"]` every note's `note_id`, `transaction_id`,
    `text`, `reason`, `wording`, `difficulty` in [0, 1], `hard`, `source` (`fraud`,
    `friendly_fraud`, `missed_fraud` or `dispute`), `is_fraud` (the label) and `true_fraud`.
    The world's frames are not modified; the same world and seed give the same notes. Raises
    `ValueError` for a world without charged-back payments."""
    tx = world.transactions
    truth = world.truth
    ids = tx["transaction_id"].to_numpy()
    is_fraud = tx["is_fraud"].to_numpy()
    true_fraud = np.isin(ids, truth.true_fraud_ids)
    if not is_fraud.any():
        raise ValueError("the world has no charged-back payment to dispute")
    rng = np.random.default_rng([seed, TAG])
    friendly = np.isin(ids, truth.friendly_fraud_ids)
    missed = np.flatnonzero(np.isin(ids, truth.missed_fraud_ids))
    category = tx["merchant_category"].to_numpy(dtype=object)

    rows, reasons, sources = [], [], []
    fraud_rows = np.flatnonzero(is_fraud & true_fraud)
    rows += fraud_rows.tolist()
    reasons += ["unauthorized"] * fraud_rows.size
    sources += ["fraud"] * fraud_rows.size
    friendly_rows = np.flatnonzero(friendly)
    rows += friendly_rows.tolist()
    reasons += _draw(rng, FRIENDLY_REASON_P, friendly_rows.size)
    sources += ["friendly_fraud"] * friendly_rows.size
    missed_rows = np.sort(rng.choice(missed, round(MISSED_WITH_NOTE * missed.size), replace=False))
    rows += missed_rows.tolist()
    reasons += ["unauthorized"] * missed_rows.size
    sources += ["missed_fraud"] * missed_rows.size

    # Disputes about honest payments that were not charged back, by reason.
    n_extra = round(EXTRA_PER_CHARGEBACK * is_fraud.sum())
    free = ~(is_fraud | true_fraud)
    extra_reasons = _draw(rng, DISPUTE_REASON_P, n_extra)
    for reason in REASONS:
        k = extra_reasons.count(reason)
        pool = np.flatnonzero(free)
        pref = CATEGORY_PREFERENCE[reason]
        w = np.array([pref.get(c, OTHER_CATEGORY_WEIGHT) for c in category[pool]], dtype=float)
        chosen = rng.choice(pool, size=min(k, pool.size), replace=False, p=w / w.sum())
        free[chosen] = False
        rows += chosen.tolist()
        reasons += [reason] * chosen.size
        sources += ["dispute"] * chosen.size

    rows_a = np.asarray(rows, dtype=np.int64)
    n = rows_a.size
    amounts = tx["amount"].to_numpy()[rows_a]
    currency = tx["currency"].to_numpy(dtype=object)[rows_a]
    texts, styles, difficulty = [], [], []
    seen: set[str] = set()
    for i in range(n):
        for _ in range(50):
            text, style, diff = _note(rng, reasons[i], category[rows_a[i]], amounts[i], currency[i])
            if text not in seen:
                break
        else:  # pragma: no cover - 50 collisions in a row do not happen at these sizes
            raise RuntimeError("could not write a unique note")
        seen.add(text)
        texts.append(text)
        styles.append(style)
        difficulty.append(diff)
    assert len(set(texts)) == n, "dispute note texts must be unique"

    # When: after the payment; a charged-back payment's dispute comes before its chargeback.
    ts = pd.DatetimeIndex(tx["timestamp"]).as_unit("ns").asi8[rows_a]
    cb = pd.DatetimeIndex(tx["chargeback_at"]).as_unit("ns").asi8[rows_a]
    has_cb = is_fraud[rows_a]
    later = ts + ((1 + rng.gamma(2.0, 5.0, n)) * NS_PER_DAY).astype(np.int64)
    before_cb = ts + (rng.uniform(0.2, 0.8, n) * (np.where(has_cb, cb, ts) - ts)).astype(np.int64)
    created = np.where(has_cb, before_cb, later)
    created -= created % NS_PER_SECOND

    note_id = rng.permutation(n).astype(np.int64) + 1
    gold = np.zeros(n, dtype=bool)
    gold[rng.choice(n, round(GOLD_SHARE * n), replace=False)] = True
    reason_cat = pd.Categorical(reasons, categories=REASONS)
    order = np.lexsort((note_id, created))
    frame = pd.DataFrame(
        {
            "note_id": note_id[order],
            "transaction_id": ids[rows_a][order],
            "created_at": utc_column(created[order]),
            "text": pd.array(np.array(texts, dtype=object)[order], dtype=object),
            "gold_reason": pd.Categorical(
                np.where(gold, np.asarray(reasons, dtype=object), None)[order], categories=REASONS
            ),
        }
    )
    diff = np.round(np.asarray(difficulty), 3)
    record = pd.DataFrame(
        {
            "note_id": note_id,
            "transaction_id": ids[rows_a],
            "text": np.array(texts, dtype=object),
            "reason": reason_cat,
            "wording": pd.Categorical(styles, categories=tuple(STYLE_P)),
            "difficulty": diff,
            "hard": diff >= HARD_FROM,
            "source": pd.Categorical(
                sources, categories=("fraud", "friendly_fraud", "missed_fraud", "dispute")
            ),
            "is_fraud": is_fraud[rows_a],
            "true_fraud": true_fraud[rows_a],
            "gold": gold,
        }
    )
    truth.extras["dispute_notes"] = record.sort_values("note_id", ignore_index=True)
    return frame


def _draw(rng: np.random.Generator, probs: dict[str, float], size: int) -> list[str]:
    names = list(probs)
    p = np.array([probs[k] for k in names])
    return [names[i] for i in rng.choice(len(names), size=size, p=p / p.sum())]


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _note(
    rng: np.random.Generator, reason: str, category: str, amount: float, currency: str
) -> tuple[str, str, float]:
    """One note: (text, style, difficulty)."""
    styles = list(STYLE_P)
    style = styles[int(rng.choice(3, p=list(STYLE_P.values())))]
    shop = _pick(rng, SHOPS[category])
    fill = {
        "amt": _amount(rng, amount, currency),
        "shop": shop,
        "Shop": shop[0].upper() + shop[1:],
        "item": _pick(rng, ITEMS),
        "n": int(rng.integers(2, 7)),
        "day": _pick(rng, DAYS),
    }
    core = _pick(rng, TEMPLATES[reason][style]).format(**fill)
    difficulty = STYLE_BASE[style] + rng.uniform(0, 0.1)
    if rng.random() < P_TYPO:
        for right, wrong in TYPOS.items():
            if right in core:
                core = core.replace(right, wrong, 1)
                difficulty += 0.2 if style == "clear" else 0.05
                break
    if rng.random() < P_HEDGE:
        keep = core.startswith(("I ", "I'"))
        core = _pick(rng, HEDGES) + (core if keep else core[0].lower() + core[1:])
        difficulty += 0.1
    parts = [core]
    room = 3 - len(re.findall(r"[.!?:;] ", core)) - 1  # sentences left, of at most 3
    if rng.random() < P_DISTRACTOR and room > 0:
        other = _pick(rng, tuple(r for r in REASONS if r != reason))
        parts.append(_pick(rng, DISTRACTORS[other]))
        difficulty += 0.25
    if rng.random() < 0.6 and len(parts) <= room:
        parts.append(
            _pick(rng, CLOSINGS).format(
                n=int(rng.integers(2, 6)),
                last4=f"{int(rng.integers(0, 10_000)):04d}",
                ref=f"{int(rng.integers(100_000, 1_000_000))}",
            )
        )
    text = " ".join(parts)
    if rng.random() < P_CASUAL:
        text = text.lower().rstrip(".")
    return text, style, float(min(1.0, difficulty))


def _amount(rng: np.random.Generator, amount: float, currency: str) -> str:
    """The payment's amount as a customer writes it: "€12.50", "12.50 EUR" or "12.5 euros"."""
    form = rng.integers(3)
    if form == 0:
        return SYMBOL[currency].format(amount)
    if form == 1:
        return f"{amount:.2f} {currency}"
    return f"{amount:,.2f}".replace(",", "") + " " + currency.lower()
