"""The sandbox fork server ("zygote") and the program host.

This file runs as a standalone script inside the isolation (bubblewrap, namespaces, or plain
resource limits) and imports only the standard library. It is started once per checker
process, imports common modules once, and then forks one **program process** per run:

- the child drops to a per-sandbox unprivileged uid (when started as root), applies hard
  resource limits (address space, CPU seconds, file size, processes, open files), gets a
  private working directory, a scrubbed environment and no inherited file descriptors, and
  runs the program;
- ``rpc`` runs load the program as module ``solution`` and then answer calls from the
  checker over a socket (the tests never enter this process: the checker calls the program's
  functions remotely and judges the answers itself);
- ``stdio`` runs execute the program as ``__main__`` with the test input on stdin.

The zygote never sees the tests: it only receives the program, so nothing in a program
process's memory reveals the expected answers. After a run the zygote kills the program and
every process it started (orphans are re-parented to the zygote, a child subreaper) and
removes the working directory.

Control messages (checker <-> zygote) are pickles over a SOCK_SEQPACKET socket; both ends are
trusted. Program messages (program -> checker) are decoded by the checker with a restricted
unpickler (``rewardlab.execution.sandbox.codec``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import importlib
import io
import linecache
import operator
import os
import pickle
import random
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
import traceback
import types

CONTROL_MAX = 1 << 22
HEADER = struct.Struct("!Q")
MAX_REQUEST = 256 * 1024 * 1024

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_NOSUID, MS_NODEV = 2, 4


def prctl(option: int, arg: int) -> bool:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0


def mount_tmpfs(target: str, size_bytes: int, mode: str = "1777") -> bool:
    if not os.path.isdir(target):
        return False
    opts = f"size={size_bytes},mode={mode}".encode()
    return (
        _libc.mount(b"tmpfs", target.encode(), b"tmpfs", ctypes.c_ulong(MS_NOSUID | MS_NODEV), ctypes.c_char_p(opts))
        == 0
    )


# =============================================================================================
# zygote
# =============================================================================================
class Zygote:
    def __init__(self, control: socket.socket, cfg: dict) -> None:
        self.control = control
        self.cfg = cfg
        self.runs: dict[int, dict] = {}  # run id -> {pid, pidfd, workdir, status}
        self.exited: dict[int, int] = {}  # pid -> wait status
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.uid: int | None = None
        self.workroot = "/tmp"
        self.counter = 0

    # ---- setup -------------------------------------------------------------------------------
    def setup(self) -> dict:
        cfg = self.cfg
        info: dict = {"isolation": cfg["isolation"], "pid": os.getpid()}
        if cfg["isolation"] == "netns":
            # We are root in fresh network, mount, pid, ipc and uts namespaces (unshare(1)).
            size = int(cfg["disk_mb"]) * 1024 * 1024
            for path in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock"):
                if os.path.isdir(path) and not os.path.islink(path):
                    mount_tmpfs(path, size)
        if cfg["isolation"] == "rlimits-only":
            self.workroot = tempfile.mkdtemp(prefix="rewardlab-sandbox-")
            os.chmod(self.workroot, 0o711)  # programs (another uid) may enter their own run dir only
        else:
            self.workroot = "/tmp"
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        if os.geteuid() == 0 and cfg.get("setuid", True):
            uid = random.SystemRandom().randrange(200_000, 2_000_000_000)
            if self._can_setuid(uid):
                self.uid = uid
        info["uid"] = self.uid
        info["separate_uid"] = self.uid is not None
        for name in cfg.get("preload", ()):
            with contextlib.suppress(BaseException):
                importlib.import_module(name)
        return info

    def _can_setuid(self, uid: int) -> bool:
        pid = os.fork()
        if pid == 0:
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os._exit(0 if os.getuid() == uid else 1)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    # ---- main loop ---------------------------------------------------------------------------
    def serve(self) -> None:
        poller = select.poll()
        cfd = self.control.fileno()
        poller.register(cfd, select.POLLIN | select.POLLHUP | select.POLLERR)
        poller.register(self.wake_r, select.POLLIN)
        while True:
            try:
                events = poller.poll(1000)
            except InterruptedError:
                continue
            self.drain_wake()
            self.reap()
            if not any(fd == cfd for fd, _ in events):
                continue
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.control, CONTROL_MAX, 8)
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                self.shutdown()
                return
            message = pickle.loads(data)
            try:
                reply = self.handle(message, fds)
            except Exception as exc:  # a bug in the zygote: report it, keep serving
                reply = ("error", f"{type(exc).__name__}: {exc}")
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self.control.sendall(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))

    def drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self.wake_r, 512):
                pass

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.exited[pid] = status
            if len(self.exited) > 1024:
                for old in list(self.exited)[:256]:
                    del self.exited[old]

    def handle(self, message: tuple, fds: list[int]) -> tuple:
        op = message[0]
        if op == "spawn":
            return self.spawn(message[1], message[2], fds)
        if op == "finish":
            return self.finish(message[1], float(message[2]))
        if op == "ping":
            return ("pong", os.getpid())
        return ("error", f"unknown command {op!r}")

    # ---- runs --------------------------------------------------------------------------------
    def spawn(self, run_id: int, spec: dict, fds: list[int]) -> tuple:
        self.counter += 1
        workdir = os.path.join(self.workroot, f"run-{self.counter}")
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(workdir)
        os.mkdir(workdir, 0o700)
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = program_main(self, spec, fds, workdir)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        pidfd = -1
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(pid)
        self.runs[run_id] = {"pid": pid, "pidfd": pidfd, "workdir": workdir, "started": time.monotonic()}
        return ("spawned", run_id, pid)

    def finish(self, run_id: int, wait_s: float) -> tuple:
        run = self.runs.pop(run_id, None)
        if run is None:
            return ("finished", run_id, {"error": "unknown run"})
        pid, pidfd = run["pid"], run["pidfd"]
        killed = False
        if pid not in self.exited and wait_s > 0:
            self.wait_exit(pid, pidfd, wait_s)
        if pid not in self.exited:
            killed = True
            with contextlib.suppress(ProcessLookupError, OSError):
                if pidfd >= 0:
                    signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(pid, 0)
                self.exited[pid] = status
        self.reap()
        leftovers = self.kill_all()
        if pidfd >= 0:
            os.close(pidfd)
        self.remove_workdir(run["workdir"])
        status = self.exited.pop(pid, None)
        out: dict = {"killed": killed, "leftover_processes": leftovers}
        if status is not None:
            if os.WIFSIGNALED(status):
                out["signal"] = os.WTERMSIG(status)
            elif os.WIFEXITED(status):
                out["exit_code"] = os.WEXITSTATUS(status)
        return ("finished", run_id, out)

    def wait_exit(self, pid: int, pidfd: int, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while pid not in self.exited:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if pidfd >= 0:
                select.select([pidfd], [], [], remaining)
            else:
                time.sleep(min(0.005, remaining))
            self.reap()

    def children(self) -> list[int]:
        me = str(os.getpid())
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    fields = f.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if fields[1].decode() == me and fields[0] != b"Z":
                found.append(int(entry))
        return found

    def kill_all(self) -> int:
        """Kill every remaining descendant of this run (re-parented to us); returns how many there were."""
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                pass  # children remain
        except ChildProcessError:
            return 0  # the usual case: the program left nothing behind
        count = 0
        if self.uid is not None:
            # kill(-1) as the run's uid signals all its processes at once (no fork can slip through).
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgroups([])
                    os.setgid(self.uid)
                    os.setuid(self.uid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        for _ in range(1000):
            self.reap()
            kids = self.children()
            if not kids:
                break
            count += len(kids)
            for kid in kids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(kid, signal.SIGKILL)
            time.sleep(0.001)
        self.reap()
        return count

    def remove_workdir(self, workdir: str) -> None:
        def fix(func, path, _exc):  # a program may have removed its own permissions
            with contextlib.suppress(OSError):
                os.chmod(os.path.dirname(path), 0o700)
                os.chmod(path, 0o700)
            with contextlib.suppress(OSError):
                func(path)

        shutil.rmtree(workdir, onerror=fix)

    def shutdown(self) -> None:
        for run_id in list(self.runs):
            with contextlib.suppress(Exception):
                self.finish(run_id, 0)
        self.kill_all()
        if self.cfg["isolation"] == "rlimits-only":
            shutil.rmtree(self.workroot, ignore_errors=True)


# =============================================================================================
# program process
# =============================================================================================
def program_main(zygote: Zygote, spec: dict, fds: list[int], workdir: str) -> int:
    """Set up the isolation of one program process and run it. Returns the exit code."""
    mode = spec["mode"]
    uid = zygote.uid
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # File descriptors: the program gets its channel (rpc) or stdio pipes, nothing else.
    devnull = os.open(os.devnull, os.O_RDWR)
    if mode == "stdio":
        stdin_fd, stdout_fd, stderr_fd = fds
        channel_fd = -1
    else:
        (channel_fd,) = fds
        stdin_fd = stdout_fd = stderr_fd = devnull
    for target, source in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd)):
        os.dup2(source, target)
    if channel_fd >= 0:
        os.dup2(channel_fd, 3)
        channel_fd = 3
    os.closerange(4 if channel_fd == 3 else 3, 1 << 16)
    # Limits (hard: the program cannot raise them again).
    lim = spec["limits"]

    def hard(which: int, value: int) -> None:
        with contextlib.suppress(ValueError, OSError):
            _soft, cur_hard = resource.getrlimit(which)
            if cur_hard != resource.RLIM_INFINITY:
                value = min(value, cur_hard)
            resource.setrlimit(which, (value, value))

    hard(resource.RLIMIT_CORE, 0)
    hard(resource.RLIMIT_AS, int(lim["memory_mb"]) * 1024 * 1024)
    hard(resource.RLIMIT_CPU, max(1, int(lim["cpu_seconds"] + 0.999)))
    hard(resource.RLIMIT_FSIZE, int(lim["file_size_mb"]) * 1024 * 1024)
    hard(resource.RLIMIT_NOFILE, int(lim["open_files"]))
    nproc = int(lim["processes"])
    if uid is None:  # RLIMIT_NPROC counts every process of the user: leave room for the ones that exist
        nproc += count_own_processes()
    hard(resource.RLIMIT_NPROC, nproc)
    os.chdir(workdir)
    if uid is not None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    # Environment: nothing from the host.
    os.environ.clear()
    os.environ.update(
        {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": workdir,
            "TMPDIR": workdir,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
    )
    os.environ.update(spec.get("env") or {})
    tempfile.tempdir = workdir
    name = "__main__" if mode == "stdio" else spec.get("module", "solution")
    path = os.path.join(workdir, "solution.py")
    source = spec["code"]
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    sys.argv = [path]
    sys.path[:] = [workdir, *[p for p in sys.path if p]]
    module = types.ModuleType(name)
    module.__file__ = path
    if mode == "stdio":
        return run_stdio(module, source, path)
    sock = socket.socket(fileno=channel_fd)
    return run_rpc(module, source, path, sock, spec)


def count_own_processes() -> int:
    me = os.getuid()
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == me:
                    n += 1
            except OSError:
                pass
    return n


def run_stdio(module: types.ModuleType, source: str, path: str) -> int:
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", line_buffering=True
    )
    sys.modules["__main__"] = module
    code = 0
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code & 0xFF
        else:
            with contextlib.suppress(Exception):
                print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    return code


# ---- rpc: the program answers the checker's calls ---------------------------------------------
PLAIN = frozenset(
    {int, float, str, bytes, bool, type(None), complex, list, tuple, dict, set, frozenset, bytearray, range, slice}
)
OPS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "hash": hash,
    "len": len,
    "iter": iter,
    "next": next,
    "getitem": operator.getitem,
    "setitem": operator.setitem,
    "delitem": operator.delitem,
    "contains": operator.contains,
    "bool": bool,
    "repr": repr,
    "str": str,
    "int": int,
    "float": float,
    "index": operator.index,
    "neg": operator.neg,
    "pos": operator.pos,
    "abs": abs,
    "invert": operator.invert,
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
    "lshift": operator.lshift,
    "rshift": operator.rshift,
    "radd": lambda a, b: b + a,
    "rsub": lambda a, b: b - a,
    "rmul": lambda a, b: b * a,
    "rtruediv": lambda a, b: b / a,
    "rfloordiv": lambda a, b: b // a,
    "rmod": lambda a, b: b % a,
    "rpow": lambda a, b: b**a,
    "dir": lambda a: sorted(dir(a)),
    "enter": lambda a: a.__enter__(),
    "exit": lambda a, *args: a.__exit__(*args),
}


class _Host:
    """The program side of the rpc channel (runs after the program's own code, in its process)."""

    def __init__(self, module: types.ModuleType, sock: socket.socket) -> None:
        self.module = module
        self.sock = sock
        self.handles: dict[int, object] = {}
        self.next_handle = 1
        # Bind what we need before the program runs, so that casual monkeypatching by the
        # program does not break the channel (it cannot forge results either way).
        self._sendall = sock.sendall
        self._recv_into = sock.recv_into
        self._dumps = pickle.dumps
        self._Pickler = pickle.Pickler
        self._Unpickler = pickle.Unpickler
        self._BytesIO = io.BytesIO
        self._type = type
        self._isinstance = isinstance
        self._issubclass = issubclass
        self._BaseException = BaseException
        self._exc_bases = _builtin_exception_names()

    # -- framing --
    def send(self, obj: object) -> None:
        buf = self._BytesIO()
        pickler = self._Pickler(buf, protocol=5)
        pickler.persistent_id = self.persistent_id  # type: ignore[method-assign]
        pickler.dump(obj)
        payload = buf.getvalue()
        self._sendall(HEADER.pack(len(payload)) + payload)

    def recv(self) -> object:
        header = self._read(HEADER.size)
        if header is None:
            return None
        (size,) = HEADER.unpack(header)
        if size > MAX_REQUEST:
            raise ValueError("request too large")
        payload = self._read(size) if size else b""
        unpickler = self._Unpickler(self._BytesIO(payload))
        unpickler.persistent_load = self.persistent_load  # type: ignore[method-assign]
        return unpickler.load()

    def _read(self, n: int) -> bytes | None:
        buf = bytearray(n)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = self._recv_into(view[got:], n - got)
            if k == 0:
                return None
            got += k
        return bytes(buf)

    # -- values --
    def persistent_id(self, obj: object) -> object:
        t = self._type(obj)
        if t in PLAIN:
            return None
        module = getattr(t, "__module__", "")
        name = getattr(t, "__qualname__", "?")
        if module == "fractions" and name == "Fraction":
            return ("fraction", obj.numerator, obj.denominator)  # type: ignore[attr-defined]
        if module == "decimal" and name == "Decimal":
            return ("decimal", str(obj))
        if module == "numpy" and name == "ndarray" and obj.dtype.kind in "biufcUS":  # type: ignore[attr-defined]
            return ("ndarray", obj.dtype.str, tuple(obj.shape), obj.tolist())  # type: ignore[attr-defined]
        if module == "numpy" and hasattr(obj, "dtype") and hasattr(obj, "item") and obj.dtype.kind in "biufcUS":  # type: ignore[attr-defined]
            return ("npscalar", obj.dtype.str, obj.item())  # type: ignore[attr-defined]
        if self._isinstance(obj, type) and self._issubclass(obj, self._BaseException):
            return ("exctype", *self.describe_exception_type(obj))
        handle = self.next_handle
        self.next_handle += 1
        self.handles[handle] = obj
        return ("handle", handle, f"{module}.{name}" if module not in ("builtins", "solution") else name)

    def describe_exception_type(self, cls: type) -> tuple[str, str, bool]:
        """(qualified name, nearest builtin base, is builtin)."""
        if getattr(cls, "__module__", "") == "builtins" and cls.__name__ in self._exc_bases:
            return (cls.__name__, cls.__name__, True)
        base = "Exception"
        for klass in cls.__mro__:
            if getattr(klass, "__module__", "") == "builtins" and klass.__name__ in self._exc_bases:
                base = klass.__name__
                break
        return (getattr(cls, "__qualname__", "ProgramError"), base, False)

    def persistent_load(self, pid: object) -> object:
        _kind, target = pid  # type: ignore[misc]
        return self.resolve(target)

    def resolve(self, target: object) -> object:
        if self._type(target) is int:
            try:
                return self.handles[target]  # type: ignore[index]
            except KeyError:
                raise LookupError(f"unknown object handle {target}") from None
        try:
            return self.module.__dict__[target]  # type: ignore[index]
        except KeyError:
            raise NameError(f"the program does not define {target!r}") from None

    # -- serving --
    def error_reply(self, exc: BaseException) -> tuple:
        cls = self._type(exc)
        qualname, base, builtin = self.describe_exception_type(cls)
        try:
            message = str(exc)[:4000]
        except BaseException:
            message = "<unprintable>"
        try:
            tb = "".join(traceback.format_exception(cls, exc, exc.__traceback__))[-8000:]
        except BaseException:
            tb = ""
        return ("raise", qualname, base, builtin, message, tb)

    def serve(self) -> int:
        while True:
            try:
                request = self.recv()
            except BaseException as exc:
                self.send(("protocol", f"bad request: {exc}"))
                continue
            if request is None:
                return 0
            try:
                reply = ("ok", self.dispatch(request))
                try:
                    self.send(reply)
                    continue
                except BaseException as exc:  # e.g. a result that cannot be pickled
                    reply = self.error_reply(exc)
            except BaseException as exc:
                reply = self.error_reply(exc)
            try:
                self.send(reply)
            except BaseException:
                self.send(("raise", "RuntimeError", "RuntimeError", True, "could not send the error", ""))

    def dispatch(self, request: object) -> object:
        op = request[0]  # type: ignore[index]
        if op == "call":
            _, target, args, kwargs = request  # type: ignore[misc]
            return self.resolve(target)(*args, **kwargs)
        if op == "getattr":
            _, target, name = request  # type: ignore[misc]
            return getattr(self.resolve(target), name)
        if op == "setattr":
            _, target, name, value = request  # type: ignore[misc]
            setattr(self.resolve(target), name, value)
            return None
        if op == "op":
            _, name, target, args = request  # type: ignore[misc]
            return OPS[name](self.resolve(target), *args)
        if op == "release":
            for handle in request[1]:  # type: ignore[index]
                self.handles.pop(handle, None)
            return None
        raise ValueError(f"unknown request {op!r}")


def _builtin_exception_names() -> frozenset:
    import builtins

    return frozenset(
        name for name, value in vars(builtins).items() if isinstance(value, type) and issubclass(value, BaseException)
    )


def public_names(module: types.ModuleType) -> dict[str, str]:
    """Top-level names the program defines: name -> 'function' | 'class' | 'exception' | 'value'."""
    out = {}
    for name, value in list(module.__dict__.items()):
        if name.startswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            continue
        if isinstance(value, type):
            out[name] = "exception" if issubclass(value, BaseException) else "class"
        elif callable(value):
            out[name] = "function"
        else:
            out[name] = "value"
    return out


def run_rpc(module: types.ModuleType, source: str, path: str, sock: socket.socket, spec: dict) -> int:
    host = _Host(module, sock)
    sys.modules[module.__name__] = module
    sys.stdin = io.StringIO("")
    try:
        exec(compile(source, path, "exec"), module.__dict__)
    except BaseException as exc:
        host.send(("load_error", *host.error_reply(exc)[1:]))
        return 0
    try:
        names = public_names(module)
    except BaseException:
        names = {}
    host.send(("loaded", names))
    return host.serve()


# =============================================================================================
def main() -> None:
    control_fd = int(sys.argv[1])
    cfg = pickle.loads(bytes.fromhex(sys.argv[2]))
    # Do not let programs import modules that sit next to this script.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    zygote = Zygote(control, cfg)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(zygote.wake_w)
    try:
        info = zygote.setup()
    except BaseException as exc:
        control.sendall(pickle.dumps(("error", f"sandbox setup failed: {type(exc).__name__}: {exc}")))
        return
    control.sendall(pickle.dumps(("ready", info)))
    try:
        zygote.serve()
    except OSError as exc:
        if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise


if __name__ == "__main__":
    main()
