"""The destination's lock, held by this test while real `scaffold` processes try the folder:
they wait (and never touch the live run's journal), or with --no-wait stop at once."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from scaffolder.blueprint import Blueprint
from scaffolder.commit import hold
from tests.conftest import SCAFFOLD, MakeBlueprint, snapshot, without_history
from tests.test_journal_attacks import TEMPLATES, interrupted


@pytest.fixture
def blueprint(make_blueprint: MakeBlueprint) -> Blueprint:
    return make_blueprint(TEMPLATES, name="demo")


def start(tmp_path: Path, *args: str | Path) -> subprocess.Popen[str]:
    env = {**os.environ, "SCAFFOLD_PATH": ""}
    return subprocess.Popen(
        [str(SCAFFOLD), *map(str, args)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_run_waits_for_the_holder_and_leaves_its_journal_alone(
    blueprint: Blueprint, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text("# mine\n", encoding="utf-8")
    before = snapshot(repo)
    with hold(repo):  # a live run, half way through writing its files
        interrupted(blueprint, repo)
        live = snapshot(repo)
        args = ["new", blueprint.root, "--set", "name=widget", "--out", repo, "--no-check"]
        waiting = start(tmp_path, *args, "--on-conflict", "overwrite")
        time.sleep(2)  # the other run has started and is waiting now
        assert waiting.poll() is None, waiting.communicate()
        assert snapshot(repo) == live, "the waiting run touched the live run's files"

        no_wait = start(tmp_path, *args, "--no-wait")
        out, err = no_wait.communicate(timeout=60)
        assert no_wait.returncode == 1, out + err
        assert "holds its lock" in err and f"pid {os.getpid()}" in err, err
        assert "Traceback" not in err
        assert snapshot(repo) == live

        dry = start(tmp_path, *args, "--dry-run")
        out, err = dry.communicate(timeout=60)
        assert dry.returncode == 1, out + err
        assert "is writing to this folder right now" in err, err
        # the lock is released here, as if the live run had been killed mid-commit
    out, err = waiting.communicate(timeout=60)
    assert "waiting for" in err, err
    assert waiting.returncode == 0, out + err
    assert "recovered an interrupted run" in out
    files = snapshot(repo)
    assert files["README.md"] == b"# widget\n"
    assert set(without_history(files)) == set(before) | {
        ".scaffold",
        ".scaffold/last-run.json",
        "app",
        "app/api.py",
        "app/models.py",
    }
    assert not (repo / ".scaffold/lock").exists()


def test_a_failed_run_into_a_new_folder_leaves_no_folder_and_no_lock(
    blueprint: Blueprint, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(SCAFFOLD), "new", str(blueprint.root), "--set", "name=Bad", "--out", "a/b/c"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert not (tmp_path / "a").exists()


def test_a_destination_that_cannot_be_written_is_a_clear_error(
    blueprint: Blueprint, tmp_path: Path
) -> None:
    """The lock is the first thing a run writes: a folder no one may create (in /proc, so
    that it holds for root too) is an error naming it, not a traceback."""
    out = "/proc/no-such-process-folder/svc"
    result = subprocess.run(
        [str(SCAFFOLD), "new", str(blueprint.root), "--set", "name=widget", "--out", out],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "cannot be written to" in result.stderr and "Traceback" not in result.stderr
