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
every process it started (orphans are re-parented to the forker, a child subreaper) and
removes the working directory without acting on anything the program could have replaced
(``fsclean``); with no run in progress it checks that the work root holds nothing else and its
space came back, and otherwise reports the failure and stops (the checker starts a new sandbox).
Under ``netns`` it first builds its minimal root (``confine.build_root``); every program process
installs the seccomp filter of ``confine.program_filter`` before it receives its program. It stops
when the checker's pidfd says the checker is gone.

``memory_mb`` bounds each program process (RLIMIT_AS) and all the processes of a run together:

- **cgroup** (where the checker could make one, see ``cgroups``): each run has a memory cgroup of
  its own, which its program process joins before it receives its program; the kernel bounds
  the run's total and kills on excess (the run is then reported as a memory-limit failure);
- **accounting** (elsewhere): a program process, once it has its program, tells the fork server
  its limits and arms a timer (``ACCOUNT_FIRST_S``, then every ``ACCOUNT_INTERVAL_S``); when it
  fires, the fork server adds up the memory of the run's processes (resident sets, proportional
  sets when those exceed the limit) and what the sandbox's ``/tmp`` holds, counts their processes
  and threads, and kills the whole run past ``memory_mb`` or ``processes``. Runs shorter than
  the first delay cost nothing; between two checks a run can exceed its limit, by at most what
  its processes allocate in one interval (each still bounded by RLIMIT_AS).

The program processes are forked by the **forker**, a copy of the zygote made once, right
after its setup, that does nothing but fork, reap, and answer the zygote (see
:func:`forker_main` for why).

Control messages (checker <-> zygote) are pickles over a SOCK_SEQPACKET socket; both ends are
trusted. Program messages (program -> checker) are decoded by the checker with a restricted
unpickler (``rewardlab.execution.sandbox.codec``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import importlib
import io
import linecache
import marshal
import operator
import os
import pickle
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback
import types

# Every module imported here is mapped in every program process: each costs the fork and the
# exit of every run (shutil and tempfile pull in compression libraries, ctypes.util pulls in
# subprocess and threading -- whose at-fork hook would then run in every program process).
# Those are imported where they are needed instead.

# What the sandbox's /tmp may use, with no run in progress, beyond what it used before the first run.
QUIET_SLACK_BYTES = 1 << 20
QUIET_SLACK_INODES = 64


def _load_libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)  # the interpreter's own symbols include libc's
    if hasattr(libc, "prctl") and hasattr(libc, "mount"):
        return libc
    from ctypes.util import find_library  # pragma: no cover - a libc that dlopen(NULL) does not expose

    return ctypes.CDLL(find_library("c") or "libc.so.6", use_errno=True)  # pragma: no cover


_libc = _load_libc()
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38


def prctl(option: int, arg: int) -> bool:
    return _libc.prctl(option, ctypes.c_ulong(arg), 0, 0, 0) == 0


def _sibling(name: str) -> types.ModuleType:
    """A standard-library-only module next to this file (``protocol``, ``fsclean``, ``confine``).
    Run as the fork server this file is no package member and its directory is not on ``sys.path``."""
    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    from importlib import util

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = util.spec_from_file_location(f"_rewardlab_{name}", path)
    module = util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


protocol = _sibling("protocol")  # the wire contract, shared with the checker's side
CONTROL_MAX = protocol.CONTROL_MAX
HEADER = protocol.FRAME_HEADER
# Programs are compiled with postponed evaluation of annotations (PEP 563), as they always were
# here (this file's ``from __future__ import annotations`` used to be inherited by compile()).
COMPILE_FLAGS = protocol.COMPILE_FLAGS
MAX_REQUEST = protocol.MAX_REQUEST
fsclean = _sibling("fsclean")
confine = _sibling("confine")
cgroups = _sibling("cgroups")
# The seccomp filter every program process installs on itself (prepared once in the fork server).
_FILTER: tuple | None = None
# What the descriptors a program process receives after its channel are for (``cgroups.JOIN`` /
# ``MEMORY`` / ``PIDS`` under a cgroup; ``TIMER`` and ``REPORT`` for accounting): set in setup.
_MEMORY_KINDS: tuple[str, ...] = ()
TIMER, REPORT = "timer", "report"
MAX_PASSED = 6  # descriptors in one FORK request: the channel and at most five memory ones
# Accounting: the first check of a run this long after it got its program, then at this interval.
ACCOUNT_FIRST_S = 0.01
ACCOUNT_INTERVAL_S = 0.01
REPORT_FORMAT = struct.Struct("=II")  # (memory_mb, processes): what a program process reports
PAGE = os.sysconf("SC_PAGE_SIZE")
CLOCK_MONOTONIC, TFD_NONBLOCK, TFD_CLOEXEC = 1, os.O_NONBLOCK, os.O_CLOEXEC


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class _Itimerspec(ctypes.Structure):
    _fields_ = [("it_interval", _Timespec), ("it_value", _Timespec)]


def _itimerspec(first: float, interval: float) -> _Itimerspec:
    spec = _Itimerspec()
    spec.it_value.tv_sec, spec.it_value.tv_nsec = int(first), int(first % 1 * 1e9)
    spec.it_interval.tv_sec, spec.it_interval.tv_nsec = int(interval), int(interval % 1 * 1e9)
    return spec


# (timerfd_settime, a pointer to the accounting timer's setting, the setting): prepared in the fork
# server, so that arming it costs a program process one call and no allocation.
_ARM: tuple | None = None


# =============================================================================================
# forker
# =============================================================================================
# Requests (zygote -> forker, one SOCK_SEQPACKET message each); every answer is
# ``marshal((number, [(pid, wait status, CPU seconds), ...]))``: the exit statuses of every
# child that has ended (collected with each request), and the new pid for FORK, else whether
# any child is left (1 / 0).
FORK = b"F"  # + marshal((workdir, uid)), with the program's end of its channel (then the memory
# descriptors of ``Zygote.memory_fds``) as SCM_RIGHTS
WAIT = b"W"  # + pid (8 bytes, little-endian): wait until that child is gone (it exited or was killed)
SWEEP = b"S"  # collect the children that have ended


def passed_fds(ancdata: list[tuple[int, int, bytes]]) -> list[int]:
    """The file descriptors passed (SCM_RIGHTS) in a ``recvmsg`` ancillary data list.

    (``socket.recv_fds`` does this too, but through Python code and the ``array`` module: every
    page of code a program process runs is a page it copies from the fork server.)
    """
    fds: list[int] = []
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % 4
            fds += [int.from_bytes(payload[i : i + 4], sys.byteorder, signed=True) for i in range(0, usable, 4)]
    return fds


class ForkerGone(Exception):
    """The forker died (a program may kill it where no namespace separates them)."""


