"""Prompts for missing values: questionary driven through a prompt_toolkit pipe."""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import questionary
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import PipeInput
from prompt_toolkit.input.defaults import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output
from typer.testing import CliRunner

from scaffolder.cli import app
from scaffolder.cli.prompts import ask
from scaffolder.values import Question, questions
from tests.conftest import MakeBlueprint

cli_app = importlib.import_module("scaffolder.cli.app")  # the module, not the Typer app
cli_prompts = importlib.import_module("scaffolder.cli.prompts")

ENTER = "\r"
DOWN = "\x1b[B"
BACKSPACE = "\x7f"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def keys() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe:
        yield pipe


def ask_with(pipe: PipeInput, typed: str, asked: Sequence[Question]) -> dict[str, Any]:
    pipe.send_text(typed)
    return ask(asked, input=pipe, output=DummyOutput())


def screen_of(pipe: PipeInput, typed: str, asked: Sequence[Question]) -> tuple[dict[str, Any], str]:
    """The answers, and the text drawn on a (fake) 200-column terminal."""
    drawn = io.StringIO()
    output = Vt100_Output(drawn, lambda: Size(rows=40, columns=200), term="xterm")
    pipe.send_text(typed)
    answers = ask(asked, input=pipe, output=output)
    return answers, ANSI.sub("", drawn.getvalue())


def question(name: str, schema: dict[str, Any], *, required: bool = False) -> Question:
    types = schema.get("type", "string")
    kind = {"array": "json", "object": "json"}.get(types, types)
    return Question(
        name=name,
        prompt=str(schema.get("description", name)),
        kind=kind,
        required=required,
        default=schema.get("default"),
        has_default="default" in schema,
        choices=tuple(schema.get("enum", ())),
        schema=schema,
    )


def test_text_asks_with_the_description(keys: PipeInput) -> None:
    resource = question(
        "resource", {"type": "string", "description": "plural name, e.g. users"}, required=True
    )
    answers, screen = screen_of(keys, "users" + ENTER, [resource])
    assert answers == {"resource": "users"}
    assert "resource — plural name, e.g. users" in screen


def test_text_default_is_prefilled_and_enter_keeps_it(keys: PipeInput) -> None:
    package = question("package", {"type": "string", "default": "app", "description": "pkg"})
    answers, screen = screen_of(keys, ENTER, [package])
    assert answers == {"package": "app"}
    assert "pkg app" in screen  # the default is in the input line, ready to edit


def test_prefilled_default_can_be_edited(keys: PipeInput) -> None:
    package = question("package", {"type": "string", "default": "app"})
    assert ask_with(keys, BACKSPACE * 3 + "shop" + ENTER, [package]) == {"package": "shop"}


def test_integer_is_typed_by_the_schema(keys: PipeInput) -> None:
    count = question("count", {"type": "integer", "default": 2})
    answers = ask_with(keys, BACKSPACE + "7" + ENTER, [count])
    assert answers == {"count": 7}
    assert isinstance(answers["count"], int)


def test_json_value_is_parsed(keys: PipeInput) -> None:
    tags = question("tags", {"type": "array", "items": {"type": "string"}}, required=True)
    assert ask_with(keys, '["a", "b"]' + ENTER, [tags]) == {"tags": ["a", "b"]}


def test_enum_is_a_choice_list(keys: PipeInput) -> None:
    db = question("db", {"enum": ["sqlite", "postgres", "mysql"], "default": "sqlite"})
    answers, screen = screen_of(keys, DOWN + ENTER, [db])
    assert answers == {"db": "postgres"}
    for choice in ("sqlite", "postgres", "mysql"):
        assert choice in screen


def test_enum_of_integers_returns_the_value_not_its_label(keys: PipeInput) -> None:
    size = question("size", {"type": "integer", "enum": [1, 2, 3]})
    assert ask_with(keys, DOWN + DOWN + ENTER, [size]) == {"size": 3}


@pytest.mark.parametrize(
    ("default", "typed", "expected"),
    [(False, "y", True), (True, "n", False), (True, ENTER, True), (False, ENTER, False)],
)
def test_boolean_is_a_confirm(keys: PipeInput, default: bool, typed: str, expected: bool) -> None:
    flag = question("flag", {"type": "boolean", "default": default})
    assert ask_with(keys, typed, [flag]) == {"flag": expected}


@pytest.fixture
def verdicts(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool | str]]:
    """Every answer the text prompt's validator judged, with its verdict."""
    seen: list[tuple[str, bool | str]] = []
    real_text = questionary.text

    def text(message: str, *, validate: Callable[[str], bool | str], **kw: Any) -> Any:
        def recording(answer: str) -> bool | str:
            verdict = validate(answer)
            seen.append((answer, verdict))
            return verdict

        return real_text(message, validate=recording, **kw)

    monkeypatch.setattr(questionary, "text", text)
    return seen


def test_invalid_answer_is_asked_again(
    keys: PipeInput, verdicts: list[tuple[str, bool | str]]
) -> None:
    resource = question("resource", {"type": "string", "pattern": "^[a-z]+$"}, required=True)
    typed = "Bad" + ENTER + BACKSPACE * 3 + "good" + ENTER
    assert ask_with(keys, typed, [resource]) == {"resource": "good"}
    (bad, bad_verdict), (good, good_verdict) = verdicts
    assert bad == "Bad"
    assert isinstance(bad_verdict, str)
    assert "does not match" in bad_verdict
    assert (good, good_verdict) == ("good", True)


