"""The benchmark's fixture: one 61-line FastAPI router file per item, in four forms.

The same Jinja text renders in every form: a native blueprint, a Copier template, a
Cookiecutter template (the same text with Cookiecutter's ``cookiecutter.`` namespace) and a
raw Jinja2 loop. It uses only ``{{ variable }}`` expressions, no block tags, so that the
environments' whitespace options (``trim_blocks``, ``lstrip_blocks``) cannot make the forms
differ. Each item renders ``app/api/<resource>.py``; every form writes into one folder.

It also makes the items files of the built-in ``crud-endpoint`` blueprint (the checks and
dry-run figures) and the one-process loops (raw Jinja2, Copier, Cookiecutter) as scripts.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROUTER = '''"""CRUD endpoints for {{ resource }}, mounted under /{{ resource }}."""

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

router = APIRouter(prefix="/{{ resource }}", tags=["{{ resource }}"])


class {{ model }}Create(BaseModel):
    name: str
    size: int = 0


class {{ model }}({{ model }}Create):
    id: int


_items: dict[int, {{ model }}] = {}


def _not_found(item_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "{{ model }} %d not found" % item_id)


@router.post("/", status_code=status.HTTP_201_CREATED)
def create_{{ singular }}(data: {{ model }}Create) -> {{ model }}:
    item = {{ model }}(id=len(_items) + 1, **data.model_dump())
    _items[item.id] = item
    return item


@router.get("/")
def list_{{ resource }}() -> list[{{ model }}]:
    return list(_items.values())


@router.get("/count")
def count_{{ resource }}() -> int:
    """How many {{ resource }} are stored."""
    return len(_items)


@router.get("/{item_id}")
def read_{{ singular }}(item_id: int) -> {{ model }}:
    if item_id not in _items:
        raise _not_found(item_id)
    return _items[item_id]


@router.put("/{item_id}")
def replace_{{ singular }}(item_id: int, data: {{ model }}Create) -> {{ model }}:
    if item_id not in _items:
        raise _not_found(item_id)
    _items[item_id] = {{ model }}(id=item_id, **data.model_dump())
    return _items[item_id]


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_{{ singular }}(item_id: int) -> None:
    if _items.pop(item_id, None) is None:
        raise _not_found(item_id)
'''
ROUTER_LINES = 61
PACKAGE = "app"
VARIABLES = ("package", "resource", "singular", "model")
ROUTER_PATH = "{{ package }}/api/{{ resource }}.py"  # each form's file name, relative to --out

# One process per loop; each reads: template folder (or file), destination, items (JSON).
RAW_LOOP = """
import ctypes, json, os, sys
import jinja2

text, out, items = open(sys.argv[1]).read(), sys.argv[2], json.load(open(sys.argv[3]))
template = jinja2.Environment(
    keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False
).from_string(text)  # compiled once
pending, folders = [], {out}
for item in items:
    folder = os.path.join(out, item["package"], "api")
    if folder not in folders:
        os.makedirs(folder, exist_ok=True)
        folders.update({folder, os.path.dirname(folder)})
    target = os.path.join(folder, item["resource"] + ".py")
    temp = os.path.join(folder, "." + item["resource"] + ".py.tmp")
    with open(temp, "xb") as stream:
        stream.write(template.render(item).encode())
    pending.append((temp, target))
# one filesystem flush for every file (git's core.fsyncMethod=batch), then the renames
libc = ctypes.CDLL(None, use_errno=True)
root = os.open(out, os.O_RDONLY)
if getattr(libc, "syncfs", None) is None or libc.syncfs(root) != 0:
    os.sync()
os.close(root)
for temp, target in pending:
    os.rename(temp, target)