def forker_main(sock: socket.socket, pid_namespace: bool) -> None:
    """The forker: fork a program process per request, reap them, and nothing else.

    Why a process of its own: after a fork every page of the forking process is shared
    copy-on-write with the child, so each page the forking process writes before its next fork
    costs a page fault and a copy (~3 us each on a VM). The zygote's bookkeeping between two
    forks (control messages, clean-up, directories, the spare) wrote ~200 pages per run. The
    forker is a copy of the zygote made right after its setup, so program processes start from
    the same memory; between two forks it only reads a request, forks and answers -- a few
    pages -- and the zygote, which no longer forks, writes its own pages without faults.
    """
    recvmsg, send, fork, wait4 = sock.recvmsg, sock.send, os.fork, os.wait4
    loads, dumps, WNOHANG = marshal.loads, marshal.dumps, os.WNOHANG
    ancillary = socket.CMSG_SPACE(4 * MAX_PASSED)
    while True:
        try:
            data, ancdata, _flags, _addr = recvmsg(1 << 16, ancillary)
        except InterruptedError:
            continue
        if not data:
            os._exit(0)
        number = 0
        exited = []
        op = data[:1]
        if op == FORK:
            received = passed_fds(ancdata)
            if received:
                workdir, uid = loads(data[1:])
                number = fork()
                if number == 0:
                    code = 1
                    try:  # (our own channel is closed with every other descriptor in program_main)
                        code = program_main(received, workdir, uid, pid_namespace)
                    except BaseException:
                        code = 1
                    finally:
                        os._exit(code)
                for fd in received:
                    os.close(fd)
        elif op == WAIT:
            pid = int.from_bytes(data[1:9], "little")
            try:
                _, status, usage = wait4(pid, 0)
                exited.append((pid, status, usage.ru_utime + usage.ru_stime))
            except ChildProcessError:
                pass
        left = 1
        while True:
            try:
                pid, status, usage = wait4(-1, WNOHANG)
            except ChildProcessError:
                left = 0
                break
            if pid == 0:
                break
            exited.append((pid, status, usage.ru_utime + usage.ru_stime))
        send(dumps((number if op == FORK else left, exited)))


