"""Checks for 08_serving/ex01_schemas (see solutions/08_serving/ex01_schemas.py for the reference).

Bodies are raw JSON text, as a client sends them (with the `NaN`, `Infinity` and `1e309` literals
that Python's `json.loads` accepts). Each goes through both of pydantic's paths: the text with
`model_validate_json`, and `json.loads` then `model_validate` (the path FastAPI takes); both must
agree with the contract. One check runs the learner's models and `readable_errors` inside a
FastAPI app, in the learner's process, and posts the bodies to it.
"""

from __future__ import annotations

import copy
import json
import warnings
from typing import Any

# Imported in the grader's process, so that the learner's process (forked from it) finds them.
import fastapi  # noqa: F401
import numpy as np
import pydantic  # noqa: F401

from autograder.assertions import fail

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx2
    import starlette.testclient  # noqa: F401

from ._shared import asgi_client, facts, guarded, json_safe, observe

MAX_BATCH = 1000
MAX_AMOUNT = 1_000_000.0
MAX_ID = 2**63 - 1
CHANNELS = ("web", "app", "pos")
FIELDS = (
    "transaction_id",
    "timestamp",
    "amount",
    "currency",
    "merchant_category",
    "channel",
    "card_country",
    "merchant_country",
)
GOOD = {
    "transaction_id": 1234,
    "timestamp": "2025-03-01T12:00:00+01:00",
    "amount": 12.5,
    "currency": "EUR",
    "merchant_category": "grocery",
    "channel": "web",
    "card_country": "DE",
    "merchant_country": "FR",
}
PATHS = ("json", "python")
PATH_NAMES = {
    "json": "model_validate_json(text)",
    "python": "model_validate(json.loads(text)) (FastAPI's path)",
}


