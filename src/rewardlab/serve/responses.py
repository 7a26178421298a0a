"""JSON responses that cannot fail to encode.

Results carry text a reward extracted and numbers it computed. Starlette's ``JSONResponse``
raises on a float that is not finite and on a string that is not Unicode (a lone surrogate): the
request, every sample of it, would become a 500. :class:`SafeJSONResponse` renders those as JSON
can carry them -- ``null`` for NaN/inf, a ``\\udXXX`` escape for a lone surrogate -- instead.

>>> SafeJSONResponse({"score": float("nan"), "text": "a\\ud800"}).body
b'{"score":null,"text":"a\\\\ud800"}'
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["SafeJSONResponse"]


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class SafeJSONResponse(JSONResponse):
    """``JSONResponse`` that falls back to a lossless-as-possible encoding instead of raising."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (ValueError, UnicodeEncodeError):
            return json.dumps(_finite(content), ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode()
