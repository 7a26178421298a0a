"""Calling into an untrusted program from trusted test code.

A :class:`ProgramSession` loads a program in a sandboxed process; the test code runs in the
checker's own process and gets :class:`RemoteObject` proxies for the program's functions. A
call sends the arguments to the program and decodes the answer with the restricted codec, so
whatever the program does -- exit early, redefine ``check``, patch builtins, start threads --
happens in its own process and cannot change how the checker judges the answers.

>>> from rewardlab.execution.sandbox import Sandbox
>>> with Sandbox(isolation="rlimits-only") as sb:
...     with ProgramSession(sb, "def add(a, b):\\n    return a + b\\n") as program:
...         add = program.function("add")
...         add(2, 3), program.names["add"]
(5, 'function')
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import pickle
import socket
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from ..wire import Channel, ChannelClosed, ChannelTimeout
from .client import ProgramHandle, Sandbox, SandboxLimits, describe_finish
from .codec import decode
from .errors import (
    ProgramDied,
    ProgramError,
    ProgramFault,
    ProgramLoadError,
    ProgramObjectRefused,
    ProgramProtocolError,
    ProgramTimeout,
    StaleProgramObject,
)
from .protocol import MAX_REPLY, NAME_KINDS, OPERATIONS

__all__ = ["ProgramSession", "RemoteObject"]

_BUILTIN_EXCEPTIONS = {
    name: value
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
# Exceptions that stop an iteration where they are raised: from a program's function they would
# end a test's ``map`` / ``filter`` / ``zip`` early (``all(map(candidate, cases))`` holds at once).
# They come back as failures (a ``ProgramError`` of the same name), except from ``next()`` on a
# program's iterator, where ending the iteration is what they mean.
_ITERATION_STOPPERS = frozenset({"StopIteration", "StopAsyncIteration"})
_NAME_KINDS = frozenset(NAME_KINDS)


class ProgramSession:
    """One program, loaded in a sandboxed process, with calls into it under a deadline.

    ``allow_objects``: whether calls may return objects that are not plain data (they come
    back as :class:`RemoteObject` handles; their comparisons and truthiness are then computed
    by the program). ``load_timeout``: seconds the program's top-level code may take.
    After a timeout or a crash, :meth:`restart` loads a fresh copy for the next test.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        code: str,
        limits: SandboxLimits | None = None,
        *,
        module: str = "solution",
        allow_objects: bool = False,
        load_timeout: float = 10.0,
        call_timeout: float = 10.0,
    ) -> None:
        self.sandbox = sandbox
        self.code = code
        self.limits = limits or SandboxLimits()
        self.module = module
        self.allow_objects = allow_objects
        self.load_timeout = load_timeout
        self.call_timeout = call_timeout
        self.names: dict[str, str] = {}
        self.generation = 0
        self.restarts = 0
        self._handle: ProgramHandle | None = None
        self._sock: socket.socket | None = None
        self._deadline: float | None = None
        self._exc_classes: dict[tuple[str, str], type[BaseException]] = {}
        self.last_status: dict[str, Any] | None = None
        # Requests sent ahead of their calls (see ``prefetch``): (repr of the request, nonce, tag).
        self._ahead: deque[tuple[str, bytes, int]] = deque()

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> ProgramSession:
        """Load the program; raises :class:`ProgramLoadError` if it fails before its tests."""
        self.generation += 1
        self._ahead.clear()
        nonce = os.urandom(16)
        handle = self.sandbox.spawn_rpc(self.code, self.limits, module=self.module, nonce=nonce)
        self._handle, self._sock = handle, handle.sock
        self._channel = Channel(handle.sock, watch=handle.pidfd, max_bytes=MAX_REPLY)
        try:
            reply = self._receive(time.monotonic() + self.load_timeout, nonce)
        except ProgramTimeout:
            raise ProgramLoadError(
                f"the program's top-level code ran past {self.load_timeout:g} s", kind="timeout"
            ) from None
        except ProgramDied as exc:
            raise ProgramLoadError(f"the program exited while loading ({exc.status})", kind="crash") from None
        except ProgramFault as exc:
            self.stop()
            raise ProgramLoadError(f"the program misbehaved while loading: {exc}", kind="error") from None
        tag = reply[0] if type(reply) is tuple and reply else None
        if tag == "loaded" and len(reply) == 2 and type(reply[1]) is dict:
            # (only names a program can define at top level: a forged greeting cannot offer
            # ``__builtins__`` or other dunder names to whoever binds the program's names)
            self.names = {
                k: v
                for k, v in reply[1].items()
                if type(k) is str and k.isidentifier() and not k.startswith("__") and v in _NAME_KINDS
            }
            return self
        if tag == "load_error" and len(reply) == 6:
            self.stop()
            exc_type, message, tb = str(reply[1]), str(reply[4]), str(reply[5])
            if exc_type == "SystemExit":
                raise ProgramLoadError(
                    f"the program exited while loading (SystemExit: {message or 0})", kind="crash", traceback=tb
                )
            raise ProgramLoadError(
                f"the program failed to load: {exc_type}: {message}", kind="error", traceback=_tail(tb)
            )
        self.stop()
        raise ProgramLoadError("the program sent a malformed greeting", kind="error")

    def restart(self) -> ProgramSession:
        """Stop the current program process (if any) and load a fresh one."""
        self.stop()
        self.restarts += 1
        return self.start()

    @property
    def running(self) -> bool:
        return self._sock is not None

    def stop(self, wait_s: float = 0.0, *, status: bool = False) -> dict[str, Any] | None:
        """Kill the program process and everything it started.

        With ``status=True`` waits for the fork server's account of how it ended (exit code,
        signal) and returns it; otherwise the clean-up proceeds while the caller goes on.
        """
        self._sock = None
        self._ahead.clear()  # (their answers die with the process)
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()
            self.last_status = self.sandbox.finish(handle.run_id, wait_s, wait=status)
        return self.last_status

    def __enter__(self) -> ProgramSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- deadlines ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def deadline(self, seconds: float | None, *, until: float | None = None) -> Iterator[None]:
        """Calls inside this block must all finish within ``seconds`` (and before ``until``)."""
        previous = self._deadline
        limit = time.monotonic() + seconds if seconds is not None else None
        if until is not None:
            limit = until if limit is None else min(limit, until)
        self._deadline = limit
        try:
            yield
        finally:
            self._deadline = previous

    # ---- proxies -----------------------------------------------------------------------------
    def function(self, name: str) -> RemoteObject:
        """A proxy for the program's top-level ``name`` (looked up at each use)."""
        return RemoteObject(self, name, name, self.generation)

    def value(self, name: str) -> Any:
        """The program's top-level ``name`` itself: plain data, an exception class (as a local
        stand-in), or -- when objects are allowed -- a proxy."""
        return self.request(("get", name))

    def global_(self, name: str) -> Any:
        """What test code should see for the program's top-level ``name``: a proxy for functions
        and classes (called remotely), the value itself for exception classes and constants."""
        if self.names.get(name) in ("exception", "value"):
            return self.value(name)
        return self.function(name)

    def handle(self, handle_id: int, type_name: str) -> RemoteObject:
        if not self.allow_objects:
            raise ProgramObjectRefused(
                f"the program returned a {type_name} object; only plain values (numbers, strings, bytes, lists, "
                "tuples, dicts, sets, None) are accepted from programs here"
            )
        return RemoteObject(self, handle_id, type_name, self.generation)

    def exception_class(self, qualname: str, base: str, builtin: bool) -> type[BaseException]:
        """The checker-side class for an exception class of the program.

        Built-in exceptions are themselves, except those that stop iterations (``StopIteration``
        and its kin), which become a :class:`ProgramError` of the same name.
        """
        if base in _ITERATION_STOPPERS:
            builtin = False
        if builtin and base in _BUILTIN_EXCEPTIONS:
            cls = _BUILTIN_EXCEPTIONS[base]
            if issubclass(cls, Exception):
                return cls
        key = (qualname, base)
        cls = self._exc_classes.get(key)
        if cls is None:
            parent = _BUILTIN_EXCEPTIONS.get(base, Exception)
            if not issubclass(parent, Exception) or parent is Exception or base in _ITERATION_STOPPERS:
                bases: tuple[type, ...] = (ProgramError,)
            else:
                bases = (ProgramError, parent)
            name = qualname.rsplit(".", 1)[-1][:100] or "ProgramError"
            if not name.isidentifier():
                name = "ProgramError"
            namespace = {"__module__": self.module, "__qualname__": qualname[:200]}
            if base == "StopIteration":
                namespace["_rl_ends_iteration"] = True  # (from next() on a program's iterator)
            cls = type(name, bases, namespace)
            self._exc_classes[key] = cls
        return cls

    # ---- pipelining ----------------------------------------------------------------------------
    def prefetch(self, requests: list[tuple[tuple[Any, ...], int]]) -> None:
        """Send ``requests`` -- (request, tag) pairs -- now, in one write; the program answers them
        in order, and the same requests made next (by ``request``, in that order) take those
        answers instead of a round trip each. ``tag`` marks whose requests they are (a test unit),
        for ``drop_ahead``. Each still has its own nonce: no answer can be written before its
        request was sent."""
        if self._sock is None or not requests:
            return
        payloads = []
        for message, tag in requests:
            nonce = os.urandom(16)
            payloads.append(self._encode((nonce, message)))
            self._ahead.append((repr(message), nonce, tag))
        try:
            self._channel.send_many(payloads)
        except (ChannelClosed, OSError):
            self._died()

    def function_name(self, obj: Any) -> str | None:
        """The name of the program's function (or class) that ``obj`` stands for, when it is one
        of this session's proxies for a top-level name; else None."""
        if type(obj) is RemoteObject and obj._rl_session is self and type(obj._rl_target) is str:
            return obj._rl_target
        return None

    @property
    def ahead(self) -> int:
        """Requests sent ahead whose answers were not taken yet."""
        return len(self._ahead)

    def drop_ahead(self, before: int | None = None, *, deadline: float | None = None) -> None:
        """Read and discard the answers of requests sent ahead (those tagged below ``before``, or
        all): their calls were never made (a test stopped early). A program that does not answer
        them by ``deadline`` is stopped like any call that times out."""
        deadline = deadline if deadline is not None else time.monotonic() + self.call_timeout
        while self._ahead and (before is None or self._ahead[0][2] < before):
            _key, nonce, _tag = self._ahead.popleft()
            with contextlib.suppress(ProgramObjectRefused):  # (an answer nobody asked for)
                self._receive(deadline, nonce)

    # ---- the channel -------------------------------------------------------------------------
    def request(self, message: tuple[Any, ...]) -> Any:
        """Send one request and return the decoded answer (or raise what the program raised)."""
        sock = self._sock
        if sock is None:
            raise ProgramDied("the program is not running (it was stopped after an earlier failure)")
        deadline = self._deadline if self._deadline is not None else time.monotonic() + self.call_timeout
        if self._ahead:
            if self._ahead[0][0] == repr(message):  # sent ahead (``prefetch``): its answer is on the way
                _key, nonce, _tag = self._ahead.popleft()
                return self._answer(self._receive(deadline, nonce))
            self.drop_ahead(deadline=deadline)  # not the call that was planned: forget the plan
            if self._sock is None:
                raise ProgramDied("the program is not running (it was stopped after an earlier failure)")
        nonce = os.urandom(16)
        payload = self._encode((nonce, message))
        try:
            self._channel.send(payload)
        except (ChannelClosed, OSError):
            self._died()
        return self._answer(self._receive(deadline, nonce))

    def _answer(self, reply: Any) -> Any:
        """The value of a program's answer, or raise what the program raised."""
        if type(reply) is not tuple or not reply:
            raise ProgramProtocolError("malformed answer from the program")
        tag = reply[0]
        if tag == "ok" and len(reply) == 2:
            return reply[1]
        if tag == "raise" and len(reply) == 6:
            raise self._exception(reply)
        if tag == "protocol":
            raise ProgramProtocolError(f"the program could not read the request: {str(reply[1:])[:300]}")
        raise ProgramProtocolError("malformed answer from the program")

    def _receive(self, deadline: float, nonce: bytes) -> Any:
        """The answer to the request sent with ``nonce`` (anything else is a protocol error)."""
        message = self._receive_message(deadline)
        if type(message) is not tuple or len(message) != 2 or message[0] != nonce or type(message[0]) is not bytes:
            self.stop()
            raise ProgramProtocolError(
                "the program's answer does not belong to the request (sent ahead of time or forged); it was stopped"
            )
        return message[1]

    def _receive_message(self, deadline: float) -> Any:
        sock = self._sock
        if sock is None:
            raise ProgramDied("the program is not running")
        try:
            payload = self._channel.recv(deadline)
        except ChannelTimeout:
            self.stop()
            raise ProgramTimeout("the program did not answer within the time limit; it was killed") from None
        except ChannelClosed:
            self._died()
        except ValueError as exc:  # announced size over the limit
            self.stop()
            raise ProgramProtocolError(f"the program sent too much data: {exc}") from None
        return decode(payload, self)

    def _died(self) -> None:
        status = self.stop(wait_s=1.0, status=True) or {}
        words = describe_finish(status)
        raise ProgramDied(f"the program process ended during the call ({words})", status=words)

    def _encode(self, message: tuple[Any, ...]) -> bytes:
        try:  # the common case: only plain data (a RemoteObject refuses plain pickling)
            return pickle.dumps(message, protocol=5)
        except (TypeError, pickle.PicklingError, AttributeError):
            pass
        buf = io.BytesIO()
        pickler = _RequestPickler(buf, self)
        try:
            pickler.dump(message)
        except ProgramFault:
            raise
        except Exception as exc:
            raise TypeError(f"cannot pass this value to the program: {exc}") from None
        return buf.getvalue()

    def _exception(self, reply: tuple[Any, ...]) -> BaseException:
        _tag, qualname, base, builtin, message, tb = reply
        if not (type(qualname) is str and type(base) is str and type(builtin) is bool and type(message) is str):
            return ProgramProtocolError("malformed error from the program")
        tb = tb if type(tb) is str else ""
        if builtin and qualname in ("SystemExit", "KeyboardInterrupt", "GeneratorExit"):
            return ProgramDied(f"the program raised {qualname} ({message or 0}) during a call", status=qualname)
        cls = self.exception_class(qualname, base, builtin)
        try:
            exc = cls(message)
        except Exception:  # e.g. UnicodeDecodeError needs five arguments
            exc = self.exception_class(qualname, base, False)(message)
        with contextlib.suppress(Exception):
            exc.program_traceback = _tail(tb)  # type: ignore[attr-defined]
        return exc

    # ---- operations used by RemoteObject -------------------------------------------------------
    def _check(self, obj: RemoteObject) -> Any:
        if obj._rl_gen != self.generation and type(obj._rl_target) is int:
            raise StaleProgramObject(
                f"a {obj._rl_type} object from an earlier run of the program was used after a restart"
            )
        return obj._rl_target