# =============================================================================================
# zygote
# =============================================================================================
class Zygote:
    def __init__(self, control: socket.socket, cfg: dict) -> None:
        self.control = control
        self.cfg = cfg
        self.runs: dict[int, dict] = {}  # run id -> {pid, pidfd, workdir, status}
        self.exited: dict[int, int] = {}  # pid -> wait status
        self.usage: dict[int, float] = {}  # pid -> CPU seconds it used
        self.uids: list[int] = []  # one per live program process, so they cannot reach each other
        self.spares = False
        self.spare: dict | None = None
        self.handed: list[socket.socket] = []
        self.handed_fds: list[int] = []
        self.dying: list[dict] = []  # runs killed whose clean-up follows the reply (their uid stays taken)
        self.pid_namespace = cfg["isolation"] != "rlimits-only"
        self.subreaper = False
        self.children_file = ""  # /proc/FORKER/task/FORKER/children, where the kernel has it
        self.forker: socket.socket | None = None  # the channel to the forker (None once it is gone)
        self.forker_pid = 0
        self.workroot = "/tmp"
        self.root_fd = -1  # the work root, open: every run directory is made and removed relative to it
        self.baseline: set[str] = set()  # what the work root held before the first run (mount points)
        self.baseline_use = (0, 0)  # (bytes, inodes) its file system used then
        self.check_space = False  # whether the work root is the sandbox's own file system
        self.counter = 0
        self.broken = ""  # why the sandbox must not serve another run (a clean-up that failed)
        self.pending_take: int | None = None  # a take that waits for the clean-up of a run killed unwaited
        self.checker_fd = int(cfg.get("checker_fd", -1))  # a pidfd of the checker: readable once it is gone
        self.poller = select.poll()
        # How memory_mb binds a run's processes together: "cgroup v1" / "cgroup v2" (``self.cgroups``)
        # or "accounting" (each run's timer in ``self.timers``, see ``check_usage``).
        self.memory = "accounting"
        self.memory_note = ""
        self.cgroups = None  # cgroups.RunCgroups
        self.timers: dict[int, dict] = {}  # accounting timer or cgroup v1 OOM eventfd -> its run

    # ---- setup -------------------------------------------------------------------------------
    def setup(self) -> dict:
        global _FILTER
        cfg = self.cfg
        info: dict = {"isolation": cfg["isolation"], "pid": os.getpid()}
        if cfg["isolation"] == "netns":
            # We are root in fresh network, mount, pid, ipc and uts namespaces (unshare(1)): build
            # the minimal root bubblewrap would, and enter it.
            confine.build_root(list(cfg["system_dirs"]), list(cfg["root_binds"]), int(cfg["disk_mb"]) * 1024 * 1024)
        if cfg["isolation"] == "rlimits-only":
            import tempfile

            self.workroot = tempfile.mkdtemp(prefix="rewardlab-sandbox-")
            os.chmod(self.workroot, 0o711)  # programs (another uid) may enter their own run dir only
        else:
            self.workroot = "/tmp"  # the sandbox's own tmpfs, root's and not writable by programs
            self.check_space = True
        self.root_fd = os.open(self.workroot, fsclean.DIR_FLAGS)
        self.baseline = set(os.listdir(self.root_fd))
        self.baseline_use = self.space_in_use()
        program = confine.program_filter()
        if program is not None:
            _FILTER = confine.prepared_filter(program)
        # Subreaper (here and in the forker): orphans of programs come back to us, never escape.
        self.subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1)
        prepare_environment()
        if os.geteuid() == 0 and cfg.get("setuid", True):
            base = 200_000 + int.from_bytes(os.urandom(4), "little") % 1_999_800_000
            if self._can_setuid(base):
                self.uids = [base + i for i in range(4)]
                self.spares = bool(cfg.get("spares", True))
        info["separate_uid"] = bool(self.uids)
        if _FILTER is not None and not self._filter_works():
            _FILTER = None
        info["seccomp"] = _FILTER is not None
        self.setup_memory()
        info["memory_limit"] = self.memory
        if self.memory_note:
            info["memory_note"] = self.memory_note
        if cfg["isolation"] == "rlimits-only":
            info["workroot"] = self.workroot  # on the host: the checker removes it if we die
        info["spares"] = self.spares
        for name in cfg.get("preload", ()):
            with contextlib.suppress(BaseException):
                importlib.import_module(name)
        # Everything allocated so far is shared with every forked program process: keep the
        # garbage collector from touching it (each touch would copy a page in both processes).
        gc.collect()
        gc.freeze()
        with contextlib.suppress(Exception):  # give back the free memory the imports left in the heap
            _libc.malloc_trim(0)
        self.start_forker()
        children = f"/proc/{self.forker_pid}/task/{self.forker_pid}/children"  # single-threaded: tid == pid
        if self.subreaper and os.path.exists(children):
            self.children_file = children
        return info

    def setup_memory(self) -> None:
        """Choose how ``memory_mb`` binds a run's processes together: a cgroup per run when the
        checker handed us a sandbox cgroup and a process can join a cgroup made in it and set its
        limits from there (tried here, the way program processes will); accounting otherwise."""
        global _MEMORY_KINDS, _ARM
        given = self.cfg.get("cgroup")
        wanted = self.cfg.get("memory_limit", "auto")
        kinds: tuple[str, ...] = ()
        if given and wanted != "accounting":
            runs = cgroups.RunCgroups(int(given["fd"]), int(given["version"]))
            reason, kinds = self._cgroup_works(runs)
            if reason is None:
                self.cgroups, self.memory = runs, runs.label
            else:
                self.memory_note = f"{runs.label} unusable: {reason}"
        elif self.cfg.get("cgroup_note"):
            self.memory_note = str(self.cfg["cgroup_note"])
        # Processes are counted by the timer's checks too where the runs share a uid (RLIMIT_NPROC
        # then counts every run's processes together -- and binds nothing for root) and no
        # cgroup's pids.max caps them.
        counted = not self.uids and cgroups.PIDS not in kinds
        if self.cgroups is None or counted:
            kinds = (*(kinds if self.cgroups is not None else ()), TIMER, REPORT)
            spec = _itimerspec(ACCOUNT_FIRST_S, ACCOUNT_INTERVAL_S)
            _ARM = (_libc.timerfd_settime, ctypes.byref(spec), spec)
        _MEMORY_KINDS = kinds

    def _cgroup_works(self, runs: object) -> tuple[str | None, tuple[str, ...]]:
        """(None, what each descriptor is for) when a process (under a program's uid, when there is
        one) can join a run cgroup made in the sandbox's and set its limits through the descriptors;
        else (why not, ())."""
        uid = self.uids[0] if self.uids else None
        try:
            slot = runs.acquire()  # type: ignore[attr-defined]
        except OSError as exc:
            return f"cannot make a run cgroup: {exc}", ()
        fds, kinds = slot["fds"], slot["kinds"]
        pid = os.fork()
        if pid == 0:
            try:
                ok = join_cgroup(fds, kinds)
                if ok and uid is not None:
                    become(uid)
                ok = ok and limit_cgroup(fds, kinds, 64, 16) and limit_cgroup(fds, kinds, 1024, 16)
                os._exit(0 if ok else 1)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        runs.release(slot)  # type: ignore[attr-defined]
        if os.waitstatus_to_exitcode(status) != 0:
            return "a process cannot join it or set its limits", ()
        return None, kinds

    def start_forker(self) -> None:
        """Fork the forker (see :func:`forker_main`): from now on it forks every program process."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            try:
                keep = theirs.fileno()
                os.closerange(3, keep)  # the checker's control channel above all: its EOF must
                os.closerange(keep + 1, 1 << 16)  # tell the checker the moment the zygote dies
                prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                if os.getppid() != parent:
                    os._exit(0)
                prctl(PR_SET_CHILD_SUBREAPER, 1)
                forker_main(theirs, self.pid_namespace)
            finally:
                os._exit(0)
        theirs.close()
        self.forker, self.forker_pid = ours, pid

    @staticmethod
    def _filter_works() -> bool:
        """Whether a process can install the program filter (and is then denied a user namespace)."""
        pid = os.fork()
        if pid == 0:
            try:
                ok = _FILTER is not None and confine.install_filter(_FILTER[0])
                ok = ok and _libc.unshare(0x10000000) != 0  # CLONE_NEWUSER
                os._exit(0 if ok else 1)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    def _can_setuid(self, uid: int) -> bool:
        """Whether a process can switch to ``uid`` and still read the Python installation."""
        paths = list(self.cfg.get("expose", ()))
        pid = os.fork()
        if pid == 0:
            try:
                become(uid)
                ok = os.getuid() == uid and all(os.access(p, os.R_OK | os.X_OK) for p in paths)
                os._exit(0 if ok else 1)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    # ---- main loop ---------------------------------------------------------------------------
    def serve(self) -> None:
        poller = self.poller
        cfd = self.control.fileno()
        poller.register(cfd, select.POLLIN | select.POLLHUP | select.POLLERR)
        ffd = self.forker.fileno() if self.forker is not None else -1
        if ffd >= 0:  # the forker never speaks unasked: anything here means it is gone
            poller.register(ffd, select.POLLIN | select.POLLHUP | select.POLLERR)
        if self.checker_fd >= 0:  # readable once the checker process is gone, whoever holds our channel
            poller.register(self.checker_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            try:
                events = poller.poll(1000)
            except InterruptedError:
                continue
            if not events:  # idle: collect the exit statuses of strays that ended on their own
                with contextlib.suppress(ForkerGone):
                    self.reap()
                continue
            if self.forker is None or any(fd == ffd for fd, _ in events):
                self.forker_lost()
                return
            if self.checker_fd >= 0 and any(fd == self.checker_fd for fd, _ in events):
                self.shutdown()  # the checker died: nobody will ask for anything again
                return
            for fd, _ in events:
                if fd in self.timers:
                    try:
                        watched = self.timers[fd]
                        if watched.get("oom_event") == fd:
                            self.out_of_memory(watched)
                        else:
                            self.check_usage(watched)
                    except ForkerGone:
                        self.forker_lost()
                        return
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
            reply_fds: list[int] = []
            reply: tuple | None
            try:
                reply, reply_fds = self.handle(message, fds)
            except ForkerGone:  # a program killed it (possible without namespaces)
                reply = None
            except Exception as exc:  # a bug in the zygote: report it, keep serving
                reply = ("error", f"{type(exc).__name__}: {exc}")
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            if reply is None:
                self.forker_lost()
                return
            self.send_reply(reply, reply_fds)
            # Off the critical path: the checker already has its answer.
            try:
                self.clean_up_dying()
                if self.pending_take is not None:
                    self.answer_pending_take()
                if not self.broken:
                    self.refill()
            except ForkerGone:
                self.forker_lost()
                return
            if self.broken:  # a clean-up failed: the checker was told and starts a new sandbox
                self.shutdown()
                return

    def send_reply(self, reply: tuple, fds: list[int]) -> None:
        payload = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        if fds:
            socket.send_fds(self.control, [payload], fds)
        else:
            self.control.sendall(payload)

    def answer_pending_take(self) -> None:
        """The program process asked for with a ``finish`` that did not wait: handed only now that
        the finished run is cleaned up, so a run never starts beside what the last one left (a full
        /tmp, its processes)."""
        take_id, self.pending_take = self.pending_take, None
        reply: tuple
        fds: list[int] = []
        try:
            self.verify_quiet()
            if self.broken:
                reply = ("error", f"the sandbox cannot serve another run: {self.broken}")
            else:
                pid, fds, workdir = self.take(take_id)
                reply = ("taken", take_id, pid, workdir)
        except ForkerGone:
            raise
        except Exception as exc:
            reply = ("error", f"{type(exc).__name__}: {exc}")
        self.send_reply(reply, fds)

    # ---- the forker ----------------------------------------------------------------------------
    def forker_lost(self) -> None:
        """The forker is gone: stop every run and exit (the checker's next request starts a new
        fork server, with a new forker)."""
        self.forker = None
        self.shutdown()

    def ask_forker(self, request: bytes, fds: list[int] | None = None) -> int:
        """One request to the forker; records the exit statuses it collected, returns its number
        (the new pid of a fork request). Raises :class:`ForkerGone` when it is gone."""
        forker = self.forker
        if forker is None:
            raise ForkerGone("the forker is gone")
        try:
            if fds:
                forker.sendmsg([request], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack(f"{len(fds)}i", *fds))])
            else:
                forker.send(request)
            data = forker.recv(1 << 16)
        except OSError as exc:
            self.forker = None
            raise ForkerGone(f"the forker is gone: {exc}") from None
        if not data:
            self.forker = None
            raise ForkerGone("the forker is gone")
        number, exited = marshal.loads(data)
        for pid, status, cpu in exited:
            self.record_exit(pid, status, cpu)
        return number

    def record_exit(self, pid: int, status: int, cpu: float) -> None:
        self.exited[pid] = status
        self.usage[pid] = cpu
        if len(self.exited) > 1024:
            for old in list(self.exited)[:256]:
                del self.exited[old]
                self.usage.pop(old, None)

    def reap(self) -> None:
        """Collect the exit statuses of every program process (and stray) that has ended."""
        if self.forker is not None:
            self.ask_forker(SWEEP)
            return
        while True:  # the forker is gone (shutting down): its orphans are ours now
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.record_exit(pid, status, usage.ru_utime + usage.ru_stime)

    def collect(self, pid: int) -> None:
        """Wait until program process ``pid`` is gone (it has exited or was killed) and record how."""
        if self.forker is not None:
            self.ask_forker(WAIT + pid.to_bytes(8, "little"))
            return
        with contextlib.suppress(ChildProcessError):
            _, status, usage = os.wait4(pid, 0)
            self.record_exit(pid, status, usage.ru_utime + usage.ru_stime)

    @staticmethod
    def has_exited(pidfd: int) -> bool:
        """Whether the process of ``pidfd`` has ended (a pidfd turns readable when it does)."""
        if pidfd < 0:
            return False
        try:
            return bool(select.select([pidfd], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def handle(self, message: tuple, fds: list[int]) -> tuple[tuple, list[int]]:
        op = message[0]
        if op == "take":
            run_id = message[1]
            if not self.broken:
                self.verify_quiet()
            if self.broken:
                return ("error", f"the sandbox cannot serve another run: {self.broken}"), []
            pid, fds, workdir = self.take(run_id)
            return ("taken", run_id, pid, workdir), fds
        if op == "finish":
            run_id, wait_s, take_id = message[1], float(message[2]), message[3]
            report = message[4] if len(message) > 4 else True
            if not report:
                # Answer at once; the clean-up follows the reply, and the program process asked for
                # (if any) goes out in a reply of its own after it (``answer_pending_take``).
                self.pending_take = take_id
                return ("finished", run_id, self.kill_later(run_id), None, None, None), []
            out = self.finish(run_id, wait_s)
            if not self.broken:
                self.verify_quiet()
                if self.broken:
                    out["cleanup_error"] = self.broken
            if take_id is None or self.broken:
                return ("finished", run_id, out, None, None, None), []
            pid, fds, workdir = self.take(take_id)
            return ("finished", run_id, out, take_id, pid, workdir), fds
        if op == "ping":
            return ("pong", os.getpid()), []
        return ("error", f"unknown command {op!r}"), []

    # ---- program processes -------------------------------------------------------------------
    def free_uid(self) -> int | None:
        if not self.uids:
            return None
        used = {run["uid"] for run in self.runs.values()}
        used.update(run["uid"] for run in self.dying)
        if self.spare is not None:
            used.add(self.spare["uid"])
        for uid in self.uids:
            if uid not in used:
                return uid
        raise RuntimeError("too many program processes at once")

    def new_process(self) -> dict:
        """Fork a program process that waits (already isolated) for its program."""
        uid = self.free_uid()
        self.counter += 1
        name = f"run-{self.counter}"
        workdir = os.path.join(self.workroot, name)
        if os.path.lexists(workdir):
            fsclean.remove_entry(self.root_fd, name)
        os.mkdir(name, 0o700, dir_fd=self.root_fd)
        dir_fd = fsclean.open_dir(name, self.root_fd)
        watch: dict = {}
        try:
            st = os.fstat(dir_fd)
            if uid is not None:
                os.fchown(dir_fd, uid, uid)
            passed, owned, watch = self.memory_fds(name)
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                pid = self.ask_forker(FORK + marshal.dumps((workdir, uid)), [theirs.fileno(), *passed])
            except BaseException:
                ours.close()
                raise
            finally:
                theirs.close()
                for fd in owned:
                    os.close(fd)
            if pid <= 0:
                ours.close()
                raise RuntimeError("the forker could not start a program process")
        except BaseException:
            os.close(dir_fd)
            with contextlib.suppress(OSError):
                fsclean.remove_entry(self.root_fd, name)
            self.release_memory(watch)
            raise
        pidfd = -1
        with contextlib.suppress(AttributeError, OSError):
            pidfd = os.pidfd_open(pid)
        return {
            "pid": pid,
            "pidfd": pidfd,
            "workdir": workdir,
            "name": name,
            "dir_fd": dir_fd,  # the directory made for the run, open: its clean-up starts from it
            "dir_id": (st.st_dev, st.st_ino),
            "uid": uid,
            "sock": ours,
            **watch,
        }

    # ---- memory_mb for the whole run ------------------------------------------------------------
    def memory_fds(self, name: str) -> tuple[list[int], list[int], dict]:
        """What binds a new program process's run: the descriptors it gets after its channel
        (what each is for: ``_MEMORY_KINDS``), those of them to close once it has them, and what
        the fork server keeps to watch the run -- ``slot`` (its cgroup) and ``oom_event``, or
        ``timer`` and ``report`` (see ``check_usage``)."""
        passed: list[int] = []
        watch: dict = {}
        if self.cgroups is not None:
            slot = self.cgroups.acquire()
            if slot["kinds"] != _MEMORY_KINDS[: len(slot["kinds"])]:  # (the probe's files, unless the kernel changed)
                self.cgroups.release(slot)
                raise RuntimeError(f"the run cgroup offers {slot['kinds']}, not {_MEMORY_KINDS}")
            watch["slot"] = slot
            if slot["event"] >= 0:
                watch["oom_event"] = slot["event"]
            passed = list(slot["fds"])
        if TIMER not in _MEMORY_KINDS:
            return passed, [], watch
        timer = _libc.timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)
        if timer < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create failed")
        try:
            report, tell = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        except BaseException:
            os.close(timer)
            if "slot" in watch:
                self.cgroups.release(watch["slot"])  # type: ignore[union-attr]
            raise
        # (the program process's copy of the timer is a duplicate: it arms the timer we keep)
        owned = [os.dup(timer), tell]
        return passed + owned, owned, {**watch, "timer": timer, "report": report}

    def release_memory(self, proc: dict) -> None:
        """Stop watching a run's memory (its processes are gone): its timer and report pipe
        closed, or its cgroup slot given back."""
        for key in ("timer", "oom_event"):
            fd = proc.pop(key, -1)
            if fd >= 0:
                if self.timers.pop(fd, None) is not None:
                    self.poller.unregister(fd)
                if key == "timer":
                    os.close(fd)
        report = proc.pop("report", -1)
        if report >= 0:
            os.close(report)
        slot = proc.pop("slot", None)
        if slot is not None and self.cgroups is not None:
            self.cgroups.release(slot)

    def watch(self, proc: dict) -> None:
        """Start listening to the accounting timer (or the cgroup v1 OOM eventfd) of a run handed
        to the checker."""
        for key in ("timer", "oom_event"):
            fd = proc.get(key, -1)
            if fd >= 0 and fd not in self.timers:
                self.timers[fd] = proc
                self.poller.register(fd, select.POLLIN)

    def out_of_memory(self, proc: dict) -> None:
        """cgroup v1: the kernel found the run's cgroup out of memory (and killed the process it
        picked): kill the rest of the run, as cgroup v2's ``memory.oom.group`` does."""
        fd = proc.get("oom_event", -1)
        with contextlib.suppress(OSError):
            os.read(fd, 8)
        if proc.get("over") or self.cgroups is None or "slot" not in proc:
            return
        slot = proc["slot"]
        self.cgroups.new_oom_kills(slot)
        proc["over"] = {"memory_limit": {"mechanism": self.cgroups.label, "limit_mb": self.cgroups.limit_mb(slot)}}
        kill(proc["pid"], proc["pidfd"])
        self.cgroups.kill(slot)

    def check_usage(self, proc: dict) -> None:
        """Accounting: when the run's timer fires, add up what its processes hold and kill them all
        past its limits (``memory_mb``: resident memory -- proportional when the resident sets
        exceed the limit, so that pages shared after a fork count once -- plus what the sandbox's
        /tmp holds beyond what it held at start; ``processes``: processes and threads)."""
        timer = proc.get("timer", -1)
        if timer < 0:
            return
        with contextlib.suppress(OSError):
            os.read(timer, 8)
        if proc.get("over"):
            return
        limits = proc.get("limits")
        if limits is None:
            try:
                data = os.read(proc["report"], 64)
            except OSError:
                return
            if len(data) != REPORT_FORMAT.size:
                return
            limits = proc["limits"] = REPORT_FORMAT.unpack(data)
        memory_mb, processes = limits
        pids, tasks, resident = self.run_processes(proc)
        if not pids:
            return
        used = limit = 0
        if self.cgroups is None:  # (else the cgroup bounds the memory: only processes are counted)
            on_disk = self.tmp_in_use()
            used = resident + on_disk
            limit = memory_mb << 20
            if used > limit:
                used = sum(map(proportional_set, pids)) + on_disk
        if used > limit:
            proc["over"] = {
                "memory_limit": {
                    "mechanism": "accounting",
                    "limit_mb": memory_mb,
                    "used_mb": used >> 20,
                    "processes": len(pids),
                }
            }
        elif tasks > processes:
            proc["over"] = {"process_limit": {"mechanism": "accounting", "limit": processes, "used": tasks}}
        else:
            return
        # Stop the whole run now: its first process first (nothing of it answers the checker again),
        # then every process of its tree; stragglers forked meanwhile are orphans that the run's
        # clean-up kills (``kill_run``).
        kill(proc["pid"], proc["pidfd"])
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        _libc.timerfd_settime(timer, 0, ctypes.byref(_Itimerspec()), None)  # disarm

    def tmp_in_use(self) -> int:
        """Bytes the sandbox's /tmp (a tmpfs: memory) holds beyond what it held before the first run."""
        if not self.check_space:
            return 0
        try:
            return max(0, self.space_in_use()[0] - self.baseline_use[0])
        except OSError:
            return 0

    def run_processes(self, proc: dict) -> tuple[list[int], int, int]:
        """(pids, processes and threads, resident bytes) of the run: its first process, everything
        below it, and the orphans of the run re-parented to the forker."""
        main = proc["pid"]
        roots = [main]
        if self.children_file:
            strays = self.stray_children(proc["uid"]) or []
            if proc["uid"] is None and strays:
                # Without uids, an orphan belongs to the run of its session (a program process is a
                # session leader and cannot start another one under the filter); one in no run's
                # session (possible without the filter) counts for every run.
                sessions = self.kept_pids()
                strays = [pid for pid in strays if session_of(pid) in (main, None) or session_of(pid) not in sessions]
            roots += strays
        else:
            roots += [pid for pid in self.processes(proc["uid"]) if pid != main and session_of(pid) == main]
        pids: list[int] = []
        tasks = resident = 0
        seen: set[int] = set()
        while roots:
            pid = roots.pop()
            if pid in seen:
                continue
            seen.add(pid)
            try:
                threads = os.listdir(f"/proc/{pid}/task")
                resident += int(read_proc(f"/proc/{pid}/statm").split()[1]) * PAGE
            except (OSError, ValueError, IndexError):
                continue
            pids.append(pid)
            tasks += len(threads)
            for tid in threads:
                with contextlib.suppress(OSError, ValueError):
                    roots.extend(map(int, read_proc(f"/proc/{pid}/task/{tid}/children").split()))
        return pids, tasks, resident

    def take(self, run_id: int) -> tuple[int, list[int], str]:
        """A waiting program process for run ``run_id``: (pid, [the checker's end of its channel,
        a pidfd of the process when the kernel has them -- the checker sees it exit at once],
        its working directory)."""
        proc, self.spare = self.spare, None
        if proc is not None and (proc["pid"] in self.exited or self.has_exited(proc["pidfd"])):
            # the spare died (e.g. killed from outside)
            self.discard(proc)
            proc = None
        if proc is None:
            proc = self.new_process()
        sock = proc.pop("sock")
        self.handed.append(sock)  # closed after the reply carried it
        self.runs[run_id] = proc
        self.watch(proc)
        fds = [sock.fileno()]
        if proc["pidfd"] >= 0:
            dup = os.dup(proc["pidfd"])
            self.handed_fds.append(dup)
            fds.append(dup)
        return proc["pid"], fds, proc["workdir"]

    def discard(self, proc: dict) -> None:
        with contextlib.suppress(OSError):
            proc["sock"].close()
        self.stop(proc)

    def refill(self) -> None:
        """Keep one spare program process ready (only with a separate uid per process: a running
        program must not be able to reach the process that will run the next one)."""
        for sock in self.handed:
            sock.close()
        self.handed.clear()
        for fd in self.handed_fds:
            os.close(fd)
        self.handed_fds.clear()
        if self.spares and self.spare is None:
            self.spare = self.new_process()

    def finish(self, run_id: int, wait_s: float) -> dict:
        run = self.runs.pop(run_id, None)
        if run is None:
            return {"error": "unknown run"}
        return self.stop(run, wait_s)

    def kill_later(self, run_id: int) -> dict:
        """Kill the run's process now and clean up after the reply (the checker does not wait for
        how it ended). Its uid stays taken until then, so no new program runs under it."""
        run = self.runs.pop(run_id, None)
        if run is None:
            return {"error": "unknown run"}
        pid, pidfd = run["pid"], run["pidfd"]
        if pid not in self.exited:
            kill(pid, pidfd)
        self.dying.append(run)
        return {"deferred": True}

    def clean_up_dying(self) -> None:
        """Finish the clean-up of the runs ``kill_later`` killed (after the checker's answer)."""
        while self.dying:
            run = self.dying.pop()
            with contextlib.suppress(Exception):
                self.stop(run)

    def stop(self, run: dict, wait_s: float = 0.0) -> dict:
        pid, pidfd = run["pid"], run["pidfd"]
        killed = False
        if pid not in self.exited and wait_s > 0:
            self.wait_exit(pid, pidfd, wait_s, run)
        if pid not in self.exited and self.has_exited(pidfd):
            self.collect(pid)  # it ended on its own
        over = run.get("over")
        if pid not in self.exited:
            killed = not over
            kill(pid, pidfd)
            self.collect(pid)
        strays = self.kill_run(run["uid"])
        if pidfd >= 0:
            os.close(pidfd)
        out: dict = {"killed": killed, "stray_processes": strays}
        if over:
            out.update(over)
        elif "slot" in run and self.cgroups is not None:
            status = self.exited.get(pid)
            # Did the kernel kill the run's first process for memory? (on cgroup v2 it kills every
            # process of the run, memory.oom.group; on v1 the eventfd made it ``over`` already.)
            killed_by_kernel = status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            if killed_by_kernel and self.cgroups.new_oom_kills(run["slot"]):
                limit = self.cgroups.limit_mb(run["slot"])
                out["memory_limit"] = {"mechanism": self.cgroups.label, "limit_mb": limit}
        self.release_memory(run)
        try:
            self.remove_workdir(run)
        except OSError as exc:
            self.broken = f"clean-up of {run['workdir']} failed: {exc}"
            out["cleanup_error"] = self.broken
        status = self.exited.pop(pid, None)
        cpu = self.usage.pop(pid, None)
        if cpu is not None:
            out["cpu_s"] = round(cpu, 6)
        if status is not None:
            if os.WIFSIGNALED(status):
                out["signal"] = os.WTERMSIG(status)
            elif os.WIFEXITED(status):
                out["exit_code"] = os.WEXITSTATUS(status)
        return out

    def wait_exit(self, pid: int, pidfd: int, wait_s: float, run: dict | None = None) -> None:
        deadline = time.monotonic() + wait_s
        timer = run.get("timer", -1) if run is not None else -1
        event = run.get("oom_event", -1) if run is not None else -1
        watched = [fd for fd in (pidfd, timer, event) if fd >= 0]
        while pid not in self.exited:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if pidfd >= 0:
                ready = select.select(watched, [], [], remaining)[0]
                if run is not None and event in ready:
                    self.out_of_memory(run)
                if run is not None and timer in ready:
                    self.check_usage(run)
                if pidfd in ready:
                    self.collect(pid)
                continue
            time.sleep(min(0.005, remaining))
            self.reap()

    def processes(self, uid: int | None) -> list[int]:
        """Live processes of ``uid`` (or, without uids, our children: orphans are re-parented to us).

        The uid comes from ``/proc/PID/status`` (the owner of ``/proc/PID`` turns to root when a
        process makes itself non-dumpable, which must not hide it from the clean-up).
        """
        me = os.getpid()
        parents = {str(me).encode(), str(self.forker_pid).encode()}
        # (without uids, the program processes still in use -- other runs, the spare -- are not strays)
        kept = {me, self.forker_pid, *self.kept_pids()} if uid is None else {me, self.forker_pid}
        if self.spare is not None:
            kept.add(self.spare["pid"])
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            if pid in kept:
                continue
            try:
                with open(f"/proc/{entry}/status", "rb") as f:
                    status = f.read()
            except OSError:
                continue
            fields = dict(line.split(b":", 1) for line in status.splitlines() if b":" in line)
            if fields.get(b"State", b"").strip().startswith(b"Z"):
                continue
            if uid is not None:
                uids = fields.get(b"Uid", b"").split()
                if str(uid).encode() not in uids:
                    continue
            elif fields.get(b"PPid", b"0").strip() not in parents:
                continue
            found.append(pid)
        return found

    def kill_run(self, uid: int | None) -> int:
        """Kill every process the run left behind; returns how many there were."""
        if self.pid_namespace and self.children_file:
            return self.kill_strays(uid)
        return self.kill_by_scan(uid)

    @staticmethod
    def kill_round(pids: list[int], seen: set[int]) -> None:
        """SIGKILL ``pids`` (added to ``seen``; one already gone is skipped), then let them die."""
        seen.update(pids)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.0005)

    def kill_by_scan(self, uid: int | None) -> int:
        """``kill_run`` by a scan of /proc for the run's uid (or our children, without uids)."""
        if uid is None:
            if self.forker is not None:
                if not self.ask_forker(SWEEP):
                    return 0  # the usual case: the forker has no child left
            else:
                try:
                    os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    return 0
        elif not self.pid_namespace:
            # The host's /proc is big: kill(-1) as the run's uid signals all its processes at once.
            pid = os.fork()
            if pid == 0:
                try:
                    become(uid)
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        seen: set[int] = set()
        for _ in range(1000):
            self.reap()
            procs = self.processes(uid)
            if not procs:
                break
            self.kill_round(procs, seen)
        self.reap()
        return len(seen)

    def kept_pids(self) -> set[int]:
        """Program processes that are still in use (every other child of the forker is a stray)."""
        kept = {run["pid"] for run in self.runs.values()}
        kept.update(run["pid"] for run in self.dying)
        if self.spare is not None:
            kept.add(self.spare["pid"])
        return kept

    def stray_children(self, uid: int | None) -> list[int] | None:
        """The forker's children that are no program process in use (and run as ``uid``, when runs have
        their own uid); None when the list cannot be read."""
        try:
            with open(self.children_file, "rb") as f:
                pids = f.read().split()
        except OSError:
            return None
        kept = self.kept_pids()
        strays = [pid for pid in map(int, pids) if pid not in kept]
        if uid is not None and strays:
            strays = [pid for pid in strays if self.uid_of(pid) in (uid, None)]
        return strays

    @staticmethod
    def uid_of(pid: int) -> int | None:
        """The real uid of ``pid`` from /proc/PID/status (its owner turns to root when a process
        makes itself non-dumpable); None when it cannot be read."""
        try:
            with open(f"/proc/{pid}/status", "rb") as f:
                for line in f:
                    if line.startswith(b"Uid:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return None

    def kill_strays(self, uid: int | None) -> int:
        """Kill the run's processes among the forker's children, until there are none.

        The forker is a child subreaper inside our own pid namespace: whatever a program process
        started -- however it forked, double-forked or called setsid -- is re-parented to it when
        its parent dies, so killing the run's stray children until none is left kills its whole
        tree. The usual case costs one read of /proc/FORKER/task/FORKER/children instead of a
        scan of every process."""
        seen: set[int] = set()
        for attempt in range(1000):
            if attempt:
                self.reap()  # the strays killed last round (their zombies stay listed until reaped)
            strays = self.stray_children(uid)
            if strays is None:  # cannot read the list: fall back to the scan of /proc
                return len(seen) + self.kill_by_scan(uid)
            if not strays:
                break
            self.kill_round(strays, seen)
        return len(seen)

    def remove_workdir(self, run: dict) -> None:
        """Remove the run's directory and everything in it (``fsclean.remove_made_dir``)."""
        dir_fd = run.pop("dir_fd", -1)
        if dir_fd >= 0:
            try:
                fsclean.remove_made_dir(self.root_fd, run["name"], dir_fd, run["dir_id"])
            finally:
                os.close(dir_fd)

    def space_in_use(self) -> tuple[int, int]:
        """(bytes, inodes) in use on the work root's file system."""
        st = os.fstatvfs(self.root_fd)
        return (st.f_blocks - st.f_bfree) * st.f_frsize, (st.f_files - st.f_ffree) if st.f_files else 0

    def verify_quiet(self) -> None:
        """With no run in progress, the work root must hold nothing but the spare's empty directory
        (and what was there before the first run), and its file system must be as free as then:
        anything else is removed, and a failure marks the sandbox broken (the checker restarts it)."""
        if self.runs or self.dying:
            return
        expected = set(self.baseline)
        if self.spare is not None:
            expected.add(self.spare["name"])
        try:
            for name in set(os.listdir(self.root_fd)) - expected:
                fsclean.remove_entry(self.root_fd, name)
            if self.check_space:
                used, inodes = self.space_in_use()
                used -= self.baseline_use[0]
                inodes -= self.baseline_use[1] + len(expected - self.baseline)
                if used > QUIET_SLACK_BYTES:
                    raise OSError(errno.ENOSPC, f"{used} bytes of the sandbox's /tmp still in use after clean-up")
                if inodes > QUIET_SLACK_INODES:
                    raise OSError(errno.ENOSPC, f"{inodes} inodes of the sandbox's /tmp still in use after clean-up")
        except OSError as exc:
            self.broken = f"clean-up failed: {exc}"

    def shutdown(self) -> None:
        self.clean_up_dying()
        for run_id in list(self.runs):
            with contextlib.suppress(Exception):
                self.finish(run_id, 0)
        if self.spare is not None:
            with contextlib.suppress(Exception):
                self.discard(self.spare)
            self.spare = None
        with contextlib.suppress(Exception):
            self.kill_run(None)
        left: list[str] = []
        if self.cgroups is not None:
            with contextlib.suppress(Exception):
                left = self.cgroups.remove_all()
        given = self.cfg.get("cgroup")
        if given and not left:
            with contextlib.suppress(OSError):  # the sandbox's own cgroup (the checker removes it too)
                os.rmdir(str(given["name"]), dir_fd=int(given["parent_fd"]))
        forker, self.forker = self.forker, None
        if forker is not None:
            forker.close()  # the forker exits at the end of its channel
        if self.cfg["isolation"] == "rlimits-only" and self.root_fd >= 0:
            with contextlib.suppress(OSError):  # (the checker removes it too, should this fail)
                st = os.fstat(self.root_fd)
                parent = os.open(os.path.dirname(self.workroot), fsclean.DIR_FLAGS)
                try:
                    fsclean.remove_entry(parent, os.path.basename(self.workroot), (st.st_dev, st.st_ino))
                finally:
                    os.close(parent)


def kill(pid: int, pidfd: int) -> None:
    """SIGKILL a program process, through its pidfd when there is one (no pid reuse race)."""
    with contextlib.suppress(ProcessLookupError, OSError):
        if pidfd >= 0:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)


