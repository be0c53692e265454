"""The `flags` column of grades.csv: code in a submission's answer cells that hides what it calls or reaches for
the grader, read from the source (AST) in the grader's own process; no student code runs here.

An honest submission has no flags. Most flags only tell the instructor where to look, like `similarity`; the
ones `reaches` names (frames, globals, dispatch, the grader's inside, patches of torch or the course) zero the
judged exercises graded after their cell (judge.py). Each flag names the construct and its cell.
"""
from __future__ import annotations

import ast
from pathlib import Path

from .cells import read_code_cells, without_solution_markers

# Calls that hide what they call.
HIDING_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars"}
# getattr/setattr/delattr are honest on your own objects (getattr(self, f"linear{k}")); on a module they hide calls.
ATTR_CALLS = {"getattr", "setattr", "delattr"}
HIDING_MODULES = {"importlib", "ctypes", "sqlite3", "gc", "signal", "inspect", "dataclasses", "builtins", "socket",
                  "subprocess", "threading", "_thread", "concurrent", "multiprocessing", "weakref", "asyncio",
                  "zipfile", "atexit", "marshal", "pickle", "sys", "os", "autograder"}
# Attribute names that reach into frames, globals, the import system or torch's dispatch.
REACHING_ATTRS = {"_getframe", "f_back", "f_locals", "f_globals", "f_code", "tb_frame", "gi_frame", "cr_frame",
                  "__globals__", "__code__", "__closure__", "__builtins__", "__subclasses__", "__init_subclass__",
                  "__torch_function__", "__torch_dispatch__", "DisableTorchFunction", "DisableTorchFunctionSubclass",
                  "_C", "jit", "callbacks", "setitimer", "settrace", "setprofile", "addaudithook", "modules",
                  "meta_path", "path_hooks", "stdout", "stderr", "displayhook", "excepthook"}
# Modules whose attributes a submission must not assign.
PATCHED_ROOTS = {"torch", "nn", "F", "np", "numpy", "dataclasses", "builtins", "sys", "autograder", "math", "einops"}