class _RequestPickler(pickle.Pickler):
    def __init__(self, buf: io.BytesIO, session: ProgramSession) -> None:
        super().__init__(buf, protocol=5)
        self.session = session

    def persistent_id(self, obj: Any) -> Any:
        if type(obj) is RemoteObject:
            if obj._rl_session is not self.session:
                raise TypeError("an object of another program cannot be passed to this one")
            return ("ref", self.session._check(obj))
        return None


def _tail(text: str, limit: int = 4000) -> str:
    return text if len(text) <= limit else "..." + text[-limit:]


class RemoteObject:
    """A function, class or object that lives in the program process; every use is a call into it."""

    __slots__ = ("_rl_gen", "_rl_session", "_rl_target", "_rl_type")

    def __init__(self, session: ProgramSession, target: int | str, type_name: str, generation: int) -> None:
        object.__setattr__(self, "_rl_session", session)
        object.__setattr__(self, "_rl_target", target)
        object.__setattr__(self, "_rl_type", type_name)
        object.__setattr__(self, "_rl_gen", generation)

    def _rl_op(self, name: str, *args: Any) -> Any:
        session = self._rl_session
        return session.request(("op", name, session._check(self), args))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        session = self._rl_session
        return session.request(("call", session._check(self), args, kwargs))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocol probes (copy, numpy, pytest) stay local
        session = self._rl_session
        return session.request(("getattr", session._check(self), name))

    def __setattr__(self, name: str, value: Any) -> None:
        session = self._rl_session
        session.request(("setattr", session._check(self), name, value))

    def __repr__(self) -> str:
        if type(self._rl_target) is str:
            return f"<program {self._rl_type}>"
        try:
            text = self._rl_op("repr")
        except (ProgramFault, Exception):
            return f"<program object {self._rl_type}>"
        return text if type(text) is str else f"<program object {self._rl_type}>"

    def __iter__(self) -> Any:
        return self._rl_op("iter")

    def __next__(self) -> Any:
        try:
            return self._rl_op("next")
        except ProgramError as exc:  # the program's iterator is exhausted: the end of the iteration
            if getattr(type(exc), "_rl_ends_iteration", False):
                raise StopIteration(*exc.args) from None
            raise

    def __contains__(self, item: Any) -> bool:
        return bool(self._rl_op("contains", item))

    def __copy__(self) -> RemoteObject:
        return self

    def __deepcopy__(self, memo: Any) -> RemoteObject:
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a program object cannot be pickled")

    def __enter__(self) -> Any:
        return self._rl_op("enter")

    def __exit__(self, *exc: Any) -> Any:
        return self._rl_op("exit", None, None, None)


