import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml

from scaffolder.changes import ChangeSet
from scaffolder.errors import ConfinementError, ScaffoldError, TemplateError
from scaffolder.paths import confine
from scaffolder.render import Renderer
from scaffolder.variables import validate_item

VARIABLES = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "package": {"type": "string", "default": "app"},
        "with_docs": {"type": "boolean", "default": False},
        "fields": {"type": "array", "default": ["a", "b"]},
    },
}


def render(blueprint, values, index=1):
    item = validate_item(blueprint, values)
    item = type(item)(index=index, values=item.values, name=item.name)
    return {str(f.path): f for f in Renderer(blueprint).render(item)}


def test_paths_and_contents_are_rendered(make_blueprint) -> None:
    blueprint = make_blueprint(
        {
            "{{ package }}/{{ name }}.py.jinja": "class {{ name | pascal }}:\n    pass\n",
            "{{ package }}/__init__.py": "",
            "README.md": "{{ not rendered }}\n",
        },
        variables=VARIABLES,
    )
    files = render(blueprint, {"name": "user_profile"})
    assert sorted(files) == ["README.md", "app/__init__.py", "app/user_profile.py"]
    assert files["app/user_profile.py"].content == b"class UserProfile:\n    pass\n"
    # files without the .jinja suffix are copied byte for byte
    assert files["README.md"].content == b"{{ not rendered }}\n"
    assert files["app/user_profile.py"].template == PurePosixPath(
        "{{ package }}/{{ name }}.py.jinja"
    )


def test_a_name_may_render_to_nested_folders(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"{{ package_dir }}/mod.py": ""},
        variables=VARIABLES,
        computed={"package_dir": "{{ package | replace('.', '/') }}"},
    )
    assert list(render(blueprint, {"name": "x", "package": "a.b.c"})) == ["a/b/c/mod.py"]


def test_names_that_render_empty_are_skipped(make_blueprint) -> None:
    blueprint = make_blueprint(
        {
            "{% if with_docs %}docs{% endif %}/index.md": "docs",
            "{% if with_docs %}guide.md{% endif %}": "guide",
            "always.txt": "x",
        },
        variables=VARIABLES,
    )
    assert list(render(blueprint, {"name": "x"})) == ["always.txt"]
    assert sorted(render(blueprint, {"name": "x", "with_docs": True})) == [
        "always.txt",
        "docs/index.md",
        "guide.md",
    ]


def test_names_render_as_one_template_yet_as_if_one_by_one(make_blueprint) -> None:
    """A path's names render in one go; where that could differ from rendering them one by
    one (an error after a name that renders empty, a value holding the separator), it
    does not."""
    blueprint = make_blueprint(
        {
            # the folder renders empty: the file is skipped, its erring name never rendered
            "{% if with_docs %}docs{% endif %}/{{ nope }}.md": "x",
            "{{ package }}/{{ name }}/{{ name }}.py": "y",
            "{{ package }}/{{ nope }}.txt": "z",
        },
        variables=VARIABLES,
    )
    with pytest.raises(TemplateError, match=r"the file name '\{\{ nope \}\}.txt' cannot be"):
        render(blueprint, {"name": "x"})
    skipping = make_blueprint(
        {
            "{% if with_docs %}docs{% endif %}/{{ nope }}.md": "x",
            "{{ package }}/ {{ name }} /{{ name }}.py": "y",  # each name stripped
        },
        name="skipping",
        variables=VARIABLES,
    )
    assert list(render(skipping, {"name": "mod"})) == ["app/mod/mod.py"]
    with pytest.raises(ConfinementError, match="forbidden character"):
        render(skipping, {"name": "a\x00b"})


def test_binary_files_and_modes_are_kept(make_blueprint) -> None:
    payload = bytes(range(256))
    blueprint = make_blueprint({"logo.png": payload, "run.sh": "#!/bin/sh\n"}, variables=VARIABLES)
    os.chmod(blueprint.template_dir / "run.sh", 0o755)
    blueprint = type(blueprint)(**{**blueprint.__dict__})
    files = render(blueprint, {"name": "x"})
    assert files["logo.png"].content == payload
    assert files["run.sh"].mode == 0o755
    assert files["logo.png"].mode & 0o111 == 0