class Raw:
    """A JSON token written as is into a body's text (NaN, Infinity, 1e309, 12.0)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return self.token


def _text(body: Any) -> str:
    """The body as JSON text, with each Raw value written as its token."""
    raws: list[str] = []

    def walk(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.token)
            return f"@@raw{len(raws) - 1}@@"
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    text = json.dumps(walk(body))
    for k, token in enumerate(raws):
        text = text.replace(f'"@@raw{k}@@"', token)
    return text


def _with(**changes: Any) -> dict:
    body = dict(GOOD)
    for name, value in changes.items():
        if value is _MISSING:
            body.pop(name)
        else:
            body[name] = value
    return body


_MISSING = object()


def _outcome(submission: Any, model: str, text: str, path: str) -> tuple[str, Any]:
    """("accepted", model_dump(mode="json")) or ("refused", message) for one body and path."""
    cls = getattr(submission, model)
    try:
        if path == "json":
            obj = cls.model_validate_json(text)
        else:
            obj = cls.model_validate(json.loads(text))
    except NotImplementedError:
        raise
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        return "refused", str(exc)
    except Exception as exc:  # noqa: BLE001 - the learner's error, reported as a failed check
        fail(
            f"{model}.{PATH_NAMES[path]} raised {type(exc).__name__}: {str(exc)[:200]} on the body "
            f"{text[:300]}; expected pydantic's ValidationError for a bad body (FastAPI turns "
            "only that into a 422: anything else is a 500)"
        )
    try:
        dump = obj.model_dump(mode="json")
    except Exception as exc:  # noqa: BLE001
        fail(f"model_dump(mode='json') of a {model} raised {type(exc).__name__}: {exc}")
    return "accepted", dump


def _expect(submission: Any, model: str, body: Any, accept: bool, why: str) -> list[Any]:
    """Fail unless both paths accept (or both refuse) `body`; the dumps when accepted."""
    text = body if isinstance(body, str) else _text(body)
    dumps = []
    for path in PATHS:
        verdict, detail = _outcome(submission, model, text, path)
        if accept and verdict == "refused":
            fail(
                f"{model}.{PATH_NAMES[path]} refused the body {text[:400]}, which is valid "
                f"({why}); pydantic said: {detail[:300]}"
            )
        if not accept and verdict == "accepted":
            fail(
                f"{model}.{PATH_NAMES[path]} accepted the body {text[:400]}, which must be "
                f"refused: {why}"
            )
        dumps.append(detail)
    return dumps


def _same_instant(got: Any, iso: str, where: str) -> None:
    from datetime import datetime

    want = datetime.fromisoformat(iso)
    try:
        parsed = datetime.fromisoformat(str(got))
    except ValueError:
        fail(f"the timestamp of {where} dumps as {got!r}, not an ISO-8601 date and time")
    if parsed.utcoffset() is None or parsed != want:
        fail(
            f"the timestamp {iso!r} of {where} came back as {got!r}: keep the instant and its "
            "UTC offset (an aware datetime)"
        )


def _check_dump(dump: dict, body: dict, where: str) -> None:
    if not isinstance(dump, dict) or sorted(dump) != sorted(FIELDS):
        got = sorted(dump) if isinstance(dump, dict) else type(dump).__name__
        fail(f"a Transaction of {where} dumps the fields {got}, expected {sorted(FIELDS)}")
    for name in FIELDS:
        if name == "timestamp":
            _same_instant(dump[name], body[name], where)
        elif name == "amount":
            if not isinstance(dump[name], float | int) or float(dump[name]) != float(body[name]):
                fail(f"the amount {body[name]!r} of {where} came back as {dump[name]!r}")
        elif dump[name] != body[name] or type(dump[name]) is not type(body[name]):
            fail(f"the field {name} = {body[name]!r} of {where} came back as {dump[name]!r}")


class TestTransaction:
    def test_valid_transactions_accepted(self, submission):
        cases = [
            (GOOD, "a plain valid transaction"),
            (_with(amount=12), "an integer amount"),
            (_with(amount=MAX_AMOUNT), "the largest amount, MAX_AMOUNT"),
            (_with(amount=0.01), "one cent"),
            (_with(amount=5e-324), "the smallest positive float"),
            (_with(transaction_id=0), "id 0"),
            (_with(transaction_id=MAX_ID), "id 2**63 - 1, the largest int64"),
            (_with(timestamp="2025-03-01T11:00:00Z"), "a timestamp in UTC written with Z"),
            (_with(timestamp="2025-03-01T23:59:59.250-08:00"), "a negative offset, milliseconds"),
            (_with(timestamp="2025-03-01T17:30:00+05:30"), "a half-hour offset"),
            (_with(currency="XYZ"), "any three upper-case letters as currency"),
            (_with(card_country="US", merchant_country="US"), "other country codes"),
        ]
        for body, why in cases:
            for dump in _expect(submission, "Transaction", body, True, why):
                _check_dump(dump, body, why)

    def test_every_category_and_channel_accepted(self, submission):
        from coursedata.vocabulary import CATEGORIES

        for category in CATEGORIES:
            body = _with(merchant_category=category)
            _expect(submission, "Transaction", body, True, f"{category!r} is a known category")
        for channel in CHANNELS:
            body = _with(channel=channel)
            _expect(submission, "Transaction", body, True, f"{channel!r} is a known channel")

    def test_non_finite_amounts_refused(self, submission):
        for token in ("NaN", "Infinity", "-Infinity", "1e309", "-1e309"):
            why = (
                f"an amount of {token} is not a finite number (json.loads reads 1e309 as "
                "infinity); a model fed one returns NaN or a confident score without a word"
            )
            _expect(submission, "Transaction", _with(amount=Raw(token)), False, why)

    def test_strings_and_booleans_refused_for_numbers(self, submission):
        cases = [
            ("amount", "12.5", "a string for the amount: lax mode would turn it into 12.5"),
            ("amount", "12", "a string for the amount"),
            ("amount", True, "a boolean for the amount: lax mode would read true as 1"),
            ("amount", False, "a boolean for the amount"),
            ("amount", None, "null for the amount"),
            ("transaction_id", "1234", "a string for the transaction id"),
            ("transaction_id", True, "a boolean for the transaction id"),
            ("transaction_id", Raw("12.0"), "a fraction for the transaction id (12.0)"),
            ("transaction_id", 12.5, "a fraction for the transaction id"),
            ("transaction_id", None, "null for the transaction id"),
        ]
        for name, value, why in cases:
            _expect(submission, "Transaction", _with(**{name: value}), False, why)

    def test_amount_bounds(self, submission):
        for value, why in [
            (0, "an amount of 0 (amounts are > 0)"),
            (Raw("0.0"), "an amount of 0.0"),
            (Raw("-0.0"), "an amount of -0.0"),
            (-12.5, "a negative amount"),
            (MAX_AMOUNT + 0.01, "an amount above MAX_AMOUNT"),
            (1e12, "an amount far above MAX_AMOUNT"),
        ]:
            _expect(submission, "Transaction", _with(amount=value), False, why)

    def test_transaction_id_bounds(self, submission):
        _expect(submission, "Transaction", _with(transaction_id=-1), False, "a negative id")
        _expect(
            submission,
            "Transaction",
            _with(transaction_id=MAX_ID + 1),
            False,
            "an id of 2**63, which does not fit in an int64",
        )

    def test_naive_or_bad_timestamps_refused(self, submission):
        for value, why in [
            ("2025-03-01T12:00:00", "a timestamp without a UTC offset: which instant is it?"),
            ("2025-03-01 12:00:00", "a timestamp without a UTC offset"),
            ("2025-03-01T12:00:00.123456", "a timestamp without a UTC offset"),
            ("2025-03-01", "a date alone, which has no offset"),
            ("yesterday", "not a date at all"),
            ("2025-02-30T12:00:00Z", "a day that does not exist"),
        ]:
            _expect(submission, "Transaction", _with(timestamp=value), False, why)

    def test_currency_codes(self, submission):
        for value, why in [
            ("eur", "a lower-case currency"),
            ("Eur", "a mixed-case currency"),
            ("EURO", "four letters"),
            ("EU", "two letters"),
            ("E1R", "a digit"),
            ("EUR ", "a trailing space"),
            (" EUR", "a leading space"),
            ("EUR\n", "a trailing newline (Python's re.match('^[A-Z]{3}$') lets it through)"),
            ("ÉUR", "a letter that is not ASCII"),
            ("", "an empty currency"),
            (978, "a number for the currency"),
        ]:
            _expect(submission, "Transaction", _with(currency=value), False, f"{value!r}: {why}")
        for value in ("EUR", "GBP", "CHF", "USD", "JPY"):
            _expect(submission, "Transaction", _with(currency=value), True, f"currency {value}")

    def test_country_codes(self, submission):
        for field in ("card_country", "merchant_country"):
            for value, why in [
                ("de", "lower case"),
                ("DEU", "three letters"),
                ("D", "one letter"),
                ("D1", "a digit"),
                ("DE\n", "a trailing newline"),
                ("ÄÖ", "letters that are not ASCII"),
                ("", "empty"),
                (49, "a number"),
            ]:
                body = _with(**{field: value})
                _expect(submission, "Transaction", body, False, f"{field} {value!r}: {why}")

    def test_unknown_category_or_channel_refused(self, submission):
        for value in ("groceries", "Grocery", " grocery", "GROCERY", "", "unknown"):
            body = _with(merchant_category=value)
            why = f"{value!r} is not one of the data world's categories, exactly as written"
            _expect(submission, "Transaction", body, False, why)
        for value in ("WEB", "Web", "mobile", "atm", "", "web "):
            body = _with(channel=value)
            why = f"{value!r} is not one of CHANNELS {CHANNELS}, exactly as written"
            _expect(submission, "Transaction", body, False, why)

    def test_missing_and_extra_fields_refused(self, submission):
        for name in FIELDS:
            body = _with(**{name: _MISSING})
            _expect(submission, "Transaction", body, False, f"the required field {name} is missing")
        for extra, value in (("ammount", 12.5), ("note", None), ("user_id", 7)):
            body = {**GOOD, extra: value}
            why = f"the field {extra!r} is not in the schema (extra fields are forbidden)"
            _expect(submission, "Transaction", body, False, why)
        body = {k: v for k, v in GOOD.items() if k != "amount"}
        body["ammount"] = 12.5
        _expect(submission, "Transaction", body, False, "a typo: 'ammount' for 'amount'")
        for text, why in (("[]", "a JSON array"), ("12", "a number"), ("{}", "an empty object")):
            _expect(submission, "Transaction", text, False, f"the body is {why}")


def _batch(n: int, **changes: Any) -> dict:
    items = []
    for k in range(n):
        item = dict(GOOD)
        item["transaction_id"] = k
        items.append(item)
    return {"transactions": items, **changes}


class TestTransactionBatch:
    def test_constants(self, submission):
        for name, want in (("MAX_BATCH", MAX_BATCH), ("CHANNELS", CHANNELS)):
            got = getattr(submission, name)
            if isinstance(want, tuple) and isinstance(got, list | tuple):
                got = tuple(got)
            if got != want:
                fail(f"{name} is {got!r}, expected {want!r} (the contract's value)")

    def test_batch_bounds(self, submission):
        _expect(submission, "TransactionBatch", _batch(0), False, "an empty batch")
        _expect(submission, "TransactionBatch", _batch(MAX_BATCH + 1), False, "MAX_BATCH + 1 items")
        for n in (1, 2, MAX_BATCH):
            dumps = _expect(submission, "TransactionBatch", _batch(n), True, f"a batch of {n}")
            for dump in dumps:
                items = dump.get("transactions") if isinstance(dump, dict) else None
                ids = [t.get("transaction_id") for t in items or []]
                if ids != list(range(n)):
                    fail(
                        f"a valid batch of {n} transactions (ids 0..{n - 1}) dumps "
                        f"{len(ids)} transactions, ids {ids[:5]}...: keep every transaction, "
                        "in order"
                    )

    def test_batch_fields(self, submission):
        why = "the batch has a field that is not in the schema"
        _expect(submission, "TransactionBatch", _batch(2, note="x"), False, why)
        _expect(submission, "TransactionBatch", "{}", False, "the batch lacks 'transactions'")
        _expect(submission, "TransactionBatch", _text([GOOD]), False, "a bare list, no object")
        why = "'transactions' is an object, not a list"
        _expect(submission, "TransactionBatch", {"transactions": GOOD}, False, why)

    def test_every_item_validated(self, submission):
        for k, (name, value, why) in enumerate(
            [
                ("amount", Raw("NaN"), "a NaN amount"),
                ("amount", "12.5", "a string amount"),
                ("timestamp", "2025-03-01T12:00:00", "a naive timestamp"),
                ("currency", "eur", "a lower-case currency"),
                ("channel", "mobile", "an unknown channel"),
                ("extra", 1, "an extra field"),
            ]
        ):
            body = _batch(5)
            body["transactions"][k % 5][name] = value
            where = f"{why} in the transaction at position {k % 5} of a batch of 5"
            _expect(submission, "TransactionBatch", body, False, where)


class TestScores:
    def test_score(self, submission):
        good = {"transaction_id": 7, "score": 0.25, "model_version": "fraud-logreg-0"}
        for score in (0, 0.0, 1, 1.0, 0.5, 1e-12):
            _expect(submission, "Score", {**good, "score": score}, True, f"a score of {score}")
        for changes, why in [
            ({"score": -0.01}, "a score below 0"),
            ({"score": 1.01}, "a score above 1"),
            ({"score": Raw("NaN")}, "a NaN score"),
            ({"score": Raw("Infinity")}, "an infinite score"),
            ({"transaction_id": -1}, "a negative transaction id"),
            ({"model_version": ""}, "an empty model_version"),
            ({"extra": 1}, "an extra field"),
            ({"model_version": _MISSING}, "no model_version"),
        ]:
            body = dict(good)
            for name, value in changes.items():
                if value is _MISSING:
                    body.pop(name)
                else:
                    body[name] = value
            _expect(submission, "Score", body, False, why)

    def test_batch_scores(self, submission):
        scores = [
            {"transaction_id": k, "score": s, "model_version": "v1"}
            for k, s in ((9, 0.5), (3, 0.125), (9, 1.0))
        ]
        good = {"scores": scores, "model_version": "v1"}
        [dump, _] = _expect(submission, "BatchScores", good, True, "three scores")
        if dump != good:
            fail(f"BatchScores dumps {dump}, expected {good}: keep every score, in order")
        bad_item = copy.deepcopy(good)
        bad_item["scores"][1]["score"] = 2.0
        for body, why in [
            ({**good, "extra": 1}, "an extra field"),
            ({**good, "model_version": ""}, "an empty model_version"),
            ({"scores": scores}, "no model_version"),
            (bad_item, "a score of 2.0 in the list"),
        ]:
            _expect(submission, "BatchScores", body, False, why)


# --- generated bodies against the reference ----------------------------------------------------

_POOL: dict[str, list[Any]] = {
    "transaction_id": [0, 1, 77, MAX_ID, MAX_ID + 1, -1, "5", True, Raw("3.0"), 2.5, None],
    "timestamp": [
        "2025-01-31T00:00:00Z",
        "2025-06-30T23:59:59+02:00",
        "2024-02-29T06:00:00-03:30",
        "2025-06-30T23:59:59",
        "2025-06-30",
        "not a time",
        17,
        None,
    ],
    "amount": [
        0.01,
        7,
        99.99,
        MAX_AMOUNT,
        MAX_AMOUNT * 1.0000001,
        0,
        -3.5,
        Raw("NaN"),
        Raw("Infinity"),
        Raw("-Infinity"),
        Raw("1e309"),
        "7.5",
        True,
        None,
    ],
    "currency": ["EUR", "GBP", "QQQ", "eur", "EURO", "E", "EU R", 1, None],
    "merchant_category": ["grocery", "crypto", "travel", "Grocery", "food", "", None],
    "channel": ["web", "app", "pos", "POS", "phone", "", None],
    "card_country": ["DE", "GB", "ZZ", "de", "DEU", "", 1, None],
    "merchant_country": ["US", "CH", "ES", "es", "U", "USA", None],
}


def _generated(seed: int, mutations: int) -> Any:
    rng = np.random.default_rng(seed)
    body: dict[str, Any] = dict(GOOD)
    for _ in range(mutations):
        kind = rng.random()
        if kind < 0.08:
            body.pop(str(rng.choice(FIELDS)), None)
        elif kind < 0.14:
            body[str(rng.choice(["extra", "amount_eur", "Amount"]))] = 1
        else:
            name = str(rng.choice(FIELDS))
            pool = _POOL[name]
            body[name] = pool[int(rng.integers(len(pool)))]
    return body


def _verdicts(module: Any, model: str, text: str) -> list[bool]:
    out = []
    for path in PATHS:
        cls = getattr(module, model)
        try:
            cls.model_validate_json(text) if path == "json" else cls.model_validate(
                json.loads(text)
            )
        except ValueError:
            out.append(False)
        else:
            out.append(True)
    return out


class TestAgainstReference:
    def test_generated_bodies(self, submission, reference):
        # Seeded bodies, one changed field first, then two and three: the first body on which
        # the learner's verdict differs from the reference's is reported.
        for mutations in (1, 2, 3):
            for seed in range(40):
                body = _generated(1000 * mutations + seed, mutations)
                text = _text(body)
                want = _verdicts(reference, "Transaction", text)
                for path, expected in zip(PATHS, want, strict=True):
                    verdict, detail = _outcome(submission, "Transaction", text, path)
                    if (verdict == "accepted") != expected:
                        fail(
                            f"Transaction.{PATH_NAMES[path]} {verdict} the body {text}, which "
                            f"the contract {'accepts' if expected else 'refuses'} (a generated "
                            f"body with {mutations} changed field(s) from a valid one)"
                            + (f"; pydantic said: {detail[:200]}" if verdict == "refused" else "")
                        )


# --- readable_errors -----------------------------------------------------------------------------


def _err(loc: tuple, msg: str, kind: str = "value_error", value: Any = None, **ctx: Any) -> dict:
    error = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx:
        error["ctx"] = ctx
    return error


def _check_readable(got: Any, want: list[dict], where: str) -> None:
    if not isinstance(got, list):
        fail(f"readable_errors returned a {type(got).__name__} for {where}, expected a list")
    if not json_safe(got):
        fail(
            f"readable_errors returned {str(got)[:300]} for {where}: json.dumps(..., "
            "allow_nan=False) refuses it. Copy only the location and the message: the input "
            "may be a NaN and the context may hold an exception object"
        )
    for item in got:
        if not isinstance(item, dict) or sorted(item) != ["field", "message"]:
            fail(
                f"readable_errors gave the item {str(item)[:200]} for {where}: each item has "
                "exactly the keys 'field' and 'message' (never the rejected input)"
            )
    if got != want:
        fail(f"readable_errors gave {got} for {where}, expected {want}")


class TestReadableErrors:
    def test_hand_built_errors(self, submission):
        nan, inf = float("nan"), float("inf")
        cases = [
            ([], [], "no errors"),
            (
                [
                    _err(
                        ("body", "transactions", 3, "amount"),
                        "Input should be a finite number",
                        "finite_number",
                        nan,
                    )
                ],
                [{"field": "transactions.3.amount", "message": "Input should be a finite number"}],
                "FastAPI's error for a NaN amount in the 4th transaction of a batch",
            ),
            (
                [_err(("amount",), "Input should be a finite number", "finite_number", inf)],
                [{"field": "amount", "message": "Input should be a finite number"}],
                "pydantic's own error (no 'body') for an infinite amount",
            ),
            (
                [_err(("body",), "Field required", "missing", None)],
                [{"field": "body", "message": "Field required"}],
                "an error about the whole body (loc ('body',))",
            ),
            (
                [_err((), "Input should be a valid dictionary", "model_type", [1, 2])],
                [{"field": "body", "message": "Input should be a valid dictionary"}],
                "an error about the whole body, from pydantic (loc ())",
            ),
            (
                [
                    _err(
                        ("body", "timestamp"),
                        "Value error, no offset",
                        "value_error",
                        "2025-03-01T12:00",
                        error=ValueError("no offset"),
                    )
                ],
                [{"field": "timestamp", "message": "Value error, no offset"}],
                "an error whose context holds a ValueError object",
            ),
            (
                [_err(("query", "limit"), "Input should be a valid integer", "int_parsing", "x")],
                [{"field": "query.limit", "message": "Input should be a valid integer"}],
                "a query parameter's error (only a leading 'body' is dropped)",
            ),
            (
                [
                    _err(
                        ("body", "amount"), "Input should be a finite number", "finite_number", -inf
                    ),
                    _err(
                        ("body", "currency"),
                        "String should match pattern '^[A-Z]{3}$'",
                        "string_pattern_mismatch",
                        "eur",
                        pattern="^[A-Z]{3}$",
                    ),
                    _err(
                        ("body", "ammount"),
                        "Extra inputs are not permitted",
                        "extra_forbidden",
                        {1, 2},
                    ),
                    _err(
                        ("transactions", 0, "channel"),
                        "Input should be 'web', 'app' or 'pos'",
                        "literal_error",
                        "WEB",
                    ),
                ],
                [
                    {"field": "amount", "message": "Input should be a finite number"},
                    {"field": "currency", "message": "String should match pattern '^[A-Z]{3}$'"},
                    {"field": "ammount", "message": "Extra inputs are not permitted"},
                    {
                        "field": "transactions.0.channel",
                        "message": "Input should be 'web', 'app' or 'pos'",
                    },
                ],
                "four errors, in order (inputs -inf, a str, a set, a str)",
            ),
        ]
        for errors, want, where in cases:
            got = submission.readable_errors(errors)
            _check_readable(got, want, where)

    def test_real_errors_against_reference(self, submission, reference):
        # The errors of the reference's models on bad bodies (NaN inputs, context objects),
        # through the learner's readable_errors, against the reference's.
        from pydantic import ValidationError

        bodies = [
            ("Transaction", _with(amount=Raw("NaN"), currency="eur")),
            ("Transaction", _with(timestamp="2025-03-01T12:00:00", extra=1)),
            ("Transaction", _with(amount=Raw("1e309"), channel="WEB", transaction_id=True)),
            ("Transaction", {}),
            ("TransactionBatch", _batch(3)),
            ("TransactionBatch", {"transactions": [_with(amount=Raw("-Infinity"))] * 2}),
            ("TransactionBatch", _batch(0)),
        ]
        bodies[4][1]["transactions"][2]["amount"] = Raw("Infinity")
        for model, body in bodies:
            text = _text(body)
            for path in PATHS:
                try:
                    cls = getattr(reference, model)
                    if path == "json":
                        cls.model_validate_json(text)
                    else:
                        cls.model_validate(json.loads(text))
                except ValidationError as exc:
                    errors = exc.errors()
                else:  # pragma: no cover - every body above is invalid
                    raise AssertionError(text)
                want = reference.readable_errors(errors)
                got = submission.readable_errors(errors)
                where = f"the errors of {model}.{PATH_NAMES[path]} on {text[:200]}"
                _check_readable(got, want, where)


# --- inside FastAPI --------------------------------------------------------------------------------


@guarded
def _post_bodies(module: Any, cases: list[tuple[str, str]]) -> list[dict]:
    """Post each (route, text) to a FastAPI app built on the learner's models, whose 422 handler
    answers {"details": readable_errors(exc.errors())}; the responses as facts."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse

    app = FastAPI()

    async def invalid(request: Any, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"details": module.readable_errors(exc.errors())}, status_code=422)

    def one(transaction):  # noqa: ANN001 - its annotation is set below
        return {"ok": True}

    def batch(batch):  # noqa: ANN001
        return {"ok": len(batch.transactions)}

    one.__annotations__ = {"transaction": module.Transaction, "return": dict}
    batch.__annotations__ = {"batch": module.TransactionBatch, "return": dict}
    app.add_exception_handler(RequestValidationError, invalid)
    app.post("/one")(one)
    app.post("/batch")(batch)
    out = []
    with asgi_client(app) as client:
        for route, text in cases:
            response = client.post(
                route, content=text.encode(), headers={"content-type": "application/json"}
            )
            out.append(facts(response))
    return out