def test_out_of_range_integer_is_asked_again(
    keys: PipeInput, verdicts: list[tuple[str, bool | str]]
) -> None:
    count = question("count", {"type": "integer", "minimum": 1, "default": 2})
    typed = BACKSPACE + "0" + ENTER + BACKSPACE + "5" + ENTER
    assert ask_with(keys, typed, [count]) == {"count": 5}
    rejected = dict(verdicts)["0"]
    assert isinstance(rejected, str)
    assert "less than the minimum" in rejected
    assert verdicts[-1] == ("5", True)


def test_text_for_an_integer_is_asked_again(
    keys: PipeInput, verdicts: list[tuple[str, bool | str]]
) -> None:
    count = question("count", {"type": "integer"}, required=True)
    assert ask_with(keys, "many" + ENTER + BACKSPACE * 4 + "3" + ENTER, [count]) == {"count": 3}
    assert "is not of type 'integer'" in str(dict(verdicts)["many"])


def test_required_value_cannot_be_left_empty(
    keys: PipeInput, verdicts: list[tuple[str, bool | str]]
) -> None:
    name = question("name", {"type": "string"}, required=True)
    assert ask_with(keys, ENTER + "ada" + ENTER, [name]) == {"name": "ada"}
    assert dict(verdicts)[""] == "a value is needed"
    assert verdicts[-1] == ("ada", True)


def test_optional_value_without_default_can_be_skipped(keys: PipeInput) -> None:
    note = question("note", {"type": "string"})
    assert ask_with(keys, ENTER, [note]) == {}


def test_several_questions_in_schema_order(keys: PipeInput, make_blueprint: MakeBlueprint) -> None:
    blueprint = make_blueprint(
        {"x.txt": "x"},
        variables={
            "type": "object",
            "required": ["resource"],
            "properties": {
                "resource": {"type": "string", "description": "plural name"},
                "count": {"type": "integer", "default": 2},
                "db": {"enum": ["sqlite", "postgres"], "default": "sqlite"},
                "flag": {"type": "boolean", "default": False},
                "package": {"type": "string", "default": "app"},
            },
        },
    )
    asked = list(questions(blueprint, {"package": "given"}))
    assert [q.name for q in asked] == ["resource", "count", "db", "flag"]
    typed = "users" + ENTER + BACKSPACE + "9" + ENTER + DOWN + ENTER + "y"
    assert ask_with(keys, typed, asked) == {
        "resource": "users",
        "count": 9,
        "db": "postgres",
        "flag": True,
    }


# --- the CLI prompts only on a terminal -----------------------------------------------

runner = CliRunner(env={"COLUMNS": "1000", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})


@pytest.fixture
def prompted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_blueprint: MakeBlueprint
) -> tuple[Path, list[list[Question]]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)
    blueprint = make_blueprint(
        {"{{ name }}-{{ count }}.txt.jinja": "{{ name }} {{ count }}\n"},
        name="asked",
        variables={
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z_]+$", "description": "the name"},
                "count": {"type": "integer", "default": 1},
            },
        },
    )
    calls: list[list[Question]] = []

    def fake_ask(
        asked: Iterable[Question], answers: dict[str, Any], **session: Any
    ) -> dict[str, Any]:
        calls.append([])
        for q in asked:
            calls[-1].append(q)
            answers[q.name] = q.parse("from_prompt" if q.name == "name" else "5")
        return answers

    monkeypatch.setattr(cli_prompts, "ask", fake_ask)
    return blueprint.root, calls


def test_new_prompts_for_what_is_missing_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prompted: tuple[Path, list[list[Question]]]
) -> None:
    root, calls = prompted
    monkeypatch.setattr(cli_app, "_interactive", lambda: True)

    result = runner.invoke(app, ["new", str(root), "--out", str(tmp_path / "out")])

    assert result.exit_code == 0, result.output
    ((asked,),) = [calls]
    assert [q.name for q in asked] == ["name", "count"]
    assert asked[0].prompt == "the name"
    assert asked[0].required
    assert asked[1].default == 1
    assert (tmp_path / "out" / "from_prompt-5.txt").read_text() == "from_prompt 5\n"


def test_new_asks_only_for_values_not_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prompted: tuple[Path, list[list[Question]]]
) -> None:
    root, calls = prompted
    monkeypatch.setattr(cli_app, "_interactive", lambda: True)

    result = runner.invoke(
        app, ["new", str(root), "--set", "name=given", "--out", str(tmp_path / "out")]
    )

    assert result.exit_code == 0, result.output
    assert [[q.name for q in asked] for asked in calls] == [["count"]]
    assert (tmp_path / "out" / "given-5.txt").is_file()


@pytest.mark.parametrize(
    ("interactive", "extra"),
    [(True, ["--defaults"]), (True, ["--json"]), (False, [])],
    ids=["defaults", "json", "no-terminal"],
)
def test_new_does_not_prompt(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prompted: tuple[Path, list[list[Question]]],
    interactive: bool,
    extra: list[str],
) -> None:
    root, calls = prompted
    monkeypatch.setattr(cli_app, "_interactive", lambda: interactive)

    result = runner.invoke(
        app, ["new", str(root), "--set", "name=plain", "--out", str(tmp_path / "out"), *extra]
    )

    assert result.exit_code == 0, result.output
    assert calls == []
    assert (tmp_path / "out" / "plain-1.txt").read_text() == "plain 1\n"


def test_cli_runner_is_not_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prompted: tuple[Path, list[list[Question]]]
) -> None:
    """Without the monkeypatch, the CliRunner's pipes are not a terminal: no prompt."""
    root, calls = prompted
    result = runner.invoke(app, ["new", str(root), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "name" in result.stderr
    assert calls == []
    assert not (tmp_path / "out").exists()
