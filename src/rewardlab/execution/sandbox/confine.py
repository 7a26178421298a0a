"""Confining the sandbox from the inside: a minimal root file system (the ``netns`` level) and a
seccomp filter for program processes (every level).

Standard library only: the sandbox's fork server (``zygote.py``) loads this file next to itself.

``build_root`` does for the ``netns`` level what bubblewrap does for ``bwrap``: the fork server,
root in fresh mount and pid namespaces (``unshare(1)``), mounts a new root that holds only the
system directories and the Python installation (read-only), a fresh ``/proc``, a minimal ``/dev``
and a private, size-capped ``/tmp``, then ``pivot_root``s into it. Nothing else of the host --
home directories, ``/run`` and its unix sockets, ``/var``, the checkout -- exists for programs.

``program_filter`` is a seccomp program that denies, in program processes only:

- user namespaces (``unshare`` / ``clone`` with ``CLONE_NEWUSER``; ``clone3``, whose flags a
  filter cannot read, answers ``ENOSYS`` so that the C library falls back to ``clone``): inside a
  user namespace a program would hold every capability over a namespace of its own, a large
  kernel surface to attack;
- a new session: ``setsid`` returns success without doing anything, so everything a program
  starts (a daemon's double fork included) stays in the program's one session, and the kernel's
  scheduler (autogroups, one per session) gives a program one fair CPU share however many
  processes it starts;
- memory that no process would show: System V shared memory and message queues (``shmget``,
  ``msgget``: they outlive the program and would be the next program's) and memory-backed files
  held open without a mapping (``memfd_create``, ``memfd_secret`` answer ``ENOSYS``) -- so that
  what a program holds is in its processes' memory or in its ``/tmp``, where ``memory_mb`` counts it;
- system calls of another architecture (the 32-bit and x32 entry points on x86-64).

>>> len(program_filter() or b"") % 8
0
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

__all__ = ["ConfineError", "build_root", "install_filter", "program_filter"]

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC = 32, 4096, 16384
MNT_DETACH = 2
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
CLONE_NEWUSER = 0x10000000
# (audit arch, {system call: number}, pivot_root) per machine
_ARCH = {
    "x86_64": (
        0xC000003E,
        {"unshare": 272, "clone": 56, "clone3": 435, "setsid": 112, "shmget": 29, "msgget": 68}
        | {"memfd_create": 319, "memfd_secret": 447},
        155,
    ),
    "aarch64": (
        0xC00000B7,
        {"unshare": 97, "clone": 220, "clone3": 435, "setsid": 157, "shmget": 194, "msgget": 186}
        | {"memfd_create": 279, "memfd_secret": 447},
        41,
    ),
}
_DEVICES = ("null", "zero", "full", "random", "urandom", "tty")

_libc = ctypes.CDLL(None, use_errno=True)


class ConfineError(OSError):
    """The sandbox could not be set up as promised (the fork server then refuses to start)."""


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise ConfineError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source is not None else None,
            target.encode(),
            fstype.encode() if fstype is not None else None,
            ctypes.c_ulong(flags),
            data.encode() if data is not None else None,
        ),
        f"mount {source} on {target}",
    )


def _mount_points_under(path: str) -> list[str]:
    """Mount points at or below ``path`` (from /proc/self/mountinfo), outermost first."""
    found = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            point = line.split()[4].decode()
            point = point.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
            if point == path or point.startswith(path.rstrip("/") + "/"):
                found.append(point)
    return sorted(set(found), key=len)


def bind_read_only(source: str, target: str) -> None:
    """Bind ``source`` (and the mounts below it) on ``target``, every one of them read-only, nosuid, nodev."""
    _mount(source, target, None, MS_BIND | MS_REC)
    for point in _mount_points_under(target):
        _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _scratch_point(binds: list[str]) -> str:
    """An existing directory to build the new root on (our mount namespace is private: covering it
    hides nothing from anyone else, and the old root is detached afterwards)."""
    for candidate in ("/mnt", "/media", "/srv", "/opt", "/var/tmp", "/run", "/tmp", "/home"):
        if not os.path.isdir(candidate) or os.path.islink(candidate):
            continue
        if any(b == candidate or b.startswith(candidate + "/") for b in binds):
            continue
        return candidate
    raise ConfineError(errno.ENOENT, "no directory to build the sandbox's root on")


def _make_dirs(root: str, path: str) -> str:
    target = root + path
    os.makedirs(target, mode=0o755, exist_ok=True)
    return target


def build_root(system_dirs: list[str], binds: list[str], tmp_bytes: int) -> None:
    """Replace our root file system with a minimal one and enter it (see the module docstring).

    ``system_dirs`` are bound read-only where they exist (a symbolic link such as ``/lib ->
    usr/lib`` is recreated as one); ``binds`` (the Python installation, the fork server's
    directory, the packages programs may import) read-only on top of the private ``/tmp``, so a
    virtual environment under ``/tmp`` stays reachable.
    """
    old_umask = os.umask(0o022)
    try:
        new = _scratch_point(binds)
        _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for d in system_dirs:
            if os.path.islink(d):
                os.symlink(os.readlink(d), new + d)
            elif os.path.isdir(d):
                bind_read_only(d, _make_dirs(new, d))
        _mount("proc", _make_dirs(new, "/proc"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        dev = _make_dirs(new, "/dev")
        _mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
        for name in _DEVICES:
            if os.path.exists(f"/dev/{name}"):
                with open(f"{dev}/{name}", "wb"):
                    pass
                _mount(f"/dev/{name}", f"{dev}/{name}", None, MS_BIND)
        os.mkdir(f"{dev}/shm", 0o755)
        os.symlink("/proc/self/fd", f"{dev}/fd")
        for i, name in enumerate(("stdin", "stdout", "stderr")):
            os.symlink(f"/proc/self/fd/{i}", f"{dev}/{name}")
        _mount("tmpfs", _make_dirs(new, "/tmp"), "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(tmp_bytes)},mode=0755")
        for path in binds:
            if os.path.isdir(path):
                target = _make_dirs(new, path)
            else:
                target = new + path
                _make_dirs(new, os.path.dirname(path))
                with open(target, "wb"):
                    pass
            bind_read_only(path, target)
        os.chdir(new)
        machine = os.uname().machine
        if machine not in _ARCH:
            raise ConfineError(errno.ENOSYS, f"pivot_root: unknown system call number on {machine}")
        _check(_libc.syscall(ctypes.c_long(_ARCH[machine][2]), b".", b"."), "pivot_root")
        _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")
        os.chdir("/")
        _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    finally:
        os.umask(old_umask)


# ---- seccomp ----------------------------------------------------------------------------------------
def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW = 0x7FFF0000
_ERRNO = 0x00050000


def _assemble(program: list[tuple]) -> bytes:
    """Classic BPF from ``(op, k[, label])`` items: ``ld`` (load the word at offset k), ``jeq`` /
    ``jge`` / ``jset`` (jump to label when true), ``jne`` (jump to label when A != k), ``ret``,
    and ``label`` (names the next instruction)."""
    labels: dict[str, int] = {}
    count = 0
    for item in program:
        if item[0] == "label":
            labels[item[1]] = count
        else:
            count += 1
    out: list[bytes] = []
    codes = {"jeq": _JEQ, "jne": _JEQ, "jge": _JGE, "jset": _JSET}
    for item in program:
        op = item[0]
        if op == "label":
            continue
        here = len(out)
        if op == "ld":
            out.append(_insn(_LD_W_ABS, item[1]))
        elif op == "ret":
            out.append(_insn(_RET, item[1]))
        else:
            offset = labels[item[2]] - here - 1
            if not 0 <= offset < 256:  # pragma: no cover - a filter this short never jumps that far
                raise ValueError(f"jump to {item[2]} out of range")
            out.append(_insn(codes[op], item[1], 0, offset) if op == "jne" else _insn(codes[op], item[1], offset, 0))
    return b"".join(out)


def program_filter() -> bytes | None:
    """The seccomp program (raw ``struct sock_filter`` array) for program processes, or None on a
    machine whose system call numbers are not known here."""
    arch = _ARCH.get(os.uname().machine)
    if arch is None or struct.pack("=I", 1)[0] != 1:  # (the argument offsets below are little-endian)
        return None
    audit, nr, _pivot = arch
    return _assemble(
        [
            ("ld", 4),  # seccomp_data.arch
            ("jne", audit, "eperm"),
            ("ld", 0),  # seccomp_data.nr
            ("jge", 0x40000000, "eperm"),  # x32
            ("jeq", nr["clone3"], "enosys"),
            ("jeq", nr["setsid"], "nothing"),
            ("jeq", nr["shmget"], "eperm"),
            ("jeq", nr["msgget"], "eperm"),
            ("jeq", nr["memfd_create"], "enosys"),
            ("jeq", nr["memfd_secret"], "enosys"),
            ("jeq", nr["unshare"], "flags"),
            ("jeq", nr["clone"], "flags"),
            ("ret", _ALLOW),
            ("label", "flags"),
            ("ld", 16),  # seccomp_data.args[0], low word
            ("jset", CLONE_NEWUSER, "eperm"),
            ("ret", _ALLOW),
            ("label", "eperm"),
            ("ret", _ERRNO | errno.EPERM),
            ("label", "enosys"),
            ("ret", _ERRNO | errno.ENOSYS),
            ("label", "nothing"),
            ("ret", _ERRNO),  # "errno 0": the call returns 0 and does nothing
        ]
    )


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def prepared_filter(program: bytes) -> tuple[_SockFprog, ctypes.Array[ctypes.c_char]]:
    """The ``struct sock_fprog`` for ``program`` (keep both returned objects alive while it is used)."""
    buf = ctypes.create_string_buffer(program, len(program))
    return _SockFprog(len(program) // 8, ctypes.addressof(buf)), buf


def install_filter(fprog: _SockFprog) -> bool:
    """Install a prepared filter on this process (needs no-new-privileges); whether it worked."""
    return (
        _libc.prctl(
            ctypes.c_int(PR_SET_SECCOMP),
            ctypes.c_ulong(SECCOMP_MODE_FILTER),
            ctypes.c_void_p(ctypes.addressof(fprog)),
            ctypes.c_ulong(0),
            ctypes.c_ulong(0),
        )
        == 0
    )
