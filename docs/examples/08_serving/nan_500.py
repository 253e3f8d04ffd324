"""Worked example: a bare `NaN` in a JSON body turns FastAPI's default 422 into a 500, and the fix.

Python's `json.loads`, which FastAPI uses, reads the literals `NaN`, `Infinity` and `-Infinity`
(and `1e309`, as infinity), although JSON has no such values. The refund model refuses them, so
FastAPI raises `RequestValidationError`, and its default handler answers 422 with the errors,
each holding the rejected `input`: here a float NaN. `JSONResponse` encodes with
`allow_nan=False`, the encoding raises `ValueError`, and the client gets a 500 for its own mistake.

The fix is a handler of our own for `RequestValidationError` that sends only what is always JSON:
where the error is and what it says, never the input (which may be a NaN) nor the context (which
may hold an exception object). The exercise writes its own version, `readable_errors`.

Every request goes through `httpx.ASGITransport`: the app runs in this process, no socket.

Run: python docs/examples/08_serving/nan_500.py
"""

from __future__ import annotations

import asyncio
import json

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from strict_models import GOOD, Refund

BODIES = {
    "amount -5": "{" + GOOD + ', "amount": -5}',
    "amount NaN": "{" + GOOD + ', "amount": NaN}',
    "amount 1e309": "{" + GOOD + ', "amount": 1e309}',
    "not JSON": "{" + GOOD + ', "amount": }',
}


def make_app(fixed: bool) -> FastAPI:
    app = FastAPI()

    @app.post("/refunds")
    def create_refund(refund: Refund) -> dict:
        return {"refund_id": refund.refund_id, "status": "accepted"}

    if fixed:

        @app.exception_handler(RequestValidationError)
        async def refuse_body(request: Request, error: RequestValidationError) -> JSONResponse:
            details = [
                {"loc": [str(part) for part in e["loc"]], "type": e["type"], "msg": e["msg"]}
                for e in error.errors()
            ]  # no "input", no "ctx": both may hold what JSON cannot
            return JSONResponse({"error": "invalid request body", "details": details}, 422)

    return app


async def post_all(app: FastAPI, raise_app_exceptions: bool) -> dict[str, str]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    seen = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for name, text in BODIES.items():
            try:
                response = await client.post(
                    "/refunds", content=text, headers={"content-type": "application/json"}
                )
            except Exception as exc:  # raised inside the app, handed to us by the transport
                seen[name] = f"raised {type(exc).__name__}: {exc}"
            else:
                seen[name] = f"{response.status_code} {summary(response)}"
    return seen


def summary(response: httpx.Response) -> str:
    """The answer in one line: plain text as it is, a JSON error as its first detail."""
    if not response.headers["content-type"].startswith("application/json"):
        return response.text
    body = response.json()
    first = (body.get("detail") or body.get("details"))[0]
    return json.dumps({**body, "detail" if "detail" in body else "details": [first]})


def main() -> None:
    print("Python's json.loads reads NaN:", json.loads('{"amount": NaN}'))
    print("FastAPI's default handler:")
    for name, answer in asyncio.run(post_all(make_app(fixed=False), False)).items():
        print(f"  {name}: {answer}")
    behind = asyncio.run(post_all(make_app(fixed=False), True))["amount NaN"]
    print(f"  behind the 500: {behind}")
    print("with a handler for RequestValidationError:")
    for name, answer in asyncio.run(post_all(make_app(fixed=True), False)).items():
        print(f"  {name}: {answer}")


if __name__ == "__main__":
    main()
