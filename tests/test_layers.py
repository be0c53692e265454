"""The package's shape: one subpackage per audience, imports one way, no cycles, the course root found in one place.

Layers, lowest first: autograder.student (the runtime students install) < autograder.grader < autograder.authoring
< autograder.cli / autograder.demo. A module may import its own layer or a lower one, never a higher one;
autograder/__init__.py imports nothing. Every import counts, also one inside a function.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autograder.student.settings import course_root

pytestmark = pytest.mark.skeleton
ROOT = course_root()
PACKAGE = ROOT / "autograder"
LAYERS = {"autograder.student": 0, "autograder.grader": 1, "autograder.authoring": 2,
          "autograder.cli": 3, "autograder.demo": 3}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """autograder/student/checks/__init__.py -> autograder.student.checks."""
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    return {module_name(p, package): p for p in sorted(package.rglob("*.py"))}


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules this file imports (relative forms resolved; `from pkg import sub` means pkg.sub)."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = {f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known}
            found |= subs or {target}
    return {m for m in found if m in known}


def graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """module -> the package's modules it imports."""
    mods = modules(package)
    return {name: imports(path, name, set(mods)) for name, path in mods.items()}


def layer(name: str) -> int | None:
    """The layer a module belongs to (None for the package's own __init__)."""
    for prefix, rank in LAYERS.items():
        if name == prefix or name.startswith(prefix + "."):
            return rank
    return None


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    """Imports from a lower layer into a higher one, and any import in autograder/__init__.py."""
    bad = [f"autograder/__init__.py imports {sorted(edges.get('autograder', set()))}"] if edges.get("autograder") else []
    for src, targets in sorted(edges.items()):
        for dst in sorted(targets):
            if layer(src) is not None and layer(dst) is not None and layer(dst) > layer(src):
                bad.append(f"{src} imports {dst}")
    return bad


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles (strongly connected groups of two or more modules, or a module importing itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in edges.get(v, ()):
                found.append(sorted(group))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_imports_go_one_way_between_the_audiences():
    bad = wrong_way(graph())
    assert not bad, (f"Expected the grader and authoring to import the student runtime, never the reverse; got "
                     f"{bad}. Hint: move what both need down into autograder/student (settings.py for settings).")


def test_the_package_has_no_import_cycles():
    found = cycles(graph())
    assert not found, f"Expected no import cycles in autograder/; got {found}. Hint: move the shared piece down a module."


def _write(root: Path, files: dict[str, str]) -> Path:
    """A throwaway package tree under root/autograder."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root / "autograder"


def test_the_check_fails_on_a_runtime_module_that_imports_the_grader(tmp_path):
    package = _write(tmp_path, {"autograder/__init__.py": "", "autograder/student/__init__.py": "",
                                "autograder/grader/__init__.py": "", "autograder/grader/pipeline.py": "",
                                "autograder/student/data.py": "def f():\n    from ..grader import pipeline\n"})
    assert wrong_way(graph(package)) == ["autograder.student.data imports autograder.grader.pipeline"]


def test_the_check_fails_on_a_cycle_and_on_an_import_in_the_root_module(tmp_path):
    package = _write(tmp_path, {"autograder/__init__.py": "from .student import a\n",
                                "autograder/student/__init__.py": "",
                                "autograder/student/a.py": "from . import b\n",
                                "autograder/student/b.py": "from .a import x\n"})
    edges = graph(package)
    assert cycles(edges) == [["autograder.student.a", "autograder.student.b"]]
    assert wrong_way(edges) == ["autograder/__init__.py imports ['autograder.student.a']"]


ROOT_FROM_FILE = re.compile(r"\.parents\[|\.parent\.parent\b")


def root_derivations(paths: list[Path]) -> list[str]:
    """Lines outside settings.course_root() that climb up from a file's folder (to find the course folder)."""
    settings = PACKAGE / "student" / "settings.py"
    return [f"{path}:{number}: {line.strip()}" for path in paths if path != settings
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if ROOT_FROM_FILE.search(line)]


def test_the_course_root_is_computed_in_one_function():
    paths = sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "tools").glob("*.py"))
    bad = root_derivations(paths)
    assert not bad, (f"Expected the course folder found only by autograder.student.settings.course_root(); got "
                     f"{bad}. Hint: import course_root (or solutions_dir, notebooks_dir) instead.")


@pytest.mark.parametrize("line", ["ROOT = Path(__file__).resolve().parents[2]",
                                  "here = Path(m.__file__).parent.parent / 'data'"])
def test_the_root_check_catches_a_module_that_climbs_from_its_file(tmp_path, line):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(f"from pathlib import Path\n{line}\n")
    assert len(root_derivations([sneaky])) == 1, f"Expected the check to report {line!r}."


def test_each_limit_has_one_default():
    from autograder.grader.types import Limits
    from autograder.student import settings
    assert Limits() == Limits(settings.CELL_TIMEOUT_S, settings.NOTEBOOK_TIMEOUT_S, settings.MEMORY_MB)
    literals = []
    for path in sorted(PACKAGE.rglob("*.py")) + [ROOT / "nbgrader_config.py"]:
        if path.name in ("settings.py", "demo.py"):  # demo.py: the demo class's own, shorter limits, on purpose
            continue
        text = path.read_text(encoding="utf-8")
        literals += [f"{path.name}: {m}" for m in re.findall(
            r"(?:cell_timeout\w*|notebook_timeout\w*|memory_mb|Execute\.timeout|Limits\()\s*[:=(]\s*(?:int\s*=\s*)?\d+", text)]
    assert not literals, f"Expected every time and memory limit to come from settings.py; got {literals}."


def test_the_version_is_one_string():
    import tomllib
    import autograder
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"], \
        "Expected pyproject.toml to read the version from autograder.__version__ (dynamic), not to repeat it."
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "autograder.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", autograder.__version__), autograder.__version__
