"""The `flags` column: answer cells that hide what they call or reach for the grader are named; honest ones never are."""
from __future__ import annotations

import inspect
import json
import textwrap

import pytest

from autograder.grader.flags import cell_flags, notebook_flags
from autograder.student.settings import notebooks_dir, solutions_dir

pytestmark = pytest.mark.grading

# (attack, the flag it must raise): one per class of the integrity issue's attacks.
ATTACKS = [
    ("f = sys._getframe(1)\nf.f_back.f_locals['report'].score = 10", "sys._getframe"),
    ("frame = inspect.currentframe().f_back", "f_back"),
    ("g = self.forward.__globals__", "__globals__"),
    ("class Sneaky(Base):\n    def __init_subclass__(cls):\n        pass", "__init_subclass__"),
    ("import dataclasses\ndataclasses.field = lambda *a, **k: None", "assigns dataclasses.field"),
    ("import signal\nsignal.setitimer(signal.ITIMER_REAL, 0.01)", "signal.setitimer"),
    ("import gc\ngc.callbacks.append(lambda *a: None)", "gc.callbacks"),
    ("class T(torch.Tensor):\n    @classmethod\n    def __torch_function__(cls, *a, **k): return True", "__torch_function__"),
    ("torch.allclose = lambda *a, **k: True", "assigns torch.allclose"),
    ("with torch._C.DisableTorchFunction():\n    y = F.linear(x, w, b)", "torch._C"),
    ("lin = torch.jit.script(F.linear)", "torch.jit"),
    ("import sqlite3\nsqlite3.connect('../gradebook.db')", "import sqlite3"),
    ("fn = getattr(F, 'lin' + 'ear')", "getattr(F, …) with a computed name"),
    ("fn = getattr(getattr(torch, 'n' + 'n').functional, 'linear')", "getattr(torch, …) with a computed name"),
    ("setattr(torch, 'allclose', lambda *a, **k: True)", "setattr(torch, …)"),
    ("exec('y = 1')", "exec()"),
    ("mod = __import__('torch.nn.functional')", "__import__()"),
    ("import importlib\nm = importlib.import_module('torch')", "import importlib"),
    ("import ctypes\nctypes.pythonapi", "import ctypes"),
    ("sys.modules['autograder.student.checks'] = None", "assigns sys.modules['autograder.student.checks']"),
    ("sys.stdout = open('/dev/null', 'w')", "assigns sys.stdout"),
]


@pytest.mark.parametrize("source, flag", ATTACKS, ids=[a[1] for a in ATTACKS])
def test_each_attack_class_is_flagged(source, flag):
    assert any(flag in f for f in cell_flags(source)), f"Expected {flag!r} among the flags of:\n{source}\ngot {cell_flags(source)}."


def test_no_reference_answer_or_released_stub_is_flagged():
    for folder in (solutions_dir(), notebooks_dir()):
        for path in sorted(folder.glob("*/*.ipynb")):
            assert notebook_flags(path) == "", f"Expected no flags on {path}; got {notebook_flags(path)!r}."


def test_correct_catalogue_sources_are_not_flagged():
    from tests.catalogue import correct
    flagged = {}
    for case in correct():
        try:
            source = inspect.getsource(case.obj)
        except (TypeError, OSError):
            continue
        found = cell_flags(textwrap.dedent(source))
        if found:
            flagged[case.name] = found
    assert not flagged, f"Expected no flags on honest (correct) catalogue solutions; got {flagged}."


def test_honest_getattr_and_setattr_on_your_own_objects_are_not_flagged():
    source = ("for k, layer in enumerate(layers):\n    setattr(self, f'linear{k}', layer)\n"
              "x = getattr(self, f'linear{k}')(x)")
    assert cell_flags(source) == [], cell_flags(source)


def test_flags_name_the_answer_cell(tmp_path):
    nb = json.loads((solutions_dir() / "01_iter1" / "01_iter1.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution"))
    cell["source"] = "".join(cell["source"]) + "\nimport ctypes\n"
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps(nb))
    gid = cell["metadata"]["nbgrader"]["grade_id"]
    assert notebook_flags(path) == f"import ctypes (cell {gid})"


# --- the constructs that zero the exercises graded after their cell (flags.reaching, grader/judge.py) ----------

REACHING = [
    "import autograder.student.checks.probes as p\np.PROBES['torch_calls'] = lambda *a, **k: []",
    "import autograder.student.checks as c\nc.probes.PROBES.update(torch_calls=lambda *a, **k: [])",
    "from autograder.student.checks import judge",
    "import autograder.student.checks as c\nobject.__setattr__(c, 'grade', None)",
    "import torch as T\nT.allclose = lambda *a, **k: True",
    "import sys\nsys.modules['autograder.student.checks'] = None",
]


@pytest.mark.parametrize("source", [*(a for a, f in ATTACKS if f != "import sqlite3"), *REACHING])
def test_every_attack_reaches_past_the_checks(source):
    from autograder.grader.flags import reaching, roots_of
    assert reaching(source, roots_of([source])), f"Expected this cell to zero the exercises after it:\n{source}"


def test_no_released_or_reference_cell_reaches_past_the_checks():
    from autograder.grader.flags import reaching, roots_of
    found = []
    for path in sorted(notebooks_dir().glob("*/*.ipynb")) + sorted(solutions_dir().glob("*/*.ipynb")):
        sources = []
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                sources.append("".join(cell["source"]))
                hit = reaching(sources[-1], roots_of(sources))
                found += [f"{path.name}: {hit}"] if hit else []
    assert not found, f"Expected no cell the course ships to reach past the checks; got {found}."


def test_honest_code_on_your_own_objects_does_not_reach():
    from autograder.grader.flags import reaching, roots_of
    for source in ("object.__setattr__(self, 'x', 1)", "sys.path.insert(0, '.')", "print(sys.stdout)",
                   "setattr(self, 'w', 1)", "from autograder.student.checks import self_check"):
        assert reaching(source, roots_of([source])) is None, f"Expected honest code not to reach: {source}"


@pytest.mark.parametrize("source", [
    "import threading\nthreading.Thread(target=print).start()",
    "class MyLinear:\n    def __del__(self):\n        pass",
    "get_ipython().events.register('post_run_cell', print)",
    "open('.course_observations/linear_randn.pt', 'wb')",
    "import weakref",
])
def test_code_that_runs_after_a_hidden_test_observed_reaches(source):
    from autograder.grader.flags import reaching, roots_of
    assert reaching(source, roots_of([source])), f"Expected this cell to zero the judged exercises:\n{source}"


def test_saving_a_model_is_only_a_flag():
    from autograder.grader.flags import cell_flags, reaching, roots_of
    source = "import torch\ntorch.save(model.state_dict(), 'mlp.pt')"
    assert "torch.save" in cell_flags(source, roots_of([source])) and reaching(source, roots_of([source])) is None, \
        "Expected torch.save flagged for the instructor but not zeroing: the observations are taken away in time."
