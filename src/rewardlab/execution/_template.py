"""The processes behind a :class:`~rewardlab.execution.pool.WorkerPool`.

A pool starts one **template** process (a fresh interpreter, single-threaded, in its own
session so a terminal's Ctrl-C does not reach it). The template imports what workers need
once, then forks **workers** on request: a fork of a single-threaded process is safe, and a
replacement worker is ready in milliseconds with everything already imported. The template
reaps its children and reports how each one died; when the pool's process goes away (its end
of the control channel closes) the template kills every worker and exits.

A worker serves tasks one at a time over its own socket: it unpickles ``(fn, args, kwargs)``,
sets its CPU limit for the task, calls ``fn``, and sends back the value or the exception.

This module is imported by the template and the workers, not by users.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import pickle
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

from . import limits
from .errors import OutputTooLarge, RemoteError
from .wire import ChannelClosed, recv_bytes, send_bytes

# Launched as: python -c BOOTSTRAP <control-fd> <config-pickle-hex>
BOOTSTRAP = (
    "import sys, pickle; cfg = pickle.loads(bytes.fromhex(sys.argv[2])); sys.path[:] = cfg['sys_path']; "
    "from rewardlab.execution._template import template_main; template_main(int(sys.argv[1]), cfg)"
)

CONTROL_MAX = 1 << 20
LOADING_MAIN = False  # True while a worker imports the parent's __main__ script


# ---------------------------------------------------------------------------------------------
# template side
# ---------------------------------------------------------------------------------------------
class _Template:
    def __init__(self, control: socket.socket, cfg: dict[str, Any]) -> None:
        self.control = control
        self.cfg = cfg
        self.children: set[int] = set()
        self.exited: dict[int, int] = {}  # pid -> wait status, for "status" queries
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_w, False)
        os.set_blocking(self.wake_r, False)

    # -- reaping ------------------------------------------------------------------------------
    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.exited[pid] = status
            if len(self.exited) > 4096:  # bounded memory
                for old in list(self.exited)[:1024]:
                    del self.exited[old]

    def status_of(self, pid: int, wait_s: float) -> int | None:
        deadline = time.monotonic() + wait_s
        while True:
            self.reap()
            if pid in self.exited:
                return self.exited[pid]
            if pid not in self.children or time.monotonic() >= deadline:
                return None
            time.sleep(0.002)

    # -- serving ------------------------------------------------------------------------------
    def serve(self) -> None:
        poller = select.poll()
        poller.register(self.control.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
        poller.register(self.wake_r, select.POLLIN)
        while True:
            try:
                events = poller.poll(1000)
            except InterruptedError:  # pragma: no cover
                continue
            for fd, _ev in events:
                if fd == self.wake_r:
                    with contextlib.suppress(BlockingIOError):
                        while os.read(self.wake_r, 512):
                            pass
            self.reap()
            if any(fd == self.control.fileno() for fd, _ in events):
                try:
                    data, fds, _flags, _addr = socket.recv_fds(self.control, CONTROL_MAX, 4)
                except OSError:
                    data = b""
                for fd in fds:
                    os.close(fd)
                if not data:
                    self.shutdown()
                    return
                self.handle(pickle.loads(data))

    def reply(self, message: Any, fds: list[int] | None = None) -> None:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if fds:
            socket.send_fds(self.control, [payload], fds)
        else:
            self.control.sendall(payload)

    def handle(self, message: tuple[Any, ...]) -> None:
        op = message[0]
        if op == "spawn":
            self.spawn()
        elif op == "status":
            status = self.status_of(int(message[1]), float(message[2]))
            self.reply(("status", status))
        elif op == "ping":
            self.reply(("pong", os.getpid()))
        else:  # pragma: no cover - protocol error from our own pool
            self.reply(("error", f"unknown template command {op!r}"))

    def spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # worker
            code = 70
            try:
                ours.close()
                self.control.close()
                os.close(self.wake_r)
                os.close(self.wake_w)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                worker_main(theirs, self.cfg, template_pid=os.getppid())
                code = 0
            except BaseException:  # pragma: no cover - last resort, the pool sees the crash
                with contextlib.suppress(Exception):
                    traceback.print_exc()
            finally:
                os._exit(code)
        theirs.close()
        self.children.add(pid)
        pidfd = -1
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(pid)
        fds = [ours.fileno()] + ([pidfd] if pidfd >= 0 else [])
        try:
            self.reply(("spawned", pid, pidfd >= 0), fds)
        finally:
            ours.close()
            if pidfd >= 0:
                os.close(pidfd)

    def shutdown(self) -> None:
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5.0
        while self.children and time.monotonic() < deadline:
            self.reap()
            if self.children:
                time.sleep(0.005)


def template_main(control_fd: int, cfg: dict[str, Any]) -> None:
    """Entry point of the template process (see ``BOOTSTRAP``)."""
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    template = _Template(control, cfg)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(template.wake_w)
    for name in cfg.get("preload", ()):
        try:
            importlib.import_module(name)
        except BaseException as exc:  # a missing optional module must not stop the pool
            print(f"rewardlab pool: could not preload {name!r}: {exc}", file=sys.stderr)
    # What the imports built lives as long as every worker: keep the garbage collector off it, so a
    # worker's collections do not walk (and copy-on-write) the whole inherited heap.
    gc.collect()
    gc.freeze()
    template.reply(("ready", os.getpid()))
    template.serve()


# ---------------------------------------------------------------------------------------------
# worker side
# ---------------------------------------------------------------------------------------------
def _load_main(path: str) -> None:
    """Make functions defined in the parent's ``__main__`` script importable (as multiprocessing does)."""
    import runpy
    import types

    main = sys.modules.get("__main__")
    if getattr(main, "__rewardlab_main_loaded__", False):
        return
    global LOADING_MAIN
    LOADING_MAIN = True
    try:
        namespace = runpy.run_path(path, run_name="__mp_main__")
    finally:
        LOADING_MAIN = False
    module = types.ModuleType("__mp_main__")
    module.__dict__.update(namespace)
    module.__rewardlab_main_loaded__ = True  # type: ignore[attr-defined]
    sys.modules["__main__"] = sys.modules["__mp_main__"] = module


