"""The `flags` column of grades.csv: code in a submission's answer cells that hides what it calls or reaches for
the grader, read from the source (AST) in the grader's own process; no student code runs here.

An honest submission has no flags. A flag does not change the score: like `similarity`, it tells the
instructor where to look. Each flag names the construct and the answer cell (its nbgrader grade_id).
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

from .copies import answer_cells, without_solution_markers

# Calls that hide what they call.
HIDING_CALLS = {"exec", "eval", "compile", "__import__", "globals", "vars"}
# getattr/setattr/delattr are honest on your own objects (getattr(self, f"linear{k}")); on a module they hide calls.
ATTR_CALLS = {"getattr", "setattr", "delattr"}
HIDING_MODULES = {"importlib", "ctypes", "sqlite3", "gc", "signal", "inspect", "dataclasses", "builtins", "socket",
                  "subprocess", "threading", "atexit", "marshal", "pickle", "sys", "os", "autograder"}
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


def cell_flags(source: str) -> list[str]:
    """The constructs of one cell that hide calls or reach for the grader, each once, in order found."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in HIDING_MODULES]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in HIDING_CALLS:
                found.append(f"{node.func.id}()")
            elif node.func.id in ATTR_CALLS and len(node.args) > 1 and _root_name(node.args[0]) in PATCHED_ROOTS:
                computed = "" if isinstance(node.args[1], ast.Constant) else " with a computed name"
                found.append(f"{node.func.id}({_root_name(node.args[0])}, …){computed}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in REACHING_ATTRS:
            found.append(f"defines {node.name}")
        elif isinstance(node, ast.Attribute) and node.attr in REACHING_ATTRS:
            found.append(f"{_root_name(node) or '…'}.{node.attr}" if node.attr != "_C" else "torch._C")
        elif isinstance(node, ast.Name) and node.id in REACHING_ATTRS - {"modules", "callbacks", "jit", "stdout",
                                                                        "stderr", "_C"}:
            found.append(node.id)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, (ast.Attribute, ast.Subscript)) and _root_name(t) in PATCHED_ROOTS:
                    found.append(f"assigns {ast.unparse(t)}")
    return list(dict.fromkeys(found))


def _code_cells(path: Path) -> list[tuple[str, str]]:
    """(label, source) of each code cell: its grade_id, or 'cell N' for a cell nbgrader does not know."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    out = []
    for i, cell in enumerate(c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"):
        src = cell.get("source", "")
        label = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"code cell {i + 1}"
        out.append((str(label), "".join(src) if isinstance(src, list) else str(src)))
    return out


def notebook_flags(path: Path, release: Path | None = None) -> str:
    """'construct (cell label); ...' for what the student wrote: the answer cells, and with the released notebook,
    every code cell that is not one of the release's own; '' when there is nothing."""
    if release is None:
        cells = [(gid, src) for gid, src in answer_cells(path).items()]
    else:
        given = {src for _, src in _code_cells(release)}
        cells = [(label, src) for label, src in _code_cells(path) if src not in given]
    out = []
    for label, source in cells:
        out += [f"{flag} (cell {label})" for flag in cell_flags(without_solution_markers(source))]
    return "; ".join(out)
