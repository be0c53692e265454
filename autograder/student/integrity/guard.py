"""The grader's own code as it was before any student code ran, and what a notebook changed since.

`capture(module)` runs when `autograder.student.checks` is first imported (the sandbox kernel and
`setup_notebook()` both import it before student code). It keeps the checks package's module object, a
copy of its namespace, its functions' code objects, a copy of `builtins`, the modules the checks rely on,
the checks' code compiled from their source (the fresh copies are run from it, not from disk or the import
system) and the
code objects of the reference solutions (compiled from solutions/*.py while they are still readable).
`tampering(genuine)` compares the present with that capture, restores what it can and names what changed.
"""
from __future__ import annotations

import builtins
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEAL_EVENT = "mlp_course.seal"  # grade() asks the sandbox kernel's sealing hook (integrity/seal.py) for a seal
# The modules whose objects the checks use (and every torch.* / numpy.* module loaded at capture);
# replacing one in sys.modules is tampering.
WATCHED_MODULES = ("torch", "torch.nn", "torch.nn.functional", "torch.overrides", "torch.testing", "numpy",
                   "math", "importlib", "types", "sys", "builtins", "inspect", "contextlib", "io", "re", "threading",
                   "signal", "time", "traceback", "warnings", "dataclasses", "itertools", "tokenize", "typing")
# The checks' modules in an order where each one's imports come before it.
CHECK_MODULES = ("core", "tape", "stats", "compare", "adapters", "asks", "probes", "source", "probes_backprop",
                 "probes_optimizer", "linear", "iter1", "iter2", "mlp", "backdrop", "backprop", "optimizer", "registry",
                 "judge")
GUARDED_FUNCTIONS = ("grade", "check_report", "self_check", "_fresh_modules")
# builtins that IPython and ipykernel themselves set per cell (input, exit, ...) are not watched.
KERNEL_BUILTINS = frozenset({"input", "raw_input", "exit", "quit", "get_ipython", "display", "help", "copyright",
                             "credits", "license"})


def watched_builtins() -> dict[str, Any]:
    """The builtins the checks may call, by name (kernel-managed and private names left out)."""
    return {k: v for k, v in vars(builtins).items()
            if k not in KERNEL_BUILTINS and (not k.startswith("_") or k in ("__import__", "__build_class__"))}


@dataclass(frozen=True)
class Genuine:
    """What the checks package and its surroundings looked like before student code ran."""

    module: types.ModuleType
    namespace: dict[str, Any]           # a copy of the package's __dict__
    codes: dict[str, types.CodeType]    # grade, check_report, ... -> their code objects
    builtins: dict[str, Any]            # a copy of vars(builtins)
    modules: dict[str, types.ModuleType]  # name -> module, for WATCHED_MODULES and the checks' own
    compiled: tuple[tuple[str, str, types.CodeType], ...]  # (submodule, file, code) compiled at capture
    reference: tuple[types.CodeType, ...]  # every function code object of the reference solutions
    reference_files: tuple[str, ...]    # their paths (a code object compiled from one is borrowed)


def _codes(code: types.CodeType) -> list[types.CodeType]:
    """A code object and every code object nested in it (classes, methods, comprehensions)."""
    out = [code]
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            out.extend(_codes(const))
    return out