def _forward(op: str) -> Any:
    def method(self: RemoteObject, *args: Any) -> Any:
        return self._rl_op(op, *args)

    method.__name__ = f"__{op}__"
    return method


def _checked(op: str, kind: type, what: str) -> Any:
    """``_forward(op)`` for a dunder whose answer Python requires to be a ``kind``: any other answer
    (a handle to another program object included) is a ``TypeError`` saying ``what`` was expected."""

    def method(self: RemoteObject) -> Any:
        value = self._rl_op(op)
        if type(value) is not kind:
            raise TypeError(f"__{op}__ of a program object did not return {what}")
        return value

    method.__name__ = f"__{op}__"
    return method


# The operations whose answer is checked to be exactly a plain str, bool or int.
_CHECKED: dict[str, tuple[type, str]] = {
    "str": (str, "a string"),
    "bool": (bool, "a bool"),
    "hash": (int, "an int"),
    "len": (int, "an int"),
}
# The operations with a method of their own above; the others map to the dunder of the same name.
# (``dir`` stays local: ``dir()`` of a proxy lists the proxy.)
_OWN_METHODS = frozenset({"repr", "iter", "next", "contains", "enter", "exit", "dir"})
for _op in OPERATIONS:
    if _op in _CHECKED:
        setattr(RemoteObject, f"__{_op}__", _checked(_op, *_CHECKED[_op]))
    elif _op not in _OWN_METHODS:
        setattr(RemoteObject, f"__{_op}__", _forward(_op))
del _op