class TestInsideFastAPI:
    def test_bad_bodies_get_a_readable_422(self, submission):
        five = _batch(5)
        five["transactions"][3]["amount"] = Raw("NaN")
        cases = [
            ("/one", _with(amount=Raw("NaN")), "amount", "a NaN amount"),
            ("/one", _with(amount=Raw("Infinity")), "amount", "an Infinity amount"),
            ("/one", _with(amount=Raw("-Infinity")), "amount", "a -Infinity amount"),
            ("/one", _with(amount=Raw("1e309")), "amount", "an amount of 1e309"),
            ("/one", _with(amount="12.5"), "amount", "a string amount"),
            ("/one", _with(transaction_id=True), "transaction_id", "a boolean id"),
            ("/one", _with(timestamp="2025-03-01T12:00:00"), "timestamp", "a naive timestamp"),
            ("/one", _with(currency="eur"), "currency", "a lower-case currency"),
            ("/one", _with(channel="mobile"), "channel", "an unknown channel"),
            ("/one", _with(amount=_MISSING), "amount", "a missing amount"),
            ("/one", {**GOOD, "ammount": 1.0}, "ammount", "an extra field"),
            ("/batch", five, "transactions.3.amount", "a NaN amount in the 4th transaction"),
            ("/batch", _batch(0), "transactions", "an empty batch"),
        ]
        texts = [(route, _text(body)) for route, body, _, _ in cases]
        texts.append(("/one", _text(GOOD)))
        texts.append(("/batch", _text(_batch(3))))
        results = observe(submission, _post_bodies, texts)
        for (route, _, field, why), (_, text), got in zip(cases, texts, results, strict=False):
            where = f"POST {route} with {why}: {text[:200]}"
            if got["status"] != 422:
                fail(
                    f"{where} answered {got['status']} ({got['text'][:200]}), expected 422. A 500 "
                    "here means the 422 handler could not write its body: readable_errors must "
                    "return only JSON-safe values (never the rejected input, which may be a NaN)"
                    if got["status"] == 500
                    else f"{where} answered {got['status']}, expected 422: the schema must "
                    "refuse this body"
                )
            details = (got["json"] or {}).get("details")
            fields = [d.get("field") for d in details or [] if isinstance(d, dict)]
            if field not in fields:
                fail(
                    f"{where} answered 422 with the details {str(details)[:300]}: expected an "
                    f"error whose field is {field!r}, so that the client knows what to fix"
                )
        for (route, text), got in zip(texts[len(cases) :], results[len(cases) :], strict=True):
            if got["status"] != 200:
                fail(
                    f"POST {route} with a valid body {text[:200]} answered {got['status']} "
                    f"({got['text'][:200]}), expected 200: FastAPI validates json.loads(body) "
                    "with model_validate (strict mode on the whole model refuses the timestamp's "
                    "string there: make the numbers strict field by field)"
                )