for folder in sorted(folders):  # one fsync per folder makes the renames durable
    fd = os.open(folder, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
"""

COPIER_LOOP = """
import json, sys
import copier

template, out, items = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
for item in items:
    copier.run_copy(template, out, data=item, defaults=True, quiet=True, overwrite=True)
"""

COOKIECUTTER_LOOP = """
import json, os, sys
from cookiecutter.main import cookiecutter

template, out, items = sys.argv[1], sys.argv[2], json.load(open(sys.argv[3]))
config = os.path.join(os.path.dirname(os.path.abspath(sys.argv[3])), "cookiecutterrc.yaml")
for item in items:
    cookiecutter(template, no_input=True, extra_context=item, output_dir=out,
                 overwrite_if_exists=True, config_file=config)
"""


def router_items(count: int) -> list[dict[str, str]]:
    """``count`` distinct items for the router fixture."""
    return [
        {
            "package": PACKAGE,
            "resource": f"widgets_{n:05d}",
            "singular": f"widget_{n:05d}",
            "model": f"Widget{n:05d}",
        }
        for n in range(count)
    ]


def make_templates(root: Path) -> dict[str, Path]:
    """Write the fixture's four forms under ``root``; the path each loop is given."""
    native = root / "native"
    _write(native / "blueprint.yaml", yaml.safe_dump(_manifest(), sort_keys=False))
    _write(native / "template" / f"{ROUTER_PATH}.jinja", ROUTER)
    copier = root / "copier"
    questions = {name: {"type": "str"} for name in VARIABLES}
    _write(copier / "copier.yml", yaml.safe_dump(questions, sort_keys=False))
    _write(copier / f"{ROUTER_PATH}.jinja", ROUTER)
    cookiecutter = root / "cookiecutter"
    _write(cookiecutter / "cookiecutter.json", json.dumps(dict.fromkeys(VARIABLES, "x")))
    _write(cookiecutter / _cookiecutter(ROUTER_PATH), _cookiecutter(ROUTER))
    # Cookiecutter's own settings, so that it reads and writes nothing in the home folder
    loops = root / "loops"
    _write(
        loops / "cookiecutterrc.yaml",
        yaml.safe_dump(
            {"cookiecutters_dir": str(root / "cc-cache"), "replay_dir": str(root / "cc-replay")}
        ),
    )
    _write(loops / "raw.py", RAW_LOOP)
    _write(loops / "copier_loop.py", COPIER_LOOP)
    _write(loops / "cookiecutter_loop.py", COOKIECUTTER_LOOP)
    raw = root / "router.py.jinja"
    _write(raw, ROUTER)
    return {"native": native, "copier": copier, "cookiecutter": cookiecutter, "raw": raw}


def write_router_items(folder: Path, templates: dict[str, Path], count: int) -> dict[str, Path]:
    """The items files ``scaffold batch`` reads (of the native blueprint, of the Copier
    template) and the JSON list the loops read."""
    items = router_items(count)
    paths = {
        "native": folder / f"router-{count}.yaml",
        "copier": folder / f"router-{count}-copier.yaml",
        "json": folder / f"router-{count}.json",
    }
    for form in ("native", "copier"):
        text = yaml.safe_dump({"blueprint": str(templates[form]), "items": items})
        paths[form].write_text(text)
    paths["json"].write_text(json.dumps(items))
    return paths


def write_crud_items(folder: Path, count: int) -> Path:
    """An items file of ``count`` built-in ``crud-endpoint`` items with four fields each."""
    fields = [
        {"name": "name", "type": "str"},
        {"name": "size", "type": "int"},
        {"name": "price", "type": "float", "required": False},
        {"name": "active", "type": "bool"},
    ]
    items = [{"resource": f"resources_{n:04d}", "fields": fields} for n in range(count)]
    path = folder / f"crud-{count}.yaml"
    path.write_text(yaml.safe_dump({"blueprint": "crud-endpoint", "items": items}))
    return path


def _manifest() -> dict[str, object]:
    return {
        "name": "bench-router",
        "description": "One FastAPI router file per item (the benchmark's fixture).",
        "variables": {
            "type": "object",
            "required": list(VARIABLES),
            "properties": {name: {"type": "string"} for name in VARIABLES},
        },
    }


def _cookiecutter(text: str) -> str:
    return text.replace("{{ ", "{{ cookiecutter.")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
