"""Length-prefixed messages over a stream socket, with deadlines.

Both ends of a pool or sandbox channel are rewardlab code; payloads are pickles the *trusted*
side produced (untrusted program output is decoded separately, see ``sandbox.codec``). The frame
header is the sandbox's (``sandbox.protocol.FRAME_HEADER``): its fork server writes the same frames.

>>> import socket
>>> a, b = socket.socketpair()
>>> send_bytes(a, b"hello")
>>> recv_bytes(b, deadline=None)
b'hello'
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import time

from .sandbox.protocol import FRAME_HEADER

__all__ = [
    "Channel",
    "ChannelClosed",
    "ChannelTimeout",
    "close_process_channel",
    "recv_bytes",
    "send_bytes",
    "wait_readable",
]


class ChannelClosed(ConnectionError):
    """The other end closed the channel (or died) before a whole message arrived."""


class ChannelTimeout(TimeoutError):
    """No whole message arrived before the deadline."""


def send_bytes(sock: socket.socket, payload: bytes | memoryview) -> None:
    """Send one message (header + payload). Raises ``ChannelClosed`` if the peer is gone."""
    if len(payload) < 65536:
        _sendall(sock, FRAME_HEADER.pack(len(payload)) + bytes(payload))
    else:
        _sendall(sock, FRAME_HEADER.pack(len(payload)))
        _sendall(sock, payload)


def _sendall(sock: socket.socket, data: bytes | memoryview) -> None:
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise ChannelClosed(f"peer closed the channel: {exc}") from None


def close_process_channel(sock: socket.socket, pidfd: int | None) -> None:
    """Close a child process's channel and its pidfd (when there is one), ignoring errors of
    what is already closed."""
    with contextlib.suppress(OSError):
        sock.close()
    if pidfd is not None:
        with contextlib.suppress(OSError):
            os.close(pidfd)


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
    (size,) = FRAME_HEADER.unpack(_recv_exact(sock, FRAME_HEADER.size, deadline, watch))
    if max_bytes is not None and size > max_bytes:
        raise ValueError(f"message of {size} bytes exceeds the limit of {max_bytes}")
    if size == 0:
        return b""
    return _recv_exact(sock, size, deadline, watch)


class Channel:
    """A buffered reader of length-prefixed frames on one socket, with deadlines.

    Reads whatever is available (a frame usually arrives whole, so one ``recv`` per message)
    and keeps one poll object; ``watch`` is an optional pidfd of the peer process: when it
    exits with nothing left to read, the channel counts as closed.
    """

    def __init__(self, sock: socket.socket, watch: int | None = None, max_bytes: int | None = None) -> None:
        self.sock = sock
        self.watch = watch
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._fd = sock.fileno()
        self._poll = select.poll()
        self._poll.register(self._fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        if watch is not None:
            self._poll.register(watch, select.POLLIN | select.POLLHUP | select.POLLERR)

    def send(self, payload: bytes) -> None:
        send_bytes(self.sock, payload)

    def send_many(self, payloads: list[bytes]) -> None:
        """Send several messages with one system call (pipelined requests)."""
        _sendall(self.sock, b"".join(FRAME_HEADER.pack(len(p)) + p for p in payloads))

    def _frame(self) -> bytes | None:
        buf = self._buf
        if len(buf) < FRAME_HEADER.size:
            return None
        (size,) = FRAME_HEADER.unpack_from(buf)
        if self.max_bytes is not None and size > self.max_bytes:
            raise ValueError(f"message of {size} bytes exceeds the limit of {self.max_bytes}")
        end = FRAME_HEADER.size + size
        if len(buf) < end:
            return None
        frame = bytes(buf[FRAME_HEADER.size : end])
        del buf[:end]
        return frame

    def recv(self, deadline: float | None) -> bytes:
        """The next frame; raises ``ChannelTimeout`` / ``ChannelClosed`` / ``ValueError`` (too big)."""
        polled = False
        while True:
            frame = self._frame()
            if frame is not None:
                return frame
            chunk = None
            if polled or self._buf:  # an answer is rarely there before we poll: save the syscall
                try:
                    chunk = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    chunk = None
                except (ConnectionResetError, OSError) as exc:
                    raise ChannelClosed(f"channel error: {exc}") from None
            if chunk == b"":
                raise ChannelClosed("peer closed the channel")
            if chunk is not None:
                self._buf += chunk
                continue
            timeout_ms = None
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ChannelTimeout("no complete message before the deadline")
                timeout_ms = max(1, int(remaining * 1000 + 0.999))
            events = self._poll.poll(timeout_ms)
            polled = True
            if not events:
                if deadline is not None and time.monotonic() >= deadline:
                    raise ChannelTimeout("no complete message before the deadline")
                continue
            if self.watch is not None and all(fd == self.watch for fd, _ in events):
                # the peer exited; take what it sent before that, then report the close
                try:
                    chunk = self.sock.recv(1 << 16, socket.MSG_DONTWAIT)
                except (BlockingIOError, OSError):
                    chunk = b""
                if not chunk:
                    raise ChannelClosed("the process at the other end exited")
                self._buf += chunk
