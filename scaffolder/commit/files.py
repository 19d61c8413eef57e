"""The file operations of a commit, each one done where it cannot be led astray.

Paths are given whole (``destination / relative``), but every operation below the
destination is done relative to the destination's open folder: each folder on the way is
opened with ``O_NOFOLLOW``, so a folder swapped for a symlink between planning and writing
makes the operation fail (and the run roll back) instead of sending a file outside. The
folders stay open for the whole transaction, so a rollback works on the folders the commit
wrote into, whatever has been renamed since.

Writing a file does not flush it: a commit writes all its temp files, then makes them
durable at once with :meth:`FileSystem.flush` (one ``syncfs`` of the destination's file
system, as git's ``core.fsyncMethod=batch``), then renames them: one ``fsync`` per file was
most of the time of a large batch. The journal, and a backup made by copying, are flushed
on their own (:meth:`FileSystem.sync_file`).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
OPEN_FOLDERS = 256  # folders held open at most (each is a file descriptor)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# a backup cannot be a hard link when the file system has none, or another file system
_NO_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})
# sync(2) waits for the writes to be done on Linux only; elsewhere it may return before
_LINUX = sys.platform.startswith("linux")


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """Linux's ``syncfs(2)`` from the C library, or None when it has none."""
    import ctypes  # only here: the commands that write nothing do not pay for it

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # a C library older than glibc 2.14
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def sync_file_system(fd: int, where: Path) -> bool:
    """Make durable everything written to the file system holding the open ``fd``: True
    when done, False where this platform cannot (then each file has to be fsynced).

    Linux: ``syncfs`` on ``fd``, else ``sync`` (which on Linux waits for the writes to be
    done). Elsewhere ``sync(2)`` may return before the writes are done, so it is not used.
    """
    if not _LINUX:
        return False
    syncfs = _syncfs()
    if syncfs is None:
        os.sync()
        return True
    if syncfs(fd) != 0:
        import ctypes

        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(where))
    return True


