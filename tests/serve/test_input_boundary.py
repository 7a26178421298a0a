"""Hostile input at the server's boundary (issue 16, items 7 and 9): every malformed request is a
4xx that names the field or says what is wrong with the body, matches the OpenAPI document, and
costs nothing to the other requests -- including those merged into the same model batch.

Each class of attack is varied: every range of lone surrogate, every place text can hide in a
request, nesting in lists and objects at several depths, numbers JSON does not have, bodies that
are not UTF-8, headers and bodies that never arrive.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rewardlab.serve.config import ServerConfig
from rewardlab.serve.runner import BackgroundServer

from .openapi_check import OpenAPIChecker

pytestmark = pytest.mark.integration

GOOD = {"completion": "4", "answer": "4"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    # With the result cache on: its keys serialize the samples (where deep nesting used to give 500s).
    cache = tmp_path_factory.mktemp("cache") / "results.sqlite"
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url=str(cache))) as s:
        yield s


@pytest.fixture(scope="module")
def checker(server: BackgroundServer) -> OpenAPIChecker:
    return OpenAPIChecker(httpx.get(server.url + "/openapi.json").json())


def post(server: BackgroundServer, path: str, raw: bytes | str, **headers: str) -> httpx.Response:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return httpx.post(server.url + path, content=data, headers={"content-type": "application/json", **headers})


def nest(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


# ---- text that is not Unicode: 422 naming the field -------------------------------------------
SURROGATES = ["\\ud800", "\\udbff", "\\udc00", "\\udfff", "ok \\ud83d then", "\\ude00\\ud83d"]  # lone or reversed
PLACES: list[tuple[str, str, list[Any]]] = [
    ("/v1/score", '{"samples": [{"completion": "%s", "answer": "4"}]}', ["body", "samples", 0, "completion"]),
    ("/v1/score", '{"samples": [{"completion": "4", "answer": "%s"}]}', ["body", "samples", 0, "answer"]),
    (
        "/v1/score",
        '{"samples": [' + json.dumps(GOOD) + ', {"prompt": [{"role": "user", "content": "%s"}], "completion": "4"}]}',
        ["body", "samples", 1, "prompt", 0, "content"],
    ),
    ("/v1/score", '{"samples": [{"completion": "4", "meta": {"tags": ["x", "%s"]}}]}', ["body", "samples", 0, "meta"]),
    ("/v1/score", '{"samples": [{"completion": "4", "%s": 1}]}', ["body", "samples", 0]),
    ("/v1/score", '{"samples": [{"completion": "4"}], "group_key": "%s"}', ["body", "group_key"]),
    ("/get_reward", '{"query": ["q %s"], "prompts": ["q"]}', ["body", "query", 0]),
    ("/get_reward", '{"query": ["q a"], "prompts": ["%s"]}', ["body", "prompts", 0]),
    ("/get_reward", '{"query": ["q a"], "labels": [{"answer": "%s"}]}', ["body", "labels", 0, "answer"]),
]


@pytest.mark.parametrize("surrogate", SURROGATES)
@pytest.mark.parametrize(("path", "template", "loc"), PLACES)
def test_lone_surrogates_are_422_naming_the_field(
    server: BackgroundServer, checker: OpenAPIChecker, surrogate: str, path: str, template: str, loc: list[Any]
) -> None:
    r = post(server, path, template % surrogate)
    assert r.status_code == 422, r.text
    checker.validate("POST", path, r)
    error = r.json()["errors"][0]
    assert error["type"] == "surrogate" and "lone surrogate" in error["msg"]
    assert error["loc"][: len(loc)] == loc
    assert "not Unicode text" in r.json()["detail"]


def test_surrogate_pairs_are_text(server: BackgroundServer) -> None:
    r = post(server, "/v1/score", '{"samples": [{"completion": "\\ud83d\\ude00", "answer": "\\ud83d\\ude00"}]}')
    assert r.status_code == 200 and r.json()["results"][0]["score"] == 1.0


# ---- nesting ----------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [70, 300, 500, 900, 5000, 100_000])
@pytest.mark.parametrize("kind", ["list", "object"])
@pytest.mark.parametrize("field", ["meta", "answer"])
def test_deep_nesting_is_422_not_500(
    server: BackgroundServer, checker: OpenAPIChecker, depth: int, kind: str, field: str
) -> None:
    r = post(server, "/v1/score", f'{{"samples": [{{"completion": "4", "{field}": {nest(depth, kind)}}}]}}')
    assert r.status_code == 422, r.text[:300]
    checker.validate("POST", "/v1/score", r)
    error = r.json()["errors"][0]
    if error["type"] == "depth":  # found by the walk, with the field
        assert error["loc"][:4] == ["body", "samples", 0, field]
        assert "nested deeper than 64 levels" in error["msg"]
    else:  # too deep for the JSON decoder itself
        assert error["type"] == "json_invalid" and error["loc"] == ["body"] and "nested too deeply" in error["msg"]


def test_nesting_within_the_limit_is_scored(server: BackgroundServer) -> None:
    r = post(server, "/v1/score", f'{{"samples": [{{"completion": "4", "answer": "4", "meta": {nest(60)}}}]}}')
    assert r.status_code == 200 and r.json()["results"][0]["score"] == 1.0


def test_deep_labels_of_get_reward(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    r = post(server, "/get_reward", f'{{"query": ["q a"], "labels": [{nest(400)}]}}')
    assert r.status_code == 422
    checker.validate("POST", "/get_reward", r)
    assert r.json()["errors"][0]["loc"][:3] == ["body", "labels", 0]


# ---- bodies that are not JSON text ------------------------------------------------------------
BAD_BODIES = {
    "NaN": (b'{"samples": [{"completion": "4", "answer": NaN}]}', "NaN is not a JSON number"),
    "Infinity": (b'{"samples": [{"completion": "4", "x": Infinity}]}', "Infinity is not a JSON number"),
    "-Infinity": (b'{"samples": [{"completion": "4"}], "timeout_s": -Infinity}', "Infinity is not a JSON number"),
    "float overflow": (b'{"samples": [{"completion": "4", "x": 1e400}]}', "too large for a float"),
    "huge integer": (b'{"samples": [{"completion": "4", "answer": ' + b"9" * 5000 + b"}]}", "4300 digits"),
    "huge integer id": (b'{"samples": [{"completion": "4", "id": -' + b"1" * 4400 + b"}]}", "4300 digits"),
    "invalid byte": (b'{"samples": [{"completion": "\xff"}]}', "not UTF-8 text (byte 0xff"),
    "overlong encoding": (b'{"samples": [{"completion": "\xc0\xaf"}]}', "not UTF-8 text (byte 0xc0"),
    "encoded surrogate": (b'{"samples": [{"completion": "\xed\xa0\x80"}]}', "not UTF-8 text (byte 0xed"),
    "truncated sequence": (b'{"samples": [{"completion": "\xe2\x82"}]}', "not UTF-8 text"),
    "latin-1": ('{"samples": [{"completion": "café"}]}'.encode("latin-1"), "not UTF-8 text (byte 0xe9"),
    "utf-16": ('{"samples": [{"completion": "4"}]}'.encode("utf-16"), "not UTF-8 text"),
    "truncated JSON": (b'{"samples": [{"completion": "4"', "line 1 column"),
    "trailing garbage": (b'{"samples": [{"completion": "4"}]} x', "Extra data"),
}


@pytest.mark.parametrize("name", sorted(BAD_BODIES))
@pytest.mark.parametrize("path", ["/v1/score", "/get_reward"])
def test_undecodable_bodies_are_documented_422s(
    server: BackgroundServer, checker: OpenAPIChecker, name: str, path: str
) -> None:
    body, says = BAD_BODIES[name]
    r = post(server, path, body)
    assert r.status_code == 422, r.text
    checker.validate("POST", path, r)
    assert r.json()["errors"][0]["loc"] == ["body"]
    assert says in r.json()["detail"]


def test_a_bom_is_ignored(server: BackgroundServer) -> None:
    r = post(server, "/v1/score", b"\xef\xbb\xbf" + json.dumps({"samples": [GOOD]}).encode())
    assert r.status_code == 200 and r.json()["results"][0]["score"] == 1.0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_sent_as_json_says_so(server: BackgroundServer, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = httpx.post(server.url + "/v1/score", content=json.dumps({"samples": [GOOD]}), headers=headers)
    assert r.status_code == 422
    assert "Content-Type: application/json" in r.json()["detail"]


# ---- what the OpenAPI document says is what is accepted ---------------------------------------
@pytest.mark.parametrize(
    ("extra", "loc"),
    [
        ({"step": "5"}, ["body", "step"]),
        ({"step": True}, ["body", "step"]),
        ({"step": 1.5}, ["body", "step"]),
        ({"timeout_s": "30"}, ["body", "timeout_s"]),
        ({"timeout_s": False}, ["body", "timeout_s"]),
        ({"cache": 0}, ["body", "cache"]),
        ({"cache": "true"}, ["body", "cache"]),
        ({"group_key": 3}, ["body", "group_key"]),
        ({"samples": [{"completion": "4", "id": True}]}, ["body", "samples", 0, "id"]),
        ({"samples": [{"completion": 4}]}, ["body", "samples", 0, "completion"]),
    ],
)
def test_no_lax_coercions(
    server: BackgroundServer, checker: OpenAPIChecker, extra: dict[str, Any], loc: list[Any]
) -> None:
    body = {"samples": [GOOD], **extra}
    r = httpx.post(server.url + "/v1/score", json=body)
    assert r.status_code == 422, r.text
    checker.validate("POST", "/v1/score", r)
    assert r.json()["errors"][0]["loc"][: len(loc)] == loc


def test_the_document_accepts_what_it_describes(server: BackgroundServer, checker: OpenAPIChecker) -> None:
    body = {"samples": [{**GOOD, "id": 7}], "step": 3, "timeout_s": 30, "cache": False, "group_key": "answer"}
    checker.validate_request("/v1/score", body)
    assert httpx.post(server.url + "/v1/score", json=body).status_code == 200


@pytest.mark.parametrize("value", ["null", "", "0", "-1", "3601", "nan", "inf", "1e400", "30s", "true"])
@pytest.mark.parametrize("path", ["/v1/score", "/get_reward"])
def test_bad_timeout_header_is_422_naming_the_header(
    server: BackgroundServer, checker: OpenAPIChecker, value: str, path: str
) -> None:
    body = {"samples": [GOOD]} if path == "/v1/score" else {"query": ["q a"], "prompts": ["q"]}
    r = httpx.post(server.url + path, json=body, headers={"X-Request-Timeout": value})
    assert r.status_code == 422, (value, r.text)
    checker.validate("POST", path, r)
    assert r.json()["errors"][0]["loc"] == ["header", "X-Request-Timeout"]


def test_timeout_header_is_documented_as_the_number_it_is(checker: OpenAPIChecker) -> None:
    for path in ("/v1/score", "/get_reward"):
        params = checker.doc["paths"][path]["post"]["parameters"]
        header = next(p for p in params if p["name"] == "X-Request-Timeout")
        schema = header["schema"]  # a number, optional: never "null" (a header cannot be null)
        assert header["required"] is False
        assert schema["type"] == "number" and schema["exclusiveMinimum"] == 0 and schema["maximum"] == 3600


@pytest.mark.parametrize("value", ["0.5", "30", "3600", "1e2"])
def test_good_timeout_header_is_accepted(server: BackgroundServer, value: str) -> None:
    r = httpx.post(server.url + "/v1/score", json={"samples": [GOOD]}, headers={"X-Request-Timeout": value})
    assert r.status_code == 200


# ---- one bad request costs the others nothing -------------------------------------------------
def test_bad_requests_do_not_touch_concurrent_good_ones_in_a_merged_model_batch(tmp_path: Path) -> None:
    from rewardlab.models.bt.checkpoint import create_reward_model

    folder = create_reward_model(tmp_path / "rm", max_length=32, seed=3)
    cfg = ServerConfig(port=0, cache_url="off", max_delay_ms=50, max_batch_size=256)
    bad_bodies = [
        '{"samples": [{"prompt": "p", "completion": "bad \\ud800"}]}',
        f'{{"samples": [{{"prompt": "p", "completion": "x", "meta": {nest(500)}}}]}}',
        '{"samples": [{"prompt": [{"role": "user", "content": "\\udfff"}], "completion": "x"}]}',
    ]
    with BackgroundServer(f"rm:{folder}", cfg) as s:
        alone = httpx.post(s.url + "/v1/score", json={"samples": [{"prompt": "p", "completion": "good 0"}]}).json()

        async def main() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=s.url, timeout=60) as client:

                async def good(i: int) -> httpx.Response:
                    return await client.post(
                        "/v1/score", json={"samples": [{"prompt": "p", "completion": f"good {i}"}]}
                    )

                async def bad(i: int) -> httpx.Response:
                    raw = bad_bodies[i % len(bad_bodies)].encode("utf-8", "surrogatepass")
                    return await client.post("/v1/score", content=raw, headers={"content-type": "application/json"})

                return await asyncio.gather(*[good(i) if i % 2 else bad(i) for i in range(40)])

        responses = asyncio.run(main())
    for i, r in enumerate(responses):
        if i % 2:
            assert r.status_code == 200 and r.json()["results"][0]["status"] == "ok", r.text
        else:
            assert r.status_code == 422 and r.json()["errors"], r.text
    assert alone["results"][0]["status"] == "ok"


def test_a_sample_a_model_cannot_take_fails_alone_in_a_merged_batch() -> None:
    from ..rewards import PickyModel

    PickyModel.calls.clear()
    cfg = ServerConfig(port=0, cache_url="off", max_delay_ms=100, max_batch_size=256, warmup=False)
    with BackgroundServer("t_serve_picky_model", cfg) as s:

        async def main() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=s.url, timeout=60) as client:

                async def one(i: int) -> httpx.Response:
                    text = "poison" if i == 7 else "x" * (i + 1)
                    return await client.post("/v1/score", json={"samples": [{"completion": text}]})

                return await asyncio.gather(*[one(i) for i in range(30)])

        responses = asyncio.run(main())
    assert max(PickyModel.calls) > 1  # requests were merged into one model call
    for i, r in enumerate(responses):
        result = r.json()["results"][0]
        if i == 7:
            assert result["status"] == "error" and "the tokenizer refused a text" in result["error"]
        else:
            assert result["status"] == "ok" and result["score"] == float(i + 1), result


def test_a_reward_returning_nan_or_non_text_gives_a_response_not_a_500() -> None:
    with BackgroundServer("t_serve_odd", ServerConfig(port=0, cache_url="off")) as s:
        r = httpx.post(s.url + "/v1/score", json={"samples": [{"completion": "nan"}, {"completion": "text"}]})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert results[0]["info"]["value"] is None
    assert results[1]["info"]["value"] == "\ud800"  # the escape survives as JSON can carry it


# ---- tokens -----------------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["pässword", "tok en", "tab\there", "ключ", "", "emoji😀"])
def test_a_token_no_header_can_carry_is_refused_at_start(token: str) -> None:
    with pytest.raises(ValueError, match="token"):
        ServerConfig(token=token)


def test_an_ascii_token_with_symbols_matches() -> None:
    token = "A-z_0.9~+/=!#$%&'*^`|"
    with BackgroundServer("exact_match", ServerConfig(port=0, cache_url="off", token=token)) as s:
        ok = httpx.post(s.url + "/v1/score", json={"samples": [GOOD]}, headers={"Authorization": f"Bearer {token}"})
        wrong = httpx.post(s.url + "/v1/score", json={"samples": [GOOD]}, headers={"Authorization": "Bearer A-z"})
    assert ok.status_code == 200 and wrong.status_code == 401


# ---- connections that stall ---------------------------------------------------------------------
STALLS = {
    "silent": b"",
    "half a request line": b"POST /v1/sco",
    "headers without the blank line": b"POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n",
    "half a body": b"POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
    b"content-length: 200\r\n\r\n" + b'{"samples": [',
    "half a chunked body": b"POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
    b'transfer-encoding: chunked\r\n\r\n5\r\n{"sam\r\n',
}


def _read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return data + b"<still open>"
        if not chunk:
            return data
        data += chunk


@pytest.mark.parametrize("impl", ["httptools", "h11"])
def test_stalled_connections_get_408_and_are_closed(monkeypatch: pytest.MonkeyPatch, impl: str) -> None:
    import uvicorn.protocols.http.auto as auto

    if impl == "h11":
        from uvicorn.protocols.http.h11_impl import H11Protocol

        monkeypatch.setattr(auto, "AutoHTTPProtocol", H11Protocol)
    else:
        pytest.importorskip("httptools")
    cfg = ServerConfig(port=0, cache_url="off", header_timeout_s=0.5, body_timeout_s=0.8)
    with BackgroundServer("exact_match", cfg) as s:
        stalled: list[tuple[str, socket.socket]] = []
        for name, prefix in STALLS.items():
            for _ in range(4):
                sock = socket.create_connection(("127.0.0.1", s.port))
                sock.settimeout(20)
                sock.sendall(prefix)
                stalled.append((name, sock))
        # meanwhile the server serves
        r = httpx.post(s.url + "/v1/score", json={"samples": [GOOD]})
        assert r.status_code == 200
        for name, sock in stalled:
            with sock:
                answer = _read_until_closed(sock)
            assert answer.startswith(b"HTTP/1.1 408"), (name, answer[:200])
            assert b'"request_timeout"' in answer
        # a slow client on a kept-alive connection: its next request must arrive in time too
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.settimeout(20)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            time.sleep(0.2)
            sock.sendall(b"GET /hea")
            answer = _read_until_closed(sock)
        assert answer.startswith(b"HTTP/1.1 200") and b"HTTP/1.1 408" in answer
        assert httpx.get(s.url + "/healthz").status_code == 200


def test_a_slow_but_steady_upload_within_the_deadline_is_served() -> None:
    cfg = ServerConfig(port=0, cache_url="off", header_timeout_s=2.0, body_timeout_s=5.0)
    body = json.dumps({"samples": [GOOD]}).encode()
    with BackgroundServer("exact_match", cfg) as s, socket.create_connection(("127.0.0.1", s.port)) as sock:
        sock.settimeout(20)
        sock.sendall(
            b"POST /v1/score HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\nconnection: close\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
        )
        for i in range(0, len(body), 8):
            sock.sendall(body[i : i + 8])
            time.sleep(0.02)
        answer = _read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


def test_the_app_itself_reads_the_body_within_its_deadline() -> None:
    """The deadline any ASGI server gets (Ray Serve's proxy included, which rewardlab cannot give
    read deadlines): a body that stops arriving is a 408 that closes the connection, counted, and
    the route never runs; a body that arrives in time is served."""
    from rewardlab.serve.app import create_app

    app = create_app("exact_match", ServerConfig(cache_url="off", body_timeout_s=0.3))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/score",
        "raw_path": b"/v1/score",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"x"), (b"content-type", b"application/json"), (b"content-length", b"200")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }

    async def call(parts: list[bytes], stall: bool) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            if parts:
                return {"type": "http.request", "body": parts.pop(0), "more_body": bool(parts) or stall}
            await asyncio.sleep(3600)  # the client stopped sending
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(dict(message))

        await asyncio.wait_for(app(dict(scope), receive, send), 20)
        return sent

    stalled = asyncio.run(call([b'{"samples": ['], stall=True))
    start = stalled[0]
    assert start["status"] == 408 and (b"connection", b"close") in start["headers"]
    assert json.loads(stalled[1]["body"])["error"] == "request_timeout"
    body = json.dumps({"samples": [GOOD]}).encode()
    scope["headers"][-1] = (b"content-length", str(len(body)).encode())
    served = asyncio.run(call([body[:10], body[10:]], stall=False))
    # the route answered (its service is not started in this test): the body passed the guard in time
    assert served[0]["status"] == 503 and json.loads(served[1]["body"])["error"] == "not_ready", served


# ---- the check itself, against an oracle ------------------------------------------------------
def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def test_find_problem_agrees_with_utf8_encoding_and_depth() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from rewardlab.core.inputs import find_problem

    surrogates = st.sampled_from([chr(0xD800), chr(0xDBFF), chr(0xDC00), chr(0xDFFF), chr(0xDE00)])
    text = st.lists(st.characters() | surrogates, max_size=8).map("".join)
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
    values = st.recursive(
        leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(text, c, max_size=3), max_leaves=30
    )

    @settings(max_examples=400, deadline=None)
    @given(values, st.integers(1, 6))
    def check(value: Any, limit: int) -> None:
        problem = find_problem(value, max_depth=limit)
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            encodable = True
        except UnicodeEncodeError:
            encodable = False
        too_deep = _depth(value) > limit
        if problem is None:
            assert encodable and not too_deep
        else:
            assert (problem.kind == "surrogate" and not encodable) or (problem.kind == "depth" and too_deep)

    check()
