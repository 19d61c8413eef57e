"""Cookiecutter templates as blueprints: validated by Cookiecutter's own rules, rendered by
Cookiecutter itself (byte for byte what `cookiecutter --no-input` writes), then planned,
committed, checked and rolled back like any other run. Nothing of the user's home is read
or written: each test runs with a fresh HOME holding a `.cookiecutterrc` that would change
the output if it were read."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import build_file_tree, scaffold, snapshot

CONTEXT: dict[str, Any] = {
    "project_name": "My Project",
    "project_slug": "{{ cookiecutter.project_name|lower|replace(' ', '_') }}",
    "license": ["MIT", "BSD-3-Clause", "GPL-3.0"],
    "use_docker": False,
    "ci": {"provider": "github", "python": ["3.11", "3.12"]},
    "_owner": "ACME",
    "__package": "{{ cookiecutter.project_slug|replace('-', '_') }}_pkg",
    "_copy_without_render": ["*.raw", "static"],
    "__prompts__": {"project_name": "Name of the project", "license": {"__prompt__": "License"}},
}
PROJECT = "{{cookiecutter.project_slug}}"
FILES: dict[str, str | bytes] = {
    f"{PROJECT}/README.md": (
        "# {{ cookiecutter.project_name }}\n\nLicense: {{ cookiecutter.license }}\n"
        "By {{ cookiecutter._owner }}\nCI: {{ cookiecutter.ci.provider }} "
        "{{ cookiecutter.ci.python|join(', ') }}\n"
        "{% if cookiecutter.use_docker %}Docker: yes\n{% endif %}"
    ),
    f"{PROJECT}/{{{{cookiecutter.__package}}}}/__init__.py": '__version__ = "0.1.0"\n',
    f"{PROJECT}/{{{{cookiecutter.__package}}}}/ünïcødé_{{{{cookiecutter.license}}}}.txt": (
        "Grüße, {{ cookiecutter.project_name }} ✓\n"
    ),
    f"{PROJECT}/{{% if cookiecutter.use_docker %}}Dockerfile{{% endif %}}": "FROM python\n",
    f"{PROJECT}/notes.raw": "{{ not rendered }}\n",
    f"{PROJECT}/static/app.js": "const t = `{{ untouched }}`;\n",
    f"{PROJECT}/run.sh": "#!/bin/sh\necho {{ cookiecutter.project_slug }}\n",
    f"{PROJECT}/logo.bin": b"\x89PNG\r\n\x1a\n\x00\x00{{ cookiecutter.project_slug }}",
}
HOOKS = {
    "hooks/pre_gen_project.py": (
        "import pathlib\nprint('pre hook says hi')\n"
        "pathlib.Path('pre.txt').write_text('{{ cookiecutter.project_slug }} before\\n')\n"
    ),
    "hooks/post_gen_project.py": (
        "import pathlib\nprint('post hook says hi')\n"
        "pathlib.Path('from-hook.txt').write_text('made for {{ cookiecutter.project_name }}\\n')\n"
    ),
}
REFERENCE = """
import json, sys
from cookiecutter.main import cookiecutter
args = json.loads(sys.argv[1])
cookiecutter(args["template"], no_input=True, output_dir=args["out"],
             extra_context=args["extra"] or None, accept_hooks=args["hooks"])
"""


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A HOME whose `.cookiecutterrc` would change every render that read it; after the
    test, nothing else is in it (no replay file)."""
    home = tmp_path / "home"
    rc = {
        "default_context": {"project_name": "From The Users RC", "use_docker": True},
        "replay_dir": str(home / "replay"),
        "cookiecutters_dir": str(home / "cookiecutters"),
    }
    build_file_tree(home, {".cookiecutterrc": yaml.safe_dump(rc)})
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "tmp").mkdir()  # what scaffold and cookiecutter stage stays in tmp_path too
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.delenv("COOKIECUTTER_CONFIG", raising=False)
    yield home
    assert sorted(p.name for p in home.iterdir()) == [".cookiecutterrc"]
    assert not list((tmp_path / "tmp").glob("scaffold-*"))  # no staging folder left behind