def test_computed_values_are_native_and_ordered(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"out.txt.jinja": "{{ Model }} {{ count + 1 }} {{ label }}\n"},
        variables=VARIABLES,
        computed={
            "Model": "{{ name | singular | pascal }}",
            "count": "{{ fields | length }}",
            "label": "{{ Model }}-{{ count }}",
        },
    )
    renderer = Renderer(blueprint)
    context = renderer.context(validate_item(blueprint, {"name": "users"}))
    assert context["count"] == 2
    assert context["label"] == "User-2"
    assert render(blueprint, {"name": "users"})["out.txt"].content == b"User 3 User-2\n"


def test_whitespace_control_and_trailing_newline(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"list.txt.jinja": "{% for f in fields %}\n- {{ f }}\n{% endfor %}\n"}, variables=VARIABLES
    )
    # trim_blocks: a block tag's own newline is dropped; the file's last newline is kept
    assert render(blueprint, {"name": "x"})["list.txt"].content == b"- a\n- b\n"


def test_undefined_name_says_template_line_and_name(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"pkg/mod.py.jinja": "line one\nline two\nvalue = {{ missing_value }}\n"},
        variables=VARIABLES,
    )
    with pytest.raises(TemplateError) as caught:
        render(blueprint, {"name": "x"})
    message = caught.value.message
    assert f"{blueprint.template_dir / 'pkg/mod.py.jinja'}:3:" in message
    assert "'missing_value' is undefined" in message


def test_syntax_error_says_template_and_line(make_blueprint) -> None:
    blueprint = make_blueprint({"a.txt.jinja": "ok\n{% if %}\n"}, variables=VARIABLES)
    with pytest.raises(TemplateError, match=r"a\.txt\.jinja:2: template syntax error"):
        render(blueprint, {"name": "x"})
    # Jinja's own message ends in a full stop: the error has one, not two
    unclosed = make_blueprint({"b.txt.jinja": "{% if name %}\n"}, name="unclosed")
    with pytest.raises(TemplateError, match=r"needs to be closed is 'if'\.$"):
        render(unclosed, {"name": "x"})


def test_undefined_in_a_file_name(make_blueprint) -> None:
    blueprint = make_blueprint({"{{ nope }}.txt": "x"}, variables=VARIABLES)
    with pytest.raises(
        TemplateError,
        match=r"the file name '\{\{ nope \}\}.txt' cannot be rendered: 'nope' is undefined",
    ):
        render(blueprint, {"name": "x"})


def test_undefined_in_computed(make_blueprint) -> None:
    blueprint = make_blueprint({"a.txt": "x"}, variables=VARIABLES, computed={"Y": "{{ nope }}"})
    with pytest.raises(TemplateError, match=r"blueprint.yaml: computed.Y: 'nope' is undefined"):
        render(blueprint, {"name": "x"})


def test_templates_run_in_the_sandbox(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"a.txt.jinja": "{{ name.__class__.__mro__[1].__subclasses__() }}"}, variables=VARIABLES
    )
    with pytest.raises(TemplateError, match="SecurityError|unsafe"):
        render(blueprint, {"name": "x"})


@pytest.mark.parametrize(
    "value", ["../escape", "a/../../escape", "/etc/passwd", "a\\b", ".scaffold/journal/x"]
)
def test_rendered_paths_cannot_leave_the_destination(make_blueprint, value: str) -> None:
    blueprint = make_blueprint({"{{ name }}.txt": "x"}, variables=VARIABLES)
    with pytest.raises(ConfinementError) as caught:
        render(blueprint, {"name": value})
    assert "{{ name }}.txt" in caught.value.message


def test_confine_normalises_harmless_paths() -> None:
    assert confine("a//b/./c.txt") == PurePosixPath("a/b/c.txt")


def test_two_templates_rendering_one_path_is_an_error(make_blueprint) -> None:
    blueprint = make_blueprint({"{{ name }}.txt": "1", "fixed.txt": "2"}, variables=VARIABLES)
    with pytest.raises(TemplateError, match="both render to fixed.txt"):
        render(blueprint, {"name": "fixed"})


