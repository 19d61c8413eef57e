"""The sandbox every template renders in: Jinja's, with limits.

Templates come from blueprints that may not be built in, and from values anyone can write, so
an expression that would build a huge text, list or integer (``'a' * 10**9``,
``2 ** (10**9)``, a huge ``%``/``format`` width, ``center``, ``indent``, ``join``,
``replace``) is refused before it allocates, and rendering one item has a deadline. The
bounds are documented in docs/safety.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from scaffolder.errors import ScaffoldError
from scaffolder.filters import FILTERS
from scaffolder.yamlsource import MAX_INT_DIGITS, MAX_VALUES, check_integer

# Limits (docs/safety.md). A rendered file, and any text a template builds, is at
# most MAX_FILE_BYTES; a list a template builds has at most MAX_VALUES items; an
# integer at most MAX_INT_DIGITS digits; one item renders in RENDER_TIMEOUT seconds.
MAX_FILE_BYTES = 64 * 1024 * 1024
RENDER_TIMEOUT = 60.0
RENDER_TIMEOUT_ENV = "SCAFFOLD_RENDER_TIMEOUT"
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.33) + 1  # log2(10) ~ 3.32
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")


class LimitError(Exception):
    """A template asked for more than the limits allow (raised inside Jinja)."""


def _refuse_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_FILE_BYTES:
        raise LimitError(f"{what} of {width:,} characters is past the limit of {MAX_FILE_BYTES:,}")


def _refuse_text(size: int, what: str) -> None:
    if size > MAX_FILE_BYTES:
        raise LimitError(
            f"{what} would make a text of {size:,} characters, past the limit of {MAX_FILE_BYTES:,}"
        )


def _check_result(value: Any, operator: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and check_integer(value):
        raise LimitError(f"'{operator}' makes {check_integer(value)}")
    if isinstance(value, str | bytes):
        _refuse_text(len(value), f"'{operator}'")
    elif isinstance(value, list | tuple) and len(value) > MAX_VALUES:
        raise LimitError(f"'{operator}' makes a list of more than {MAX_VALUES:,} items")
    return value


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse, before it is computed, an operation whose result is past the limits."""
    if operator == "**":
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and right > 0
            and (abs(left).bit_length() - 1) * right > _MAX_INT_BITS
        ):
            raise LimitError(
                f"'**' would make an integer of more than {MAX_INT_DIGITS} digits, the limit"
            )
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                size = len(seq) * max(times, 0)
                if isinstance(seq, list | tuple):
                    if size > MAX_VALUES:
                        raise LimitError(
                            f"'*' would make a list of {size:,} items, past the limit of "
                            f"{MAX_VALUES:,}"
                        )
                else:
                    _refuse_text(size, "'*'")
    elif operator == "+":
        if isinstance(left, str | bytes) and isinstance(right, str | bytes):
            _refuse_text(len(left) + len(right), "'+'")
        elif (
            isinstance(left, list | tuple)
            and isinstance(right, list | tuple)
            and len(left) + len(right) > MAX_VALUES
        ):
            raise LimitError(f"'+' would make a list past the limit of {MAX_VALUES:,}")
    elif operator == "%" and isinstance(left, str):
        _check_percent(left, right)


def _check_percent(text: str, values: Any) -> None:
    """``'%10s' % value``: no width or precision past the limit."""
    numbers = values if isinstance(values, tuple) else (values,)
    for match in _PERCENT_SPEC.finditer(text):
        for part in match.groups():
            if part == "*":
                for value in numbers:
                    _refuse_width(value, "a width")
            elif part:
                _refuse_width(int(part), "a width")