def become(uid: int) -> None:
    """Drop this process to ``uid``: no supplementary groups, the uid's gid, then the uid (the
    last step, as it gives up the right to change the others)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def prepare_environment() -> None:
    """What every program process inherits: a scrubbed environment, no-new-privileges."""
    os.environ.clear()
    os.environ.update(
        {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": "/nonexistent",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
    )
    sys.dont_write_bytecode = True
    prctl(PR_SET_NO_NEW_PRIVS, 1)  # inherited: programs cannot gain privileges through setuid binaries


# =============================================================================================
# program process
# =============================================================================================
def program_main(passed: list[int], workdir: str, uid: int | None, pid_namespace: bool) -> int:
    """A program process: isolate, wait for the program from the checker, run it. Returns the exit code.

    ``passed``: its end of the channel to the checker, then the descriptors that bind the run's
    memory (``_MEMORY_KINDS``: its run's cgroup to join and whose limits to set, or the accounting
    timer to arm and the pipe to report its limits on); they are used and closed before the
    program runs. Everything up to receiving the program happens ahead of time (a spare process),
    so a run costs the checker no fork.
    """
    # Keep this short: every page a fresh process touches is copied from the fork server.
    # (No signal handlers to reset -- the fork server installs none; the environment and
    # no-new-privileges were set in the fork server once, see ``prepare_environment``.)
    if not pid_namespace:  # with a pid namespace the program dies with the sandbox anyway
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()  # (the last session a program process has: the filter makes setsid a no-op after this)
    if _FILTER is not None and not confine.install_filter(_FILTER[0]):
        return 1  # never run a program without its filter once the fork server found it works
    # File descriptors: /dev/null on 0-2, the channel on 3, nothing else from the fork server.
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    # The channel on 3, the memory descriptors on 4, 5, ...; nothing else from the fork server.
    count = len(passed)
    above = max(passed) + 1
    for i in range(count):
        os.dup2(passed[i], above + i)
    for i in range(count):
        os.dup2(above + i, 3 + i)
    os.closerange(3 + count, 1 << 16)
    memory = list(range(4, 3 + count))
    if memory and cgroups.JOIN in _MEMORY_KINDS and not join_cgroup(memory, _MEMORY_KINDS):
        return 1  # never run a program outside its run's cgroup once the fork server chose cgroups
    sock = socket.socket(fileno=3)
    os.chdir(workdir)
    if uid is not None:
        become(uid)
    received = receive_program(sock)
    if received is None:
        return 0
    spec, fds = received
    lim = spec["limits"]
    apply_limits(lim, uid)
    if memory:
        failed = bind_memory(memory, int(lim["memory_mb"]), int(lim["processes"]))
        if failed is not None:  # the program never runs unbound; the checker hears why
            refuse(spec, fds, sock, failed)
            return 1
        os.closerange(4, 3 + count)
    if spec.get("env"):
        os.environ.update(spec["env"])
    os.environ["TMPDIR"] = workdir  # tempfile's default directory, once the program imports it
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = workdir
    mode = spec["mode"]
    name = "__main__" if mode == "stdio" else spec.get("module", "solution")
    path = os.path.join(workdir, "solution.py")
    source = spec["code"]
    # Tracebacks and inspect.getsource read the source from linecache (no file needed).
    linecache.cache[path] = (len(source), None, source.splitlines(True), path)
    sys.argv = [path]
    sys.path[:] = [workdir, *[p for p in sys.path if p]]
    module = types.ModuleType(name)
    module.__file__ = path
    if mode == "stdio":
        stdin_fd, stdout_fd, stderr_fd = fds
        for target, source_fd in ((0, stdin_fd), (1, stdout_fd), (2, stderr_fd)):
            os.dup2(source_fd, target)
        for fd in fds:
            os.close(fd)
        sock.close()
        return run_stdio(module, source, path, spec)
    for fd in fds:
        os.close(fd)
    return run_rpc(module, source, path, sock, spec)


def join_cgroup(fds: list[int], kinds: tuple[str, ...]) -> bool:
    """Move this process into its run's cgroup (everything it starts is born there)."""
    try:
        os.write(fds[kinds.index(cgroups.JOIN)], b"0")
        return True
    except (OSError, ValueError):
        return False