def _error_reply(exc: BaseException) -> bytes:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    type_name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    sendable: BaseException = exc
    # An exception that would stop the *caller* (SystemExit, KeyboardInterrupt) travels as data.
    if not isinstance(exc, Exception) and not _is_timeout(exc):
        sendable = RemoteError(type_name, str(exc), tb)
    try:
        exc_bytes = pickle.dumps(sendable, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:
        exc_bytes = b""
    return pickle.dumps(("err", exc_bytes, type_name, str(exc), tb), protocol=pickle.HIGHEST_PROTOCOL)


def _is_timeout(exc: BaseException) -> bool:
    from ..core.errors import RewardTimeout

    return isinstance(exc, RewardTimeout)


def worker_main(sock: socket.socket, cfg: dict[str, Any], template_pid: int) -> None:
    """Serve tasks on ``sock`` until the pool closes it."""
    limits.set_parent_death_signal(signal.SIGKILL)
    if os.getppid() != template_pid:  # the template died between fork and prctl
        return
    limits.set_memory_limit(cfg.get("memory_mb"), hard=cfg.get("memory_hard", True))
    initializer = cfg.get("initializer")
    if initializer is not None:
        try:
            fn, args = pickle.loads(initializer)
            fn(*args)
        except BaseException as exc:
            send_bytes(sock, pickle.dumps(("init_error", _error_reply(exc))))
            return
    send_bytes(sock, pickle.dumps(("ready", os.getpid())))
    max_output = cfg.get("max_output_bytes")
    while True:
        try:
            message = recv_bytes(sock, None)
        except ChannelClosed:
            return
        _cpu, main_path, blob = pickle.loads(message)
        limits.set_cpu_limit(_cpu)
        try:
            if main_path:
                _load_main(main_path)
            fn, args, kwargs = pickle.loads(blob)
            del blob
            value = fn(*args, **kwargs)
            try:
                reply = pickle.dumps(("ok", value), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                raise RemoteError(
                    "pickle.PicklingError", f"the task's result ({type(value).__name__}) cannot be pickled: {exc}"
                ) from None
            del value
            if max_output is not None and len(reply) > max_output:
                raise OutputTooLarge(
                    f"the task's result is {len(reply)} bytes pickled; the pool accepts at most {max_output}"
                    " (max_output_bytes)"
                )
        except BaseException as exc:
            reply = _error_reply(exc)
        limits.set_cpu_limit(None)
        try:
            send_bytes(sock, reply)
        except ChannelClosed:
            return
        except OSError as exc:  # pragma: no cover
            if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                return
            raise
