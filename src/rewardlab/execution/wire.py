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


def wait_readable(fd: int, deadline: float | None, also: int | None = None) -> bool:
    """Wait until ``fd`` (or ``also``) is readable or the ``time.monotonic()`` deadline passes.

    True if one of them is readable.
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    if also is not None:
        poller.register(also, select.POLLIN | select.POLLHUP | select.POLLERR)
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


def _recv_exact(sock: socket.socket, n: int, deadline: float | None, watch: int | None = None) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    fd = sock.fileno()
    while got < n:
        if not wait_readable(fd, deadline, watch):
            raise ChannelTimeout("no complete message before the deadline")
        if watch is not None and not wait_readable(fd, time.monotonic()):
            raise ChannelClosed("the process at the other end exited")
        try:
            k = sock.recv_into(view[got:], n - got)
        except (ConnectionResetError, OSError) as exc:
            raise ChannelClosed(f"channel error: {exc}") from None
        if k == 0:
            raise ChannelClosed("peer closed the channel")
        got += k
    return bytes(buf)


def recv_bytes(
    sock: socket.socket, deadline: float | None, max_bytes: int | None = None, watch: int | None = None
) -> bytes:
    """Receive one message. ``deadline`` is a ``time.monotonic()`` instant (None: wait forever).

    ``watch``: a pidfd of the process at the other end; when it exits with nothing left to read
    the channel counts as closed (even if a child of that process still holds the socket).
    Raises ``ChannelTimeout``, ``ChannelClosed``, or ``ValueError`` when the announced size
    exceeds ``max_bytes`` (the payload is not read).
    """
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size, deadline, watch))
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"message of {size} bytes exceeds the limit of {max_bytes}")
    if size == 0:
        return b""
    return _recv_exact(sock, size, deadline, watch)
