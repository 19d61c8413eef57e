"""Conformance: for each feature of a Copier template, the tree scaffolder writes is the
tree `copier copy` writes for the same answers — names, bytes and modes, symlinks and empty
folders, answers file included. Each scenario is a small template built inline; Copier runs in-process with no
user settings (its settings file points into tmp_path)."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import copier
import pytest
from prompt_toolkit.input.defaults import create_pipe_input
from prompt_toolkit.output import DummyOutput

from scaffolder import api
from scaffolder.catalog import resolve_blueprint
from scaffolder.cli.prompts import ask
from scaffolder.plan import ConflictPolicy
from scaffolder.values import questions
from tests.conftest import build_file_tree

ANSWERS = "{{ _copier_conf.answers_file }}.jinja"
ANSWERS_BODY = "{{ _copier_answers|to_nice_yaml }}"


@dataclass(frozen=True)
class Scenario:
    copier_yml: str
    files: Mapping[str, str]
    data: Mapping[str, Any] = field(default_factory=dict)
    executable: tuple[str, ...] = ()
    trust: bool = False
    manifest: str = "copier.yml"
    links: Mapping[str, str] = field(default_factory=dict)  # symlink in the template -> target
    folders: tuple[str, ...] = ()  # empty folders in the template


def make_template(root: Path, scenario: Scenario) -> None:
    build_file_tree(root, {scenario.manifest: scenario.copier_yml, **scenario.files})
    for relative in scenario.executable:
        (root / relative).chmod(0o755)
    for relative, target in scenario.links.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).symlink_to(target)
    for relative in scenario.folders:
        (root / relative).mkdir(parents=True)


SCENARIOS = {
    "every question type": Scenario(
        """\
name: {type: str, default: demo}
count: {type: int, default: 3}
ratio: {type: float, default: 0.5}
enabled: {type: bool, default: true}
settings: {type: yaml, default: "{a: 1, b: [x, y]}"}
payload: {type: json, default: '{"k": [1, 2]}'}
where: {type: path, default: src/app}
license:
  type: str
  choices: [MIT, Apache-2.0, GPL-3.0]
  default: Apache-2.0
db:
  type: str
  choices: {SQLite: sqlite, PostgreSQL: postgres}
  default: postgres
features:
  type: str
  multiselect: true
  choices: [api, cli, docs]
  default: [api, docs]
slug:
  type: str
  default: "{{ name | upper }}-{{ count }}"
  validator: "{% if slug|length > 20 %}too long{% endif %}"
""",
        {
            ANSWERS: ANSWERS_BODY,
            "values.txt.jinja": (
                "{{ name }} {{ count + 1 }} {{ ratio * 2 }} {{ enabled }}\n"
                "{{ settings.b | join(',') }} {{ payload.k | sum }} {{ where }}\n"
                "{{ license }} {{ db }} {{ features | join('+') }} {{ slug }}\n"
            ),
        },
        {"count": 7, "features": ["cli"]},
    ),
    "when hides a question from the answers": Scenario(
        """\
use_db: {type: bool, default: false}
db_name:
  type: str
  default: main
  when: "{{ use_db }}"
always: {type: str, default: "x"}
""",
        {ANSWERS: ANSWERS_BODY, "a.txt.jinja": "{{ always }}{{ db_name }}\n"},
    ),
    "templated and conditional names": Scenario(
        """\
pkg: {type: str, default: my_pkg}
with_cli: {type: bool, default: false}
with_docs: {type: bool, default: true}
""",
        {
            ANSWERS: ANSWERS_BODY,
            "{{ pkg }}/__init__.py.jinja": "NAME = '{{ pkg }}'\n",
            "{{ pkg }}/{% if with_cli %}cli.py{% endif %}.jinja": "print('cli')\n",
            "{% if with_docs %}docs{% endif %}/index.md.jinja": "# {{ pkg }}\n",
            "{% if with_cli %}bin{% endif %}/run": "#!/bin/sh\n",
        },
    ),
    "exclude and templates suffix": Scenario(
        """\
_exclude: ["*.bak", "private", "copier.yml"]
_templates_suffix: .tmpl
name: {type: str, default: world}
""",
        {
            "hello.txt.tmpl": "hello {{ name }}\n",
            "raw.txt": "kept as is: {{ name }}\n",
            "notes.bak": "left out\n",
            "private/secret.txt": "left out\n",
            "{{ _copier_conf.answers_file }}.tmpl": ANSWERS_BODY,
        },
    ),
    "an empty templates suffix renders every file": Scenario(
        """\
_templates_suffix: ""
name: {type: str, default: world}
""",
        {"a.txt": "hello {{ name }}\n", "b/c.txt": "{{ name | upper }}\n"},
    ),
    "subdirectory and answers file": Scenario(
        """\
