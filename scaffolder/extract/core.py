"""``extract``: examples in, a verified blueprint folder out.

read the examples ─► pair their files ─► find the varying words ─► templates ─► write in a
temporary folder ─► render every example back ─► (keep what no name explains) ─► verify
again ─► move the blueprint into place. Nothing is written to ``out`` unless every example
renders back byte for byte.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from scaffolder.blueprint import MANIFEST, parse_check
from scaffolder.checks.kinds import KINDS
from scaffolder.errors import UsageError
from scaffolder.extract import manifest, proposals, verify
from scaffolder.extract.draft import Draft, make_draft
from scaffolder.extract.examples import pair_files, read_examples
from scaffolder.extract.model import ExtractError, Extraction
from scaffolder.extract.verify import first_difference

_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PROJECT_BLUEPRINTS = Path(".scaffold") / "blueprints"


def default_out(name: str) -> Path:
    return PROJECT_BLUEPRINTS / name


def extract(
    examples: Sequence[str | Path],
    *,
    name: str,
    out: str | Path | None = None,
    force: bool = False,
    strict: bool = False,
) -> Extraction:
    """Derive the blueprint ``name`` from two or more examples and write it to ``out``
    (default ``./.scaffold/blueprints/NAME``).

    Every example renders back byte for byte, checked with the real renderer before
    anything is written. A difference no name explains is kept as a per-example text
    variable and listed in :attr:`Extraction.kept`; with ``strict`` it is an error instead.
    An existing ``out`` is replaced only with ``force``, and only if it is a blueprint.
    """
    if len(examples) < 2:
        raise UsageError(
            "extract needs two or more examples (files or folders) that differ by a few names."
        )
    if not _NAME.match(name):
        raise UsageError(
            f"--name {name!r}: a blueprint's name is lower-case words joined by hyphens, "
            "e.g. crud-endpoint."
        )
    target = Path(out) if out is not None else default_out(name)
    _check_target(target, force)
    found = read_examples(examples)
    labels = [e.label for e in found]
    draft = make_draft(found, pair_files(found))
    if all(content is None for content in draft.contents) and not draft.variables:
        raise ExtractError(
            f"{', '.join(labels)}: the examples are the same; give examples that differ by "
            "the names the blueprint should ask for."
        )
    with tempfile.TemporaryDirectory(prefix="scaffold-extract-") as temporary:
        for attempt in (1, 2):
            root = Path(temporary) / f"attempt-{attempt}"
            checks = proposals.propose(draft)
            templates = manifest.write_blueprint(root, name, draft, checks, labels)
            wrong = verify.mismatches(draft, verify.render_all(root, templates))
            if not wrong:
                break
            if attempt == 2:
                raise _not_reproduced(draft, wrong)
            draft = verify.keep_differences(draft, wrong)
        result = Extraction(
            name=name,
            out=target,
            examples=tuple(labels),
            variables=draft.variables,
            templates=tuple(templates),
            checks=tuple(_describe(c) for c in checks),
            verified=len(found),
            needs_trust=any(KINDS[parse_check(c).kind].runs_code for c in checks),
        )
        if strict and result.kept:
            lines = "\n".join(f"  {v.where}: {v.line}" for v in result.kept)
            raise ExtractError(
                "these lines differ between the examples in a way no name explains "
                f"(--strict); nothing was written:\n{lines}\nMake the examples differ by "
                "names only there, or drop --strict to keep them as per-example text."
            )
        _install(root, target)
    return result


def _check_target(target: Path, force: bool) -> None:
    if not target.exists():
        return
    if not target.is_dir():
        raise ExtractError(f"{target}: exists and is not a folder; choose another --out.")
    if not any(target.iterdir()):
        return
    if not force:
        raise ExtractError(
            f"{target}: already exists; give --force to replace it, or choose another --out."
        )
    if not (target / MANIFEST).is_file():
        raise ExtractError(
            f"{target}: not a blueprint folder (no {MANIFEST}); --force only "
            "replaces a blueprint. Choose another --out."
        )


def _install(root: Path, target: Path) -> None:
    """Move the verified blueprint to ``target``, replacing an old one only at the end."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    old = staged / "old"
    try:
        shutil.copytree(root, staged / "new")
        if target.exists():
            target.rename(old)
        try:
            (staged / "new").rename(target)
        except OSError:
            if old.exists():
                old.rename(target)  # the old blueprint back as it was
            raise
    except OSError as exc:
        raise ExtractError(f"{target}: cannot be written: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _describe(check: object) -> str:
    from scaffolder.blueprint import parse_check

    return parse_check(check).describe()


def _not_reproduced(draft: Draft, wrong: Sequence[verify.Mismatch]) -> ExtractError:
    first = wrong[0]
    expected = draft.groups[first.group].files[first.example]
    line, text = first_difference(expected.content, first.content)
    where = draft.examples[first.example].where(expected)
    return ExtractError(
        f"{where}:{line}: the derived blueprint does not "
        f"render this line back ({text!r}); nothing was written. Please report this "
        "with the examples."
    )
