"""Memory cgroups for the sandbox: one per run, under one per sandbox.

Standard library only: the sandbox's fork server (``zygote.py``) loads this file next to itself.

The checker finds the memory cgroup it runs in (cgroup v2 with the ``memory`` controller usable
for children, or the cgroup v1 ``memory`` hierarchy) and makes a child cgroup for the sandbox
(:func:`make_sandbox_cgroup`); the fork server receives it as an open directory (it may not see
the cgroup file system at all: bubblewrap mounts none) and makes, inside it, one cgroup per run
(:class:`RunCgroups`, reused from run to run). Every program process joins its run's cgroup
before it receives its program and writes the run's limits into it (``memory.max`` and
``memory.swap.max`` = 0 on v2, ``memory.limit_in_bytes`` and ``memory.memsw.limit_in_bytes`` on
v1, ``pids.max`` where the ``pids`` controller is there too), through descriptors the fork server
opened, before a line of the program runs. The kernel then bounds what all the run's processes
hold together -- their memory, the files they write in the sandbox's ``/tmp`` (tmpfs), shared
memory -- and kills on excess: on v2 the whole run (``memory.oom.group``); on v1 the process the
kernel picks, and the fork server, woken by the cgroup's OOM notification (an eventfd registered
through ``cgroup.event_control``), kills the rest. The cgroups are removed when the sandbox stops.

Nothing here fails when no such cgroup exists (no cgroup file system, no memory controller, a
cgroup v2 whose memory controller is not delegated to us): :func:`make_sandbox_cgroup` returns
the reason instead, and the sandbox falls back to accounting (see ``zygote``).

>>> find_memory_cgroup("0::/", "") is None  # a cgroup v2 line but no cgroup file system mounted
True
"""

from __future__ import annotations

import contextlib
import errno
import os
import time