class FileSystem:
    """Every file operation a commit makes, one method each.

    Tests substitute a subclass that fails or dies at the k-th operation to prove that any
    failure leaves the destination as it was.
    """

    def __init__(self) -> None:
        self._destination: Path | None = None
        self._exact_modes = False
        self._below = ""  # the destination's path as text, with a final "/"
        self._folders: dict[tuple[str, ...], int] = {}
        # files written since the last flush (and not synced since), with their device
        self._unflushed: dict[Path, int] = {}

    # -- where operations happen

    def anchor(self, destination: Path, *, exact_modes: bool = False) -> None:
        """Do every later operation below ``destination`` relative to its open folder.
        ``exact_modes``: files are written with exactly the mode asked for (an undo giving
        a file back), not as the umask lets a new file be."""
        self.close()
        self._exact_modes = exact_modes
        self._destination = Path(destination)
        self._below = os.path.join(PurePosixPath(destination), "")  # ends with one "/"
        self._unflushed.clear()

    def close(self) -> None:
        """Close the folders held open."""
        for fd in self._folders.values():
            os.close(fd)
        self._folders.clear()

    def _folder(self, parts: tuple[str, ...]) -> int:
        fd = self._folders.get(parts)
        if fd is not None:
            return fd
        if not parts:
            assert self._destination is not None
            fd = os.open(self._destination, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        else:
            fd = os.open(parts[-1], _DIRECTORY, dir_fd=self._folder(parts[:-1]))
        self._folders[parts] = fd
        return fd

    def _trim(self) -> None:
        """Called as each operation starts (never during one, whose folders stay open)."""
        if len(self._folders) >= OPEN_FOLDERS:  # a batch with a folder per item: start over
            self.close()

    def _inside(self, path: Path) -> tuple[str, ...] | None:
        """``path`` relative to the destination, or None when it is the destination itself
        or lies outside it (the folders above it that a commit creates)."""
        if self._destination is None:
            return None
        text, root = os.fspath(path), self._below  # strings: a commit asks for every file
        if text.startswith(root) and root.startswith("/"):
            return tuple(p for p in text[len(root) :].split("/") if p not in ("", ".")) or None
        try:
            parts = PurePosixPath(path).relative_to(self._destination).parts
        except ValueError:
            return None
        return parts or None

    def _locate(self, path: Path) -> tuple[int | None, str]:
        parts = self._inside(path)
        if parts is None:
            return None, str(path)
        return self._folder(parts[:-1]), parts[-1]

    def _forget(self, path: Path) -> None:
        parts = self._inside(path)
        if parts is None:
            self.close()
            return
        for key in [k for k in self._folders if k[: len(parts)] == parts]:
            os.close(self._folders.pop(key))

    # -- the operations

    def make_dir(self, path: Path) -> None:
        self._trim()
        folder, name = self._locate(path)
        os.mkdir(name, dir_fd=folder)

    def write(self, path: Path, content: bytes, mode: int = 0o644) -> None:
        """Create ``path`` (which must not exist) with ``content``. Not durable yet: see
        :meth:`sync_file` and :meth:`flush`."""
        self._trim()
        folder, name = self._locate(path)
        fd = os.open(name, _NEW_FILE, mode, dir_fd=folder)
        try:
            if self._exact_modes:
                os.fchmod(fd, mode)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            self._unflushed[path] = os.fstat(fd).st_dev
        finally:
            os.close(fd)

    def sync_file(self, path: Path) -> None:
        """Make the file ``path`` (its bytes and mode) durable on its own (``fsync``)."""
        self._trim()
        folder, name = self._locate(path)
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._unflushed.pop(path, None)

    def flush(self, path: Path) -> None:
        """Make durable every file written so far, and every name made, with one sync of
        the file system holding the folder ``path`` (and one of any other file system a
        file went to: a folder below ``path`` may be a mount point). Where a file system
        cannot be synced as a whole, each file written since the last flush is fsynced."""
        self._trim()
        with self._open_folder(path) as fd:
            if not sync_file_system(fd, path):
                for written in list(self._unflushed):
                    self.sync_file(written)
                return
            synced = {os.fstat(fd).st_dev}
        for written, device in self._unflushed.items():
            if device not in synced:
                with self._open_folder(written.parent) as fd:
                    sync_file_system(fd, written.parent)
                synced.add(device)
        self._unflushed.clear()

    def symlink(self, link: str, path: Path) -> None:
        """Create the symlink ``path`` (which must not exist) to ``link``, never followed."""
        self._trim()
        folder, name = self._locate(path)
        os.symlink(link, name, dir_fd=folder)

    def backup(self, source: Path, target: Path) -> None:
        """Keep ``source`` as the new name ``target``: a hard link (no space, and the file
        is never written again: a commit replaces files by renaming new ones over them),
        else a copy (of a symlink: the link itself)."""
        self._trim()
        (source_folder, source_name), (folder, name) = self._locate(source), self._locate(target)
        try:
            os.link(
                source_name,
                name,
                src_dir_fd=source_folder,
                dst_dir_fd=folder,
                follow_symlinks=False,
            )
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            if self.kind(source) == "symlink":
                self.symlink(self.read_link(source), target)
            else:
                self.copy(source, target)

    def copy(self, source: Path, target: Path) -> None:
        """Copy the regular file ``source`` to the new file ``target``, keeping its mode."""
        self._trim()
        folder, name = self._locate(source)
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(source))
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(fd)
        mode = stat.S_IMODE(info.st_mode)
        self.write(target, b"".join(chunks), mode)
        target_folder, target_name = self._locate(target)
        os.chmod(target_name, mode, dir_fd=target_folder, follow_symlinks=False)
        # durable at once: a rollback after a power cut may rename it over its original
        self.sync_file(target)

    def replace(self, source: Path, target: Path) -> None:
        self._trim()
        (source_folder, source_name), (folder, name) = self._locate(source), self._locate(target)
        os.replace(source_name, name, src_dir_fd=source_folder, dst_dir_fd=folder)
        device = self._unflushed.pop(source, None)
        if device is not None:
            self._unflushed[target] = device

    def remove(self, path: Path) -> None:
        self._trim()
        folder, name = self._locate(path)
        os.unlink(name, dir_fd=folder)
        self._unflushed.pop(path, None)

    def remove_dir(self, path: Path) -> None:
        self._trim()
        folder, name = self._locate(path)
        self._forget(path)
        os.rmdir(name, dir_fd=folder)

    def set_mode(self, path: Path, mode: int) -> None:
        """Give the folder ``path`` (opened without following a link) the mode ``mode``."""
        self._trim()
        folder, name = self._locate(path)
        fd = os.open(name, _DIRECTORY, dir_fd=folder)
        try:
            os.fchmod(fd, mode)
        finally:
            os.close(fd)

    def sync_dir(self, path: Path) -> None:
        """Make the names in folder ``path`` durable (after renames into it)."""
        self._trim()
        with self._open_folder(path) as fd:
            os.fsync(fd)

    @contextlib.contextmanager
    def _open_folder(self, path: Path) -> Iterator[int]:
        """The folder ``path``, open: one held open below the destination, else opened."""
        parts = self._inside(path)
        if parts is None and self._destination is not None and Path(path) == self._destination:
            parts = ()
        if parts is not None:
            yield self._folder(parts)
            return
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            yield fd
        finally:
            os.close(fd)

    # -- reading, for recovery: never through a symlink

    def kind(self, path: Path) -> str | None:
        """``"file"``, ``"folder"``, ``"symlink"``, ``"other"``, or None when nothing is
        there (or a folder on the way is missing)."""
        self._trim()
        try:
            folder, name = self._locate(path)
            info = os.stat(name, dir_fd=folder, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:  # a name no file system here can hold
                return None
            raise
        if stat.S_ISLNK(info.st_mode):
            return "symlink"
        if stat.S_ISDIR(info.st_mode):
            return "folder"
        return "file" if stat.S_ISREG(info.st_mode) else "other"

    def read_link(self, path: Path) -> str:
        """The target of the symlink ``path``, as written (never followed)."""
        self._trim()
        folder, name = self._locate(path)
        return os.readlink(name, dir_fd=folder)

    def mode(self, path: Path) -> int:
        """The permission bits of ``path`` itself (a link is not followed)."""
        self._trim()
        folder, name = self._locate(path)
        return stat.S_IMODE(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode)

    def read(self, path: Path) -> bytes:
        self._trim()
        folder, name = self._locate(path)
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", str(path))
            chunks = []
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)

    def names(self, path: Path) -> list[str]:
        """The names in folder ``path`` (opened without following a symlink)."""
        self._trim()
        parts = self._inside(path)
        if parts is None:
            return sorted(os.listdir(path))
        return sorted(os.listdir(self._folder(parts)))
