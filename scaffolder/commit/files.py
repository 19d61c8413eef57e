"""The file operations of a commit, each one done where it cannot be led astray.

Paths are given whole (``destination / relative``), but every operation below the
destination is done relative to the destination's open folder: each folder on the way is
opened with ``O_NOFOLLOW``, so a folder swapped for a symlink between planning and writing
makes the operation fail (and the run roll back) instead of sending a file outside. The
folders stay open for the whole transaction, so a rollback works on the folders the commit
wrote into, whatever has been renamed since.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
OPEN_FOLDERS = 256  # folders held open at most (each is a file descriptor)
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
# a backup cannot be a hard link when the file system has none, or another file system
_NO_LINK = frozenset({errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP})


class FileSystem:
    """Every file operation a commit makes, one method each.

    Tests substitute a subclass that fails or dies at the k-th operation to prove that any
    failure leaves the destination as it was.
    """

    def __init__(self) -> None:
        self._destination: Path | None = None
        self._folders: dict[tuple[str, ...], int] = {}

    # -- where operations happen

    def anchor(self, destination: Path) -> None:
        """Do every later operation below ``destination`` relative to its open folder."""
        self.close()
        self._destination = Path(destination)

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
        """Create ``path`` (which must not exist) with ``content``, flushed to disk."""
        self._trim()
        folder, name = self._locate(path)
        fd = os.open(name, _NEW_FILE, mode, dir_fd=folder)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)

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

    def replace(self, source: Path, target: Path) -> None:
        self._trim()
        (source_folder, source_name), (folder, name) = self._locate(source), self._locate(target)
        os.replace(source_name, name, src_dir_fd=source_folder, dst_dir_fd=folder)

    def remove(self, path: Path) -> None:
        self._trim()
        folder, name = self._locate(path)
        os.unlink(name, dir_fd=folder)

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
        parts = self._inside(path)
        if parts is None and self._destination is not None and Path(path) == self._destination:
            parts = ()
        if parts is None:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            return
        os.fsync(self._folder(parts))

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
