"""`scaffold update`: projects made from a Copier template, brought to a newer version of it
by Copier's own update (run in a staging copy), then planned, dry-run, committed atomically,
checked and reported like any run.

Every test makes its own template: a git repository under ``tmp_path`` with the tags ``v1``
and ``v2`` (v2 changes a file, adds one, removes two, one with the folders it was in). Git and
Copier run with no user configuration (``HOME``, ``GIT_CONFIG_GLOBAL``, Copier's settings
file all point into ``tmp_path``), so that nothing of the machine's changes a result.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import copier
import jsonschema
import pytest
import yaml

from scaffolder.resources import load_schema
from tests.conftest import build_file_tree, scaffold, snapshot

ANSWERS = "{{ _copier_answers|to_nice_yaml }}"
CONFIG_V1 = "name = {{ project }}\n" + "".join(f"line {n}\n" for n in range(1, 12))
CONFIG_V2 = CONFIG_V1.replace("line 11\n", "line 11, changed in v2\n")
COPIER_YML: dict[str, Any] = {
    "project": {"type": "str", "default": "demo"},
    "_scaffold": {"checks": ["py_compile"]},
}
V1: dict[str, str | bytes] = {
    "{{_copier_conf.answers_file}}.jinja": ANSWERS,
    "config.txt.jinja": CONFIG_V1,
    "old.txt": "removed in v2\n",
    "docs/legacy/guide.md": "# removed in v2, with its folders\n",
    "app/main.py.jinja": "NAME = '{{ project }}'\n",
}
USER_EDIT = ("line 1\n", "line 1, edited by the user\n")  # far from what v2 changes
CONFLICTING_EDIT = ("line 11\n", "line 11, edited by the user\n")  # where v2 changes


@pytest.fixture(autouse=True)
def no_user_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No configuration of the user's, and every temporary folder (staging copies, Copier's
    own, template checkouts) below ``tmp_path``: in this process and in `scaffold`'s."""
    home, temporary = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temporary.mkdir()
    settings = tmp_path / "copier-settings.yml"
    settings.write_text("{}\n")
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    for name, value in {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "COPIER_SETTINGS_PATH": str(settings),
        "TMPDIR": str(temporary),
    }.items():
        monkeypatch.setenv(name, value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def make_template(
    root: Path,
    v2_extra: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """A Copier template in a git repository: tag v1, then tag v2 (config.txt changed,
    new.txt added, old.txt and docs/legacy/guide.md removed). ``extra`` goes into the
    copier.yml of both, ``v2_extra`` into v2's."""
    config = {**COPIER_YML, **(extra or {})}
    build_file_tree(root, {"copier.yml": yaml.safe_dump(config), **V1})
    git(root, "init", "--quiet")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "v1")
    git(root, "tag", "v1")
    build_file_tree(
        root,
        {
            "copier.yml": yaml.safe_dump({**config, **(v2_extra or {})}),
            "config.txt.jinja": CONFIG_V2,
            "new.txt": "added in v2\n",
        },
    )
    git(root, "rm", "--quiet", "old.txt", "docs/legacy/guide.md")
    git(root, "add", "--all")
    git(root, "commit", "--quiet", "-m", "v2")
    git(root, "tag", "v2")
    return root


def edit(path: Path, change: tuple[str, str]) -> None:
    text = path.read_text()
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1))


def tree(root: Path) -> dict[str, tuple[bytes, int] | None]:
    """Every file (bytes, mode) and folder (None) below ``root``, but .git/ and .scaffold/."""
    found: dict[str, tuple[bytes, int] | None] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in (".git", ".scaffold"):
            continue
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            found[relative.as_posix()] = None
        else:
            found[relative.as_posix()] = (path.read_bytes(), stat.S_IMODE(info.st_mode))
    return found


def copier_update(project: Path, **options: Any) -> None:
    """What `copier update --defaults` makes of ``project`` (made a git repository first),
    run from the folder the template's relative `_src_path` is relative to."""
    git(project, "init", "--quiet")
    git(project, "add", "--all")
    git(project, "commit", "--quiet", "-m", "before the update")
    copier.run_update(str(project), defaults=True, overwrite=True, quiet=True, **options)


