"""The ``sqlite`` check applies the migrations already in the destination's migration folder
first, in order, then the run's own: a follow-up migration rendered alone is checked against
the schema it really meets. With the built-in ``sql-migration`` blueprint and the real
``scaffold`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import scaffolder
from scaffolder.checks import CheckStatus
from scaffolder.report import Outcome
from tests.conftest import MakeBlueprint, scaffold, snapshot

EXAMPLES = Path(__file__).parent.parent / "examples"
CREATE_USERS = [
    {
        "create_table": {
            "table": "users",
            "columns": [
                {"name": "id", "type": "INTEGER", "primary_key": True},
                {"name": "email", "type": "TEXT", "nullable": False},
            ],
        }
    }
]
ADD_TO_USERS = [
    {"add_column": {"table": "users", "column": {"name": "display_name", "type": "TEXT"}}},
    {"add_index": {"table": "users", "columns": ["email"], "unique": True}},
]


def migration(cwd: Path, out: str, number: int, name: str, operations: Any) -> dict[str, Any]:
    """``scaffold new sql-migration`` (a separate run), its --json report."""
    result = scaffold(
        cwd, "new", "sql-migration", "--set", f"number={number}", "--set", f"name={name}",
        "--set", f"operations={json.dumps(operations)}", "--out", out, "--json",
    )  # fmt: skip
    report = json.loads(result.stdout)
    assert result.returncode == (0 if report["outcome"] == "succeeded" else 1), result.stderr
    return dict(report)


def sqlite_check(report: dict[str, Any]) -> dict[str, Any]:
    (check,) = [c for c in report["checks"] if c["kind"] == "sqlite"]
    return dict(check)


def test_a_follow_up_migration_rendered_alone_meets_the_earlier_ones(tmp_path: Path) -> None:
    first = migration(tmp_path, "db", 1, "create_users", CREATE_USERS)
    assert first["outcome"] == "succeeded"
    assert (
        sqlite_check(first)["output"] == "no migration was in the destination before the run's own"
    )

    # run 2, later and alone: ALTER TABLE users / CREATE INDEX ON users need 0001's table
    second = migration(tmp_path, "db", 2, "extend_users", ADD_TO_USERS)
    check = sqlite_check(second)
    assert second["outcome"] == "succeeded", check
    assert check["files"] == [
        "migrations/0002_extend_users.down.sql",
        "migrations/0002_extend_users.up.sql",
    ]  # the run's own: the earlier migration is applied, not checked as the run's
    assert check["output"] == (
        "applied first, as already in the destination:\n  migrations/0001_create_users.up.sql"
    )
    assert sorted(p.name for p in (tmp_path / "db/migrations").iterdir()) == [
        "0001_create_users.down.sql",
        "0001_create_users.up.sql",
        "0002_extend_users.down.sql",
        "0002_extend_users.up.sql",
    ]

    # the same migration where no earlier one is: it fails, so the pass above is 0001's doing
    alone = migration(tmp_path, "empty", 2, "extend_users", ADD_TO_USERS)
    (problem,) = sqlite_check(alone)["problems"]
    assert alone["outcome"] == "checks_failed" and alone["rolled_back"]
    assert problem == {
        "file": "migrations/0002_extend_users.up.sql",
        "line": None,
        "message": "SQLite: no such table: users",
    }


def test_a_follow_up_on_a_missing_table_fails_naming_its_file(tmp_path: Path) -> None:
    migration(tmp_path, "db", 1, "create_users", CREATE_USERS)
    migration(tmp_path, "db", 2, "extend_users", ADD_TO_USERS)
    before = snapshot(tmp_path / "db")
    posts = [{"add_column": {"table": "posts", "column": {"name": "slug", "type": "TEXT"}}}]
    report = migration(tmp_path, "db", 3, "add_posts_slug", posts)
    assert report["outcome"] == "checks_failed" and report["rolled_back"]
    (problem,) = sqlite_check(report)["problems"]
    assert problem["file"] == "migrations/0003_add_posts_slug.up.sql"
    assert problem["message"] == (
        "SQLite: no such table: posts (applied after the 2 migrations already in migrations/)"
    )
    assert snapshot(tmp_path / "db") == before  # nothing of the run is left

    # the text report says the same
    result = scaffold(
        tmp_path, "new", "sql-migration", "--set", "number=3", "--set", "name=add_posts_slug",
        "--set", f"operations={json.dumps(posts)}", "--out", "db",
    )  # fmt: skip
    assert result.returncode == 1
    assert (
        "migrations/0003_add_posts_slug.up.sql: SQLite: no such table: posts (applied after "
        "the 2 migrations already in migrations/)"
    ) in result.stdout
    assert snapshot(tmp_path / "db") == before


def test_the_new_down_must_leave_the_schema_as_the_earlier_migrations_left_it(
    tmp_path: Path,
) -> None:
    migration(tmp_path, "db", 1, "create_users", CREATE_USERS)
    assert migration(tmp_path, "db", 2, "extend_users", ADD_TO_USERS)["outcome"] == "succeeded"
    down = tmp_path / "db/migrations/0002_extend_users.down.sql"
    right = down.read_text()

    # `scaffold check` re-checks the last run (0002) on what is there now: a down that also
    # drops the earlier migration's table takes away more than its up added
    down.write_text(right + "DROP TABLE users;\n")
    result = scaffold(tmp_path, "check", "--out", "db", "--json")
    assert result.returncode == 1, result.stdout
    (problem,) = sqlite_check(json.loads(result.stdout))["problems"]
    assert problem["file"] == "migrations/0002_extend_users.down.sql"
    assert problem["message"] == (
        "does not undo migrations/0002_extend_users.up.sql: missing: table users"
    )

    # a down that keeps the added column leaves users changed
    down.write_text("DROP INDEX uq_users_email;\n")
    (problem,) = sqlite_check(json.loads(scaffold(tmp_path, "check", "--out", "db", "--json").stdout))["problems"]  # fmt: skip
    assert problem["message"] == (
        "does not undo migrations/0002_extend_users.up.sql: changed: table users"
    )

    down.write_text(right)
    result = scaffold(tmp_path, "check", "--out", "db", "--json")
    assert result.returncode == 0, result.stdout


def test_migrations_001_to_003_in_one_run_then_004_alone(tmp_path: Path) -> None:
    items = tmp_path / "blog.yaml"
    shutil.copyfile(EXAMPLES / "sql-migration.yaml", items)
    batch = scaffold(tmp_path, "batch", items, "--out", "blog", "--json")
    assert batch.returncode == 0, batch.stdout
    slug = [
        {"add_column": {"table": "posts", "column": {"name": "slug", "type": "TEXT"}}},
        {"add_index": {"table": "posts", "columns": ["slug"], "unique": True}},
    ]
    report = migration(tmp_path, "blog", 4, "add_posts_slug", slug)
    check = sqlite_check(report)
    assert report["outcome"] == "succeeded", check
    assert check["output"].splitlines()[1:] == [
        "  migrations/0001_create_users.up.sql",
        "  migrations/0002_create_posts.up.sql",
        "  migrations/0003_index_posts_by_author.up.sql",
    ]


def test_a_broken_earlier_migration_is_named_as_such(tmp_path: Path) -> None:
    migration(tmp_path, "db", 1, "create_users", CREATE_USERS)
    (tmp_path / "db/migrations/0001_create_users.up.sql").write_text("CREATE TABLE users (;\n")
    report = migration(tmp_path, "db", 2, "extend_users", ADD_TO_USERS)
    (problem,) = sqlite_check(report)["problems"]
    assert problem["file"] == "migrations/0001_create_users.up.sql"
    assert problem["message"].startswith("SQLite: ")
    assert problem["message"].endswith(
        "(a migration already in the destination, applied before the run's own)"
    )


def test_only_the_folder_the_run_writes_to_and_only_its_up_migrations(
    tmp_path: Path, make_blueprint: MakeBlueprint
) -> None:
    # a migration elsewhere, a down and a link in the folder: none of them is applied
    blueprint = make_blueprint(
        {
            "db/{{ name }}.up.sql.jinja": "ALTER TABLE base ADD COLUMN {{ name }} TEXT;\n",
            "db/{{ name }}.down.sql.jinja": "ALTER TABLE base DROP COLUMN {{ name }};\n",
        },
        checks=[{"sqlite": {"up": "db/*.up.sql", "down": "db/*.down.sql"}}],
    )
    out = tmp_path / "out"
    (out / "db").mkdir(parents=True)
    (out / "db/000_base.up.sql").write_text("CREATE TABLE base (id INTEGER);\n")
    (out / "db/000_base.down.sql").write_text("this is not SQL;\n")
    (out / "other").mkdir()
    (out / "other/000_base.up.sql").write_text("this is not SQL either;\n")
    outside = tmp_path / "outside.up.sql"
    outside.write_text("not SQL: applied, it would fail the check;\n")
    (out / "db/001_link.up.sql").symlink_to(outside)

    report = scaffolder.new(blueprint, {"name": "extra"}, out=out)
    (check,) = report.checks
    assert report.outcome is Outcome.SUCCEEDED, check.problems
    assert check.status is CheckStatus.PASSED
    assert check.output == "applied first, as already in the destination:\n  db/000_base.up.sql"

    # and without the folder's base table, the same migration has nothing to alter
    report = scaffolder.new(blueprint, {"name": "extra"}, out=tmp_path / "fresh")
    (check,) = report.checks
    assert check.status is CheckStatus.FAILED
    assert check.problems[0].message == "SQLite: no such table: base"