def make_template(root: Path, context: dict[str, Any] | None = None, **files: str) -> Path:
    spec = {"cookiecutter.json": json.dumps(context or CONTEXT, ensure_ascii=False), **FILES}
    build_file_tree(root, {**spec, **files})
    (root / PROJECT / "run.sh").chmod(0o755)
    return root


def cookiecutter(
    tmp_path: Path, template: str, out: Path, hooks: bool = False, **extra: Any
) -> None:
    """What `cookiecutter --no-input -o OUT TEMPLATE` writes, run from tmp_path with a HOME
    of its own (a clean one: cookiecutter itself reads the rc file and writes replays)."""
    home = tmp_path / "reference-home"
    home.mkdir(exist_ok=True)
    args = {"template": template, "out": str(out), "extra": extra, "hooks": hooks}
    subprocess.run(
        [sys.executable, "-c", REFERENCE, json.dumps(args)],
        cwd=tmp_path,
        env={**os.environ, "HOME": str(home)},
        check=True,
        capture_output=True,
    )


def tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``root`` but scaffolder's own, with its bytes and mode."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".scaffold" not in path.relative_to(root).parts
    }


@pytest.mark.parametrize(
    ("options", "extra", "folder"),
    [
        ((), {}, "my_project"),
        (
            (
                "--set",
                "project_name=Ünï Café",
                "--set",
                "license=GPL-3.0",
                "--set",
                "use_docker=true",
                "--set",
                'ci={"provider": "gitlab"}',
            ),
            {
                "project_name": "Ünï Café",
                "license": "GPL-3.0",
                "use_docker": True,
                "ci": {"provider": "gitlab"},
            },
            "ünï_café",
        ),
    ],
    ids=["defaults", "set"],
)
def test_new_renders_what_cookiecutter_renders(
    tmp_path: Path, options: tuple[str, ...], extra: dict[str, Any], folder: str
) -> None:
    make_template(tmp_path / "tpl")
    result = scaffold(tmp_path, "new", "./tpl", "--out", "ours", "--defaults", *options)
    assert result.returncode == 0, result.stdout + result.stderr
    cookiecutter(tmp_path, "./tpl", tmp_path / "theirs", **extra)
    ours, theirs = tree(tmp_path / "ours"), tree(tmp_path / "theirs")
    assert ours == theirs
    # what the template covers, as Cookiecutter renders it
    assert sorted(p.name for p in (tmp_path / "ours").iterdir() if p.name != ".scaffold") == [
        folder
    ]
    package = f"{folder}_pkg"
    assert f"{folder}/{package}/__init__.py" in ours
    assert ours[f"{folder}/run.sh"][1] == 0o755
    assert ours[f"{folder}/notes.raw"][0] == b"{{ not rendered }}\n"  # _copy_without_render
    assert ours[f"{folder}/static/app.js"][0] == b"const t = `{{ untouched }}`;\n"
    assert ours[f"{folder}/logo.bin"][0].endswith(b"{{ cookiecutter.project_slug }}")  # binary
    readme = ours[f"{folder}/README.md"][0].decode()
    assert "By ACME" in readme  # a private variable
    license = extra.get("license", "MIT")
    assert f"{folder}/{package}/ünïcødé_{license}.txt" in ours
    assert (f"{folder}/Dockerfile" in ours) == bool(extra.get("use_docker"))
    assert ("CI: gitlab 3.11, 3.12" if extra else "CI: github 3.11, 3.12") in readme  # dict
    again = scaffold(tmp_path, "new", "./tpl", "--out", "ours", "--defaults", *options)
    assert again.returncode == 0, again.stderr
    assert f"done: {len(ours)} identical" in again.stdout, again.stdout