def reference_codes(folder: Path) -> tuple[tuple[types.CodeType, ...], tuple[str, ...]]:
    """The function code objects of the reference solutions in folder/*.py (empty where there are none)."""
    codes, files = [], []
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
            tree = compile(text, str(path), "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError):
            continue
        files.append(str(path.resolve()))
        codes.extend(c for c in _codes(tree) if c.co_name not in ("<module>",) and not c.co_name.startswith("<"))
    return tuple(codes), tuple(files)


def capture(module: types.ModuleType, solutions: Path | None = None) -> Genuine:
    """Record the genuine checks package (call before any student code runs)."""
    here = Path(module.__file__).resolve().parent
    compiled = tuple((name, str(here / f"{name}.py"), compile((here / f"{name}.py").read_text(encoding="utf-8"),
                                                              str(here / f"{name}.py"), "exec", dont_inherit=True))
                     for name in CHECK_MODULES)  # immutable: code objects in a tuple
    namespace = dict(vars(module))
    codes = {n: namespace[n].__code__ for n in GUARDED_FUNCTIONS if isinstance(namespace.get(n), types.FunctionType)}
    names = {*WATCHED_MODULES, module.__name__, *(f"{module.__name__}.{m}" for m in CHECK_MODULES)}
    modules = {n: m for n, m in list(sys.modules.items())
               if n in names or n.startswith(("torch.", "numpy.")) and isinstance(m, types.ModuleType)}
    ref, files = reference_codes(solutions if solutions is not None else _solutions())
    return Genuine(module, namespace, codes, watched_builtins(), modules, compiled, ref, files)


def _solutions() -> Path:
    """The answer key's folder, or a path that does not exist where there is none (the student edition)."""
    from ..settings import solutions_dir
    try:
        return solutions_dir()
    except FileNotFoundError:
        return Path("/nonexistent/solutions")


def _extra_names(genuine: Genuine) -> list[str]:
    """Names added to the package's namespace that could shadow a builtin (submodules and dunders excepted)."""
    prefix = genuine.module.__name__ + "."
    return [k for k, v in vars(genuine.module).items() if k not in genuine.namespace and not k.startswith("__")
            and not (isinstance(v, types.ModuleType) and v.__name__.startswith(prefix))]


def _namespace_changes(genuine: Genuine) -> list[str]:
    """The package's names whose value is no longer the captured object; restores them."""
    ns = vars(genuine.module)
    changed = [k for k, v in genuine.namespace.items()
               if (not k.startswith("__") or k == "__builtins__") and ns.get(k, _MISSING) is not v]
    extra = _extra_names(genuine)
    for k in changed:
        ns[k] = genuine.namespace[k]
    for k in extra:
        del ns[k]
    return changed + extra


_MISSING = object()


def tampering(genuine: Genuine) -> list[str]:
    """What a notebook changed in the grader since capture, one phrase each; restores what it can."""
    found = []
    name = genuine.module.__name__
    if sys.modules.get(name) is not genuine.module:
        found.append(f"sys.modules[{name!r}] was replaced")
        sys.modules[name] = genuine.module
    moved = [n for n, m in genuine.modules.items() if n != name and sys.modules.get(n) is not m]
    if moved:
        found.append(f"sys.modules entries were replaced ({', '.join(moved[:3])})")
        sys.modules.update({n: genuine.modules[n] for n in moved})
    changed = _namespace_changes(genuine)
    if changed:
        found.append(f"{name}.{changed[0]} was changed")
    ns = vars(genuine.module)
    recoded = [n for n, c in genuine.codes.items() if getattr(ns.get(n), "__code__", None) is not c]
    if recoded:
        found.append(f"the code of {name}.{recoded[0]} was replaced")
    live = vars(builtins)
    swapped = [k for k, v in genuine.builtins.items() if live.get(k, _MISSING) is not v]
    if swapped:
        found.append(f"builtins.{swapped[0]} was replaced (restored)")
        live.update({k: genuine.builtins[k] for k in swapped})
    return found


def _classes(obj: Any) -> list[tuple[str, list[tuple[str, types.FunctionType]]]]:
    """(name, [(qualified name, function)]) for obj itself, or for each class in its MRO and the functions it defines.

    Classes from an imported `solutions.*` module are skipped: using the
    reference class itself (or a course-given base class) is the required checks' business, and at
    grading time the fence keeps those modules unimportable anyway.
    """
    out = []
    for o in obj if isinstance(obj, tuple) else (obj,):
        if isinstance(o, types.FunctionType):
            out.append((o.__qualname__, [(o.__qualname__, o)]))
        for klass in getattr(o, "__mro__", ()):
            if klass is object or str(vars(klass).get("__module__", "")).split(".")[0] == "solutions":
                continue
            fns = [(f"{klass.__qualname__}.{attr}", getattr(v, "__func__", v)) for attr, v in vars(klass).items()]
            out.append((klass.__qualname__, [(q, f) for q, f in fns if isinstance(f, types.FunctionType)]))
    return out


def borrowed_reference(obj: Any, genuine: Genuine) -> str | None:
    """The first of obj's functions that runs the reference solution's code, or None.

    Borrowed: a code object compiled from a reference file (taken from the reference's objects), or a
    class whose every function equals the reference's code as CPython compares code (same bytecode,
    names, constants and line layout: the reference file's text exec'd under another name). One short
    function that happens to equal the reference's is not enough (a classic three-line __call__ can).
    """
    refs, files = set(genuine.reference), set(genuine.reference_files)
    for _, fns in _classes(obj):
        for qualname, fn in fns:
            if os.path.realpath(fn.__code__.co_filename) in files:
                return qualname
        if fns and all(fn.__code__ in refs for _, fn in fns):
            return fns[0][0]
    return None