def limit_cgroup(fds: list[int], kinds: tuple[str, ...], memory_mb: int, processes: int) -> bool:
    """Write the run's limits into its cgroup: memory (v1: memory, then memory+swap -- or the other
    way round when the limit grows, v1 never letting the first exceed the second) and processes.

    A limit below what the cgroup holds makes the kernel reclaim first; what the last run of the
    slot held may still be on its way out (EBUSY): tried again for up to ~0.2 s."""
    memory = b"%d" % (memory_mb << 20)
    try:
        files = [fd for fd, kind in zip(fds, kinds, strict=True) if kind == cgroups.MEMORY]
        for attempt in range(100):
            try:
                try:
                    for fd in files:
                        os.write(fd, memory)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    for fd in reversed(files):
                        os.write(fd, memory)
                break
            except OSError as exc:
                if exc.errno != errno.EBUSY or attempt == 99:
                    raise
                time.sleep(0.002)
        for fd, kind in zip(fds, kinds, strict=True):
            if kind == cgroups.PIDS:
                os.write(fd, b"%d" % processes)
        return True
    except OSError:
        return False


def bind_memory(fds: list[int], memory_mb: int, processes: int) -> str | None:
    """Before the program runs: set its cgroup's limits, and/or report its limits to the fork
    server and arm the accounting timer. None when done, else what failed."""
    kinds = _MEMORY_KINDS
    if cgroups.JOIN in kinds and not limit_cgroup(fds, kinds, memory_mb, processes):
        return f"the sandbox could not set the run's memory limit of {memory_mb} MiB in its cgroup"
    if TIMER not in kinds:
        return None
    try:
        os.write(fds[kinds.index(REPORT)], REPORT_FORMAT.pack(memory_mb, processes))
        if _ARM is not None and _ARM[0](fds[kinds.index(TIMER)], 0, _ARM[1], None) == 0:
            return None
    except OSError:
        pass
    return "the sandbox could not start the accounting of the run's memory"


