"""Copier templates as blueprints: validated by Copier's own rules, rendered by Copier
itself (byte for byte what `copier copy` writes), then planned, committed, checked and
rolled back like any other run."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import copier
import pytest
import yaml

from tests.conftest import build_file_tree, scaffold, snapshot

COPIER_YML: dict[str, Any] = {
    "project_name": {"type": "str", "help": "The project's name"},
    "project_slug": {
        "type": "str",
        "default": "{{ project_name | lower | replace(' ', '_') }}",
        "validator": "{% if not project_slug.isidentifier() %}must be an identifier{% endif %}",
    },
    "license": {"type": "str", "choices": ["MIT", "Apache-2.0"], "default": "MIT"},
    "use_db": {"type": "bool", "default": False},
    "token": {"type": "str", "secret": True, "default": "s3cret"},
    "_scaffold": {
        "description": "A small Python project",
        "checks": ["py_compile"],
        "examples": [{"project_name": "Example"}],
    },
}
TEMPLATE = {
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "README.md.jinja": "# {{ project_name }}\n\nLicense: {{ license }}\n",
    "{{ project_slug }}/__init__.py.jinja": 'NAME = "{{ project_slug }}"\nDB = {{ use_db }}\n',
    "run.sh": "#!/bin/sh\necho hi\n",
}


def make_template(root: Path, **extra: Any) -> Path:
    build_file_tree(root, {"copier.yml": yaml.safe_dump({**COPIER_YML, **extra}), **TEMPLATE})
    (root / "run.sh").chmod(0o755)
    return root


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``root`` but scaffolder's own, with its bytes and mode."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".scaffold" not in path.relative_to(root).parts
    }


def copier_copy(source: str, destination: Path, **data: Any) -> None:
    """What `copier copy --defaults SOURCE DESTINATION` writes (from the current folder)."""
    copier.run_copy(source, destination, data=data, defaults=True, quiet=True)


def test_new_renders_what_copier_copy_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_template(tmp_path / "tpl")
    dry = scaffold(
        tmp_path, "new", "./tpl", "--set", "project_name=My App", "--out", "a/proj", "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert '+NAME = "my_app"' in dry.stdout and not (tmp_path / "a").exists()
    result = scaffold(tmp_path, "new", "./tpl", "--set", "project_name=My App", "--out", "a/proj")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "py_compile" in result.stdout and "passed" in result.stdout
    monkeypatch.chdir(tmp_path)
    copier_copy("./tpl", tmp_path / "b/proj", project_name="My App")
    ours, theirs = tree(tmp_path / "a/proj"), tree(tmp_path / "b/proj")
    assert ours == theirs
    assert ours["run.sh"][1] == 0o755
    answers = yaml.safe_load(ours[".copier-answers.yml"][0])
    assert answers["_src_path"] == "./tpl" and answers["project_slug"] == "my_app"
    assert "token" not in answers  # a secret answer is never written down...
    record = (tmp_path / "a/proj/.scaffold/last-run.json").read_text()
    assert "s3cret" not in record  # ...by scaffolder either
    again = scaffold(tmp_path, "new", "./tpl", "--set", "project_name=My App", "--out", "a/proj")
    assert again.returncode == 0, again.stderr
    assert "done: 4 identical" in again.stdout, again.stdout


def test_a_batch_renders_each_item_into_its_dest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_template(tmp_path / "tpl")
    names = ["Alpha", "Beta Two", "Gamma", "Delta", "Epsilon"]
    items = [{"project_name": name} for name in names]
    items[1]["license"] = "Apache-2.0"
    (tmp_path / "items.yaml").write_text(
        yaml.safe_dump(
            {"blueprint": "./tpl", "dest": "services/{{ project_slug }}", "items": items}
        )
    )
    result = scaffold(tmp_path, "batch", "items.yaml", "--out", "out", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"] == "succeeded" and report["counts"]["create"] == 20
    monkeypatch.chdir(tmp_path)
    for item in items:
        slug = str(item["project_name"]).lower().replace(" ", "_")
        copier_copy(str(tmp_path / "tpl"), tmp_path / "ref" / slug, **item)
        assert tree(tmp_path / "out/services" / slug) == tree(tmp_path / "ref" / slug), slug


def test_every_bad_answer_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    (tmp_path / "items.yaml").write_text(
        "blueprint: ./tpl\n"
        'dest: "out/{{ project_slug }}"\n'
        "items:\n"
        "  - project_name: One\n"
        "  - project_name: Two\n"
        "  - project_name: Three\n"
        "  - project_name: Four\n"
        "    project_slug: 4four\n"
        "  - project_name: Five\n"
        "    license: GPL\n"
        "    projet: typo\n"
    )
    result = scaffold(tmp_path, "batch", "items.yaml", "--out", "dest")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    err = result.stderr
    assert "3 invalid values; nothing was written" in err
    assert "items.yaml:8: item 4 (Four): project_slug: must be an identifier [validator]" in err
    assert "items.yaml:10: item 5 (Five): license: Invalid choice" in err and "[choices]" in err
    assert "items.yaml:11: item 5 (Five): projet: unknown name 'projet'" in err
    assert not (tmp_path / "dest").exists()
    # and on the command line
    bad = scaffold(
        tmp_path,
        "new",
        "./tpl",
        "--set",
        "project_name=X",
        "--set",
        "project_slug=9x",
        "--out",
        "o",
    )
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "project_slug: must be an identifier [validator]" in bad.stderr
    assert not (tmp_path / "o").exists()


def test_tasks_run_only_with_trust_in_the_staging_folder(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl", _tasks=["echo made-by-task > task-output.txt"])
    plain = scaffold(tmp_path, "new", "./tpl", "--set", "project_name=Zed", "--out", "z1")
    assert plain.returncode == 0, plain.stderr
    assert "note: tpl: not run without --trust: echo made-by-task > task-output.txt" in plain.stdout
    assert not (tmp_path / "z1/task-output.txt").exists()
    trusted = scaffold(
        tmp_path, "new", "./tpl", "--set", "project_name=Zed", "--out", "z2", "--trust"
    )
    assert trusted.returncode == 0, trusted.stderr
    assert "create  task-output.txt" in trusted.stdout  # planned and committed with the rest
    assert (tmp_path / "z2/task-output.txt").read_text() == "made-by-task\n"


def test_checks_from_scaffold_section_roll_the_run_back(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    (tmp_path / "tpl/{{ project_slug }}/__init__.py.jinja").write_text("def broken(:\n")
    build_file_tree(tmp_path, {"out/keep.txt": "mine\n"})
    before = snapshot(tmp_path / "out")
    result = scaffold(tmp_path, "new", "./tpl", "--set", "project_name=Bad", "--out", "out")
    assert result.returncode == 1
    assert "checks failed: py_compile" in result.stdout and "rolled back" in result.stdout
    assert snapshot(tmp_path / "out") == before


def test_show_list_and_blueprint_test(tmp_path: Path) -> None:
    make_template(tmp_path / ".scaffold/blueprints/pyproj")
    shown = scaffold(tmp_path, "show", "pyproj", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["kind"] == "copier" and data["description"] == "A small Python project"
    props = data["variables"]["properties"]
    assert props["license"] == {"type": "string", "enum": ["MIT", "Apache-2.0"], "default": "MIT"}
    assert props["project_slug"]["x-copier-default"].startswith("{{ project_name")
    assert props["token"]["writeOnly"] is True
    assert data["variables"]["required"] == ["project_name"]
    listed = scaffold(tmp_path, "list")
    assert "pyproj" in listed.stdout and "copier" in listed.stdout
    tested = scaffold(tmp_path, "blueprint", "test", "pyproj")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_what_trusted_tasks_print_stays_off_the_json_report(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl", _tasks=["echo printed-by-task", "echo done > t.txt"])
    result = scaffold(
        tmp_path, "new", "./tpl", "--set", "project_name=Zed", "--out", "z", "--trust", "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # nothing but the report on stdout
    assert report["outcome"] == "succeeded"
    assert "printed-by-task" in result.stderr
    assert (tmp_path / "z/t.txt").read_text() == "done\n"


def test_blueprint_test_without_examples_says_where_to_add_them(tmp_path: Path) -> None:
    section = {k: v for k, v in COPIER_YML["_scaffold"].items() if k != "examples"}
    make_template(tmp_path / "tpl", _scaffold=section)
    result = scaffold(tmp_path, "blueprint", "test", "./tpl")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no `_scaffold: {examples: [...]}` in its copier file to test" in result.stderr
