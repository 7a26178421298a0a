"""Strict decoding of JSON request bodies: what cannot be decoded is a 422 that says why, never a 400 or a 500.

Python's ``json.loads`` (what FastAPI uses) accepts ``NaN`` and ``Infinity``, turns ``1e400`` into
an infinite float, raises ``ValueError`` (not a decode error) for integers of more than 4300
digits and ``RecursionError`` for deep nesting, and guesses UTF-16/32 from the first bytes. Each of
these used to become an undocumented 400 ("There was an error parsing the body") or a value no
reward expects. :func:`decode_json_body` accepts exactly RFC 8259 JSON in UTF-8 (a leading BOM is
ignored) and raises :class:`BodyDecodeError` -- a ``json.JSONDecodeError``, which FastAPI turns into
a 422 located at ``["body"]`` whose message says what and where -- for everything else.

>>> decode_json_body(b'{"samples": [{"completion": "4"}]}')
{'samples': [{'completion': '4'}]}
>>> decode_json_body(b'{"x": NaN}')
Traceback (most recent call last):
...
rewardlab.serve.body.BodyDecodeError: NaN is not a JSON number (use null): line 1 column 1 (char 0)
>>> decode_json_body(b'\\xef\\xbb\\xbf{"a": 1}')
{'a': 1}
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from ..core.inputs import MAX_DEPTH

__all__ = ["BodyDecodeError", "decode_json_body", "strict_json_route"]


class BodyDecodeError(json.JSONDecodeError):
    """The body is not a JSON document this server accepts (``msg`` says why, ``pos`` where)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (use null)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is too large for a float")
    return value


def decode_json_body(body: bytes) -> Any:
    """The JSON value of a request body, or :class:`BodyDecodeError`."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyDecodeError(
            f"the body is not UTF-8 text (byte 0x{body[exc.start]:02x} at offset {exc.start})", "", exc.start
        ) from None
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise BodyDecodeError(f"{exc.msg} at line {exc.lineno} column {exc.colno}", "", exc.pos) from None
    except RecursionError:
        raise BodyDecodeError(
            f"lists/objects are nested too deeply (a sample may nest at most {MAX_DEPTH} levels)", "", 0
        ) from None
    except ValueError as exc:  # NaN/Infinity, a float overflow, an integer over Python's digit limit
        message = str(exc)
        if "integer string conversion" in message:
            message = "an integer has more than 4300 digits"
        raise BodyDecodeError(message, "", 0) from None


@functools.cache
def strict_json_route() -> Any:
    """The FastAPI route class whose JSON bodies are decoded by :func:`decode_json_body`."""
    from fastapi.routing import APIRoute
    from starlette.requests import Request

    class StrictJSONRequest(Request):
        async def json(self) -> Any:
            if not hasattr(self, "_json"):
                self._json = decode_json_body(await self.body())
            return self._json

    class StrictJSONRoute(APIRoute):
        def get_route_handler(self) -> Any:
            handler = super().get_route_handler()

            async def strict_handler(request: Request) -> Any:
                return await handler(StrictJSONRequest(request.scope, request.receive))

            return strict_handler

    return StrictJSONRoute
