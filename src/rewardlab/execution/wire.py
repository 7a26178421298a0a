"""Length-prefixed messages over a stream socket, with deadlines.

Both ends of a pool or sandbox channel are rewardlab code; payloads are pickles the *trusted*
side produced (untrusted program output is decoded separately, see ``sandbox.codec``).

>>> import socket
>>> a, b = socket.socketpair()
>>> send_bytes(a, b"hello")
>>> recv_bytes(b, deadline=None)
b'hello'
"""

from __future__ import annotations

import select
import socket
import struct
import time

__all__ = ["ChannelClosed", "ChannelTimeout", "recv_bytes", "send_bytes", "wait_readable"]

_HEADER = struct.Struct("!Q")


class ChannelClosed(ConnectionError):
    """The other end closed the channel (or died) before a whole message arrived."""


class ChannelTimeout(TimeoutError):
    """No whole message arrived before the deadline."""


def send_bytes(sock: socket.socket, payload: bytes | memoryview) -> None:
    """Send one message (header + payload). Raises ``ChannelClosed`` if the peer is gone."""
    try:
        if len(payload) < 65536:
            sock.sendall(_HEADER.pack(len(payload)) + bytes(payload))
        else:
            sock.sendall(_HEADER.pack(len(payload)))
            sock.sendall(payload)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise ChannelClosed(f"peer closed the channel: {exc}") from None


def wait_readable(fd: int, deadline: float | None) -> bool:
    """Wait until ``fd`` is readable or the ``time.monotonic()`` deadline passes; True if readable."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while True:
        if deadline is None:
            timeout_ms = None
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bool(poller.poll(0))
            timeout_ms = max(1, int(remaining * 1000 + 0.999))
        try:
            if poller.poll(timeout_ms):
                return True
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for safety
            continue
        if deadline is not None and time.monotonic() >= deadline:
            return False


def _recv_exact(sock: socket.socket, n: int, deadline: float | None, limit_hint: str = "") -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    fd = sock.fileno()
    while got < n:
        if not wait_readable(fd, deadline):
            raise ChannelTimeout(f"no complete message before the deadline{limit_hint}")
        try:
            k = sock.recv_into(view[got:], n - got)
        except (ConnectionResetError, OSError) as exc:
            raise ChannelClosed(f"channel error: {exc}") from None
        if k == 0:
            raise ChannelClosed("peer closed the channel")
        got += k
    return bytes(buf)


def recv_bytes(sock: socket.socket, deadline: float | None, max_bytes: int | None = None) -> bytes:
    """Receive one message. ``deadline`` is a ``time.monotonic()`` instant (None: wait forever).

    Raises ``ChannelTimeout``, ``ChannelClosed``, or ``ValueError`` when the announced size
    exceeds ``max_bytes`` (the payload is not read).
    """
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline))
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"message of {size} bytes exceeds the limit of {max_bytes}")
    if size == 0:
        return b""
    return _recv_exact(sock, size, deadline)
