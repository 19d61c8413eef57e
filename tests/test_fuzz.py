"""Property-based fuzzing of the inputs a user (or an attacker) controls: items files,
``--set`` values and manifests. Whatever the input, the command line ends with exit
code 0, 1 or 2, never a traceback, in bounded time and memory (issue 8).

Every example runs the real CLI in-process (CliRunner) with ``--dry-run``, in a fresh
folder under ``tmp_path``. The examples are derandomized (the same ones on every run,
so CI is reproducible) and hypothesis keeps no example database.
"""

from __future__ import annotations

import json
import tempfile
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scaffolder.cli import app
from tests.conftest import build_file_tree

pytestmark = pytest.mark.usefixtures("isolated")

settings.register_profile(
    "fuzz",
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=10),
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FUZZ = settings.get_profile("fuzz")

runner = CliRunner(env={"COLUMNS": "1000", "FORCE_COLOR": None, "TTY_COMPATIBLE": None})
MEMORY_LIMIT = 200 * 1024 * 1024  # bytes allocated at the peak of one example

VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "count": {"type": "integer", "default": 1},
        "ratio": {"type": ["number", "null"], "default": None},
        "flag": {"type": "boolean", "default": False},
        "fields": {"type": "array", "default": []},
        "meta": {"type": "object", "default": {}},
    },
}
MANIFEST = {
    "name": "demo",
    "description": "a demo",
    "variables": VARIABLES,
    "computed": {"upper": "{{ name | upper }}", "twice": "{{ count * 2 }}"},
}
TEMPLATES = {
    "{{ name }}.txt.jinja": "{{ name }} {{ count }} {{ ratio }} {{ flag }} {{ upper }}\n"
    "{% for f in fields %}{{ f }}\n{% endfor %}{{ meta }} {{ twice }}\n",
    "static.txt": "static\n",
}


def make_blueprint(folder: Path, manifest: str | None = None) -> Path:
    root = folder / "bp"
    text = manifest if manifest is not None else yaml.safe_dump(MANIFEST, sort_keys=False)
    build_file_tree(
        root, {"blueprint.yaml": text, **{f"template/{k}": v for k, v in TEMPLATES.items()}}
    )
    return root


def invoke(args: list[str]) -> None:
    """Run the CLI and assert the properties: exit 0/1/2, no traceback, bounded memory."""
    tracemalloc.start()
    try:
        result = runner.invoke(app, args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        result.output,
        result.exception,
    )
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output, result.output
    assert peak < MEMORY_LIMIT, peak


# any text: every character, control characters and lone surrogates included
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=60)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**4000, max_value=10**4250)  # near Python's int/text limit
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
names = st.sampled_from(["name", "count", "ratio", "flag", "fields", "meta", "other", "", "na me"])


# (a) items files


YAML_PIECES = st.sampled_from(
    [
        "blueprint: ./bp\n",
        "items:\n",
        "  - name: a\n",
        "  - {name: b, count: 3}\n",
        "  - &x {name: c}\n",
        "  - *x\n",
        "  - [*x, *x]\n",
        "defaults: {count: 2}\n",
        "batch_size: 0\n",
        "phases:\n  - name: one\n    blueprint: ./bp\n    items: [{name: d}]\n",
        "items: {from: rows.csv}\n",
        "items: &l [*l]\n",
        "  - name: 99999999999999999999999999999999999999999\n",
        "  - name: !!binary aGVsbG8=\n",
        "  - name: 2001-12-14\n",
        "  - {? [a]: b}\n",
        "\t",
        "---\n",
        ": :\n",
        "'\n",
        "  - " + "[" * 120 + "]" * 120 + "\n",
    ]
)


