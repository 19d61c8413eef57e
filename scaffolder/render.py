"""Stage 3: render validated items to a change set, in memory.

Rendering reads the blueprint and nothing else: it never looks at, let alone
writes to, the destination. Every template runs in Jinja's sandbox with
``StrictUndefined``; an error names the template, the line and the cause.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import itertools
import re
import stat
import time
import traceback
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2

from scaffolder.blueprint import MANIFEST, Blueprint, not_utf8
from scaffolder.changes import Change, Patch, RenderedFile
from scaffolder.errors import (
    BlueprintError,
    ConfinementError,
    TemplateError,
)
from scaffolder.inject import Injection
from scaffolder.paths import confine
from scaffolder.sandbox import (
    MAX_FILE_BYTES,
    RENDER_TIMEOUT_ENV,
    LimitError,
    RenderTimeout,
    deadline,
    make_environment,
    render_timeout,
)
from scaffolder.variables import Item

TEMPLATE_SUFFIX = ".jinja"
_BLOCK = 64  # pieces of a template's output joined between two checks of the limits
_SEPARATOR = "\x00"  # between names rendered as one template (never in a file name)
_WHOLE_EXPRESSION = re.compile(r"^\s*\{\{(?P<expr>(?:(?!\{\{|\}\}).)*)\}\}\s*$", re.DOTALL)


class Renderer:
    """Renders one blueprint for any number of items."""

    def __init__(
        self,
        blueprint: Blueprint,
        *,
        folder_name: str = "",
        trust: bool = False,
        dest: str | None = None,
    ) -> None:
        self.blueprint = blueprint
        template_dir = blueprint.template_dir
        self.env = make_environment(jinja2.FileSystemLoader(str(template_dir)))
        self._manifest = str(blueprint.root / MANIFEST)  # names in messages, made once
        self._sources = (
            []  # another tool renders its templates
            if blueprint.source is not None
            else [_Source.of(p, template_dir) for p in blueprint.template_files()]
        )
        # what a template's own tool may see of the destination, and may run
        self.folder_name, self.trust = folder_name or "project", trust
        self.skipped: dict[str, None] = {}  # what it did not run (without --trust), in order
        self.dest = dest  # the folder, templated, each item renders into (None: the root)
        self._names: dict[str, jinja2.Template] = {}
        self._compiled: list[tuple[str, Callable[[dict[str, Any]], Any]]] | None = None
        self.timeout = render_timeout()
        self._stop_at = float("inf")  # the current item's deadline (monotonic)
        self._current = ""  # what is rendering now, for the timeout's message

    def context(self, item: Item) -> dict[str, Any]:
        """The item's values plus the blueprint's computed values."""
        context = dict(item.values)
        for name, evaluate in self._computed():
            where = f"{self._manifest}: computed.{name}"
            self._current = where
            try:
                value = evaluate(context)
                if isinstance(value, jinja2.Undefined):
                    str(value)  # StrictUndefined raises, naming the missing value
            except Exception as exc:  # any error raised while the expression runs
                raise TemplateError(f"{where}: {_cause(exc)}") from exc
            context[name] = value
        return context

    def _computed(self) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
        """Each computed value, compiled once: a lone ``{{ expr }}`` keeps its native type."""
        if self._compiled is None:
            compiled: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
            for name, text in self.blueprint.computed.items():
                try:
                    match = _WHOLE_EXPRESSION.match(text)
                    if match is None:
                        compiled.append((name, self.env.from_string(text).render))
                    else:
                        expression = self.env.compile_expression(match["expr"], False)
                        compiled.append((name, expression))
                except jinja2.TemplateSyntaxError as exc:
                    raise TemplateError(
                        f"{self._manifest}: computed.{name}: {_sentence(exc.message)}"
                    ) from exc
            self._compiled = compiled
        return self._compiled

    def render(self, item: Item) -> list[Change]:
        """The files one item renders to (and its patches), within the render deadline."""
        self._current = self._manifest
        try:
            with deadline(self.timeout) as stop_at:
                self._stop_at = stop_at
                return self._render(item)
        except RenderTimeout:
            raise TemplateError(
                f"{self._current}: rendering {item.label} took longer than "
                f"{self.timeout:g} s, the limit; a loop that does not end? Make the "
                f"template do less, or raise the limit with {RENDER_TIMEOUT_ENV}=SECONDS."
            ) from None
        finally:
            self._stop_at = float("inf")

    def _render(self, item: Item) -> list[Change]:
        if self.dest is None:
            return self._render_item(item, "")
        context = self.context(item)
        where = PurePosixPath("dest")
        folder = confine(self._render_name(self.dest, context, where).strip(), where)
        return [
            dataclasses.replace(f, path=confine(f"{folder}/{f.path}", f.template))
            for f in self._render_item(item, folder.name)
        ]

    def _render_item(self, item: Item, folder_name: str) -> list[Change]:
        if self.blueprint.source is not None:
            return [*self._render_by_source(item, folder_name or self.folder_name)]
        context = self.context(item)
        kept = [
            self._render_text(p, context, f"{self._manifest}: skip_if_exists")
            for p in self.blueprint.skip_if_exists
        ]
        files: dict[PurePosixPath, RenderedFile] = {}
        for source in self._sources:
            template_path = source.template
            self._current = source.where
            target = self._target(source, context)
            if target is None:
                continue
            if target in files:
                raise TemplateError(
                    f"{self.blueprint.template_dir}: templates {files[target].template} and "
                    f"{template_path} both render to {target} for item {item.index}. "
                    "Make their names differ."
                )
            if source.rendered:
                text = self._render_file(source.name, context)
                content = self._encode(text, source.where, item)
            else:
                content = self._copy(source.path)
            keep = bool(kept) and any(fnmatch.fnmatchcase(str(target), p) for p in kept)
            files[target] = RenderedFile(
                target, content, source.mode, template_path, (item.index,), keep_existing=keep
            )
        patches = (self._patch(injection, item, context) for injection in self.blueprint.injections)
        return [*files.values(), *(patch for patch in patches if patch is not None)]

    def _patch(self, injection: Injection, item: Item, context: dict[str, Any]) -> Patch | None:
        """One ``inject:`` entry rendered for ``item``; None when its file renders empty."""
        where = self._current = f"{self.blueprint.root / MANIFEST}: {injection.key}"

        def snippet() -> str:
            if injection.template is None:
                text = self._render_text(injection.snippet or "", context, f"{where}.snippet")
                self._encode(text, f"{where}.snippet", item)
                return text
            self._current = str(self.blueprint.template_dir / injection.template)
            text = self._render_file(injection.template, context)
            self._encode(text, self._current, item)
            return text

        def text(key: str, value: str) -> str:
            return self._render_text(value, context, f"{where}.{key}")

        return injection.render(text, snippet, item.index, item.label, where)

    def _render_by_source(self, item: Item, folder_name: str) -> list[RenderedFile]:
        assert self.blueprint.source is not None
        staged = self.blueprint.source.render(
            item.values, folder_name=folder_name, trust=self.trust
        )
        self.skipped.update(dict.fromkeys(staged.skipped))
        origin = PurePosixPath(self.blueprint.source.kind)
        return [
            RenderedFile(
                confine(path, origin),
                staged_file.content,
                staged_file.mode,
                PurePosixPath(path),
                (item.index,),
                link=staged_file.link,
                folder=staged_file.folder,
                keep_existing=staged_file.keep_existing,
            )
            for path, staged_file in sorted(staged.files.items())
        ]

    def _target(self, source: _Source, context: dict[str, Any]) -> PurePosixPath | None:
        if source.target is not None:
            return source.target  # no part of its name is a template
        joined = self._render_joined(source, context)
        if joined is not None:
            return confine("/".join(joined), source.template) if all(joined) else None
        rendered = []
        for part in source.parts:
            text = self._render_name(part, context, source.template).strip()
            if not text:
                return None  # a name that renders empty: a conditional file or folder
            rendered.append(text)
        return confine("/".join(rendered), source.template)

    def _render_joined(self, source: _Source, context: dict[str, Any]) -> list[str] | None:
        """Every name of ``source``'s target rendered at once (one template, not one per
        name), or None when that cannot stand for rendering them one by one: an error (the
        name that causes it is found name by name) or a value holding the separator."""
        try:
            names = self._render_text(source.joined, context, "").split(_SEPARATOR)
        except TemplateError:
            return None
        return [n.strip() for n in names] if len(names) == len(source.parts) else None

    def _render_name(self, part: str, context: dict[str, Any], source: PurePosixPath) -> str:
        if "{" not in part:
            return part
        where = f"{self.blueprint.template_dir}/{source}: the file name {part!r} cannot be rendered"
        return self._render_text(part, context, where)

    def _render_text(self, text: str, context: dict[str, Any], where: str) -> str:
        """A short template (a file's name, a text of the manifest) rendered for one item;
        an error is ``where: cause``."""
        if "{" not in text:
            return text
        try:
            template = self._names.get(text)
            if template is None:
                template = self._names[text] = self.env.from_string(text)
            return self._generate(template, context)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{where}: {_sentence(exc.message or str(exc))}") from exc
        except Exception as exc:  # any error raised while the text renders
            raise TemplateError(f"{where}: {_cause(exc)}") from exc

    def _encode(self, text: str, path: Path | str, item: Item) -> bytes:
        """``text`` (rendered from ``path``) as UTF-8, within the size limit of a file."""
        try:
            content = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise TemplateError(
                f"{path}: renders, for {item.label}, a character UTF-8 cannot encode "
                f"({text[exc.start : exc.end]!r}, a lone surrogate). Check the values "
                "that reach this template."
            ) from exc
        if len(content) > MAX_FILE_BYTES:
            raise TemplateError(
                f"{path}: renders, for {item.label}, {len(content):,} bytes; the limit "
                f"for a file is {MAX_FILE_BYTES // (1024 * 1024)} MiB. Make it smaller."
            )
        return content

    def _copy(self, source: Path) -> bytes:
        path = self.blueprint.template_dir / source
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise BlueprintError(
                    f"{path}: {size:,} bytes; the limit for a file is "
                    f"{MAX_FILE_BYTES // (1024 * 1024)} MiB. Make it smaller."
                )
            return path.read_bytes()
        except OSError as exc:
            raise BlueprintError(f"{path}: cannot be read: {exc.strerror}.") from exc

    def _generate(self, template: jinja2.Template, context: dict[str, Any]) -> str:
        """Render ``template`` a block of pieces at a time (joined in C: a check per piece
        would cost as much as rendering), stopping at the size and time limits."""
        pieces = template.generate(context)
        blocks, size = [], 0
        while chunk := list(itertools.islice(pieces, _BLOCK)):  # pieces may be empty
            block = "".join(chunk)
            size += len(block)
            if size > MAX_FILE_BYTES:
                raise LimitError(
                    f"the output passes {MAX_FILE_BYTES // (1024 * 1024)} MiB, the limit for a file"
                )
            if time.monotonic() > self._stop_at:
                raise RenderTimeout
            blocks.append(block)
        return "".join(blocks)

    def _render_file(self, name: str, context: dict[str, Any]) -> str:
        try:
            return self._generate(self.env.get_template(name), context)
        except jinja2.TemplateSyntaxError as exc:
            path = self.blueprint.template_dir / name
            raise TemplateError(
                f"{path}:{exc.lineno}: template syntax error: {_sentence(exc.message)}"
            ) from exc
        except Exception as exc:  # any error raised while the template runs
            path = self.blueprint.template_dir / name
            line = _template_line(exc, path)
            where = f"{path}:{line}" if line else str(path)
            raise TemplateError(f"{where}: {_cause(exc)}") from exc


@dataclasses.dataclass(frozen=True)
class _Source:
    """A file of ``template/``, with what every item's render of it needs worked out once."""

    path: Path  # relative to the template folder
    template: PurePosixPath
    name: str  # as the Jinja loader knows it
    where: str  # the whole path, for messages
    mode: int
    rendered: bool  # a ``.jinja`` file (else copied as it is)
    parts: tuple[str, ...]  # its target's names, the suffix gone, each maybe a template
    target: PurePosixPath | None  # the target itself when no name is a template

    @property
    def joined(self) -> str:
        """All its names as one template."""
        return _SEPARATOR.join(self.parts)

    @classmethod
    def of(cls, path: Path, template_dir: Path) -> _Source:
        template = PurePosixPath(path.as_posix())
        parts = list(template.parts)
        rendered = parts[-1].endswith(TEMPLATE_SUFFIX)
        if rendered:
            parts[-1] = parts[-1][: -len(TEMPLATE_SUFFIX)]
        target = None
        if all("{" not in part and part.strip() for part in parts):
            with contextlib.suppress(ConfinementError):  # raised as each item renders
                target = confine("/".join(p.strip() for p in parts), template)
        where = str(template_dir / path)
        return cls(
            path,
            template,
            template.as_posix(),
            where,
            _mode(template_dir / path),
            rendered,
            tuple(parts),
            target,
        )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _template_line(exc: BaseException, path: Path) -> int | None:
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line


def _sentence(text: str | None) -> str:
    """``text`` ended by one full stop (Jinja's own messages sometimes end in one)."""
    return (text or "").rstrip().rstrip(".") + "."


def _cause(exc: BaseException) -> str:
    """The error as the end of a sentence (with its full stop)."""
    if isinstance(exc, jinja2.UndefinedError):
        return f"{exc.message} (pass that value, or guard it with `is defined`)."
    if isinstance(exc, LimitError):
        return f"{exc}. Make the template ask for less."
    if isinstance(exc, RecursionError):
        return "it recurses too deeply (a macro that calls itself without end?)."
    if isinstance(exc, UnicodeDecodeError):  # the loader reads a template as UTF-8
        return not_utf8(exc)
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # an exception whose text cannot be made, e.g. a huge integer
        text = type(exc).__name__
    if len(text) > 500:
        text = text[:500] + "…"
    return text if text.endswith((".", "!", "?")) else text + "."