def test_a_batch_renders_five_projects_in_one_transaction(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    items: list[dict[str, Any]] = [
        {"project_name": "Alpha"},
        {"project_name": "Beta Two", "license": "BSD-3-Clause"},
        {"project_name": "Gamma", "use_docker": True},
        {"project_name": "Delta", "ci": {"provider": "gitlab", "python": ["3.13"]}},
        {"project_name": "Épsilon", "license": "GPL-3.0", "use_docker": "yes"},
    ]
    (tmp_path / "items.yaml").write_text(
        yaml.safe_dump({"blueprint": "./tpl", "dest": "{{ license|lower }}", "items": items}),
        encoding="utf-8",
    )
    result = scaffold(tmp_path, "batch", "items.yaml", "--out", "out", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["outcome"] == "succeeded"
    record = json.loads((tmp_path / "out/.scaffold/last-run.json").read_text())
    assert [len(phase["items"]) for phase in record["phases"]] == [5]  # one run, five items
    for item in items:
        license = str(item.get("license", "MIT")).lower()
        slug = str(item["project_name"]).lower().replace(" ", "_")
        cookiecutter(tmp_path, "./tpl", tmp_path / "ref" / license, **item)
        ours, theirs = (
            tree(tmp_path / "out" / license / slug),
            tree(tmp_path / "ref" / license / slug),
        )
        assert ours and ours == theirs, slug
    assert report["counts"]["create"] == sum(
        len(tree(tmp_path / "ref" / folder.name)) for folder in (tmp_path / "ref").iterdir()
    )


def test_every_bad_answer_is_reported_with_its_line_and_nothing_is_written(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    (tmp_path / "items.yaml").write_text(
        "blueprint: ./tpl\n"
        "items:\n"
        "  - project_name: One\n"
        "  - project_name: Two\n"
        "  - project_name: Three\n"
        "  - project_name: Four\n"
        "    license: WTFPL\n"
        "  - project_name: Five\n"
        "    ci: github\n"
        "    use_docker: maybe\n"
        "    project_nme: typo\n"
        "    _owner: Someone\n"
    )
    result = scaffold(tmp_path, "batch", "items.yaml", "--out", "dest")
    assert result.returncode == 1, result.stdout + result.stderr
    err = result.stderr
    assert "Traceback" not in err
    assert "5 invalid values; nothing was written" in err, err
    assert "items.yaml:7: item 4: license: WTFPL provided for choice variable license" in err
    assert "[choices]" in err
    assert "items.yaml:9: item 5: ci: a mapping, not str [type]" in err
    assert "items.yaml:10: item 5: use_docker: maybe provided for variable use_docker" in err
    assert (
        "items.yaml:11: item 5: project_nme: unknown name 'project_nme' (did you mean 'project_name'?)"
        in err
    )
    assert "items.yaml:12: item 5: _owner: unknown name '_owner' (a private variable" in err
    assert not (tmp_path / "dest").exists()
    bad = scaffold(tmp_path, "new", "./tpl", "--set", "license=GPL", "--out", "o", "--defaults")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "license: GPL provided for choice variable license" in bad.stderr
    assert not (tmp_path / "o").exists()


def test_hooks_run_only_with_trust_and_what_they_make_is_planned(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl", **HOOKS)
    plain = scaffold(tmp_path, "new", "./tpl", "--out", "plain", "--defaults")
    assert plain.returncode == 0, plain.stderr
    assert "note: tpl: not run without --trust: hooks/pre_gen_project.py" in plain.stdout
    assert "note: tpl: not run without --trust: hooks/post_gen_project.py" in plain.stdout
    assert "hook says hi" not in plain.stdout + plain.stderr
    cookiecutter(tmp_path, "./tpl", tmp_path / "plain-ref", hooks=False)
    assert tree(tmp_path / "plain") == tree(tmp_path / "plain-ref")
    assert not (tmp_path / "plain/my_project/from-hook.txt").exists()

    dry = scaffold(
        tmp_path, "new", "./tpl", "--out", "trusted", "--defaults", "--trust", "--dry-run"
    )
    assert dry.returncode == 0, dry.stderr
    assert "create  my_project/from-hook.txt" in dry.stdout  # planned with the rest
    assert "create  my_project/pre.txt" in dry.stdout
    assert not (tmp_path / "trusted").exists()
    trusted = scaffold(
        tmp_path, "new", "./tpl", "--out", "trusted", "--defaults", "--trust", "--json"
    )
    assert trusted.returncode == 0, trusted.stderr
    report = json.loads(trusted.stdout)  # what the hooks print does not spoil --json
    assert report["outcome"] == "succeeded" and "post hook says hi" in trusted.stderr
    cookiecutter(tmp_path, "./tpl", tmp_path / "trusted-ref", hooks=True)
    assert tree(tmp_path / "trusted") == tree(tmp_path / "trusted-ref")
    made = (tmp_path / "trusted/my_project/from-hook.txt").read_text()
    assert made == "made for My Project\n"
    record = json.loads((tmp_path / "trusted/.scaffold/last-run.json").read_text())
    assert "my_project/from-hook.txt" in record["phases"][0]["items"][0]["files"]


@pytest.mark.parametrize("hook", ["pre_prompt", "pre_gen_project", "post_gen_project"])
def test_a_failing_hook_is_named_and_nothing_is_written(tmp_path: Path, hook: str) -> None:
    make_template(tmp_path / "tpl", **{f"hooks/{hook}.py": "import sys\nsys.exit(3)\n"})
    build_file_tree(tmp_path, {"out/keep.txt": "mine\n"})
    before = snapshot(tmp_path / "out")
    result = scaffold(tmp_path, "new", "./tpl", "--out", "out", "--defaults", "--trust")
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"the Cookiecutter hook hooks/{hook}.py failed" in result.stderr
    assert "Nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path / "out") == before


def test_templates_render_in_the_sandbox_and_names_stay_inside(tmp_path: Path) -> None:
    make_template(
        tmp_path / "tpl",
        **{f"{PROJECT}/evil.txt": "{{ cookiecutter.__class__.__mro__ }}\n"},
    )
    result = scaffold(tmp_path, "new", "./tpl", "--out", "out", "--defaults")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "unsafe" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    make_template(tmp_path / "tpl2")
    escape = scaffold(
        tmp_path,
        "new",
        "./tpl2",
        "--set",
        "project_slug=../../escaped",
        "--out",
        "o/p",
        "--defaults",
    )
    assert escape.returncode == 1, escape.stdout + escape.stderr
    assert "out of the destination" in escape.stderr and "Traceback" not in escape.stderr
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "o").exists()


def test_show_list_blueprint_test_and_checks(tmp_path: Path) -> None:
    context = {
        **CONTEXT,
        "_scaffold": {
            "description": "A small Python package",
            "checks": ["py_compile"],
            "examples": [{"project_name": "Example"}],
        },
    }
    make_template(tmp_path / ".scaffold/blueprints/ccproj", context)
    shown = scaffold(tmp_path, "show", "ccproj", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["kind"] == "cookiecutter" and data["description"] == "A small Python package"
    variables = data["variables"]
    props = variables["properties"]
    assert list(props) == ["project_name", "project_slug", "license", "use_docker", "ci"]
    assert props["project_name"] == {
        "type": "string",
        "default": "My Project",
        "description": "Name of the project",
    }
    assert props["project_slug"]["x-cookiecutter-default"].startswith("{{ cookiecutter.")
    assert props["license"] == {
        "type": "string",
        "enum": ["MIT", "BSD-3-Clause", "GPL-3.0"],
        "default": "MIT",
        "description": "License",
    }
    assert props["use_docker"] == {"type": "boolean", "default": False}
    assert props["ci"] == {"type": "object", "default": CONTEXT["ci"]}
    assert variables["required"] == []
    assert variables["x-cookiecutter-private"]["_owner"] == "ACME"
    listed = scaffold(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    line = next(row for row in listed.stdout.splitlines() if "ccproj" in row)
    assert "cookiecutter" in line
    tested = scaffold(tmp_path, "blueprint", "test", "ccproj")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # the _scaffold checks run on what was written, and a failure rolls the run back
    broken = tmp_path / ".scaffold/blueprints/ccproj" / PROJECT / "{{cookiecutter.__package}}"
    (broken / "__init__.py").write_text("def broken(:\n")
    build_file_tree(tmp_path, {"out/keep.txt": "mine\n"})
    before = snapshot(tmp_path / "out")
    failed = scaffold(tmp_path, "new", "ccproj", "--out", "out", "--defaults")
    assert failed.returncode == 1
    assert "checks failed: py_compile" in failed.stdout and "rolled back" in failed.stdout
    assert snapshot(tmp_path / "out") == before


def test_scaffold_starts_without_importing_cookiecutter(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom scaffolder.cli import main\nsys.argv = ['scaffold', 'list']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'cookiecutter' not in sys.modules, 'imported'\n"
    )
    env = {**os.environ, "SCAFFOLD_PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prompts_take_their_defaults_from_the_answers_before(tmp_path: Path) -> None:
    """On a terminal each variable is asked in order, its default rendered by Cookiecutter
    from the answers given so far (a templated default, a dict variable's)."""
    from scaffolder.sources import load_source
    from scaffolder.values import questions

    blueprint = load_source(make_template(tmp_path / "tpl"))
    given: dict[str, Any] = {"project_name": "Hello World"}
    asked = {}
    for question in questions(blueprint, given):
        asked[question.name] = question
        given[question.name] = question.default
    assert asked["project_slug"].default == "hello_world"
    assert asked["license"].choices == ("MIT", "BSD-3-Clause", "GPL-3.0")
    assert asked["license"].default == "MIT" and asked["license"].prompt == "License"
    assert asked["use_docker"].kind == "boolean" and asked["use_docker"].default is False
    assert asked["ci"].kind == "json" and asked["ci"].default == CONTEXT["ci"]
    assert "_owner" not in asked and "__package" not in asked  # private: never asked
    assert blueprint.source is not None
    assert blueprint.source.validate(given) == (given, [])


def test_an_items_file_adds_checks_to_a_template_that_has_none(tmp_path: Path) -> None:
    """`checks:` in an items file (or a phase of a plan) gives any template ground truth: a
    failing one rolls the whole run back; the template's own checks still run first."""
    make_template(tmp_path / "tpl")
    pkg = f"{PROJECT}/{{{{cookiecutter.__package}}}}"
    (tmp_path / "tpl" / pkg / "__init__.py").write_text("def broken(:\n")
    build_file_tree(tmp_path, {"out/keep.txt": "mine\n"})
    before = snapshot(tmp_path / "out")
    items = [{"project_name": "Alpha"}, {"project_name": "Beta"}]
    plain = {"blueprint": "./tpl", "items": items}
    (tmp_path / "plain.yaml").write_text(yaml.safe_dump(plain))
    passed = scaffold(tmp_path, "batch", "plain.yaml", "--out", "plain")
    assert passed.returncode == 0, passed.stdout + passed.stderr  # no checks: nothing to fail
    checked = {**plain, "checks": ["py_compile"]}
    (tmp_path / "checked.yaml").write_text(yaml.safe_dump(checked))
    failed = scaffold(tmp_path, "batch", "checked.yaml", "--out", "out", "--json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    report = json.loads(failed.stdout)
    assert report["rolled_back"] is True
    assert [c["kind"] for c in report["checks"] if c["status"] == "failed"] == ["py_compile"]
    assert "alpha/alpha_pkg/__init__.py" in json.dumps(report["checks"])
    assert snapshot(tmp_path / "out") == before
    plan = {"phases": [{"name": "projects", **checked}]}
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan))
    in_plan = scaffold(tmp_path, "batch", "plan.yaml", "--out", "out")
    assert in_plan.returncode == 1 and "py_compile" in in_plan.stdout
    assert snapshot(tmp_path / "out") == before
    bad = {**plain, "checks": ["no_such_check"]}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    refused = scaffold(tmp_path, "batch", "bad.yaml", "--out", "out")
    assert refused.returncode == 1 and "bad.yaml" in refused.stderr
    assert "Traceback" not in refused.stderr and snapshot(tmp_path / "out") == before


def test_show_draws_templated_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")  # one line per row
    make_template(tmp_path / "tpl")
    shown = scaffold(tmp_path, "show", "./tpl")
    assert shown.returncode == 0, shown.stderr
    assert "{{ cookiecutter.project_name|lower" in shown.stdout