_subdirectory: project
_answers_file: .config/answers.yml
name: {type: str, default: sub}
""",
        {
            "README.md": "the template's own readme, not rendered\n",
            "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_BODY,
            "project/{{ name }}.txt.jinja": "in {{ name }}\n",
        },
    ),
    "unicode names and content": Scenario(
        "nom: {type: str, default: café}\n",
        {
            ANSWERS: ANSWERS_BODY,
            "naïve/{{ nom }}.md.jinja": "# {{ nom }} — ünïcödé ✓\n",
            "日本/説明.txt": "そのまま\n",
        },
        {"nom": "crème brûlée"},
    ),
    "custom envops delimiters": Scenario(
        """\
_envops:
  block_start_string: "[%"
  block_end_string: "%]"
  variable_start_string: "[["
  variable_end_string: "]]"
  keep_trailing_newline: true
name: {type: str, default: env}
""",
        {
            "[[ name ]].txt.jinja": "[% if name %]name=[[ name ]][% endif %] {{ untouched }}\n",
        },
    ),
    "jinja extensions (trusted)": Scenario(
        """\
_jinja_extensions: [jinja2.ext.do]
items: {type: yaml, default: "[1, 2]"}
""",
        {
            "out.txt.jinja": "{% set xs = [] %}{% for i in items %}{% do xs.append(i * 10) %}"
            "{% endfor %}{{ xs }}\n"
        },
        trust=True,
    ),
    "multi-document copier.yml with !include": Scenario(
        """\
---
!include shared/questions.yml
---
_exclude: [shared, copier.yml]
extra: {type: str, default: more}
""",
        {
            "shared/questions.yml": "name: {type: str, default: inc}\n",
            ANSWERS: ANSWERS_BODY,
            "{{ name }}-{{ extra }}.txt.jinja": "{{ name }} {{ extra }}\n",
        },
    ),
    "modes are kept": Scenario(
        "name: {type: str, default: m}\n",
        {"run.sh.jinja": "#!/bin/sh\necho {{ name }}\n", "tool": "#!/bin/sh\n"},
        executable=("run.sh.jinja", "tool"),
    ),
    "preserved symlinks, to a file and to a folder": Scenario(
        """\
