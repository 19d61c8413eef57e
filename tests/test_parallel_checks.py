"""Checks use the cores: the checks of a phase run at once, phases in order, and a pytest
check that runs many test files splits them across processes (``SCAFFOLD_CHECK_JOBS``, else
the CPUs scaffold may use), with the same verdict, failing tests and counts as one process.

Real pytest processes throughout; the generated tests write their process id (and times)
into a folder of ``tmp_path`` named by an environment variable, so that a test sees how many
pytest processes really ran them. Every blueprint and destination is in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import scaffolder
from scaffolder.blueprint import Blueprint
from scaffolder.checks import CheckResult, CheckStatus
from scaffolder.checks.model import PytestCounts
from scaffolder.report import Outcome, Report
from tests.conftest import SCAFFOLD, MakeBlueprint, build_file_tree, snapshot
from tests.test_check_signals import alive, gone

ITEMS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]

# one test file per item; item echo's second test fails
TEST_FILE = """\
import os


def record():
    open(os.path.join(os.environ["PARALLEL_PIDS"], str(os.getpid())), "w").close()


def test_{{ name }}_one():
    record()


def test_{{ name }}_two():
    record()
    assert {{ name | tojson }} != "echo"
"""

VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
}


@pytest.fixture
def pids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the generated tests write their pytest process's id into."""
    folder = tmp_path / "pids"
    folder.mkdir()
    monkeypatch.setenv("PARALLEL_PIDS", str(folder))
    return folder


def eight_test_files(make_blueprint: MakeBlueprint, **pytest_options: Any) -> Blueprint:
    return make_blueprint(
        {"tests/test_{{ name }}.py.jinja": TEST_FILE, "app/{{ name }}.py.jinja": "X = 1\n"},
        variables=VARIABLES,
        checks=["py_compile", {"pytest": {"run": True, "min_tests": 2, **pytest_options}}],
    )


def items_file(tmp_path: Path, blueprint: Blueprint, names: list[str] = ITEMS) -> Path:
    """An items file of ``blueprint``, an item per name."""
    path = tmp_path / "items.yaml"
    items = [{"name": name} for name in names]
    path.write_text(yaml.safe_dump({"blueprint": str(blueprint.root), "items": items}))
    return path


def run_batch(tmp_path: Path, blueprint: Blueprint, out: str) -> Report:
    return scaffolder.run(items_file(tmp_path, blueprint), out=tmp_path / out, trust=True)


def pytest_check(report: Report) -> CheckResult:
    (found,) = [check for check in report.checks if check.kind == "pytest"]
    return found


def ran_in(pids: Path) -> set[str]:
    """The pytest processes that ran the tests since the last call (and forget them)."""
    found = {path.name for path in pids.iterdir()}
    for path in pids.iterdir():
        path.unlink()
    return found


