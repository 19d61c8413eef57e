"""Asking for missing values on a terminal, with questionary."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import questionary

from scaffolder.values import Question


def ask(
    questions: Iterable[Question], answers: dict[str, Any] | None = None, **session: Any
) -> dict[str, Any]:
    """Ask each question, adding its answer to ``answers`` before the next is made (see
    :func:`scaffolder.values.questions`); ``session`` goes to prompt_toolkit (tests pass
    input/output)."""
    answers = {} if answers is None else answers
    for question in questions:
        answer = _ask_one(question, session)
        if answer is not _UNANSWERED:
            answers[question.name] = answer
    return answers


_UNANSWERED = object()


def _ask_one(question: Question, session: dict[str, Any]) -> Any:
    message = question.name
    if question.prompt != question.name:
        message += f" — {question.prompt}"
    if question.choices:
        labels = [str(choice) for choice in question.choices]
        default = str(question.default) if question.has_default else None
        label = questionary.select(message, choices=labels, default=default, **session).unsafe_ask()
        return question.choices[labels.index(label)]
    if question.kind == "boolean":
        default_flag = bool(question.default) if question.has_default else False
        return questionary.confirm(message, default=default_flag, **session).unsafe_ask()

    def validate(text: str) -> bool | str:
        if not text:
            return True if not question.required or question.has_default else "a value is needed"
        return question.problem(question.parse(text)) or True

    default_text = _as_text(question.default) if question.has_default else ""
    text = questionary.text(
        message, default=default_text, validate=validate, **session
    ).unsafe_ask()
    if not text:
        return question.default if question.has_default else _UNANSWERED
    return question.parse(text)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
