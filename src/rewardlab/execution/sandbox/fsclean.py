"""Removing what an untrusted program left in a directory, without trusting anything it made.

Standard library only: the sandbox's fork server (``zygote.py``) loads this file next to itself.

A program owns its working directory and everything in it, and the clean-up runs with more
rights than the program (root in the fork server, or the checker's user). So the clean-up
never acts on a path the program could have replaced:

- every step is relative to a directory descriptor (``dir_fd``), never a path from the root;
- only directories are ever opened, and with ``O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK``: a
  symbolic link, a FIFO, a socket or a device node is unlinked by name, never opened (a FIFO
  opened for reading blocks until a writer comes; a link would act on its target);
- nothing is ever ``chmod``-ed by path: a directory whose permissions a program removed is
  fixed through an ``O_PATH`` descriptor of that very directory (only needed without root);
- the walk is iterative and keeps two descriptors open whatever the depth, and each step back
  up (``..``) is checked against the inode it came down from.

>>> import os, tempfile
>>> top = tempfile.mkdtemp()
>>> os.makedirs(os.path.join(top, "a", "b")); os.symlink("/etc/passwd", os.path.join(top, "a", "link"))
>>> parent = os.open(os.path.dirname(top), os.O_RDONLY | os.O_DIRECTORY)
>>> remove_entry(parent, os.path.basename(top))
4
>>> os.close(parent); os.path.lexists(top)
False
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["CleanupFailed", "clear_dir", "open_dir", "remove_entry", "remove_made_dir"]

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
PATH_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class CleanupFailed(OSError):
    """A directory could not be emptied (or changed under the clean-up): the sandbox must not be reused."""


def open_dir(name: str, dir_fd: int) -> int:
    """Open the directory ``name`` inside ``dir_fd``: never a link, never anything but a directory.

    Without root, a program may have taken away its own permissions on a directory: they are
    restored through an ``O_PATH`` descriptor of that directory (``/proc/self/fd``), never by path.
    """
    try:
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        fd = os.open(name, PATH_FLAGS, dir_fd=dir_fd)
        try:
            os.chmod(f"/proc/self/fd/{fd}", 0o700)
        finally:
            os.close(fd)
        return os.open(name, DIR_FLAGS, dir_fd=dir_fd)


def _unlink(name: str, dir_fd: int, is_dir: bool) -> None:
    """Remove one name from ``dir_fd``; without root, first give ourselves write access to the directory."""
    remove = os.rmdir if is_dir else os.unlink
    try:
        remove(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except PermissionError:
        os.fchmod(dir_fd, 0o700)
        remove(name, dir_fd=dir_fd)


def clear_dir(top: int) -> int:
    """Remove everything inside the directory open as ``top`` (not ``top`` itself); returns how many
    entries were removed. Raises :class:`CleanupFailed` when the tree changes under it."""
    removed = 0
    fd = os.dup(top)
    trail: list[tuple[str, int, int]] = []  # (name of the directory we are in, dev and inode of its parent)
    try:
        while True:
            child = -1
            child_name = ""
            with os.scandir(fd) as entries:
                for entry in entries:
                    name = entry.name
                    try:
                        is_dir = entry.is_dir(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    if not is_dir:
                        _unlink(name, fd, False)
                        removed += 1
                        continue
                    try:
                        _unlink(name, fd, True)  # the usual case: an empty directory
                        removed += 1
                        continue
                    except OSError as exc:
                        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                            raise
                    child, child_name = open_dir(name, fd), name
                    break
            if child >= 0:
                here = os.fstat(fd)
                trail.append((child_name, here.st_dev, here.st_ino))
                os.close(fd)
                fd = child
                continue
            if not trail:
                return removed
            name, dev, ino = trail.pop()
            parent = os.open("..", DIR_FLAGS, dir_fd=fd)
            st = os.fstat(parent)
            os.close(fd)
            fd = parent
            if (st.st_dev, st.st_ino) != (dev, ino):
                raise CleanupFailed(f"a directory moved during the clean-up (at depth {len(trail) + 1})")
            _unlink(name, fd, True)
            removed += 1
    finally:
        os.close(fd)


def remove_entry(dir_fd: int, name: str, expected: tuple[int, int] | None = None) -> int:
    """Remove ``name`` from the directory ``dir_fd``, whatever it is (a directory with its whole tree);
    returns how many entries went (0 when there was none).

    ``expected``: the (device, inode) the entry must be if it is a directory; another directory
    in its place raises :class:`CleanupFailed` (the caller decides what that means).
    """
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return 0
    if not stat.S_ISDIR(st.st_mode):
        _unlink(name, dir_fd, False)
        return 1
    if expected is not None and (st.st_dev, st.st_ino) != expected:
        raise CleanupFailed(f"{name!r} is no longer the directory that was created")
    fd = open_dir(name, dir_fd)
    try:
        got = os.fstat(fd)
        if (got.st_dev, got.st_ino) != (st.st_dev, st.st_ino):
            raise CleanupFailed(f"{name!r} changed while it was being opened")
        removed = clear_dir(fd)
    finally:
        os.close(fd)
    _unlink(name, dir_fd, True)
    return removed + 1


def remove_made_dir(parent_fd: int, name: str, dir_fd: int, dir_id: tuple[int, int]) -> None:
    """Remove the directory we made as ``name`` in ``parent_fd`` (open as ``dir_fd``, with the
    (device, inode) ``dir_id``) and everything in it; raises ``OSError`` when that cannot be done.

    Whatever has that name now goes too: where programs cannot write ``parent_fd`` it is still our
    directory; where they can (no separate uid), a link, FIFO or another directory in its place is
    removed as itself, and our directory -- wherever it was moved -- is emptied through ``dir_fd``.
    """
    try:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
    except FileNotFoundError:
        st = None
    ours = st is not None and (st.st_dev, st.st_ino) == tuple(dir_id)
    if ours:
        try:
            os.rmdir(name, dir_fd=parent_fd)  # the usual case: the program wrote nothing
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
    clear_dir(dir_fd)
    if ours:
        _unlink(name, parent_fd, True)
    else:
        remove_entry(parent_fd, name)