def refuse(spec: dict, fds: list[int], sock: socket.socket, message: str) -> None:
    """Tell the checker that the program will not run, and why (stdio: on its stderr; rpc: as
    the greeting's load error)."""
    with contextlib.suppress(Exception):
        if spec.get("mode") == "stdio" and len(fds) == 3:
            os.write(fds[2], f"SandboxError: {message}\n".encode())
        else:
            payload = pickle.dumps((spec.get("nonce"), ("load_error", "SandboxError", "Exception", False, message, "")))
            sock.sendall(HEADER.pack(len(payload)) + payload)


def session_of(pid: int) -> int | None:
    """The session id of ``pid`` (/proc/PID/stat), None when it cannot be read."""
    try:
        return int(read_proc(f"/proc/{pid}/stat").rpartition(b")")[2].split()[3])
    except (OSError, ValueError, IndexError):
        return None


def read_proc(path: str) -> bytes:
    """The whole of a small /proc file."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def proportional_set(pid: int) -> int:
    """The proportional set size of ``pid`` in bytes (pages shared with other processes count
    for their share); its resident set where /proc/PID/smaps_rollup is missing; 0 once it is gone."""
    try:
        text = read_proc(f"/proc/{pid}/smaps_rollup")
    except OSError:
        try:
            return int(read_proc(f"/proc/{pid}/statm").split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            return 0
    for line in text.splitlines():
        if line.startswith(b"Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def receive_program(sock: socket.socket) -> tuple[dict, list[int]] | None:
    """The checker's program message (header + pickle, file descriptors for stdio); None on EOF."""
    data, ancdata, _flags, _addr = sock.recvmsg(1 << 16, socket.CMSG_SPACE(3 * 4))
    if not data:
        return None
    fds = passed_fds(ancdata)
    buf = bytearray(data)
    while len(buf) < HEADER.size:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return None
        buf += chunk
    (size,) = HEADER.unpack(bytes(buf[: HEADER.size]))
    while len(buf) < HEADER.size + size:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return None
        buf += chunk
    return pickle.loads(bytes(buf[HEADER.size : HEADER.size + size])), fds