@FUZZ
@given(pieces=st.lists(YAML_PIECES | any_text, max_size=8))
def test_items_file_text(tmp_path: Path, pieces: list[str]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        folder = Path(scratch)
        make_blueprint(folder)
        (folder / "rows.csv").write_text("name,count\nx,1\ny,zz\n", encoding="utf-8")
        (folder / "items.yaml").write_text(
            "".join(pieces), encoding="utf-8", errors="surrogatepass"
        )
        invoke(["batch", str(folder / "items.yaml"), "--out", str(folder / "out"), "--dry-run"])


item = st.dictionaries(names, json_values, max_size=5) | json_values


@FUZZ
@given(
    items=st.lists(item, max_size=4),
    defaults=st.none() | st.dictionaries(names, json_values, max_size=3),
    as_json=st.booleans(),
)
def test_items_file_structured(
    tmp_path: Path, items: list[Any], defaults: dict[str, Any] | None, as_json: bool
) -> None:
    data: dict[str, Any] = {"blueprint": "./bp", "items": items}
    if defaults is not None:
        data["defaults"] = defaults
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        folder = Path(scratch)
        make_blueprint(folder)
        path = folder / ("items.json" if as_json else "items.yaml")
        try:
            text = json.dumps(data) if as_json else yaml.safe_dump(data, allow_unicode=True)
        except (ValueError, yaml.YAMLError):  # not representable: nothing to test
            return
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        invoke(["batch", str(path), "--out", str(folder / "out"), "--dry-run"])


# (b) --set values

set_values = (
    any_text
    | st.integers().map(str)
    | st.integers(min_value=4200, max_value=5000).map(lambda digits: "9" * digits)
    | st.floats().map(str)
    | json_values.map(lambda v: json.dumps(v))
    | st.sampled_from(["[" * 5000, "[" * 150 + "]" * 150, "{", "nan", "-inf", "1e999", "1_000"])
)


@FUZZ
@given(assignments=st.lists(st.tuples(names, set_values), min_size=1, max_size=4))
def test_set_values(tmp_path: Path, assignments: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        folder = Path(scratch)
        make_blueprint(folder)
        args = ["new", str(folder / "bp"), "--out", str(folder / "out"), "--dry-run"]
        for name, value in assignments:
            args += ["--set", f"{name}={value}"]
        invoke(args)


# (c) manifests

manifest_parts = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["demo", "Demo", "", "a-b"]) | any_text | json_values,
        "description": st.just("a demo") | json_values,
        "version": json_values,
        "variables": st.just(VARIABLES)
        | st.fixed_dictionaries(
            {"type": st.just("object") | json_values},
            optional={
                "properties": st.dictionaries(
                    names
                    | json_scalars.filter(lambda v: v is not None and not isinstance(v, float)),
                    st.dictionaries(
                        st.sampled_from(["type", "default", "pattern", "enum", "$ref", "items"]),
                        json_values,
                        max_size=3,
                    )
                    | json_values,
                    max_size=3,
                ),
                "required": json_values,
                "$defs": st.dictionaries(any_text, json_values, max_size=2),
            },
        )
        | json_values,
        "computed": st.dictionaries(
            any_text | st.integers(),
            st.sampled_from(["{{ name }}", "{{ 2 ** 100 }}", "{{", "{% for %}", "{{ x }}"])
            | any_text
            | json_values,
            max_size=3,
        )
        | json_values,
        "checks": json_values,
        "examples": json_values,
        "extra": json_values,
    },
)


@FUZZ
@given(manifest=manifest_parts, as_text=st.none() | any_text)
def test_manifests(tmp_path: Path, manifest: dict[str, Any], as_text: str | None) -> None:
    try:
        text = as_text if as_text is not None else yaml.safe_dump(manifest, allow_unicode=True)
    except (ValueError, yaml.YAMLError):  # not representable: nothing to test
        return
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        folder = Path(scratch)
        root = make_blueprint(folder)
        (root / "blueprint.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        invoke(["new", str(root), "--set", "name=x", "--out", str(folder / "out"), "--dry-run"])
