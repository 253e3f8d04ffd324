"""Exercise 01 · Request and response schemas.

Docs: docs/lessons/08-serving.md#ex01-schemas (the site: `mkdocs serve`, then Lesson 08)

A scoring service trusts nothing that arrives over the network. Every body is checked against a
schema before the model sees it, and a body that breaks the schema gets a 422 that says which
field is wrong, never a 500 and never a score computed from garbage. Python's `json.loads` (which
FastAPI uses) accepts `NaN`, `Infinity` and `-Infinity`, and reads `1e309` as infinity; a model
fed such a number returns NaN, or a confident score, without a word. Worse, FastAPI's default 422
handler echoes the rejected input, and `JSONResponse` refuses to encode a NaN: the client gets a
500 for its own mistake. Write the schemas of lesson 08's service with pydantic v2, and
`readable_errors`, which turns validation errors into a body that is always safe to send.

`Transaction`: one payment to score (a pydantic `BaseModel`). Fields, all required:
- `transaction_id`: a JSON integer, 0 <= transaction_id <= 2**63 - 1 (it becomes an int64).
- `timestamp`: a date and time in ISO-8601 with its UTC offset, "2025-03-01T12:00:00+01:00" or
  "2025-03-01T12:00:00Z" (`pydantic.AwareDatetime`). One without an offset ("2025-03-01T12:00:00")
  is refused: nobody can tell which instant it means.
- `amount`: a JSON number (an integer is fine), finite, 0 < amount <= MAX_AMOUNT (in the
  transaction's currency). NaN, Infinity, -Infinity and 1e309 are refused.
- `currency`: exactly three upper-case ASCII letters ("EUR", "GBP"), a JSON string.
- `merchant_category`: one of `CATEGORIES` (the data world's categories), exactly as written there.
- `channel`: one of `CHANNELS`, exactly as written there ("web", not "WEB").
- `card_country` and `merchant_country`: exactly two upper-case ASCII letters ("DE", "US").

Strict types: a number is a JSON number and a string a JSON string. Pydantic's default ("lax")
mode converts "12.5" to 12.5, `true` to 1 and 12.0 to 12: here a string or a boolean where a
number belongs is refused, and so is a fraction (12.0 too) for `transaction_id`. Mind that
FastAPI validates the output of `json.loads` (a dict) with `model_validate`, not the raw text with
`model_validate_json`: both paths must accept and refuse the same bodies. (Careful: strict mode
on the whole model also refuses the timestamp's string in the first path; make the numbers strict
field by field.) A field that is not in the schema is refused (`extra="forbid"`): a client's typo
("ammount") must not pass silently while the real field is missing.

`TransactionBatch`: `transactions`, a list of 1 to MAX_BATCH `Transaction` (an empty list and a
list of MAX_BATCH + 1 are refused), and no other field.

`Score`: the answer for one transaction: `transaction_id` (an int >= 0), `score` (a finite float,
0 <= score <= 1) and `model_version` (a non-empty string); no other field.

`BatchScores`: `scores`, a list of `Score` (one per transaction of the batch, in the batch's
order), and `model_version` (a non-empty string); no other field.

Every model raises pydantic's `ValidationError` on a bad input (what FastAPI turns into a 422),
whichever way it is validated.

`readable_errors(errors) -> list[dict]`: `errors` is the list of error dicts that pydantic's
`ValidationError.errors()` or FastAPI's `RequestValidationError.errors()` returns. For each error,
in order, a dict with exactly two keys:
- "field": the error's location ("loc", a tuple of names and list positions) joined with dots,
  without the leading "body" that FastAPI puts there: ("body", "transactions", 3, "amount") gives
  "transactions.3.amount"; ("amount",) gives "amount". An error about the whole body (nothing left
  once "body" is removed) gives "body".
- "message": the error's message ("msg"), a string.
Nothing else: the rejected input ("input") may be a NaN, and the context ("ctx") may hold an
exception object; neither can be written as JSON. The result always passes
`json.dumps(result, allow_nan=False)`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

# The service's own copy of the data world's vocabulary (coursedata.vocabulary): a service's
# schema is its contract, and its image ships without the data generator.
CATEGORIES = (
    "grocery",
    "restaurants",
    "transport",
    "fuel",
    "retail",
    "utilities",
    "health",
    "entertainment",
    "travel",
    "electronics",
    "digital_goods",
    "gift_cards",
    "jewelry",
    "crypto",
    "gambling",
)
CHANNELS = ("web", "app", "pos")
MAX_BATCH = 1000  # transactions in one batch
MAX_AMOUNT = 1_000_000.0  # the largest amount accepted, in the transaction's currency
MAX_ID = 2**63 - 1  # transaction ids are stored as int64

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "MAX_AMOUNT",
    "MAX_BATCH",
    "MAX_ID",
    "BatchScores",
    "Score",
    "Transaction",
    "TransactionBatch",
    "readable_errors",
]


class Transaction(BaseModel):
    """One payment to score, as a client sends it."""

    # BEGIN SOLUTION: forbid extra fields; declare each field with its type, strictness and bounds
    model_config = ConfigDict(extra="forbid")

    transaction_id: int = Field(strict=True, ge=0, le=MAX_ID)
    timestamp: AwareDatetime
    amount: float = Field(strict=True, allow_inf_nan=False, gt=0, le=MAX_AMOUNT)
    currency: str = Field(strict=True, pattern=r"^[A-Z]{3}$")
    merchant_category: Literal[CATEGORIES]  # type: ignore[valid-type]
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    card_country: str = Field(strict=True, pattern=r"^[A-Z]{2}$")
    merchant_country: str = Field(strict=True, pattern=r"^[A-Z]{2}$")
    # END SOLUTION


class TransactionBatch(BaseModel):
    """A batch of payments to score in one request."""

    # BEGIN SOLUTION: forbid extra fields; a list of 1 to MAX_BATCH transactions
    model_config = ConfigDict(extra="forbid")

    transactions: list[Transaction] = Field(min_length=1, max_length=MAX_BATCH)
    # END SOLUTION


class Score(BaseModel):
    """The service's answer for one transaction."""

    # BEGIN SOLUTION: forbid extra fields; the id, a finite score in [0, 1], the model's version
    model_config = ConfigDict(extra="forbid")

    transaction_id: int = Field(ge=0)
    score: float = Field(allow_inf_nan=False, ge=0.0, le=1.0)
    model_version: str = Field(min_length=1)
    # END SOLUTION


class BatchScores(BaseModel):
    """The service's answer for a batch: one score per transaction, in the batch's order."""

    # BEGIN SOLUTION: forbid extra fields; the scores in order, the model's version
    model_config = ConfigDict(extra="forbid")

    scores: list[Score]
    model_version: str = Field(min_length=1)
    # END SOLUTION


def readable_errors(errors: Any) -> list[dict]:
    """[{"field": "transactions.3.amount", "message": "..."}, ...]: one per error, JSON-safe."""
    # BEGIN SOLUTION: the location without FastAPI's "body", joined with dots; the message; no input
    readable = []
    for error in errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] == "body":
            loc = loc[1:]
        field = ".".join(str(part) for part in loc) or "body"
        readable.append({"field": field, "message": str(error.get("msg", ""))})
    return readable
    # END SOLUTION
