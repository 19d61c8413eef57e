"""Conformance: for each feature of a Copier template, the tree scaffolder writes is the
tree `copier copy` writes for the same answers — names, bytes and modes, answers file
included. Each scenario is a small template built inline; Copier runs in-process with no
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
    "copier.yaml spelling": Scenario(
        "name: {type: str, default: yaml}\n",
        {ANSWERS: ANSWERS_BODY, "{{ name }}.txt.jinja": "{{ name }}\n"},
        manifest="copier.yaml",
    ),
}


def tree(root: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file (bytes, mode) and folder (None) below ``root``, scaffolder's own left out."""
    found: dict[str, tuple[bytes, int] | None] = {}
    for folder, folders, names in os.walk(root):
        folders[:] = [f for f in folders if not (folder == str(root) and f == ".scaffold")]
        for name in folders:
            found[Path(folder, name).relative_to(root).as_posix()] = None
        for name in names:
            path = Path(folder, name)
            mode = stat.S_IMODE(path.lstat().st_mode)
            found[path.relative_to(root).as_posix()] = (path.read_bytes(), mode)
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
    build_file_tree(tmp_path / "tpl", {scenario.manifest: scenario.copier_yml, **scenario.files})
    for relative in scenario.executable:
        (tmp_path / "tpl" / relative).chmod(0o755)
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
    # empty folders are not planned: only folders that hold files can be compared
    theirs = {
        path: entry
        for path, entry in theirs.items()
        if entry is not None or any(p.startswith(path + "/") for p in ours)
    }
    assert ours == theirs
    assert any(entry is not None for entry in ours.values())


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
