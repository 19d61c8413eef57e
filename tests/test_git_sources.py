"""Git sources and --vcs-ref: a blueprint of any kind in a git repository (a local one, or
a URL), checked out once per run, rendered for Copier byte for byte as `copier copy` renders
it at the same ref, and recorded so that `scaffold check` finds the same commit again.

Every repository here is made by the test, in tmp_path; so are the temporary checkouts
(TMPDIR), Copier's mirror cache (COPIER_CACHE_DIR) and HOME. No network."""

from __future__ import annotations

import gc
import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import copier
import copier._vcs
import pytest
import yaml

from scaffolder import api
from scaffolder.blueprint import Origin
from scaffolder.catalog import resolve_blueprint
from scaffolder.errors import BlueprintError, ScaffoldError
from scaffolder.itemsfile import load_items_file
from scaffolder.record import read_record
from scaffolder.sources import follows_latest_tag
from scaffolder.sources.git import check_out, git_ref
from tests.conftest import build_file_tree, scaffold

COPIER = Path(sys.executable).parent / "copier"

ANSWERS = {"{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml }}"}
V1: dict[str, str | bytes] = {
    "copier.yml": yaml.safe_dump(
        {
            "project": {"type": "str", "default": "demo", "help": "the package"},
            "_scaffold": {"checks": ["py_compile"], "examples": [{"project": "example"}]},
        }
    ),
    **ANSWERS,
    "README.md.jinja": "# {{ project }} (v1, asked for {{ _copier_conf.vcs_ref }})\n",
    "{{ project }}/__init__.py.jinja": 'VERSION = "1"\n',
    "bin/run.sh": "#!/bin/sh\necho v1\n",
}
V2: dict[str, str | bytes] = {
    **V1,
    "copier.yml": yaml.safe_dump(
        {
            "project": {"type": "str", "default": "demo2", "help": "the package"},
            "_scaffold": {"checks": ["py_compile"], "examples": [{"project": "example"}]},
        }
    ),
    "README.md.jinja": "# {{ project }} (v2)\n",
    "{{ project }}/__init__.py.jinja": 'VERSION = "2"\n',
    "CHANGES.md": "v2: changes\n",
}


@pytest.fixture(autouse=True)
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Everything git, Copier and scaffold write goes under tmp_path: the checkouts
    (TMPDIR), Copier's mirror cache, HOME and git's identity."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    for name, value in {
        "TMPDIR": str(temporary),
        "COPIER_CACHE_DIR": str(tmp_path / "copier-cache"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SCAFFOLD_PATH", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.chdir(tmp_path)
    yield temporary
    gc.collect()  # the blueprints of in-process runs are released: their checkouts go
    assert not [p.name for p in temporary.iterdir() if p.name.startswith("scaffold-git-")]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(
    root: Path, files: Mapping[str, str | bytes], message: str, tag: str | None = None
) -> None:
    """Make ``root`` hold exactly ``files`` (bin/*.sh executable), commit, and tag."""
    if (root / ".git").exists():
        git(root, "rm", "-rq", "--cached", ".")
        for path in sorted(root.rglob("*"), reverse=True):
            if ".git" not in path.relative_to(root).parts:
                path.unlink() if not path.is_dir() else path.rmdir()
    else:
        root.mkdir(parents=True, exist_ok=True)
        git(root, "init", "-q", "-b", "main")
    build_file_tree(root, files)
    for script in root.glob("bin/*.sh"):
        script.chmod(0o755)
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)
    if tag:
        git(root, "tag", tag)


def copier_repo(root: Path) -> Path:
    """A Copier template with tags v1 and v2, and a later untagged commit on main."""
    commit(root, V1, "v1", "v1")
    commit(root, V2, "v2", "v2")
    commit(root, {**V2, "UNRELEASED.md": "not released\n"}, "after v2")
    return root


