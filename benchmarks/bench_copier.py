"""Benchmark: a batch of Copier-template items through scaffolder, against a loop of
``copier.run_copy`` calls in one process — the same items, the same template.

    python benchmarks/bench_copier.py [--items 100] [--repeat 3]

The template is a small Python project (eight files, an answers file, templated names),
kept in a local git repository with a version tag, as templates usually are. Both sides run
as whole processes (start-up included), each writing every project into a fresh folder:

- scaffolder: ``scaffold batch items.yaml --no-check`` (one transaction for all projects);
- Copier: one Python process calling ``copier.run_copy(template, dest, data=…,
  defaults=True)`` for each item.

It checks that both wrote the same trees, then prints the median wall time of each and
their ratio, measured in this one run. Absolute numbers depend on the machine; the ratio is
what to compare.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

SCAFFOLD = Path(sys.executable).parent / "scaffold"

COPIER_YML = {
    "project_name": {"type": "str", "help": "The project's name"},
    "package": {"type": "str", "default": "{{ project_name | lower | replace('-', '_') }}"},
    "author": {"type": "str", "default": "Ada"},
    "license": {"type": "str", "choices": ["MIT", "Apache-2.0"], "default": "MIT"},
    "python": {"type": "str", "default": "3.11"},
}
TEMPLATE = {
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}",
    "README.md.jinja": "# {{ project_name }}\n\nBy {{ author }}, {{ license }} licence.\n",
    "pyproject.toml.jinja": (
        '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
        'requires-python = ">={{ python }}"\nlicense = "{{ license }}"\n'
        'authors = [{name = "{{ author }}"}]\n'
    ),
    "src/{{ package }}/__init__.py.jinja": '"""{{ project_name }}."""\n\n__version__ = "0.1.0"\n',
    "src/{{ package }}/core.py.jinja": (
        "def greet(name: str) -> str:\n    return f'hello {name} from {{ package }}'\n"
    ),
    "tests/test_{{ package }}.py.jinja": (
        "from {{ package }}.core import greet\n\n\n"
        "def test_greet() -> None:\n    assert greet('x').startswith('hello')\n"
    ),
    ".gitignore": "__pycache__/\n*.egg-info/\n",
    "LICENSE.jinja": "{{ license }} licence, (c) {{ author }}\n",
}

COPIER_LOOP = """
import sys, yaml, copier
template, out, items = sys.argv[1], sys.argv[2], yaml.safe_load(open(sys.argv[3]))["items"]
for item in items:
    copier.run_copy(template, f"{out}/{item['project_name']}", data=item, defaults=True,
                    quiet=True)
"""


def make_template(folder: Path) -> Path:
    root = folder / "template"
    for relative, text in {"copier.yml": yaml.safe_dump(COPIER_YML), **TEMPLATE}.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "v1"], ["tag", "v1"]):
        subprocess.run([*git, *command], cwd=root, check=True)
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".scaffold" not in path.parts
    }


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        template = make_template(folder)
        items = [{"project_name": f"project-{n:04d}"} for n in range(args.items)]
        items_file = folder / "items.yaml"
        items_file.write_text(
            yaml.safe_dump(
                {"blueprint": str(template), "dest": "{{ project_name }}", "items": items}
            )
        )
        (folder / "loop.py").write_text(COPIER_LOOP)
        env = {**os.environ, "COPIER_SETTINGS_PATH": str(folder / "none.yml")}
        (folder / "none.yml").write_text("{}\n")
        ours, theirs = [], []
        for run in range(args.repeat):
            mine, copier_out = folder / f"ours-{run}", folder / f"theirs-{run}"
            ours.append(
                timed(
                    [str(SCAFFOLD), "batch", str(items_file), "--out", str(mine), "--no-check"],
                    folder,
                    env,
                )
            )
            theirs.append(
                timed(
                    [sys.executable, "loop.py", str(template), str(copier_out), str(items_file)],
                    folder,
                    env,
                )
            )
            assert tree(mine) == tree(copier_out), "the two trees differ"
        mine_s, theirs_s = statistics.median(ours), statistics.median(theirs)
        print(f"{args.items} items, median of {args.repeat} runs, whole processes:")
        print(f"  scaffold batch --no-check:   {mine_s:6.2f} s")
        print(f"  copier.run_copy loop:        {theirs_s:6.2f} s")
        print(f"ratio: scaffold is {theirs_s / mine_s:.2f}x as fast as the run_copy loop")


if __name__ == "__main__":
    main()