def apply_limits(lim: dict, uid: int | None) -> None:
    """Hard resource limits: the program cannot raise them again."""

    def hard(which: int, value: int) -> None:
        try:  # (no contextlib here: every page of code a program process runs is a page it copies)
            _soft, cur_hard = resource.getrlimit(which)
            if cur_hard != resource.RLIM_INFINITY:
                value = min(value, cur_hard)
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            pass

    hard(resource.RLIMIT_CORE, 0)
    hard(resource.RLIMIT_AS, int(lim["memory_mb"]) * 1024 * 1024)
    hard(resource.RLIMIT_CPU, max(1, int(lim["cpu_seconds"] + 0.999)))
    hard(resource.RLIMIT_FSIZE, int(lim["file_size_mb"]) * 1024 * 1024)
    hard(resource.RLIMIT_NOFILE, int(lim["open_files"]))
    nproc = int(lim["processes"])
    if uid is None:  # RLIMIT_NPROC counts every process of the user: leave room for the ones that exist
        nproc += count_own_processes()
    hard(resource.RLIMIT_NPROC, nproc)


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


def program_code(source: str, path: str, spec: dict) -> types.CodeType:
    """The program's code object: compiled by the checker ahead of time (``bytecode``: marshal of
    ``compile(source, path, "exec", flags=COMPILE_FLAGS, dont_inherit=True)``, which saves the
    program process the compiler's memory), else compiled here."""
    blob = spec.get("bytecode")
    if blob is not None:
        code = marshal.loads(blob)
        if type(code) is types.CodeType and code.co_filename == path:
            return code
    return compile(source, path, "exec", flags=COMPILE_FLAGS, dont_inherit=True)