def report_of(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    jsonschema.validate(data, load_schema("report"))
    return data


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["status"] for f in report["files"]}


def new_project(tmp_path: Path, out: str, *options: str) -> Path:
    made = scaffold(
        tmp_path, "new", "./tpl", "--vcs-ref", "v1", "--out", out, "--defaults", *options
    )
    assert made.returncode == 0, made.stdout + made.stderr
    return tmp_path / out


def test_update_shows_the_diff_then_does_what_copier_update_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_template(tmp_path / "tpl")
    project = new_project(tmp_path, "proj")
    assert "line 11\n" in (project / "config.txt").read_text()
    edit(project / "config.txt", USER_EDIT)
    reference = tmp_path / "reference"
    shutil.copytree(project, reference, symlinks=True)
    before = snapshot(tmp_path / "proj")

    dry = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "-line 11\n+line 11, changed in v2" in dry.stdout
    assert "--- a/old.txt\n+++ /dev/null" in dry.stdout
    assert "+added in v2" in dry.stdout
    assert "dry run: 1 to create, 2 to overwrite, 2 to delete; nothing was written" in dry.stdout
    assert "proj: Copier's update of tpl, from v1 to v2" in dry.stdout
    assert snapshot(tmp_path / "proj") == before

    planned = report_of(
        scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--dry-run", "--json")
    )
    assert planned["dry_run"] and planned["counts"]["delete"] == 2
    assert snapshot(tmp_path / "proj") == before

    done = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = report_of(done)
    assert report["outcome"] == "succeeded" and not report["dry_run"]
    assert statuses(report) == {
        ".copier-answers.yml": "overwrite",
        "config.txt": "overwrite",
        "new.txt": "create",
        "old.txt": "delete",
        "docs/legacy/guide.md": "delete",
    }
    assert [(c["check"], c["status"]) for c in report["checks"]] == [("py_compile", "passed")]
    assert report["checks"][0]["files"] == ["app/main.py"]

    text = (project / "config.txt").read_text()
    assert "line 1, edited by the user\n" in text and "line 11, changed in v2\n" in text
    assert not (project / "old.txt").exists() and not (project / "docs").exists()
    assert not (project / ".scaffold" / "journal").exists()
    monkeypatch.chdir(tmp_path)
    copier_update(reference, vcs_ref="v2")
    assert tree(project) == tree(reference)

    again = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already at v2" in again.stdout and "done: nothing to do" in again.stdout