__all__ = ["RunCgroups", "SandboxCgroup", "find_memory_cgroup", "make_sandbox_cgroup", "remove_sandbox_cgroup"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# What each descriptor handed to a program process is for (see ``zygote.program_main``).
JOIN, MEMORY, PIDS = "join", "memory", "pids"


class SandboxCgroup:
    """The sandbox's cgroup, made by the checker: ``version`` (1 or 2), ``path``, and open
    descriptors of it (``fd``) and of the cgroup it was made in (``parent_fd``, to remove it)."""

    def __init__(self, version: int, path: str, fd: int, parent_fd: int) -> None:
        self.version = version
        self.path = path
        self.fd = fd
        self.parent_fd = parent_fd

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    def close(self) -> None:
        for fd in (self.fd, self.parent_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self.fd = self.parent_fd = -1


def _unescape(field: str) -> str:
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def _mounts(mountinfo: str) -> list[tuple[str, str, str, list[str]]]:
    """(root, mount point, file system type, super options) of every mount in a mountinfo text."""
    found = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 5 or len(tail) < 3:
            continue
        found.append((_unescape(fields[3]), _unescape(fields[4]), tail[0], tail[2].split(",")))
    return found


def _join(mount_root: str, point: str, path: str) -> str | None:
    """The directory of cgroup ``path`` (as /proc/self/cgroup names it) under a mount of ``mount_root``."""
    root = mount_root.rstrip("/")
    if root and not (path == root or path.startswith(root + "/")):
        return None
    rest = path[len(root) :].strip("/")
    return os.path.join(point, rest) if rest else point


def find_memory_cgroup(cgroup: str | None = None, mountinfo: str | None = None) -> tuple[int, str] | None:
    """(cgroup version, directory) of this process's memory cgroup, or None when there is none.

    v2 is preferred when its ``memory`` controller is enabled for our cgroup; v1 otherwise.
    """
    try:
        if cgroup is None:
            with open("/proc/self/cgroup", encoding="utf-8") as f:
                cgroup = f.read()
        if mountinfo is None:
            with open("/proc/self/mountinfo", encoding="utf-8") as f:
                mountinfo = f.read()
    except OSError:
        return None
    v1_path = v2_path = None
    for line in cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            v2_path = parts[2]
        elif "memory" in parts[1].split(","):
            v1_path = parts[2]
    mounts = _mounts(mountinfo)
    if v2_path is not None:
        for root, point, fstype, _options in mounts:
            if fstype != "cgroup2":
                continue
            directory = _join(root, point, v2_path)
            if directory and _has_word(os.path.join(directory, "cgroup.controllers"), "memory"):
                return 2, directory
    if v1_path is not None:
        for root, point, fstype, options in mounts:
            if fstype == "cgroup" and "memory" in options:
                directory = _join(root, point, v1_path)
                if directory and os.path.exists(os.path.join(directory, "memory.limit_in_bytes")):
                    return 1, directory
    return None


def _has_word(path: str, word: str) -> bool:
    try:
        with open(path, encoding="utf-8") as f:
            return word in f.read().split()
    except OSError:
        return False


def _write(path: str, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, value.encode())
    finally:
        os.close(fd)


def make_sandbox_cgroup(cgroup: str | None = None, mountinfo: str | None = None) -> SandboxCgroup | str | None:
    """Make a cgroup for a sandbox inside this process's memory cgroup.

    Returns the :class:`SandboxCgroup`, or a string saying why there is none (never raises).
    ``cgroup`` / ``mountinfo``: the texts of /proc/self/cgroup and /proc/self/mountinfo (read
    when not given).
    """
    found = find_memory_cgroup(cgroup, mountinfo)
    if found is None:
        return "no memory cgroup (neither a cgroup v2 memory controller nor a cgroup v1 memory hierarchy)"
    version, directory = found
    if version == 2 and not _has_word(os.path.join(directory, "cgroup.subtree_control"), "memory"):
        try:  # possible only where our cgroup holds no process (e.g. the root of a delegated subtree)
            _write(os.path.join(directory, "cgroup.subtree_control"), "+memory")
        except OSError as exc:
            return f"cgroup v2: the memory controller is not enabled below {directory} ({exc.strerror})"
    name = f"rewardlab-{os.getpid()}-{os.urandom(4).hex()}"
    path = os.path.join(directory, name)
    try:
        parent_fd = os.open(directory, DIR_FLAGS)
    except OSError as exc:
        return f"cgroup v{version}: cannot open {directory} ({exc.strerror})"
    try:
        os.mkdir(name, 0o755, dir_fd=parent_fd)
    except OSError as exc:
        os.close(parent_fd)
        return f"cgroup v{version}: cannot make a cgroup in {directory} ({exc.strerror})"
    made = SandboxCgroup(version, path, -1, parent_fd)
    try:
        made.fd = os.open(name, DIR_FLAGS, dir_fd=parent_fd)
        if version == 2:
            controllers = _has_word(os.path.join(path, "cgroup.controllers"), "pids")
            _write(os.path.join(path, "cgroup.subtree_control"), "+memory")
            if controllers:
                with contextlib.suppress(OSError):
                    _write(os.path.join(path, "cgroup.subtree_control"), "+pids")
    except OSError as exc:
        remove_sandbox_cgroup(made)
        return f"cgroup v{version}: cannot set up {path} ({exc.strerror})"
    return made


def remove_sandbox_cgroup(made: SandboxCgroup, wait_s: float = 2.0) -> bool:
    """Remove the sandbox's cgroup and any run cgroup the fork server left in it (their processes
    are gone, or going: waits up to ``wait_s`` for them); whether it is gone. Closes its descriptors."""
    try:
        if made.parent_fd < 0:
            return False
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if made.fd >= 0:
                    for entry in os.listdir(made.fd):
                        if os.path.isdir(os.path.join(made.path, entry)):
                            with contextlib.suppress(FileNotFoundError):
                                os.rmdir(entry, dir_fd=made.fd)
                os.rmdir(made.name, dir_fd=made.parent_fd)
                return True
            except FileNotFoundError:
                return True
            except OSError as exc:
                if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                    return False
                time.sleep(0.01)
    finally:
        made.close()


class RunCgroups:
    """The fork server's side: a cgroup for each run inside the sandbox's (``fd``, ``version``).

    A run's cgroup is one of a few *slots* (``run-1``, ``run-2``, ...: as many as program
    processes ever live at once, usually two -- the run and the spare) that are made once and
    reused: a run gets a slot no other live run has, and gives it back once every process of it
    is gone and its files are removed (so the slot holds nothing of it but reclaimable page
    cache). Making and removing a memory cgroup for every run would cost each run ~0.2 ms of CPU.
    A slot keeps open what a program process needs (:meth:`acquire`: the descriptors and what each
    is for) and, on v1, the eventfd of its OOM notification; all slots are removed at the end
    (:meth:`remove_all`).
    """

    def __init__(self, fd: int, version: int) -> None:
        self.fd = fd
        self.version = version
        self.label = f"cgroup v{version}"
        self.slots: dict[str, dict] = {}
        self.free: list[str] = []
        self.count = 0

    def acquire(self) -> dict:
        """A slot no live run uses: ``{"name", "fds", "kinds", "event", "oom"}``."""
        if self.free:
            return self.slots[self.free.pop()]
        self.count += 1
        name = f"run-{self.count}"
        fds, kinds = self._make(name)
        slot = {"name": name, "fds": fds, "kinds": kinds, "event": self._oom_events(name), "oom": 0}
        self.slots[name] = slot
        return slot

    def release(self, slot: dict) -> None:
        """Give a slot back (its run's processes are gone)."""
        if slot["event"] >= 0:
            with contextlib.suppress(OSError):
                os.read(slot["event"], 8)  # (a notification nobody read must not stop the next run)
        if slot["name"] in self.slots and slot["name"] not in self.free:
            self.free.append(slot["name"])

    def _make(self, name: str) -> tuple[list[int], tuple[str, ...]]:
        """Make the cgroup ``name``: (descriptors for its program processes, what each is for)."""
        os.mkdir(name, 0o755, dir_fd=self.fd)
        fds: list[int] = []
        kinds: list[str] = []
        try:
            top = os.open(name, DIR_FLAGS, dir_fd=self.fd)
            try:
                if self.version == 2:
                    for setting, value in (("memory.swap.max", b"0"), ("memory.oom.group", b"1")):
                        with contextlib.suppress(FileNotFoundError):
                            self._put(top, setting, value)
                    wanted = (("cgroup.procs", JOIN), ("memory.max", MEMORY), ("pids.max", PIDS))
                else:
                    wanted = (
                        ("cgroup.procs", JOIN),
                        ("memory.limit_in_bytes", MEMORY),
                        ("memory.memsw.limit_in_bytes", MEMORY),
                    )
                for file, kind in wanted:
                    try:
                        fds.append(os.open(file, os.O_WRONLY | os.O_CLOEXEC, dir_fd=top))
                    except FileNotFoundError:
                        if kind == JOIN or (kind == MEMORY and MEMORY not in kinds):
                            raise
                        continue
                    kinds.append(kind)
            finally:
                os.close(top)
        except BaseException:
            for fd in fds:
                os.close(fd)
            with contextlib.suppress(OSError):
                os.rmdir(name, dir_fd=self.fd)
            raise
        return fds, tuple(kinds)

    def _oom_events(self, name: str) -> int:
        """cgroup v1: an eventfd that turns readable when the cgroup runs out of memory (the fork
        server then kills the whole run, as v2's ``memory.oom.group`` does); -1 on v2 or where the
        notification cannot be set up."""
        if self.version != 1:
            return -1
        try:
            event = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        except (AttributeError, OSError):
            return -1
        control = watched = -1
        try:
            watched = os.open(f"{name}/memory.oom_control", os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.fd)
            control = os.open(f"{name}/cgroup.event_control", os.O_WRONLY | os.O_CLOEXEC, dir_fd=self.fd)
            os.write(control, b"%d %d" % (event, watched))
        except OSError:
            os.close(event)
            return -1
        finally:
            for fd in (watched, control):
                if fd >= 0:
                    os.close(fd)
        return event

    @staticmethod
    def _put(top: int, setting: str, value: bytes) -> None:
        fd = os.open(setting, os.O_WRONLY | os.O_CLOEXEC, dir_fd=top)
        try:
            os.write(fd, value)
        finally:
            os.close(fd)

    def _read(self, name: str, file: str) -> bytes:
        fd = os.open(f"{name}/{file}", os.O_RDONLY | os.O_CLOEXEC, dir_fd=self.fd)
        try:
            return os.read(fd, 1 << 16)
        finally:
            os.close(fd)

    def new_oom_kills(self, slot: dict) -> int:
        """Processes the kernel killed for memory in the slot since the last call (0 when it cannot tell)."""
        file = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            total = 0
            for line in self._read(slot["name"], file).splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == b"oom_kill":
                    total = int(parts[1])
        except (OSError, ValueError):
            return 0
        new, slot["oom"] = max(0, total - slot["oom"]), total
        return new

    def limit_mb(self, slot: dict) -> int | None:
        """The slot's memory limit in MiB (what its run set)."""
        try:
            return int(self._read(slot["name"], "memory.max" if self.version == 2 else "memory.limit_in_bytes")) >> 20
        except (OSError, ValueError):
            return None

    def processes(self, slot: dict) -> list[int]:
        """The processes in the slot (pids as this process's pid namespace sees them)."""
        try:
            return [int(p) for p in self._read(slot["name"], "cgroup.procs").split()]
        except (OSError, ValueError):
            return []

    def kill(self, slot: dict) -> int:
        """SIGKILL every process in the slot; how many there were."""
        pids = self.processes(slot)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        return len(pids)

    def remove_all(self, wait_s: float = 2.0) -> list[str]:
        """Remove every slot (killing what is still in one); the names of those that stayed."""
        left = []
        for name, slot in list(self.slots.items()):
            for fd in (*slot["fds"], slot["event"]):
                if fd >= 0:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            deadline = time.monotonic() + wait_s
            while True:
                try:
                    os.rmdir(name, dir_fd=self.fd)
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        left.append(name)
                        break
                    self.kill(slot)
                    time.sleep(0.001)
            del self.slots[name]
        self.free.clear()
        return left
