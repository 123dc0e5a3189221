"""dvc.yaml's deps name all the project code each stage runs, so that `dvc repro` sees every code change.

For each stage whose command runs `python -m <module>` (or `python <script>.py`), the project
files it imports are found by following its imports (`ast`, not by running it), transitively,
and compared with the `.py` deps the stage lists. Project code is whatever resolves under the
import roots the project puts on `sys.path` (pyproject's pytest `pythonpath`, the same folders
`make setup-development-pipenv` gives the venv): `training` from the repository root, `app`
from serving/. Everything else (the standard library, installed packages) is not ours to list.
"""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

REPOSITORY = Path(__file__).resolve().parents[2]
DVC_YAML = REPOSITORY / "dvc.yaml"


def import_roots(repository: Path) -> list[Path]:
    pytest_options = tomllib.loads((repository / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    return [(repository / folder).resolve() for folder in pytest_options["pythonpath"]]


@dataclass(frozen=True)
class Module:
    name: str
    path: Path

    @property
    def package(self) -> str:
        """The package that relative imports in this module start from."""
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]


class ProjectModules:
    """Resolves dotted names to the project's own files under its import roots; others resolve to None."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots

    def find(self, name: str) -> Module | None:
        parts = name.split(".")
        for root in self.roots:
            folder = root.joinpath(*parts)
            if (folder / "__init__.py").is_file():
                return Module(name, folder / "__init__.py")
            if folder.with_suffix(".py").is_file() and (len(parts) == 1 or self.find(".".join(parts[:-1]))):
                return Module(name, folder.with_suffix(".py"))
        return None

    def with_parents(self, name: str) -> Iterator[Module]:
        """`name` and every package above it: importing a.b.c runs a/__init__.py and a/b/__init__.py too."""
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            module = self.find(".".join(parts[:end]))
            if module is not None:
                yield module

    def from_script(self, script: Path) -> Module | None:
        for root in self.roots:
            if script.resolve().is_relative_to(root):
                relative = script.resolve().relative_to(root).with_suffix("")
                return self.find(".".join(relative.parts)) or Module(".".join(relative.parts), script.resolve())
        return None


def _runs_at_import(node: ast.AST) -> Iterator[ast.AST]:
    """Every node, in function bodies too, except under `if TYPE_CHECKING:` (never true at run time)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield other
                yield from _runs_at_import(other)
            continue
        yield child
        yield from _runs_at_import(child)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(module: Module) -> Iterator[str]:
    """The dotted names a module imports; for `from a import b`, both `a` and `a.b` (b may be a submodule)."""
    tree = ast.parse(module.path.read_text(), filename=str(module.path))
    for node in _runs_at_import(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.package.split(".")
                anchor = ".".join(package[: len(package) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "import_module") or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )


def import_closure(entry: Module, modules: ProjectModules) -> set[Path]:
    """The project files that running `entry` imports, directly or not, its parent packages included."""
    pending = [*modules.with_parents(entry.package), entry] if entry.package else [entry]
    seen: set[Path] = set()
    while pending:
        module = pending.pop()
        if module.path in seen:
            continue
        seen.add(module.path)
        for name in imported_names(module):
            pending.extend(modules.with_parents(name))
    return seen


@dataclass(frozen=True)
class Stage:
    name: str
    cmd: str
    deps: list[str]
    outs: list[str]

    def entry(self, modules: ProjectModules, cwd: Path) -> Module | None:
        """The project module that the command runs with python, if it runs one."""
        words = shlex.split(self.cmd)
        for index, word in enumerate(words):
            if not PurePosixPath(word).name.startswith("python"):
                continue
            options = iter(words[index + 1 :])
            for option in options:
                if option == "-m":
                    return modules.find(next(options))
                if not option.startswith("-"):
                    return modules.from_script(cwd / option)
        return None


def _paths(entries: list[Any]) -> list[str]:
    """dvc.yaml lists a path either as a string or as a one-key mapping of it to its options."""
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


def interpolate(text: str, params: dict[str, Any]) -> str:
    """DVC's `${a.b}` templating, from params.yaml (its default variables)."""

    def value(match: re.Match[str]) -> str:
        found: Any = params
        for key in match.group(1).strip().split("."):
            found = found[key]
        return str(found)

    return re.sub(r"\$\{([^}]+)\}", value, text)


def read_stages(dvc_yaml: Path) -> list[Stage]:
    params = yaml.safe_load((dvc_yaml.parent / "params.yaml").read_text())
    document = yaml.safe_load(interpolate(dvc_yaml.read_text(), params))
    stages = []
    for name, body in document["stages"].items():
        if "cmd" not in body:
            pytest.fail(f"stage {name!r} uses foreach/matrix templating, which this test cannot expand yet")
        cmd = body["cmd"] if isinstance(body["cmd"], str) else " && ".join(body["cmd"])
        outs = _paths([*body.get("outs", []), *body.get("metrics", []), *body.get("plots", [])])
        stages.append(Stage(name, cmd, _paths(body.get("deps", [])), outs))
    return stages


STAGES = read_stages(DVC_YAML)
MODULES = ProjectModules(import_roots(REPOSITORY))
PYTHON_STAGES = [stage for stage in STAGES if stage.entry(MODULES, REPOSITORY) is not None]


def test_the_pipeline_has_python_stages_to_check() -> None:
    assert PYTHON_STAGES, "no stage in dvc.yaml runs `python -m <project module>`: this test checks nothing"


@pytest.mark.parametrize("stage", PYTHON_STAGES, ids=lambda stage: stage.name)
def test_a_stage_lists_exactly_the_project_code_it_imports(stage: Stage) -> None:
    entry = stage.entry(MODULES, REPOSITORY)
    assert entry is not None
    imported = {path.relative_to(REPOSITORY).as_posix() for path in import_closure(entry, MODULES)}
    listed = {dep for dep in stage.deps if dep.endswith(".py")}

    missing, extra = sorted(imported - listed), sorted(listed - imported)
    assert (missing, extra) == ([], []), (
        f"stage {stage.name!r} in dvc.yaml: missing deps (code it imports): {missing}; "
        f"extra deps (.py files it never imports): {extra}"
    )


@pytest.mark.parametrize("stage", STAGES, ids=lambda stage: stage.name)
def test_a_stage_depends_only_on_files_that_exist_or_that_another_stage_writes(stage: Stage) -> None:
    written = {out: other.name for other in STAGES if other is not stage for out in other.outs}

    def produced(dep: str) -> bool:
        return any(PurePosixPath(dep).is_relative_to(out) for out in written)

    dangling = [
        dep for dep in stage.deps if not dep.endswith(".py") and not produced(dep) and not (REPOSITORY / dep).exists()
    ]
    assert dangling == [], (
        f"stage {stage.name!r} in dvc.yaml depends on paths that neither exist nor another stage writes: {dangling}"
    )


# The resolver itself, on a made-up project: each import form it must follow.
FIXTURE_PROJECT = {
    "pkg/__init__.py": "",
    "pkg/stages/__init__.py": "",
    "pkg/stages/run.py": "from pkg import helpers\nfrom .. import relative\nfrom ..lazy_parent import lazy\n",
    "pkg/helpers.py": "import os\nimport pkg.deep.inner\n",
    "pkg/relative.py": "from .sibling import NAME\n",
    "pkg/sibling.py": "NAME = 1\n",
    "pkg/deep/__init__.py": "",
    "pkg/deep/inner.py": "def late():\n    from other import service\n",
    "pkg/lazy_parent.py": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.typing_only\n"
        "def lazy():\n    import importlib\n    importlib.import_module('pkg.dynamic')\n"
    ),
    "pkg/typing_only.py": "",
    "pkg/dynamic.py": "",
    "pkg/unused.py": "",
    "serving/other/__init__.py": "",
    "serving/other/service.py": "",
}


def test_the_closure_follows_every_import_form_and_skips_type_checking_only_imports(tmp_path: Path) -> None:
    for name, text in FIXTURE_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = ProjectModules([tmp_path, tmp_path / "serving"])
    entry = Stage("run", "python -m pkg.stages.run --out x", [], []).entry(modules, tmp_path)
    assert entry is not None

    closure = {path.relative_to(tmp_path).as_posix() for path in import_closure(entry, modules)}

    assert closure == set(FIXTURE_PROJECT) - {"pkg/typing_only.py", "pkg/unused.py"}
