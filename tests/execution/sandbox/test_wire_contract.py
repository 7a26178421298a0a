"""The sandbox's wire contract has one home, ``rewardlab.execution.sandbox.protocol``, and every side
agrees with it: the fork server (``zygote.py``, also as it loads itself by path inside the
isolation), the client that drives it, the codec that decodes what programs send, the remote
calls into a program and the framing of ``rewardlab.execution.wire``. Beside the constants, the
sides are run against each other: frames one side writes, the other reads; values the program
side pickles, the codec decodes; operations the checker asks for, the program side carries out.
"""

from __future__ import annotations
import __future__

import builtins
import importlib.util
import pickle
import re
import socket
import sys
import time
import types
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from rewardlab.execution import wire
from rewardlab.execution.sandbox import client, codec, protocol, remote, zygote

CONTRACT = list(protocol.__all__)


@pytest.fixture
def fork_server_copy() -> Iterator[types.ModuleType]:
    """zygote.py loaded by path, as the fork server loads itself (its siblings by path too)."""
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location("_rewardlab_zygote", client.ZYGOTE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        for name in set(sys.modules) - before:
            del sys.modules[name]


def test_every_side_takes_the_constants_from_the_protocol_module() -> None:
    assert zygote.protocol is protocol
    assert zygote.HEADER is protocol.FRAME_HEADER
    assert wire.FRAME_HEADER is protocol.FRAME_HEADER
    assert zygote.CONTROL_MAX == client.CONTROL_MAX == protocol.CONTROL_MAX
    assert zygote.COMPILE_FLAGS == client.COMPILE_FLAGS == protocol.COMPILE_FLAGS
    assert zygote.MAX_REQUEST == protocol.MAX_REQUEST
    assert zygote.NUMPY_KINDS == protocol.NUMPY_KINDS
    assert {id(t) for t in protocol.PLAIN_TYPES} == zygote.PLAIN_IDS
    assert {id(t) for t in protocol.PICKLED_BY_NAME} == zygote.GLOBALS_OK_IDS
    assert set(codec._ALLOWED_GLOBALS) == {("builtins", t.__name__) for t in protocol.PICKLED_BY_NAME}
    assert set(protocol.NUMPY_KINDS) == codec._NUMPY_KINDS
    assert set(protocol.NAME_KINDS) == remote._NAME_KINDS


def test_the_fork_server_loaded_by_path_reads_the_same_contract(fork_server_copy: types.ModuleType) -> None:
    theirs = fork_server_copy.protocol
    assert theirs is not protocol and theirs.__name__ == "_rewardlab_protocol"  # loaded by path, not imported
    assert Path(theirs.__file__).resolve() == Path(protocol.__file__).resolve()
    for name in CONTRACT:
        mine, other = getattr(protocol, name), getattr(theirs, name)
        if name == "FRAME_HEADER":
            assert other.format == mine.format
        else:
            assert other == mine, name
    assert fork_server_copy.HEADER is theirs.FRAME_HEADER


def test_the_compile_flags_postpone_annotations() -> None:
    assert __future__.annotations.compiler_flag == protocol.COMPILE_FLAGS
    code = compile("x: Undefined = 1\n", "<program>", "exec", flags=protocol.COMPILE_FLAGS, dont_inherit=True)
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    assert namespace["__annotations__"] == {"x": "Undefined"}


class _Resolver:
    """What a program session gives the codec: exception classes and handles, recorded."""

    def __init__(self) -> None:
        self.handles: list[tuple[int, str]] = []

    def handle(self, handle_id: int, type_name: str) -> Any:
        self.handles.append((handle_id, type_name))
        return ("handle", handle_id, type_name)

    def exception_class(self, qualname: str, base: str, builtin: bool) -> type[BaseException]:
        parent = getattr(builtins, base, Exception)
        return type(qualname, (parent if issubclass(parent, Exception) else Exception,), {})


class ProgramDefinedError(ValueError):
    """An exception class a program defines (it crosses as a tagged value, by name and base)."""


def _program_side(sock: socket.socket) -> Any:
    program = types.ModuleType("solution")
    return zygote._Host(program, sock)


def _sent_by_the_program(value: Any, resolver: _Resolver | None = None) -> Any:
    """``value`` as the program process sends it (``_Host.send``), read with ``wire`` and decoded
    with the codec, as the checker does."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        _program_side(theirs).send(value)
        payload = wire.recv_bytes(ours, deadline=time.monotonic() + 5, max_bytes=protocol.MAX_REPLY)
        return codec.decode(payload, resolver)


def test_every_plain_type_round_trips_from_the_program_to_the_checker() -> None:
    samples = {
        int: 7,
        float: 2.5,
        str: "é",
        bytes: b"\x00",
        bool: True,
        type(None): None,
        complex: 1 + 2j,
        list: [1],
        tuple: (1,),
        dict: {"a": 1},
        set: {1, 2},
        frozenset: frozenset({3}),
        bytearray: bytearray(b"ab"),
        range: range(1, 9, 2),
        slice: slice(1, None, 2),
    }
    assert set(samples) == protocol.PLAIN_TYPES
    decoded = _sent_by_the_program(list(samples.values()))
    assert decoded == list(samples.values())
    assert [type(v) for v in decoded] == list(samples)


def test_every_tagged_value_the_program_side_writes_the_codec_reads() -> None:
    np = pytest.importorskip("numpy")
    kept = object()
    values = {
        "fraction": Fraction(3, 4),
        "decimal": Decimal("1.25"),
        "ndarray": np.arange(3),
        "npscalar": np.float64(0.5),
        "exctype": ProgramDefinedError,
        "handle": kept,
    }
    assert set(values) == set(protocol.TAGGED_VALUES)
    resolver = _Resolver()
    decoded = dict(zip(values, _sent_by_the_program(list(values.values()), resolver), strict=True))
    assert decoded["fraction"] == Fraction(3, 4)
    assert decoded["decimal"] == Decimal("1.25")
    assert decoded["ndarray"].tolist() == [0, 1, 2]
    assert decoded["npscalar"] == 0.5
    assert issubclass(decoded["exctype"], ValueError) and decoded["exctype"].__name__ == "ProgramDefinedError"
    assert decoded["handle"][0] == "handle" and resolver.handles == [(decoded["handle"][1], "object")]


def test_frames_the_checker_writes_the_program_side_reads() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        host = _program_side(theirs)
        request = (b"nonce", ("get", "x"))
        wire.send_bytes(ours, pickle.dumps(request, protocol=5))  # remote's requests
        assert host.recv() == request
        spec = {"mode": "rpc", "code": "x = 1\n"}
        ours.sendall(client._program_message(spec, ""))  # the client's program message
        payload = host._read_frame()
    assert pickle.loads(payload) == spec


def test_the_operations_the_checker_asks_for_are_those_the_program_side_carries_out() -> None:
    assert set(zygote.OPS) == set(protocol.OPERATIONS)
    asked = set(re.findall(r'_rl_op\("(\w+)"', Path(remote.__file__).read_text(encoding="utf-8")))
    proxied = {op for op in protocol.OPERATIONS if f"__{op}__" in vars(remote.RemoteObject)}
    assert asked and asked <= proxied
    assert {"eq", "add", "rpow", "getitem"} <= proxied
    assert proxied == set(protocol.OPERATIONS) - {"dir"}  # dir() of a proxy stays local


def test_a_loaded_program_names_its_top_level_names_with_the_contract_kinds() -> None:
    program = types.ModuleType("solution")
    exec("def f(): pass\nclass C: pass\nclass E(Exception): pass\nN = 3\n", program.__dict__)
    kinds = zygote.public_names(program)
    assert kinds == {"f": "function", "C": "class", "E": "exception", "N": "value"}
    assert set(kinds.values()) == set(protocol.NAME_KINDS)
