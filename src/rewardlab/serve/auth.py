"""Bearer-token authentication, compared in constant time.

The token comes from ``--token`` or ``$REWARDLAB_TOKEN``. Without a token every request is
accepted (the server binds to 127.0.0.1 unless told otherwise). ``/healthz`` and ``/readyz``
stay open so that orchestrators can probe the server; everything else needs
``Authorization: Bearer <token>``.

>>> check_bearer("Bearer s3cret", "s3cret")
True
>>> check_bearer("Bearer wrong", "s3cret"), check_bearer(None, "s3cret"), check_bearer("s3cret", "s3cret")
(False, False, False)
>>> check_bearer(None, None)
True
"""

from __future__ import annotations

import hmac

__all__ = ["OPEN_PATHS", "check_bearer"]

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