def test_a_split_run_finds_what_one_process_finds(
    tmp_path: Path, make_blueprint: MakeBlueprint, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blueprint = eight_test_files(make_blueprint)
    monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", "1")
    serial = pytest_check(run_batch(tmp_path, blueprint, "serial"))
    serial_pids = ran_in(pids)
    monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", "4")
    report = run_batch(tmp_path, blueprint, "split")
    split = pytest_check(report)
    split_pids = ran_in(pids)

    # really one process, then really two (four jobs, but a process has four files at least)
    assert (serial.processes, len(serial_pids)) == (1, 1)
    assert (split.processes, len(split_pids)) == (2, 2)
    assert split.output.count("[pytest ") == 2
    assert "[pytest 1 of 2: 4 files, tests/test_alpha.py to tests/test_delta.py]" in split.output
    assert "[pytest 2 of 2: 4 files, tests/test_echo.py to tests/test_hotel.py]" in split.output

    # the same verdict, the same failing test, the same counts
    assert report.outcome is Outcome.CHECKS_FAILED and report.rolled_back
    assert serial.status is split.status is CheckStatus.FAILED
    assert serial.problems == split.problems
    (problem,) = split.problems
    assert problem.file == "tests/test_echo.py"
    assert problem.message.startswith("failed::test_echo_two: AssertionError: assert 'echo'")
    expected = PytestCounts(collected=16, passed=15, failed=1)
    assert serial.tests == split.tests == expected
    assert (expected.ran, serial.files) == (16, split.files)
    for output in (serial.output, split.output):
        assert "FAILED tests/test_echo.py::test_echo_two" in output
        assert output.count("PASSED tests/") == 15


def test_a_split_run_counts_the_tests_of_each_item(
    tmp_path: Path, make_blueprint: MakeBlueprint, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # min_tests: 3, and every item has 2: each item's count is named, split or not
    blueprint = eight_test_files(make_blueprint, min_tests=3)
    found = {}
    for jobs in ("1", "2"):
        monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", jobs)
        check = pytest_check(run_batch(tmp_path, blueprint, f"out{jobs}"))
        found[jobs] = ([p.describe() for p in check.problems], check.tests, check.processes)
    (serial, counts, one), (split, same_counts, two) = found["1"], found["2"]
    assert (one, two) == (1, 2)
    assert serial == split
    assert counts == same_counts == PytestCounts(collected=16, passed=15, failed=1)
    assert len(split) == 1 + 8
    assert "tests/test_golf.py: item 7 (golf): 2 tests collected, at least 3 expected" in split


def test_collecting_only_stays_in_one_process(
    tmp_path: Path, make_blueprint: MakeBlueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": "def test_{{ name }}():\n    pass\n"},
        variables=VARIABLES,
        checks=[{"pytest": {"collect_only": True, "exact": 1}}],
    )
    monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", "4")
    report = run_batch(tmp_path, blueprint, "out")
    assert report.outcome is Outcome.SUCCEEDED
    check = pytest_check(report)
    assert (check.processes, check.tests) == (1, PytestCounts(collected=8))


def scaffold_json(cwd: Path, *args: str | Path, cpus: str | None = None) -> dict[str, Any]:
    """``scaffold ARGS --json`` (on the CPUs ``cpus`` only, with ``taskset``), its report."""
    taskset = ["taskset", "-c", cpus] if cpus is not None else []
    result = subprocess.run(
        [*taskset, str(SCAFFOLD), *map(str, args), "--json"],
        cwd=cwd,
        env={**os.environ, "SCAFFOLD_PATH": ""},
        capture_output=True,
        text=True,
        timeout=180,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    data["exit_code"] = result.returncode
    return data


def test_by_default_a_check_splits_across_the_cpus_scaffold_may_use(
    tmp_path: Path, make_blueprint: MakeBlueprint, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCAFFOLD_CHECK_JOBS", raising=False)
    blueprint = eight_test_files(make_blueprint)
    items = items_file(tmp_path, blueprint)
    cpus = sorted(os.sched_getaffinity(0))
    two = ",".join(str(cpu) for cpu in cpus[:2])
    for given, expected in ((str(cpus[0]), 1), (two, min(2, len(cpus)))):
        out = tmp_path / f"out-{given}"
        data = scaffold_json(tmp_path, "batch", items, "--out", out, "--trust", cpus=given)
        assert data["exit_code"] == 1, data
        (check,) = [c for c in data["checks"] if c["kind"] == "pytest"]
        assert check["processes"] == expected, given
        assert len(ran_in(pids)) == expected
        assert check["tests"] == {
            "collected": 16,
            "passed": 15,
            "failed": 1,
            "errors": 0,
            "skipped": 0,
            "xfailed": 0,
            "xpassed": 0,
            "ran": 16,
        }
        (problem,) = check["problems"]
        assert problem["file"] == "tests/test_echo.py"
        assert problem["message"].startswith("failed::test_echo_two: AssertionError")
    # scaffold check runs them alike
    out = tmp_path / "kept"
    scaffold_json(tmp_path, "batch", items, "--out", out, "--trust", "--keep-failed")
    ran_in(pids)
    data = scaffold_json(out, "check", "--trust", cpus=two)
    (check,) = [c for c in data["checks"] if c["kind"] == "pytest"]
    assert (check["processes"], len(ran_in(pids)), check["tests"]["failed"]) == (
        min(2, len(cpus)),
        min(2, len(cpus)),
        1,
    )


@pytest.mark.parametrize("given", ["0", "two", "-1"])
def test_a_bad_number_of_jobs_stops_the_run_before_anything_is_written(
    given: str, tmp_path: Path, make_blueprint: MakeBlueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", given)
    blueprint = eight_test_files(make_blueprint)
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    data = scaffold_json(tmp_path, "batch", items_file(tmp_path, blueprint), "--out", out)
    assert data["exit_code"] == 1
    message = data["error"]["message"]
    assert f"SCAFFOLD_CHECK_JOBS={given!r}: give a whole number of processes, at least 1" in message
    assert snapshot(out) == before


# A test that records its pid, then sleeps: SIGTERM comes while every part runs.
SLEEPING_TEST = """\
import os, time


def test_{{ name }}():
    path = os.path.join(os.environ["PARALLEL_PIDS"], str(os.getpid()))
    with open(path + ".tmp", "w") as file:
        file.write(str(os.getpid()))
    os.replace(path + ".tmp", path)
    time.sleep(60)
"""


def started(pids: Path, count: int, process: subprocess.Popen[bytes]) -> list[int]:
    """The ids of the ``count`` pytest processes, once each has written its own."""
    deadline = time.monotonic() + 90
    while len(found := [p for p in pids.iterdir() if not p.name.endswith(".tmp")]) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"the {count} pytest processes never all started"
        time.sleep(0.05)
    return [int(path.name) for path in found]


def terminate(process: subprocess.Popen[bytes]) -> tuple[bytes, float]:
    """SIGTERM to ``process``: what it wrote on stderr, and the seconds it took to end."""
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=15)
    return stderr, time.monotonic() - sent


def test_sigterm_during_a_split_run_stops_every_pytest_process(
    tmp_path: Path, make_blueprint: MakeBlueprint, pids: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCAFFOLD_CHECK_JOBS", "4")
    blueprint = make_blueprint(
        {"tests/test_{{ name }}.py.jinja": SLEEPING_TEST},
        variables=VARIABLES,
        checks=[{"pytest": {"run": True}}],
    )
    out = build_file_tree(tmp_path / "out", {"README.md": "mine\n"})
    before = snapshot(out)
    sixteen = [f"{name}{suffix}" for name in ITEMS for suffix in ("a", "b")]
    command = [SCAFFOLD, "batch", items_file(tmp_path, blueprint, sixteen), "--out", out, "--trust"]
    process = subprocess.Popen(
        [str(part) for part in command],
        cwd=tmp_path,
        env={**os.environ, "SCAFFOLD_PATH": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        running = started(pids, 4, process)
        assert all(alive(pid) for pid in running)
        stderr, elapsed = terminate(process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert (process.returncode, elapsed < 5) == (130, True), (stderr.decode(), elapsed)
    assert b"Traceback" not in stderr
    assert gone(running), [pid for pid in running if alive(pid)]
    assert snapshot(out) == before


# Each module records when its check started; the import and pytest ones wait (30 s at most)
# for the other to start, then record when they end: one after the other, they would fail.
TIMED = """\
import os, time

def stamp(what):
    with open(os.path.join(os.environ["PARALLEL_PIDS"], what), "a") as file:
        file.write(repr(time.time()) + "\\n")

stamp("WHAT")
deadline = time.time() + 30
while "OTHER" and not os.path.exists(os.path.join(os.environ["PARALLEL_PIDS"], "OTHER")):
    assert time.time() < deadline, "the other check did not start: not at once"
    time.sleep(0.02)
stamp("WHAT")
"""


def timed(what: str, waits_for: str) -> str:
    return TIMED.replace("WHAT", what).replace("OTHER", waits_for)


def test_the_checks_of_a_phase_overlap_and_phases_follow_each_other(
    tmp_path: Path, make_blueprint: MakeBlueprint, pids: Path
) -> None:
    first = make_blueprint(
        {
            "first/{{ name }}.py.jinja": timed("import", waits_for="pytest"),
            "tests/test_{{ name }}.py.jinja": timed("pytest", waits_for="import")
            + "\ndef test_it():\n    pass\n",
        },
        name="first",
        variables=VARIABLES,
        checks=["py_compile", {"import": "first.{{ name }}"}, {"pytest": {"run": True}}],
    )
    second = make_blueprint(
        {"second/{{ name }}.py.jinja": timed("second", waits_for="")},
        name="second",
        variables=VARIABLES,
        checks=[{"import": "second.{{ name }}"}],
    )
    plan = tmp_path / "plan.yaml"
    phases = [
        {"name": "one", "blueprint": str(first.root), "items": [{"name": "a"}]},
        {"name": "two", "blueprint": str(second.root), "items": [{"name": "b"}]},
    ]
    plan.write_text(yaml.safe_dump({"phases": phases}))
    report = scaffolder.run(plan, out=tmp_path / "out", trust=True)
    assert report.outcome is Outcome.SUCCEEDED, [c.output for c in report.checks]
    assert [(c.phase, c.kind) for c in report.checks] == [
        ("one", "py_compile"),
        ("one", "import"),
        ("one", "pytest"),
        ("two", "import"),
    ]
    times = {
        what: [float(line) for line in (pids / what).read_text().split()]
        for what in ("import", "pytest", "second")
    }
    (import_start, import_end), (pytest_start, pytest_end) = times["import"], times["pytest"]
    assert import_start < pytest_end and pytest_start < import_end, times  # at once
    assert report.checks[1].seconds < 30 and report.checks[2].seconds < 30
    assert times["second"][0] >= max(import_end, pytest_end), times  # after phase one