def test_the_default_version_is_the_latest_tag_and_the_default_folder_this_one(
    tmp_path: Path,
) -> None:
    make_template(tmp_path / "tpl")
    made = scaffold(
        tmp_path, "new", str(tmp_path / "tpl"), "--vcs-ref", "v1", "--out", "proj", "--defaults"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    done = scaffold(tmp_path / "proj", "update")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "from v1 to v2" in done.stdout and "1 created, 2 overwritten, 2 deleted" in done.stdout
    assert (tmp_path / "proj/new.txt").read_text() == "added in v2\n"


def test_a_conflict_fails_with_nothing_written_unless_on_conflict_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_template(tmp_path / "tpl")
    project = new_project(tmp_path, "proj")
    edit(project / "config.txt", CONFLICTING_EDIT)
    for name in ("overwrite", "rej", "skip", "copier-inline", "copier-rej"):
        shutil.copytree(project, tmp_path / name, symlinks=True)
    before = snapshot(project)

    failed = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr
    assert "conflict  config.txt" in failed.stdout
    assert "could not be merged (config.txt). Nothing was written." in failed.stdout
    assert snapshot(project) == before
    report = report_of(scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--json"))
    assert report["outcome"] == "conflicted" and statuses(report)["config.txt"] == "conflict"
    assert snapshot(project) == before

    monkeypatch.chdir(tmp_path)
    copier_update(tmp_path / "copier-inline", vcs_ref="v2")
    overwrite = scaffold(
        tmp_path, "update", "overwrite", "--vcs-ref", "v2", "--on-conflict", "overwrite"
    )
    assert overwrite.returncode == 0, overwrite.stdout + overwrite.stderr
    merged = (tmp_path / "overwrite/config.txt").read_text()
    assert "<<<<<<< before updating\nline 11, edited by the user\n=======\n" in merged
    assert tree(tmp_path / "overwrite") == tree(tmp_path / "copier-inline")

    copier_update(tmp_path / "copier-rej", vcs_ref="v2", conflict="rej")
    rej = scaffold(
        tmp_path,
        "update",
        "rej",
        "--vcs-ref",
        "v2",
        "--conflict",
        "rej",
        "--on-conflict",
        "overwrite",
        "--json",
    )
    assert rej.returncode == 0, rej.stdout + rej.stderr
    assert statuses(report_of(rej))["config.txt.rej"] == "create"
    assert "+line 11, edited by the user" in (tmp_path / "rej/config.txt.rej").read_text()
    assert tree(tmp_path / "rej") == tree(tmp_path / "copier-rej")

    skip = scaffold(
        tmp_path, "update", "skip", "--vcs-ref", "v2", "--on-conflict", "skip", "--json"
    )
    assert skip.returncode == 0, skip.stdout + skip.stderr
    assert statuses(report_of(skip))["config.txt"] == "skip"
    assert (tmp_path / "skip/config.txt").read_bytes() == (project / "config.txt").read_bytes()
    assert (tmp_path / "skip/new.txt").is_file() and not (tmp_path / "skip/old.txt").exists()


def test_many_destinations_are_one_transaction(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl")
    first = new_project(tmp_path, "services/a", "--set", "project=a")
    second = new_project(tmp_path, "services/b", "--set", "project=b")
    edit(first / "config.txt", USER_EDIT)
    (second / "app/main.py").write_text("NAME = (\n")  # the user broke it: py_compile fails
    before = snapshot(tmp_path / "services")

    failed = scaffold(tmp_path, "update", "services/a", "services/b", "--vcs-ref", "v2", "--json")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    report = report_of(failed)
    assert report["outcome"] == "checks_failed" and report["rolled_back"]
    assert report["destination"] == "services"
    assert {"a/new.txt", "b/new.txt", "a/old.txt", "b/old.txt"} <= set(statuses(report))
    assert report["checks"][1]["status"] == "failed"
    assert report["checks"][1]["files"] == ["b/app/main.py"]
    assert snapshot(tmp_path / "services") == before  # both rolled back; no journal, no lock

    (second / "app/main.py").write_text("NAME = 'b'\n")
    done = scaffold(tmp_path, "update", "services/a", "services/b", "--vcs-ref", "v2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "services/a: Copier's update of tpl, from v1 to v2" in done.stdout
    assert "2 created, 4 overwritten, 4 deleted" in done.stdout
    for project in (first, second):
        assert (project / "new.txt").is_file() and not (project / "old.txt").exists()
    assert "line 1, edited by the user" in (first / "config.txt").read_text()
    assert not (tmp_path / "services/.scaffold/journal").exists()
    for project, name in ((first, "a"), (second, "b")):  # each project's own record
        (phase,) = json.loads((project / ".scaffold/last-run.json").read_text())["phases"]
        assert phase["items"][0]["values"]["project"] == name
        assert "new.txt" in phase["items"][0]["files"]


def test_an_update_is_recorded_so_that_scaffold_check_checks_the_updated_project(
    tmp_path: Path,
) -> None:
    make_template(tmp_path / "tpl", v2_extra={"_scaffold": {"checks": ["py_compile", "yaml"]}})
    project = new_project(tmp_path, "proj", "--set", "project=app")
    record = project / ".scaffold/last-run.json"
    checked = report_of(scaffold(tmp_path, "check", "--out", "proj", "--json"))
    assert [c["check"] for c in checked["checks"]] == ["py_compile"]  # v1's checks
    before = record.read_bytes()
    dry = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--dry-run")
    assert dry.returncode == 0 and record.read_bytes() == before, dry.stdout + dry.stderr

    done = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2")
    assert done.returncode == 0, done.stdout + done.stderr
    (phase,) = json.loads(record.read_text())["phases"]
    assert phase["vcs"]["commit"] == git(tmp_path / "tpl", "rev-parse", "v2^{commit}").strip()
    assert phase["vcs"]["describe"] == "v2" and phase["origin"] == "path"
    (item,) = phase["items"]
    assert item["values"] == {"project": "app"}
    assert "new.txt" in item["files"] and "app/main.py" in item["files"]
    assert "old.txt" not in item["files"]

    checked = report_of(scaffold(tmp_path, "check", "--out", "proj", "--json"))
    assert [(c["check"], c["status"]) for c in checked["checks"]] == [
        ("py_compile", "passed"),
        ("yaml", "passed"),  # v2's checks, on the project as the update left it
    ]
    assert checked["checks"][1]["files"] == [".copier-answers.yml"]
    (project / "app/main.py").write_text("NAME = (\n")
    broken = report_of(scaffold(tmp_path, "check", "--out", "proj", "--json"))
    assert broken["outcome"] == "checks_failed"
    (project / "app/main.py").write_text("NAME = 'app'\n")

    updated = record.read_bytes()
    again = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2")
    assert again.returncode == 0 and "done: nothing to do" in again.stdout, again.stdout
    assert record.read_bytes() == updated


def test_what_cannot_be_updated_is_a_clear_error(tmp_path: Path, make_blueprint: Any) -> None:
    make_template(tmp_path / "tpl")
    new_project(tmp_path, "made")
    (tmp_path / "plain").mkdir()
    native = make_blueprint({"{{ name }}.txt.jinja": "hi {{ name }}\n"}, name="native")
    made = scaffold(
        tmp_path, "new", str(native.root), "--set", "name=x", "--out", "nat", "--no-check"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    before = snapshot(tmp_path)

    plain = scaffold(tmp_path, "update", "plain", "made", "--vcs-ref", "v2")
    assert plain.returncode == 1 and "Traceback" not in plain.stderr, plain.stderr
    assert "plain: no Copier answers file (.copier-answers.yml)" in plain.stderr
    assert "nothing was done" in plain.stderr

    # a native blueprint's project is updatable (tests/test_native_update.py): unchanged here
    nat = scaffold(tmp_path, "update", "nat")
    assert nat.returncode == 0 and "identical  x.txt" in nat.stdout, nat.stdout + nat.stderr

    for args, message in [
        (("missing",), "missing: no such folder"),
        (("made", "made/app"), "made/app: inside made"),
        (("made", "--vcs-ref", "v9"), "Unknown revision"),
        (("made", "--conflict", "both"), "--conflict"),
    ]:
        result = scaffold(tmp_path, "update", *args)
        assert result.returncode in (1, 2) and "Traceback" not in result.stderr, result.stderr
        assert message in result.stderr, result.stderr
    assert snapshot(tmp_path) == before


def test_migrations_and_tasks_run_only_with_trust_in_staging(tmp_path: Path) -> None:
    make_template(
        tmp_path / "tpl",
        v2_extra={
            "_migrations": [{"version": "v2", "command": "touch migrated.txt"}],
            "_tasks": ["touch task.txt"],
        },
    )
    project = new_project(tmp_path, "proj")
    shutil.copytree(project, tmp_path / "trusted", symlinks=True)

    untrusted = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--json")
    assert untrusted.returncode == 0, untrusted.stdout + untrusted.stderr
    notes = report_of(untrusted)["notes"]
    assert "proj: not run without --trust: migration: touch migrated.txt" in notes
    assert "proj: not run without --trust: task: touch task.txt" in notes
    assert not (project / "migrated.txt").exists() and not (project / "task.txt").exists()

    trusted = scaffold(tmp_path, "update", "trusted", "--vcs-ref", "v2", "--trust", "--json")
    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    report = report_of(trusted)
    assert statuses(report)["migrated.txt"] == "create" and statuses(report)["task.txt"] == "create"
    assert not any("not run" in note for note in report["notes"])
    assert (tmp_path / "trusted/migrated.txt").is_file()


def test_a_template_s_own_answers_file_is_found(tmp_path: Path) -> None:
    make_template(tmp_path / "tpl", extra={"_answers_file": ".my-answers.yml"})
    project = new_project(tmp_path, "proj")
    assert (project / ".my-answers.yml").is_file() and not (
        project / ".copier-answers.yml"
    ).exists()
    done = scaffold(tmp_path, "update", "proj", "--vcs-ref", "v2", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert statuses(report_of(done))[".my-answers.yml"] == "overwrite"
    assert "_commit: v2" in (project / ".my-answers.yml").read_text()
