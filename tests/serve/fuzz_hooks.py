"""Schemathesis hooks for the server fuzz test (loaded through ``SCHEMATHESIS_HOOKS``).

``POST /get_reward`` has one rule JSON Schema cannot state: ``prompts`` and ``labels``, when
given, hold one item per ``query`` (a 422 says so otherwise; ``test_input_boundary`` covers it).
Generated bodies are given matching lengths, so that a body the document calls valid is valid.
"""

from __future__ import annotations

from typing import Any

import schemathesis


@schemathesis.hook("map_case").apply_to(path="/get_reward")
def same_lengths(context: Any, case: Any) -> Any:
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("query"), list) and body["query"]:
        n = len(body["query"])
        for name in ("prompts", "labels"):
            value = body.get(name)
            if isinstance(value, list) and len(value) != n:
                if value:
                    body[name] = (value * n)[:n]
                else:
                    del body[name]
    return case