def _check_format(text: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """``'{:>10}'.format(value)``: no width or precision past the limit."""
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # Python reports the broken format itself
    for _, _, spec, _ in fields:
        for digits in _DIGITS.findall(spec or ""):
            _refuse_width(int(digits), "a width")
        if spec and "{" in spec:
            for value in (*args, *kwargs.values()):
                _refuse_width(value, "a width")


def _text_size(values: Iterable[Any], separator: str) -> int:
    total, count = 0, 0
    for value in values:
        total += len(value) if isinstance(value, str) else len(str(value))
        count += 1
        _refuse_text(total + len(separator) * count, "joining")
    return total + len(separator) * max(count - 1, 0)


_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``~`` (concatenation) bounded like ``+``."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with operations whose result would be past the limits refused
    before they allocate: ``'a' * 10**9``, ``2 ** 10**9``, ``'%1000000000s' % x``, …"""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _CodeGenerator

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        return _check_result(super().call_binop(context, operator, left, right), operator)

    def bounded_concat(self, values: Iterable[Any]) -> str:
        parts = [str(value) for value in values]
        _refuse_text(sum(len(part) for part in parts), "'~'")
        return "".join(parts)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in _WIDTH_METHODS:
                for value in (*args, *kwargs.values()):
                    _refuse_width(value, f"{name}()")
            elif name == "join" and args and isinstance(args[0], list | tuple):
                _text_size(args[0], owner)
            elif name == "replace" and len(args) >= 2:
                _check_replace(owner, args[0], args[1])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text: str = value.__self__
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            if is_map and len(args) == 1 and isinstance(args[0], Mapping):
                _check_format(text, (), args[0])
            else:
                _check_format(text, args, kwargs)
            result = wrapped(*args, **kwargs)
            _refuse_text(len(result), "format()")
            return result

        return bounded


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        count = len(text) + 1 if old == "" else text.count(old)
        _refuse_text(len(text) + count * len(new), "replace()")


def _bounded_filters(env: SandboxedEnvironment) -> dict[str, Callable[..., Any]]:
    center, indent, fmt = env.filters["center"], env.filters["indent"], env.filters["format"]
    join, replace = env.filters["join"], env.filters["replace"]

    def bounded_center(value: Any, width: int = 80) -> str:
        _refuse_width(width, "center")
        return str(center(value, width))

    def bounded_indent(value: Any, width: int | str = 4, *args: Any, **kwargs: Any) -> str:
        lines = str(value).count("\n") + 1
        size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _refuse_text(len(str(value)) + lines * size, "indent")
        return str(indent(value, width, *args, **kwargs))

    def bounded_format(value: Any, *args: Any, **kwargs: Any) -> str:
        _check_percent(str(value), tuple(kwargs.values()) or args)
        return _check_result(fmt(value, *args, **kwargs), "format")  # type: ignore[no-any-return]

    @jinja2.pass_eval_context
    def bounded_join(
        eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None
    ) -> str:
        values = list(value)
        if attribute is None:
            _text_size(values, str(d))
        return _check_result(join(eval_ctx, values, d, attribute), "join")  # type: ignore[no-any-return]

    @jinja2.pass_eval_context
    def bounded_replace(
        eval_ctx: Any, value: Any, old: Any, new: Any, count: int | None = None
    ) -> str:
        _check_replace(str(value), str(old), str(new))
        return str(replace(eval_ctx, value, old, new, count))

    return {
        "center": bounded_center,
        "indent": bounded_indent,
        "format": bounded_format,
        "join": bounded_join,
        "replace": bounded_replace,
    }


def render_timeout() -> float:
    """Seconds one item may take to render: ``SCAFFOLD_RENDER_TIMEOUT``, else 60."""
    text = os.environ.get(RENDER_TIMEOUT_ENV, "").strip()
    if not text:
        return RENDER_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0 or seconds == float("inf"):
        raise ScaffoldError(
            f"{RENDER_TIMEOUT_ENV}={text!r}: not a number of seconds. Give a positive "
            f"number, e.g. {RENDER_TIMEOUT_ENV}=120, or unset it (default {RENDER_TIMEOUT:g})."
        )
    return seconds


class RenderTimeout(BaseException):
    """The render deadline passed (a BaseException: no ``except Exception`` hides it)."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[float]:
    """Yield the monotonic time at which rendering must stop. In a process's main
    thread a timer (SIGALRM) also interrupts code that never yields output."""
    end = time.monotonic() + seconds
    use_timer = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    armed = [use_timer]

    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        if armed[0]:
            armed[0] = False
            raise RenderTimeout

    previous: Any = None
    if use_timer:
        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield end
    finally:
        if use_timer:
            armed[0] = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def make_environment(loader: jinja2.BaseLoader | None = None) -> SandboxedEnvironment:
    """The Jinja environment every template renders in."""
    env = BoundedSandbox(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        auto_reload=False,
    )
    env.filters.update(FILTERS)
    env.filters.update(_bounded_filters(env))
    return env