def test_merge_shares_identical_files_and_rejects_different_ones(make_blueprint) -> None:
    blueprint = make_blueprint(
        {"__init__.py": "", "{{ package }}.txt.jinja": "{{ name }}"}, variables=VARIABLES
    )
    renderer = Renderer(blueprint)
    first = validate_item(blueprint, {"name": "a"})
    second = type(first)(index=2, values=validate_item(blueprint, {"name": "b"}).values, name="b")
    third = type(first)(
        index=3, values=validate_item(blueprint, {"name": "c", "package": "other"}).values, name="c"
    )
    merged = ChangeSet.merge([(first, renderer.render(first)), (third, renderer.render(third))])
    assert [str(f.path) for f in merged.files] == ["__init__.py", "app.txt", "other.txt"]
    assert merged.files[0].items == (1, 3)
    with pytest.raises(ScaffoldError, match=r"app\.txt: item 1 \(a\) and item 2 \(b\) render it"):
        ChangeSet.merge([(first, renderer.render(first)), (second, renderer.render(second))])


def test_rendering_never_touches_the_destination(
    make_blueprint, tmp_path: Path, monkeypatch
) -> None:
    blueprint = make_blueprint({"a.txt.jinja": "{{ name }}"}, variables=VARIABLES)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    render(blueprint, {"name": "x"})
    assert list(workdir.iterdir()) == []


def test_bytecode_and_litter_in_a_template_are_not_rendered(make_blueprint) -> None:
    # `pip install` byte-compiles a built-in template's .py files next to them
    blueprint = make_blueprint(
        {
            "pkg/__init__.py": "",
            "pkg/__pycache__/__init__.cpython-311.pyc": b"\x00bytecode",
            "pkg/mod.pyc": b"\x00",
            ".DS_Store": b"\x00",
            "pkg/.git/HEAD": "ref",
        },
        variables=VARIABLES,
    )
    assert list(render(blueprint, {"name": "x"})) == ["pkg/__init__.py"]


def test_output_made_of_many_empty_pieces_is_rendered_whole(make_blueprint) -> None:
    """Rendering joins a template's pieces in blocks; a block of empty pieces (a loop
    that prints nothing) does not end the output early."""
    body = (
        "{% for i in range(500) %}{{ name[:0] }}{% endfor %}"
        "{% for i in range(300) %}{{ i }},{% endfor %}"
    )
    blueprint = make_blueprint({"out.txt.jinja": body + "end\n"}, variables=VARIABLES)
    content = render(blueprint, {"name": "users"})["out.txt"].content
    assert content == ("".join(f"{i}," for i in range(300)) + "end\n").encode()


_POOL_RUN = """
import sys

import scaffolder
import scaffolder.batches

scaffolder.batches.SERIAL_SECONDS = 0.0  # every batch renders in a worker process
result = scaffolder.run(sys.argv[1], out=sys.argv[2], jobs=2, batch_size=1, check=False)
print(result.exit_code, "inflect" in sys.modules)
"""


@pytest.mark.parametrize(
    ("template", "expected", "loaded"),
    [
        ("{{ name | pascal }} {{ plural }}\n", ["User none\n", "Category none\n"], False),
        ("{{ name | plural }}\n", ["users\n", "categories\n"], True),
        ("{{ [name] | map('singular') | join }}\n", ["user\n", "category\n"], True),
    ],
)
def test_inflect_is_loaded_before_the_workers_only_when_a_template_inflects(
    tmp_path: Path, make_blueprint, template: str, expected: list[str], loaded: bool
) -> None:
    blueprint = make_blueprint(
        {"{{ name }}.txt.jinja": template},
        variables={
            "type": "object",
            "properties": {"name": {"type": "string"}, "plural": {"default": "none"}},
        },
    )
    items = tmp_path / "items.yaml"
    rows = [{"name": "user"}, {"name": "category"}]
    items.write_text(yaml.safe_dump({"blueprint": str(blueprint.root), "items": rows}))
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "SCAFFOLD_PATH"}
    run = subprocess.run(
        [sys.executable, "-c", _POOL_RUN, str(items), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0", str(loaded)]
    texts = [(out / f"{row['name']}.txt").read_text() for row in rows]
    assert texts == expected