def run_stdio(module: types.ModuleType, source: str, path: str, spec: dict) -> int:
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", line_buffering=True
    )
    sys.modules["__main__"] = module
    code = 0
    try:
        exec(program_code(source, path, spec), module.__dict__)
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
# Plain values pass as they are; the classes they pickle by name are the only globals the
# checker's decoder accepts (both from ``protocol``).
PLAIN_IDS = frozenset(id(t) for t in protocol.PLAIN_TYPES)
GLOBALS_OK_IDS = frozenset(id(t) for t in protocol.PICKLED_BY_NAME)
NUMPY_KINDS = protocol.NUMPY_KINDS
# How the program process carries out each of ``protocol.OPERATIONS``.
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
        self._recv = sock.recv
        self._buf = bytearray()
        self._dumps = pickle.dumps
        self._Pickler = pickle.Pickler
        self._Unpickler = pickle.Unpickler
        self._BytesIO = io.BytesIO
        self._type = type
        self._isinstance = isinstance
        self._issubclass = issubclass
        self._BaseException = BaseException
        self._exc_bases = BUILTIN_EXCEPTIONS

    # -- framing --
    def send(self, obj: object) -> None:
        buf = self._BytesIO()
        pickler = self._Pickler(buf, protocol=5)
        pickler.persistent_id = self.persistent_id  # type: ignore[method-assign]
        pickler.dump(obj)
        payload = buf.getvalue()
        self._sendall(HEADER.pack(len(payload)) + payload)

    def recv(self) -> object:
        payload = self._read_frame()
        if payload is None:
            return None
        unpickler = self._Unpickler(self._BytesIO(payload))
        unpickler.persistent_load = self.persistent_load  # type: ignore[method-assign]
        return unpickler.load()

    def _read_frame(self) -> bytes | None:
        """One length-prefixed frame (usually a single recv: header and payload arrive together)."""
        buf = self._buf
        while True:
            if len(buf) >= HEADER.size:
                (size,) = HEADER.unpack_from(buf)
                if size > MAX_REQUEST:
                    raise ValueError("request too large")
                end = HEADER.size + size
                if len(buf) >= end:
                    frame = bytes(buf[HEADER.size : end])
                    del buf[:end]
                    return frame
            chunk = self._recv(1 << 16)
            if not chunk:
                return None
            buf += chunk

    # -- values --
    def persistent_id(self, obj: object) -> object:
        t = self._type(obj)
        # identity, not equality: a program's __eq__ (or a metaclass's) must not decide this
        if id(t) in PLAIN_IDS or id(obj) in GLOBALS_OK_IDS:
            return None
        module = getattr(t, "__module__", "")
        name = getattr(t, "__qualname__", "?")
        if module == "fractions" and name == "Fraction":
            return ("fraction", obj.numerator, obj.denominator)  # type: ignore[attr-defined]
        if module == "decimal" and name == "Decimal":
            return ("decimal", str(obj))
        if module == "numpy" and name == "ndarray" and obj.dtype.kind in NUMPY_KINDS:  # type: ignore[attr-defined]
            return ("ndarray", obj.dtype.str, tuple(obj.shape), obj.tolist())  # type: ignore[attr-defined]
        if module == "numpy" and hasattr(obj, "dtype") and hasattr(obj, "item") and obj.dtype.kind in NUMPY_KINDS:  # type: ignore[attr-defined]
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
        """Answer requests ``(nonce, body)`` with ``(nonce, reply)``: the checker accepts an answer
        only with the nonce of the request it sent (no answer can be queued in advance)."""
        while True:
            try:
                message = self.recv()
            except BaseException as exc:
                self.send((None, ("protocol", f"bad request: {exc}")))
                continue
            if message is None:
                return 0
            nonce, request = message  # type: ignore[misc]
            try:
                reply = ("ok", self.dispatch(request))
                try:
                    self.send((nonce, reply))
                    continue
                except BaseException as exc:  # e.g. a result that cannot be pickled
                    reply = self.error_reply(exc)
            except BaseException as exc:
                reply = self.error_reply(exc)
            try:
                self.send((nonce, reply))
            except BaseException:
                self.send((nonce, ("raise", "RuntimeError", "RuntimeError", True, "could not send the error", "")))

    def dispatch(self, request: object) -> object:
        op = request[0]  # type: ignore[index]
        if op == "call":
            _, target, args, kwargs = request  # type: ignore[misc]
            return self.resolve(target)(*args, **kwargs)
        if op == "get":
            return self.resolve(request[1])  # type: ignore[index]
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


BUILTIN_EXCEPTIONS = _builtin_exception_names()  # computed once in the fork server


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
    nonce = spec.get("nonce")
    sys.modules[module.__name__] = module
    sys.stdin = io.StringIO("")
    try:
        exec(program_code(source, path, spec), module.__dict__)
    except BaseException as exc:
        host.send((nonce, ("load_error", *host.error_reply(exc)[1:])))
        return 0
    try:
        names = public_names(module)
    except BaseException:
        names = {}
    host.send((nonce, ("loaded", names)))
    return host.serve()


# =============================================================================================
def main(control_fd: int, cfg_hex: str) -> None:
    """Run the fork server on the control socket ``control_fd`` with the configuration ``cfg_hex``.

    The checker starts it with a small loader (``client.ZYGOTE_BOOT``) that imports this file
    from its compiled bytecode: run as a script it would be compiled from source at every start,
    and the compiler's garbage would stay in the memory that every program process inherits.
    """
    cfg = pickle.loads(bytes.fromhex(cfg_hex))
    # Do not let programs import modules that sit next to this script.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    zygote = Zygote(control, cfg)
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
    main(int(sys.argv[1]), sys.argv[2])