def _root_name(node: ast.AST) -> str | None:
    """`torch` for torch.nn.functional.linear, `sys` for sys.stdout."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


# The course's own modules a notebook may import (the release's cells do); anything deeper is the grader's inside.
PUBLIC_COURSE = {"autograder", "autograder.student", "autograder.student.checks", "autograder.student.notebook",
                 "autograder.student.data", "autograder.student.training", "autograder.student.batches",
                 "autograder.student.colab", "autograder.student.settings"}
HONEST_TARGETS = {"sys.path"}   # the setup cell puts the course on sys.path
MUTATORS = {"update", "__setitem__", "__delitem__", "append", "insert", "pop", "clear", "setdefault", "extend",
            "remove", "__setattr__"}


def _patched(node: ast.AST, roots: dict[str, str]) -> str | None:
    """The library or course module an expression lies in (through the notebook's aliases), when it is one."""
    name = _root_name(node)
    resolved = roots.get(name, name) if name else None
    return name if resolved in PATCHED_ROOTS else None


def _imports_inside(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The course modules an import reaches below the public ones (the checks' and the grader's inside)."""
    if isinstance(node, ast.Import):
        modules = [a.name for a in node.names]
    else:
        base = node.module or ""
        modules = [base] + [f"{base}.{a.name}" for a in node.names if a.name[:1].islower()]
        modules = [base] if base not in PUBLIC_COURSE else [m for m in modules[1:] if m.count(".") > base.count(".")
                                                             and _is_module(m)]
    return [m for m in modules if m.split(".")[0] == "autograder" and m not in PUBLIC_COURSE]


def _is_module(dotted: str) -> bool:
    """True when dotted names one of the course's modules (not a function exported by a package)."""
    import importlib.util
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError):
        return False


def cell_flags(source: str, roots: dict[str, str] | None = None) -> list[str]:
    """The constructs of one cell that hide calls or reach for the grader, each once, in order found.

    `roots` maps the notebook's names to the module each stands for ({'c': 'autograder'} after
    `import autograder.student.checks as c`), so an alias does not hide a patch.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    roots = roots or {}
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in HIDING_MODULES]
            found += [f"imports {m}" for m in _imports_inside(node)]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS
              and _patched(node.func.value, roots) and ast.unparse(node.func.value) not in HONEST_TARGETS):
            found.append(f"changes {ast.unparse(node.func.value)} with .{node.func.attr}()")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args
              and node.func.attr in ("__setattr__", "__delattr__") and _patched(node.args[0], roots)):
            found.append(f"{ast.unparse(node.func)}({ast.unparse(node.args[0])}, …)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in HIDING_CALLS:
                found.append(f"{node.func.id}()")
            elif node.func.id in ATTR_CALLS and len(node.args) > 1 and _patched(node.args[0], roots):
                computed = "" if isinstance(node.args[1], ast.Constant) else " with a computed name"
                found.append(f"{node.func.id}({_root_name(node.args[0])}, …){computed}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in REACHING_ATTRS | {"__del__"}:
            found.append(f"defines {node.name}")
        elif isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) == \
                "get_ipython":
            found.append("get_ipython")
        elif (isinstance(node, ast.Attribute) and node.attr in ("save", "load")
              and roots.get(_root_name(node) or "", _root_name(node)) == "torch"):
            found.append(f"torch.{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                any(name in node.value for name in ("course_observations", "course_challenge")):
            found.append("names the grader's files")
        elif isinstance(node, ast.Attribute) and node.attr in REACHING_ATTRS:
            found.append(f"{_root_name(node) or '…'}.{node.attr}" if node.attr != "_C" else "torch._C")
        elif isinstance(node, ast.Name) and node.id in REACHING_ATTRS - {"modules", "callbacks", "jit", "stdout",
                                                                        "stderr", "_C"}:
            found.append(node.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, (ast.Attribute, ast.Subscript)) and _patched(t, roots):
                    found.append(f"assigns {ast.unparse(t)}")
    return list(dict.fromkeys(found))


def notebook_flags(path: Path, release: Path | None = None) -> str:
    """'construct (cell label); ...' for what the student wrote: the answer cells, and with the released notebook,
    every code cell that is not one of the release's own; '' when there is nothing."""
    every = read_code_cells(path)
    given = None if release is None else {c.source for c in read_code_cells(release)}
    out = []
    for i, cell in enumerate(every):
        if cell.answer if given is None else cell.source not in given:
            roots = roots_of([c.source for c in every[:i + 1]])
            out += [f"{flag} ({cell.label})" for flag in cell_flags(cell.answer_source, roots)]
    return "; ".join(out)


# What no honest cell of this course does: each reaches past the checks (frames, globals, dispatch, the import
# system, the OS) or patches the libraries the checks read. A judged exercise whose hidden test runs after such a
# cell scores 0 (judge.py): the observations it wrote could have been forged. The rest of the flags only inform.
# sqlite3 only informs: it reaches files, which the sandbox hides; a gradebook attack keeps its layer's points.
# threading & co. run student code while a hidden test observes (the observations are taken away when it ends).
REACHING_IMPORTS = {"ctypes", "importlib", "gc", "signal", "marshal", "threading", "_thread", "concurrent",
                    "multiprocessing", "weakref", "atexit", "asyncio"}
READ_ONLY_OK = {"modules", "stdout", "stderr", "displayhook", "excepthook"}   # reading sys.stdout is honest


def reaches(flag: str) -> bool:
    """True for a flag that no honest submission raises (it zeroes the exercises graded after its cell)."""
    if flag in ("get_ipython", "names the grader's files"):   # torch.save/load only inform (saving a model is honest)
        return True
    if flag.startswith(("assigns ", "defines ", "imports ", "changes ")) or flag.endswith("with a computed name"):
        return True
    if flag in ("exec()", "eval()", "compile()", "__import__()") or flag.startswith(("setattr(", "delattr(")) \
            or ".__setattr__(" in flag or ".__delattr__(" in flag:
        return True
    if flag.startswith("import "):
        return flag.split()[1].split(".")[0] in REACHING_IMPORTS
    attr = flag.rsplit(".", 1)[-1]
    return attr in REACHING_ATTRS - READ_ONLY_OK or flag == "torch._C"


def roots_of(sources: list[str]) -> dict[str, str]:
    """name -> the top module it stands for, over the cells in order (imports and simple assignments)."""
    from .borrowing import aliases_of
    return {name: dotted.split(".")[0] for name, dotted in aliases_of(sources).items()}


def reaching(source: str, roots: dict[str, str] | None = None) -> str | None:
    """The first construct of a cell that reaches past the checks, or None."""
    return next((f for f in cell_flags(without_solution_markers(source), roots) if reaches(f)), None)
