"""Worked example: what pydantic accepts by default, and what a strict, finite, aware model refuses.

A refund request, a neighbour of the lesson's transaction: an id, when it was asked for, an amount
and a reason. `LaxRefund` declares the types and nothing else; `Refund` adds what a service needs:

- numbers strict field by field (`Field(strict=True)`): a JSON string or a boolean is not a number,
  and 12.0 is not an id;
- `allow_inf_nan=False` on the amount: Python's `json.loads` reads `NaN`, `Infinity` and `1e309`
  (too large for a float: infinity) without complaint;
- `AwareDatetime`: a time without its UTC offset is refused, since nobody can say which instant
  it means;
- `extra="forbid"`: a field the schema does not know is an error, not silently dropped.

Each body is validated the way FastAPI does it, `model_validate(json.loads(text))`. The last part
shows why strictness goes on the numbers and not on the whole model.

Run: python docs/examples/08_serving/strict_models.py
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

REASONS = ("duplicate", "not_received", "fraud")
GOOD = '"refund_id": 7, "requested_at": "2025-03-01T12:00:00+01:00", "reason": "fraud"'


class LaxRefund(BaseModel):
    refund_id: int
    requested_at: datetime
    amount: float
    reason: Literal[REASONS]


class Refund(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refund_id: int = Field(strict=True, ge=0)
    requested_at: AwareDatetime
    amount: float = Field(strict=True, allow_inf_nan=False, gt=0, le=50_000)
    reason: Literal[REASONS]


class StrictEverywhere(BaseModel):
    """strict=True on the whole model: also refuses a datetime given as a string (python mode)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    refund_id: int
    requested_at: AwareDatetime


BODIES = {
    "a good body": "{" + GOOD + ', "amount": 12.5}',
    '"12.5" (a string)': "{" + GOOD + ', "amount": "12.5"}',
    "true": "{" + GOOD + ', "amount": true}',
    "NaN": "{" + GOOD + ', "amount": NaN}',
    "Infinity": "{" + GOOD + ', "amount": Infinity}',
    "1e309": "{" + GOOD + ', "amount": 1e309}',
    "an id of 7.0": '{"refund_id": 7.0' + GOOD[14:] + ', "amount": 12.5}',
    "no UTC offset": "{" + GOOD.replace("+01:00", "") + ', "amount": 12.5}',
    'extra "note"': "{" + GOOD + ', "amount": 12.5, "note": "x"}',
}


def outcome(model: type[BaseModel], text: str) -> str:
    try:
        refund = model.model_validate(json.loads(text))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        return f"refused, {field}: {first['msg']}"
    return f"accepted, amount={refund.amount!r}, id={refund.refund_id!r}"


def main() -> None:
    print("| amount or change | LaxRefund | Refund |")
    print("|---|---|---|")
    for name, text in BODIES.items():
        print(f"| {name} | {outcome(LaxRefund, text)} | {outcome(Refund, text)} |")

    lax = LaxRefund.model_validate(json.loads(BODIES["no UTC offset"]))
    print(f"LaxRefund's naive time: {lax.requested_at!r}, tzinfo {lax.requested_at.tzinfo}")

    body = '{"refund_id": 7, "requested_at": "2025-03-01T12:00:00Z"}'
    for name, validate in (
        ("model_validate_json(text)", lambda: StrictEverywhere.model_validate_json(body)),
        (
            "model_validate(json.loads(text))",
            lambda: StrictEverywhere.model_validate(json.loads(body)),
        ),
    ):
        try:
            validate()
            print(f"strict model, {name}: accepted")
        except ValidationError as exc:
            print(f"strict model, {name}: {exc.errors()[0]['msg']}")


if __name__ == "__main__":
    main()
