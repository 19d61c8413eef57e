"""Git sources: a blueprint of any kind (native, Copier, Cookiecutter) in a git repository.

A git source is ``gh:owner/repo``, ``gl:owner/repo``, ``https://…``, ``git+https://…``,
``git+file://…``, ``file://…``, ``git@…``, anything ending in ``.git``, or a local folder
that is the root of a git repository — Copier's rule (:func:`copier._vcs.get_repo`), plus
``file://``, ``http://`` and ``ssh://`` URLs, which git reads too.

Each source is checked out ONCE per run, whatever the number of items and phases: one
checkout serves detecting the kind, ``show``, validation and every render. Which commit:

* ``--vcs-ref REF`` (a tag, a branch or a commit) when given;
* else, for a Copier or a native template, Copier's rule: the latest PEP 440 tag, else
  ``HEAD`` (with a local repository's uncommitted changes, as Copier does);
* else (a Cookiecutter template), Cookiecutter's rule: the head of the default branch.

Where: remote repositories go through Copier's own bare mirror cache (``$COPIER_CACHE_DIR``,
else Copier's per-user cache folder), kept between runs and refreshed by each; the checkout
itself is a temporary folder (``$TMPDIR/scaffold-git-*``) that lives as long as the loaded
blueprint (the run) and is removed when it is released, or when the process ends. Once the
kind's loader has read what it needs from git (Copier's ``_commit``, file modes, version),
the checkout's ``.git`` is moved out of the tree, so that no render walks it.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tempfile
import warnings
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from scaffolder.blueprint import Blueprint, Origin
from scaffolder.errors import BlueprintError

PREFIXES = ("gh:", "gl:", "git@", "git+", "git://", "https://", "http://", "ssh://", "file://")
_COPIER_UNREADABLE = ("file://", "http://", "ssh://")  # git reads them; Copier needs git+ first


def is_url(text: str) -> bool:
    """Whether ``text`` is a repository URL (never a path relative to something)."""
    return text.startswith(PREFIXES)


def is_git_url(text: str) -> bool:
    """Whether ``text`` names a git repository by its URL (Copier's rule: ``*.git`` too)."""
    return is_url(text) or text.endswith(".git")


def is_repository(path: Path) -> bool:
    """Whether ``path`` is the root of a git repository (a quick look first: no ``.git``,
    no git process)."""
    if not (path / ".git").exists() or shutil.which("git") is None:
        return False  # without git, Copier too reads the folder as it is
    from copier._vcs import is_git_repo_root

    return is_git_repo_root(path)


def copier_url(reference: str) -> str:
    """The source as Copier should record it (``_src_path``): as typed, unless Copier would
    not take it for git (``file://``, ``http://``, ``ssh://``): then with ``git+`` first, so
    that ``copier update`` finds it again."""
    return f"git+{reference}" if reference.startswith(_COPIER_UNREADABLE) else reference


@dataclass(frozen=True)
class GitRef:
    """Which commit of which repository a run used: what the run record keeps."""

    source: str  # as the user typed it
    location: str  # where to find it again: the URL, or a local repository's absolute path
    vcs_ref: str | None  # as asked (--vcs-ref / vcs_ref:); None: the kind's default
    ref: str  # what was checked out: the ref asked, the latest tag, or HEAD
    commit: str  # its full hash
    describe: str  # `git describe --tags --always`, what Copier records as _commit
    dirty: bool = False  # a local HEAD with uncommitted changes (Copier includes them)

    @property
    def again(self) -> str:
        """The ref that checks the same files out again."""
        return self.ref if self.dirty else self.commit

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GitRef:
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


class Checkout:
    """One repository checked out at one commit, in a temporary folder of its own."""

    def __init__(self, base: Path, path: Path, url: str, ref: GitRef) -> None:
        self.base = base  # removed with everything in it
        self.path = path  # the work tree, named after the repository
        self.url = url  # git-readable
        self.ref = ref
        self._finalizer = weakref.finalize(self, shutil.rmtree, base, ignore_errors=True)

    @property
    def vcs_ref(self) -> str | None:
        return self.ref.vcs_ref

    def hide_git(self) -> None:
        """Move ``.git`` out of the tree (renders walk the tree); git is not asked again."""
        inside = self.path / ".git"
        if inside.exists() or inside.is_symlink():
            inside.rename(self.base / "git")

    def remove(self) -> None:
        self._finalizer()


_checkouts: weakref.WeakValueDictionary[str, Checkout] = weakref.WeakValueDictionary()
_loaded: weakref.WeakValueDictionary[tuple[str, str | None, Origin], Blueprint] = (
    weakref.WeakValueDictionary()
)


def checkout_at(root: Path) -> Checkout | None:
    """The checkout whose tree is ``root``, while it is in use; None for any other folder."""
    return _checkouts.get(str(root.resolve()))


@dataclass(frozen=True)
class GitBlueprint(Blueprint):
    """A blueprint of any kind checked out of a git repository for this run. It keeps its
    checkout (the folder it renders from) for as long as it is in use."""

    git: GitRef | None = None
    checkout: Checkout | None = field(default=None, repr=False, compare=False)

    @property
    def location(self) -> str:
        if self.git is None:
            return str(self.root)
        return f"{self.git.source} @ {self.git.describe}"


def git_ref(blueprint: Blueprint) -> GitRef | None:
    """Which commit of which repository ``blueprint`` comes from; None if not from git."""
    return blueprint.git if isinstance(blueprint, GitBlueprint) else None


def load(
    reference: str,
    vcs_ref: str | None,
    origin: Origin,
    *,
    follows_tags: Callable[[Path], bool],
    is_source: Callable[[Path], bool],
    load_folder: Callable[[Path, Origin, str], Blueprint],
) -> Blueprint:
    """The blueprint in the git source ``reference``, checked out once per run: a second
    phase naming the same source and ref gets the same blueprint."""
    key = (reference, vcs_ref, origin)
    found = _loaded.get(key)
    if found is not None:
        return found
    checkout = check_out(reference, vcs_ref, follows_tags)
    at = f"{reference} (at {checkout.ref.ref}, {checkout.ref.describe})"
    if not is_source(checkout.path):
        checkout.remove()
        raise BlueprintError(
            f"{at}: no blueprint at the root of the repository (blueprint.yaml, copier.yml "
            "or cookiecutter.json). Check the source, or give another --vcs-ref."
        )
    _checkouts[str(checkout.path.resolve())] = checkout
    try:
        loaded = load_folder(checkout.path, origin, reference)
    except BlueprintError as error:
        checkout.remove()
        raise type(error)(f"{at}: {error.message}") from error
    checkout.hide_git()
    values = {f.name: getattr(loaded, f.name) for f in fields(loaded) if f.init}
    blueprint = GitBlueprint(**{**values, "git": checkout.ref, "checkout": checkout})
    _loaded[key] = blueprint
    return blueprint


def check_out(
    reference: str, vcs_ref: str | None, follows_tags: Callable[[Path], bool]
) -> Checkout:
    """``reference`` at ``vcs_ref``, or at the default ref of the kind it holds."""
    from copier._vcs import get_latest_tag

    if shutil.which("git") is None:
        raise BlueprintError(
            f"{reference}: a git source, and git is not installed. Install git "
            "(https://git-scm.com/downloads), or give a folder."
        )
    url = _url(reference)
    location = reference if is_url(reference) else url
    with _quiet_git():
        if vcs_ref is None:
            try:
                ref = get_latest_tag(url)
            except Exception as exc:  # plumbum's ProcessExecutionError, or git missing
                raise BlueprintError(
                    f"{reference}: not a git repository git can read ({_detail(exc)}). Check "
                    "the source: gh:owner/repo, https://…, git@…, file://…, or a local "
                    "git repository."
                ) from exc
        else:
            ref = vcs_ref
        base = Path(tempfile.mkdtemp(prefix="scaffold-git-"))
        name = re.sub(r"\.git$", "", url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
        path = base / (name or "repository")
        try:
            dirty = _clone(reference, url, ref, path)
            if vcs_ref is None and ref != "HEAD" and not follows_tags(path):
                # not a Copier or native template at the latest tag: Cookiecutter's rule
                ref = "HEAD"
                _git(path, "-c", "core.fsmonitor=false", "checkout", "-q", "-f", _head(url))
            commit = _git(path, "rev-parse", "HEAD")
            describe = _git(path, "describe", "--tags", "--always")
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise
    found = GitRef(reference, location, vcs_ref, ref, commit, describe, dirty)
    return Checkout(base, path, url, found)


def _url(reference: str) -> str:
    """What git reads: Copier's expansion (``gh:``, ``gl:``, ``git+``, ``https://``), and a
    local repository's absolute path."""
    from copier._vcs import get_repo

    text = reference.removeprefix("git+")
    if text.startswith(_COPIER_UNREADABLE):
        return text
    if is_url(reference):
        return get_repo(reference) or text
    return Path(reference).expanduser().resolve().as_posix()


def _clone(reference: str, url: str, ref: str, path: Path) -> bool:
    """Copier's clone: a local repository cloned, a remote one through the mirror cache.
    Whether a local HEAD's uncommitted changes were included."""
    from copier._vcs import clone
    from copier.errors import DirtyLocalWarning

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clone(url, ref, location=str(path))
    except Exception as exc:  # ValueError (unknown revision), or git's own failure
        raise BlueprintError(
            f"{reference}: cannot check out {ref!r} ({_detail(exc)}). Give a tag, a branch "
            f"or a commit of that repository (`git ls-remote {url}` lists them), or leave "
            "--vcs-ref out for the default."
        ) from exc
    return any(issubclass(w.category, DirtyLocalWarning) for w in caught)


def _head(url: str) -> str:
    """The commit at the head of the repository's default branch."""
    from copier._vcs import get_git

    return str(get_git()("ls-remote", "--", url, "HEAD")).split()[0]


def _git(path: Path, *args: str) -> str:
    from copier._vcs import get_git

    return str(get_git(path)(*args)).strip()


@contextlib.contextmanager
def _quiet_git() -> Iterator[None]:
    """No password prompt that would hang a run without a terminal, and none of Copier's
    remarks on stderr ("no tags found")."""
    from plumbum import local

    env = {} if sys.stdin.isatty() else {"GIT_TERMINAL_PROMPT": "0"}
    with local.env(**env), contextlib.redirect_stderr(io.StringIO()):
        yield


def _detail(exc: BaseException) -> str:
    text = str(getattr(exc, "stderr", "") or exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line for line in lines if line.startswith(("fatal:", "error:"))] or lines[-1:]
    return (said[0] if said else type(exc).__name__).removeprefix("fatal: ")
