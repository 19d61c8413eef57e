from pathlib import Path

import pytest

from scaffolder.errors import UsageError, ValidationError
from scaffolder.values import coerce, parse_assignments, questions, read_data_file
from scaffolder.variables import check_item, validate_item, with_defaults
from scaffolder.yamlsource import parse_yaml

VARIABLES = {
    "type": "object",
    "required": ["resource", "count"],
    "properties": {
        "resource": {"type": "string", "pattern": "^[a-z]+$", "description": "plural name"},
        "count": {"type": "integer", "minimum": 1},
        "ratio": {"type": "number"},
        "enabled": {"type": "boolean", "default": False},
        "fields": {"type": "array", "default": [{"name": "name"}]},
        "options": {"type": "object"},
        "db": {"enum": ["sqlite", "postgres"], "default": "sqlite", "description": "database"},
        "note": {"type": ["string", "null"]},
    },
}


@pytest.fixture
def blueprint(make_blueprint):
    return make_blueprint({"x.txt": "x"}, variables=VARIABLES)


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("count", "3", 3),
        ("count", "three", "three"),  # left as text so validation reports the type rule
        ("ratio", "1.5", 1.5),
        ("ratio", "2", 2),
        ("enabled", "true", True),
        ("enabled", "no", False),
        ("fields", '[{"name": "email"}]', [{"name": "email"}]),
        ("options", '{"a": 1}', {"a": 1}),
        ("resource", "007", "007"),
        ("note", "null", None),
        ("unknown", "42", "42"),
    ],
)
def test_set_values_are_typed_by_the_schema(
    blueprint, name: str, raw: str, expected: object
) -> None:
    assert coerce(blueprint.properties.get(name, {}), raw) == expected
    assert type(coerce(blueprint.properties.get(name, {}), raw)) is type(expected)


def test_parse_assignments(blueprint) -> None:
    assert parse_assignments(blueprint, ["resource=users", "count=3", "note=a=b"]) == {
        "resource": "users",
        "count": 3,
        "note": "a=b",
    }


@pytest.mark.parametrize("bad", ["resource", "=users"])
def test_assignment_without_name_or_equals_is_a_usage_error(blueprint, bad: str) -> None:
    with pytest.raises(UsageError, match="expected NAME=VALUE"):
        parse_assignments(blueprint, [bad])


def test_defaults_fill_what_is_missing_and_are_copies(blueprint) -> None:
    first = with_defaults(blueprint, {"resource": "users"})
    assert first["enabled"] is False
    assert first["db"] == "sqlite"
    first["fields"].append("mutated")
    assert with_defaults(blueprint, {})["fields"] == [{"name": "name"}]
    assert with_defaults(blueprint, {"db": "postgres"})["db"] == "postgres"


def test_nested_defaults_are_applied(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"x.txt": "x"},
        variables={
            "type": "object",
            "properties": {
                "fields": {
                    "type": "array",
                    "default": [{"name": "name"}],
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "required": {"type": "boolean", "default": True},
                        },
                    },
                }
            },
        },
    )
    given = {"fields": [{"name": "a"}, {"name": "b", "required": False}]}
    item = validate_item(blueprint, given)
    assert item.values["fields"] == [
        {"name": "a", "required": True},
        {"name": "b", "required": False},
    ]
    assert given == {"fields": [{"name": "a"}, {"name": "b", "required": False}]}  # not mutated
    assert validate_item(blueprint, {}).values["fields"] == [{"name": "name", "required": True}]


def test_valid_item(blueprint) -> None:
    item = validate_item(blueprint, {"resource": "users", "count": 2})
    assert item.values["db"] == "sqlite"
    assert item.name == "users"
    assert item.index == 1


def test_every_problem_is_reported_at_once(blueprint) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_item(blueprint, {"resource": "Bad-Name", "ratio": "x", "db": "mysql"})
    problems = {(p.field, p.rule) for p in caught.value.problems}
    assert problems == {
        ("resource", "pattern"),
        ("count", "required"),
        ("ratio", "type"),
        ("db", "enum"),
    }
    message = caught.value.message
    assert "resource: 'Bad-Name' does not match '^[a-z]+$' (plural name) [pattern]" in message
    assert "count: is required" in message
    assert "--set NAME=VALUE" in message


def test_problems_carry_the_line_of_the_source(blueprint) -> None:
    document = parse_yaml("items:\n  - resource: users\n    count: zero\n", "items.yaml")
    item, problems = check_item(
        blueprint, document.data["items"][0], 1, document=document, location=("items", 0)
    )
    assert item is None
    assert [(p.field, p.line, p.source) for p in problems] == [("count", 3, "items.yaml")]
    assert problems[0].describe().startswith("items.yaml:3: item 1 (users): count:")


def test_an_item_must_be_a_mapping(blueprint) -> None:
    item, problems = check_item(blueprint, ["resource"])  # type: ignore[arg-type]
    assert item is None
    assert problems[0].rule == "type"


def test_questions_cover_what_was_not_given(blueprint) -> None:
    asked = {q.name: q for q in questions(blueprint, {"resource": "users"})}
    assert "resource" not in asked
    assert asked["count"].required and asked["count"].kind == "integer"
    assert asked["db"].choices == ("sqlite", "postgres")
    assert asked["db"].prompt == "database"
    assert asked["db"].has_default and asked["db"].default == "sqlite"
    assert asked["enabled"].kind == "boolean"
    assert asked["fields"].kind == "json"
    assert asked["count"].parse("4") == 4
    assert asked["count"].problem(0) is not None
    assert asked["count"].problem(4) is None


def test_data_file(tmp_path: Path) -> None:
    (tmp_path / "v.yaml").write_text("resource: users\ncount: 3\n")
    assert read_data_file(tmp_path / "v.yaml") == {"resource": "users", "count": 3}
    (tmp_path / "v.json").write_text('{"resource": "users"}')
    assert read_data_file(tmp_path / "v.json") == {"resource": "users"}
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(Exception, match="holds one mapping"):
        read_data_file(tmp_path / "list.yaml")


def test_a_pattern_ending_in_dollar_rejects_a_trailing_newline(blueprint) -> None:
    # JSON Schema patterns are ECMA-262: `$` is the end of the text, not "before a last \n"
    with pytest.raises(ValidationError, match=r"'users\\n' does not match '\^\[a-z\]\+\$'"):
        validate_item(blueprint, {"resource": "users\n", "count": 1})
    assert validate_item(blueprint, {"resource": "users", "count": 1}).values["resource"] == "users"


def test_the_validator_is_built_once_per_blueprint(
    blueprint, make_blueprint, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scaffolder import variables

    built: list[object] = []
    original = variables.DefaultingValidator

    def counting(schema, **options):
        built.append(schema)
        return original(schema, **options)

    monkeypatch.setattr(variables, "DefaultingValidator", counting)
    monkeypatch.setattr(variables, "_VALIDATORS", {})
    problems = []
    for n in range(1, 51):
        values = {"resource": "users" if n % 2 else "Users", "count": n}
        item, found = check_item(blueprint, values, n)
        assert (item is None) == bool(found)
        problems += found
    assert len(built) == 1
    assert [p.item for p in problems] == list(range(2, 51, 2))  # every error still found
    assert {p.field for p in problems} == {"resource"}
    other = make_blueprint({"y.txt": "y"}, name="other")
    check_item(other, {"name": "x"})
    check_item(blueprint, {"resource": "users", "count": 1})
    assert len(built) == 2  # its own schema, once