def tree(root: Path) -> dict[str, Any]:
    """Every folder, file (bytes, mode) and symlink below ``root``, scaffolder's own aside."""
    found: dict[str, Any] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.split("/")[0] == ".scaffold":
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            found[relative] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            found[relative] = "folder"
        else:
            found[relative] = (path.read_bytes(), stat.S_IMODE(info.st_mode))
    return found


def answers(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / ".copier-answers.yml").read_text())
    return data


def test_new_at_a_tag_is_byte_identical_to_copier_copy(tmp_path: Path) -> None:
    copier_repo(tmp_path / "tpl")
    ours = scaffold(tmp_path, "new", "./tpl", "--vcs-ref", "v1", "--out", "a", "--defaults")
    assert ours.returncode == 0, ours.stdout + ours.stderr
    theirs = subprocess.run(
        [str(COPIER), "copy", "--vcs-ref", "v1", "--defaults", "./tpl", "b"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert theirs.returncode == 0, theirs.stderr
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert answers(tmp_path / "a") == {"_commit": "v1", "_src_path": "./tpl", "project": "demo"}
    assert (tmp_path / "a/README.md").read_text() == "# demo (v1, asked for v1)\n"
    assert stat.S_IMODE((tmp_path / "a/bin/run.sh").stat().st_mode) == 0o755
    # without a ref: Copier's rule, the latest tag (v2), not the later commit on main
    latest = scaffold(tmp_path, "new", "./tpl", "--out", "c", "--defaults")
    assert latest.returncode == 0, latest.stdout + latest.stderr
    copier.run_copy("./tpl", tmp_path / "d", defaults=True, quiet=True)
    assert tree(tmp_path / "c") == tree(tmp_path / "d")
    assert answers(tmp_path / "c")["_commit"] == "v2" and (tmp_path / "c/CHANGES.md").exists()
    assert not (tmp_path / "c/UNRELEASED.md").exists()
    # a branch and a commit are refs too
    head = git(tmp_path / "tpl", "rev-parse", "main")
    for ref, out in (("main", "e"), (head[:10], "f")):
        done = scaffold(tmp_path, "new", "./tpl", "--vcs-ref", ref, "--out", out, "--defaults")
        assert done.returncode == 0, done.stderr
        assert (tmp_path / out / "UNRELEASED.md").exists()
        assert answers(tmp_path / out)["_commit"] == git(tmp_path / "tpl", "describe", "--tags")


@pytest.mark.parametrize(
    ("source", "ref", "named"),
    [
        ("./tpl", "v9", "'v9'"),
        ("git+file://{tmp}/tpl", "nope", "'nope'"),
        ("file://{tmp}/missing", None, "not a git repository"),
        ("git+file://{tmp}/plain", None, "not a git repository"),
    ],
)
def test_a_bad_ref_or_url_is_a_clear_error_and_writes_nothing(
    tmp_path: Path, source: str, ref: str | None, named: str
) -> None:
    copier_repo(tmp_path / "tpl")
    build_file_tree(tmp_path / "plain", V1)  # a folder, not a repository
    source = source.format(tmp=tmp_path)
    args = ["new", source, "--out", "out", "--defaults", *(["--vcs-ref", ref] if ref else [])]
    result = scaffold(tmp_path, *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: {source}: " in result.stderr and named in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_ref_on_a_source_that_is_not_git_is_an_error(tmp_path: Path) -> None:
    build_file_tree(tmp_path / "plain", V1)
    for source in ("./plain", "python-project"):
        result = scaffold(tmp_path, "new", source, "--vcs-ref", "v1", "--out", "o", "--defaults")
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"{source}: " in result.stderr and "no ref 'v1'" in result.stderr
        assert not (tmp_path / "o").exists()


def test_urls_go_through_copiers_mirror_cache(tmp_path: Path) -> None:
    copier_repo(tmp_path / "tpl")
    url = f"file://{tmp_path}/tpl"
    copier.run_copy(f"git+{url}", tmp_path / "ref", vcs_ref="v1", defaults=True, quiet=True)
    for source, out in ((f"git+{url}", "a"), (url, "b")):
        done = scaffold(tmp_path, "new", source, "--vcs-ref", "v1", "--out", out, "--defaults")
        assert done.returncode == 0, done.stderr
        # Copier reads a file:// URL as git only with git+ first: so it is recorded
        assert tree(tmp_path / out) == tree(tmp_path / "ref")
        assert answers(tmp_path / out)["_src_path"] == f"git+{url}"
    assert [p.suffix for p in (tmp_path / "copier-cache").iterdir()] == [".git"]  # one mirror


def test_gh_and_gl_are_expanded_as_copier_expands_them() -> None:
    from scaffolder.sources.git import _url, is_git_url, is_url

    assert _url("gh:owner/repo") == "https://github.com/owner/repo.git"
    assert _url("gl:owner/repo") == "https://gitlab.com/owner/repo.git"
    assert _url("git+https://example.com/x") == "https://example.com/x"
    assert _url("git@github.com:owner/repo.git") == "git@github.com:owner/repo.git"
    assert all(is_url(u) for u in ("gh:o/r", "git@h:o/r", "file:///x", "ssh://h/x"))
    assert is_git_url("../templates/t.git") and not is_url("../templates/t.git")
    assert not is_git_url("./tpl") and not is_git_url("crud-endpoint")


def test_one_checkout_per_source_and_ref_for_a_whole_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copier_repo(tmp_path / "tpl")
    clones: list[str] = []
    real_clone = copier._vcs.clone

    def counted(url: str, ref: str = "HEAD", location: str | None = None) -> str:
        clones.append(ref)
        return real_clone(url, ref, location)

    monkeypatch.setattr(copier._vcs, "clone", counted)
    items = [{"project": f"p{n}"} for n in range(5)]
    (tmp_path / "plan.yaml").write_text(
        yaml.safe_dump(
            {
                "vcs_ref": "v1",
                "phases": [
                    {
                        "name": "one",
                        "blueprint": "./tpl",
                        "dest": "a/{{ project }}",
                        "items": items,
                    },
                    {
                        "name": "two",
                        "blueprint": "./tpl",
                        "dest": "b/{{ project }}",
                        "items": items,
                    },
                    {
                        "name": "three",
                        "blueprint": "./tpl",
                        "vcs_ref": "v2",
                        "dest": "c/{{ project }}",
                        "items": items[:2],
                    },
                ],
            }
        )
    )
    report = api.run(tmp_path / "plan.yaml", out=tmp_path / "out", jobs=2)
    assert report.exit_code == 0, report.to_json()
    assert sorted(clones) == ["v1", "v2"]  # 12 renders, 3 phases: one checkout per ref
    assert (tmp_path / "out/a/p4/README.md").read_text() == "# p4 (v1, asked for v1)\n"
    assert (tmp_path / "out/b/p0/p0/__init__.py").read_text() == 'VERSION = "1"\n'
    assert (tmp_path / "out/c/p1/README.md").read_text() == "# p1 (v2)\n"
    # --vcs-ref wins over the file's vcs_ref:
    clones.clear()
    again = api.run(tmp_path / "plan.yaml", out=tmp_path / "out2", vcs_ref="v2")
    assert again.exit_code == 0 and clones == ["v2"]
    assert (tmp_path / "out2/a/p0/README.md").read_text() == "# p0 (v2)\n"


def test_a_checkout_renders_without_its_git_folder_and_is_removed_after_use(
    tmp_path: Path, sandbox: Path
) -> None:
    copier_repo(tmp_path / "tpl")
    blueprint = resolve_blueprint("./tpl", vcs_ref="v1")
    root = blueprint.root
    assert root.is_dir() and (root / "copier.yml").is_file() and not (root / ".git").exists()
    assert root.is_relative_to(sandbox) and root.name == "tpl"
    found = git_ref(blueprint)
    assert found is not None and (found.source, found.ref, found.describe) == ("./tpl", "v1", "v1")
    assert found.commit == git(tmp_path / "tpl", "rev-parse", "v1^{commit}")
    assert resolve_blueprint("./tpl", vcs_ref="v1") is blueprint  # while in use: shared
    del blueprint
    gc.collect()
    assert not root.exists()


def test_the_record_lets_check_find_the_same_commit(tmp_path: Path) -> None:
    copier_repo(tmp_path / "tpl")
    done = scaffold(tmp_path, "new", "./tpl", "--vcs-ref", "v1", "--out", "proj", "--defaults")
    assert done.returncode == 0, done.stderr
    (phase,) = read_record(tmp_path / "proj")
    assert phase.blueprint == str(tmp_path / "tpl") and phase.vcs is not None
    assert (phase.vcs.source, phase.vcs.vcs_ref, phase.vcs.ref) == ("./tpl", "v1", "v1")
    assert phase.vcs.commit == git(tmp_path / "tpl", "rev-parse", "v1^{commit}")
    # the template moves on (its v1 tag gone, its checks broken at HEAD): check uses the commit
    git(tmp_path / "tpl", "tag", "-d", "v1")
    broken = yaml.safe_load(V2["copier.yml"])
    broken["_scaffold"]["checks"] = [{"command": "false"}]
    commit(tmp_path / "tpl", {**V2, "copier.yml": yaml.safe_dump(broken)}, "broken", "v3")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    checked = scaffold(elsewhere, "check", "--out", tmp_path / "proj", "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    results = json.loads(checked.stdout)["checks"]
    assert [(r["check"], r["status"]) for r in results] == [("py_compile", "passed")]


def test_a_record_written_before_git_sources_still_loads(tmp_path: Path) -> None:
    record = {
        "version": 1,
        "phases": [
            {
                "name": None,
                "blueprint": "python-module",
                "origin": "built-in",
                "items": [
                    {"index": 1, "number": None, "name": "x", "values": {}, "files": ["a.py"]}
                ],
            }
        ],
    }
    build_file_tree(tmp_path / "old", {".scaffold/last-run.json": json.dumps(record)})
    (phase,) = read_record(tmp_path / "old")
    assert phase.vcs is None and phase.origin is Origin.BUILT_IN and phase.files == {1: ("a.py",)}


def test_list_reads_a_git_template_folder_without_cloning_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    copier_repo(project / ".scaffold/blueprints/mytpl")
    # uncommitted: what `list` shows comes from the folder itself
    edited = yaml.safe_load(V2["copier.yml"])
    edited["_scaffold"]["description"] = "as the folder is now"
    (project / ".scaffold/blueprints/mytpl/copier.yml").write_text(yaml.safe_dump(edited))
    monkeypatch.chdir(project)

    def no_git(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("git was asked")

    with monkeypatch.context() as patched:
        for name in ("clone", "get_latest_tag", "is_git_repo_root", "get_git"):
            patched.setattr(copier._vcs, name, no_git)
        (listed,) = [b for b in api.blueprints() if b.name == "mytpl"]
        assert listed.kind == "copier" and listed.description == "as the folder is now"
        assert git_ref(listed) is None
    # used by name, it follows Copier's rule like any git repository: the latest tag
    used = resolve_blueprint("mytpl")
    found = git_ref(used)
    assert found is not None and found.ref == "v2" and used.origin is Origin.PROJECT
    assert (
        used.description
        == "the Copier template " + str(project / ".scaffold/blueprints/mytpl") + " at v2"
    )


def test_a_native_blueprint_in_git(tmp_path: Path) -> None:
    manifest = {
        "name": "greeting",
        "description": "a greeting",
        "variables": {
            "type": "object",
            "required": ["who"],
            "properties": {"who": {"type": "string"}},
        },
    }
    repo = tmp_path / "native"
    files = {"blueprint.yaml": yaml.safe_dump(manifest)}
    commit(repo, {**files, "template/hello.txt.jinja": "v1 hello {{ who }}\n"}, "v1", "v1")
    commit(repo, {**files, "template/hello.txt.jinja": "v2 hello {{ who }}\n"}, "v2", "v2")
    commit(repo, {**files, "template/hello.txt.jinja": "head hello {{ who }}\n"}, "head")
    (repo / "template/hello.txt.jinja").write_text("edited hello {{ who }}\n")  # uncommitted
    url = f"git+file://{repo}"
    for args, expected in (
        ((url, "--vcs-ref", "v1"), "v1 hello you\n"),
        ((url,), "v2 hello you\n"),  # the latest tag
        (("./native", "--vcs-ref", "main"), "head hello you\n"),
        (("./native",), "edited hello you\n"),  # a local folder without a ref: as it is
    ):
        out = tmp_path / "out" / str(len(list((tmp_path).glob("out/*"))))
        done = scaffold(tmp_path, "new", *args, "--set", "who=you", "--out", out)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (out / "hello.txt").read_text() == expected, args


def test_show_and_blueprint_test_at_a_ref(tmp_path: Path) -> None:
    copier_repo(tmp_path / "tpl")
    for extra, default in (((), "demo2"), (("--vcs-ref", "v1"), "demo")):
        shown = scaffold(tmp_path, "show", "./tpl", *extra, "--json")
        assert shown.returncode == 0, shown.stderr
        data = json.loads(shown.stdout)
        assert data["variables"]["properties"]["project"]["default"] == default
        # where it comes from as the user knows it, not the run's temporary checkout
        assert data["path"] == f"./tpl @ {'v1' if extra else 'v2'}"
    tested = scaffold(tmp_path, "blueprint", "test", "./tpl", "--vcs-ref", "v1", "--json")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert json.loads(tested.stdout)["failed"] == []


def test_cookiecutter_rule_is_the_default_branch_and_copiers_the_latest_tag(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "cc"
    files = {"cookiecutter.json": '{"name": "x"}\n', "{{cookiecutter.name}}/a.txt": "a\n"}
    commit(repo, files, "one", "1.0")
    commit(repo, {**files, "b.txt": "b\n"}, "two")
    head = git(repo, "rev-parse", "HEAD")
    checkout = check_out(str(repo), None, follows_latest_tag)  # Cookiecutter: HEAD
    assert (checkout.ref.ref, checkout.ref.commit) == ("HEAD", head)
    assert (checkout.path / "b.txt").is_file()
    checkout.remove()
    commit(repo, {**files, "copier.yml": "name: x\n"}, "now Copier", "2.0")
    commit(repo, {**files, "copier.yml": "name: y\n"}, "three")
    checkout = check_out(str(repo), None, follows_latest_tag)  # Copier: the latest tag
    assert (checkout.ref.ref, checkout.ref.describe) == ("2.0", "2.0")
    checkout.remove()


def test_a_dirty_local_head_is_used_as_copier_uses_it_and_recorded_so(tmp_path: Path) -> None:
    commit(tmp_path / "tpl", V1, "untagged")
    (tmp_path / "tpl/CHANGES.md").write_text("uncommitted\n")
    done = scaffold(tmp_path, "new", "./tpl", "--out", "proj", "--defaults")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "proj/CHANGES.md").read_text() == "uncommitted\n"
    (phase,) = read_record(tmp_path / "proj")
    assert phase.vcs is not None and phase.vcs.dirty and phase.vcs.again == "HEAD"


def test_items_files_keep_urls_and_accept_vcs_ref(tmp_path: Path) -> None:
    build_file_tree(
        tmp_path,
        {
            "items.yaml": "blueprint: gh:owner/repo\nvcs_ref: v1\nitems: [{}]\n",
            "plan.yaml": (
                "vcs_ref: v1\nphases:\n"
                "  - {name: a, blueprint: ../t.git, items: [{}]}\n"
                "  - {name: b, blueprint: git@host:o/r.git, vcs_ref: main, items: [{}]}\n"
            ),
            "bad.yaml": "blueprint: ./tpl\nvcs_ref: 3\nitems: [{}]\n",
        },
    )
    (phase,) = load_items_file(tmp_path / "items.yaml").phases
    assert (phase.blueprint, phase.vcs_ref) == ("gh:owner/repo", "v1")
    first, second = load_items_file(tmp_path / "plan.yaml").phases
    assert (first.blueprint, first.vcs_ref) == (str(tmp_path.parent / "t.git"), "v1")
    assert (second.blueprint, second.vcs_ref) == ("git@host:o/r.git", "main")
    with pytest.raises(ScaffoldError, match=r"bad.yaml:2: vcs_ref: 3 is not of type 'string'"):
        load_items_file(tmp_path / "bad.yaml")


def test_a_batch_with_a_bad_ref_in_the_items_file_writes_nothing(tmp_path: Path) -> None:
    copier_repo(tmp_path / "tpl")
    build_file_tree(
        tmp_path, {"items.yaml": "blueprint: ./tpl\nvcs_ref: v7\nitems: [{project: a}]\n"}
    )
    result = scaffold(tmp_path, "batch", "items.yaml", "--out", "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'tpl'}: cannot check out 'v7'" in result.stderr
    assert not (tmp_path / "out").exists()
    with pytest.raises(BlueprintError, match="no blueprint at the root"):
        commit(tmp_path / "empty", {"README.md": "nothing\n"}, "empty", "v1")
        resolve_blueprint("./empty", vcs_ref="v1")


def test_a_cookiecutter_template_in_git_renders_as_cookiecutter_does(tmp_path: Path) -> None:
    from cookiecutter.main import cookiecutter

    repo = tmp_path / "cc"
    files = {"cookiecutter.json": '{"name": "proj"}\n', "{{cookiecutter.name}}/a.txt": "one\n"}
    commit(repo, files, "one", "1.0")
    commit(
        repo, {**files, "{{cookiecutter.name}}/a.txt": "two {{ cookiecutter._template }}\n"}, "two"
    )
    url = f"git+file://{repo}"
    done = scaffold(tmp_path, "new", url, "--defaults", "--out", "ours")
    assert done.returncode == 0, done.stdout + done.stderr
    cookiecutter(url, no_input=True, output_dir=str(tmp_path / "theirs"))
    assert tree(tmp_path / "ours") == tree(tmp_path / "theirs")
    assert (tmp_path / "ours/proj/a.txt").read_text() == f"two {url}\n"  # not the 1.0 tag
    (phase,) = read_record(tmp_path / "ours")
    assert phase.vcs is not None and phase.vcs.ref == "HEAD" and phase.vcs.vcs_ref is None
    at_tag = scaffold(tmp_path, "new", url, "--vcs-ref", "1.0", "--defaults", "--out", "tag")
    assert at_tag.returncode == 0, at_tag.stderr
    assert (tmp_path / "tag/proj/a.txt").read_text() == "one\n"


def test_without_git_a_git_source_says_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copier_repo(tmp_path / "tpl")
    (tmp_path / "no-git").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-git"))
    result = scaffold(tmp_path, "new", "git+file://x/tpl", "--out", "o", "--defaults")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "git+file://x/tpl: a git source, and git is not installed" in result.stderr
    # a local repository is then read as the folder it is, as Copier reads it without git
    local = scaffold(tmp_path, "new", "./tpl", "--out", "o", "--defaults")
    assert local.returncode == 0, local.stderr
    assert (tmp_path / "o/UNRELEASED.md").exists() and not (tmp_path / "o/.git").exists()