_preserve_symlinks: true
name: {type: str, default: linked}
""",
        {
            ANSWERS: ANSWERS_BODY,
            "docs/guide.md.jinja": "# {{ name }}\n",
            "bin/tool": "#!/bin/sh\n",
        },
        links={
            "README.md": "docs/guide.md",  # to a rendered file
            "guides": "docs",  # to a folder
            "bin/{{ name }}-tool": "tool",  # a templated link name
            "dangling": "not/there",  # kept as written, even pointing at nothing
        },
        executable=("bin/tool",),
    ),
    "symlinks followed without _preserve_symlinks": Scenario(
        "name: {type: str, default: copied}\n",
        {"docs/guide.md": "# guide\n"},
        links={"README.md": "docs/guide.md", "guides": "docs"},
    ),
    "empty folders": Scenario(
        "name: {type: str, default: empty}\n",
        {ANSWERS: ANSWERS_BODY, "src/{{ name }}.py.jinja": "NAME = '{{ name }}'\n"},
        folders=("logs", "data/raw/{{ name }}", "src/cache"),
    ),
    "copier.yaml spelling": Scenario(
        "name: {type: str, default: yaml}\n",
        {ANSWERS: ANSWERS_BODY, "{{ name }}.txt.jinja": "{{ name }}\n"},
        manifest="copier.yaml",
    ),
}


Entry = tuple[bytes, int] | str | None


def tree(root: Path) -> dict[str, Entry]:
    """Every file (bytes, mode), symlink (its target, never followed) and folder (None)
    below ``root``, scaffolder's own left out."""
    found: dict[str, Entry] = {}
    for folder, folders, names in os.walk(root):  # a link to a folder is listed, not walked
        folders[:] = [f for f in folders if not (folder == str(root) and f == ".scaffold")]
        for name in folders + names:
            path = Path(folder, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                found[relative] = os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                found[relative] = None
            else:
                found[relative] = (path.read_bytes(), stat.S_IMODE(info.st_mode))
    return found


@pytest.fixture(autouse=True)
def no_copier_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = tmp_path / "copier-settings.yml"
    settings.write_text("{}\n")  # empty: none of the developer's own Copier settings
    monkeypatch.setenv("COPIER_SETTINGS_PATH", str(settings))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scaffold_writes_what_copier_copy_writes(tmp_path: Path, name: str) -> None:
    scenario = SCENARIOS[name]
    make_template(tmp_path / "tpl", scenario)
    report = api.new(Path("tpl"), dict(scenario.data), out=tmp_path / "ours", trust=scenario.trust)
    assert report.exit_code == 0, report
    copier.run_copy(
        "tpl",
        tmp_path / "theirs",
        data=dict(scenario.data),
        defaults=True,
        quiet=True,
        unsafe=scenario.trust,
    )
    ours, theirs = tree(tmp_path / "ours"), tree(tmp_path / "theirs")
    assert ours == theirs
    assert any(isinstance(entry, tuple) for entry in ours.values())
    # what the scenario is about is there: its symlinks (when preserved), its empty folders
    links = sorted(entry for entry in ours.values() if isinstance(entry, str))
    preserved = "_preserve_symlinks: true" in scenario.copier_yml
    assert links == (sorted(scenario.links.values()) if preserved else [])
    empty = [
        p for p, e in ours.items() if e is None and not any(q.startswith(f"{p}/") for q in ours)
    ]
    assert len(empty) == len(scenario.folders)
    again = api.new(Path("tpl"), dict(scenario.data), out=tmp_path / "ours", trust=scenario.trust)
    assert again.exit_code == 0 and {f.status.value for f in again.files} == {"identical"}


def test_skip_if_exists_keeps_what_the_destination_has(tmp_path: Path) -> None:
    """`_skip_if_exists`: a file that exists is kept (status skip, not a conflict), one that
    does not is created, as `copier copy` twice (the second with overwrite) does."""
    scenario = Scenario(
        """\
_skip_if_exists: ["settings.toml", "{{ name }}/local.cfg"]
name: {type: str, default: app}
""",
        {
            ANSWERS: ANSWERS_BODY,
            "settings.toml.jinja": "name = '{{ name }}'\n",
            "{{ name }}/local.cfg": "debug = false\n",
            "{{ name }}/main.py.jinja": "print('{{ name }}')\n",
        },
    )
    make_template(tmp_path / "tpl", scenario)
    for out in ("ours", "theirs"):
        if out == "ours":
            first = api.new(Path("tpl"), {}, out=tmp_path / out)
            assert first.exit_code == 0 and {f.status.value for f in first.files} == {"create"}
        else:
            copier.run_copy("tpl", tmp_path / out, defaults=True, quiet=True)
        (tmp_path / out / "settings.toml").write_text("name = 'edited'\n")
        (tmp_path / out / "app/main.py").write_text("print('edited')\n")
        (tmp_path / out / "app/local.cfg").unlink()
    report = api.new(Path("tpl"), {}, out=tmp_path / "ours", on_conflict=ConflictPolicy.OVERWRITE)
    assert report.exit_code == 0, report
    assert {f.path: f.status.value for f in report.files} == {
        ".copier-answers.yml": "identical",
        "settings.toml": "skip",  # kept, though --on-conflict overwrite
        "app/local.cfg": "create",  # not there: created
        "app/main.py": "overwrite",
    }
    copier.run_copy("tpl", tmp_path / "theirs", defaults=True, quiet=True, overwrite=True)
    assert tree(tmp_path / "ours") == tree(tmp_path / "theirs")
    assert (tmp_path / "ours/settings.toml").read_text() == "name = 'edited'\n"
    conflicted = api.new(Path("tpl"), {}, out=tmp_path / "ours")  # the default policy: fail
    assert conflicted.exit_code == 0, "a file the template keeps is never a conflict"
    assert {f.status.value for f in conflicted.files} == {"identical", "skip"}


def test_prompts_follow_when_and_templated_defaults(tmp_path: Path) -> None:
    """On a terminal, each question is made after the answers before it, as Copier asks:
    a templated default is rendered from them, and a question whose `when` is false is not
    asked."""
    build_file_tree(
        tmp_path / "tpl",
        {
            "copier.yml": (
                "name: {type: str}\n"
                "slug: {type: str, default: '{{ name | lower }}-app'}\n"
                "use_db: {type: bool, default: false}\n"
                "db_name: {type: str, default: main, when: '{{ use_db }}'}\n"
                "port: {type: int, default: 8000, when: '{{ not use_db }}'}\n"
            ),
            "x.txt.jinja": "{{ slug }}\n",
        },
    )
    blueprint = resolve_blueprint(Path("tpl"))
    values: dict[str, Any] = {}
    asked: list[str] = []
    with create_pipe_input() as pipe:
        pipe.send_text("Demo\r\r\r\r")  # a name, then every default
        for question in questions(blueprint, values):
            asked.append(question.name)
            ask([question], values, input=pipe, output=DummyOutput())
    assert asked == ["name", "slug", "use_db", "port"]  # db_name: its `when` is false
    assert values == {"name": "Demo", "slug": "demo-app", "use_db": False, "port": 8000}
