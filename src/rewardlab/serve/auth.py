"""Bearer-token authentication, compared in constant time.

The token comes from ``--token`` or ``$REWARDLAB_TOKEN``. Without a token every request is
accepted (the server binds to 127.0.0.1 unless told otherwise). ``/healthz`` and ``/readyz``
stay open so that orchestrators can probe the server; everything else, the OpenAPI document and
the docs pages included, needs ``Authorization: Bearer <token>``. A token is visible ASCII
(``!`` to ``~``): an HTTP header carries nothing else reliably, so another token could never
match and is refused when the server is configured (:func:`token_problem`).

>>> check_bearer("Bearer s3cret", "s3cret")
True
>>> check_bearer("Bearer wrong", "s3cret"), check_bearer(None, "s3cret"), check_bearer("s3cret", "s3cret")
(False, False, False)
>>> check_bearer(None, None)
True
>>> token_problem("s3cret-token_1"), token_problem("pässword")
(None, "the token has a character outside visible ASCII ('ä' at 1): HTTP headers cannot carry it")
"""

from __future__ import annotations

import hmac

__all__ = ["OPEN_PATHS", "check_bearer", "token_problem"]

OPEN_PATHS = frozenset({"/healthz", "/readyz"})


def check_bearer(header: str | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header carries ``token`` (always true when no token is set)."""
    if token is None:
        return True
    if not header:
        return False
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    # compare_digest on bytes: the time taken does not depend on where the strings differ.
    return hmac.compare_digest(value.strip().encode("utf-8"), token.encode("utf-8"))


def token_problem(token: str) -> str | None:
    """Why ``token`` cannot work as a bearer token, or ``None`` when it can."""
    if not token:
        return "the token is empty"
    for i, ch in enumerate(token):
        if not "!" <= ch <= "~":
            shown = "a space" if ch == " " else repr(ch)
            return f"the token has a character outside visible ASCII ({shown} at {i}): HTTP headers cannot carry it"
    return None
