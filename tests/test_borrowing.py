"""Borrowing read from the submitted source in the grader's process (autograder/grader/borrowing.py).

Each attack writes torch's answer through another door: an alias, an import form, a name bound in another
cell, getattr with a constant. Honest cells (docstrings and comments that mention nn.Linear, a student's own
attribute named linear, experiments printed at top level) are not flagged.
"""
from __future__ import annotations

import pytest
import torch
from nbformat.v4 import new_code_cell, new_notebook

from autograder.grader.borrowing import FORBIDDEN, borrowed
from autograder.grader.judge import source_gated
from autograder.student.checks import judge
from catalogue.attacks import CORRECT, EXERCISE

pytestmark = pytest.mark.grading

IMPORTS = "import torch\nfrom torch import nn\nimport torch.nn.functional as F\nimport math"
HEAD = ("class MyLinear(nn.Module):\n    def __init__(self, i, o, bias=True):\n        super().__init__()\n"
        "        self.weight = nn.Parameter(torch.randn(o, i)); self.bias = nn.Parameter(torch.randn(o))\n")

BORROWING = {   # name -> (answer cell, an earlier cell of the student's, what the gate names)
    "F.linear": (HEAD + "    def forward(self, x): return F.linear(x, self.weight, self.bias)\n", "", "F.linear"),
    "full dotted path": (HEAD + "    def forward(self, x): return torch.nn.functional.linear(x, self.weight, self.bias)\n",
                         "", "F.linear"),
    "from-import with alias": ("from torch.nn.functional import linear as lin\n" + HEAD
                               + "    def forward(self, x): return lin(x, self.weight, self.bias)\n", "", "F.linear"),
    "alias bound in another cell": (HEAD + "    def forward(self, x): return helper(x, self.weight, self.bias)\n",
                                    "helper = F.linear", "F.linear"),
    "import torch as t": (HEAD + "    def forward(self, x): return t.nn.functional.linear(x, self.weight, self.bias)\n",
                          "import torch as t", "F.linear"),
    "getattr with a constant": (HEAD + "    def forward(self, x): return getattr(F, 'linear')(x, self.weight, self.bias)\n",
                                "", "F.linear"),
    "torch._C": (HEAD + "    def forward(self, x): return torch._C._nn.linear(x, self.weight, self.bias)\n", "", "F.linear"),
    "subclass of nn.Linear": ("class MyLinear(nn.Linear):\n    pass\n", "", "nn.Linear"),
    "nn.Linear inside": ("class MyLinear(nn.Module):\n    def __init__(self, i, o, bias=True):\n"
                         "        super().__init__(); self.inner = nn.Linear(i, o, bias)\n"
                         "    def forward(self, x): return self.inner(x)\n", "", "nn.Linear"),
    "the class renamed": ("MyLinear = nn.Linear\n", "", "nn.Linear"),
    "from torch.nn import Linear": ("from torch.nn import Linear as L\nclass MyLinear(L):\n    pass\n", "", "nn.Linear"),
    "forward patched after the class": (HEAD + "    def forward(self, x): return x @ self.weight.T + self.bias\n"
                                        "MyLinear.forward = lambda self, x: F.linear(x, self.weight, self.bias)\n",
                                        "", "F.linear"),
}


@pytest.mark.parametrize("name", BORROWING)
def test_borrowing_through_any_door_is_named(name: str) -> None:
    answer, earlier, want = BORROWING[name]
    got = borrowed(EXERCISE, answer, [IMPORTS, earlier])
    assert got == want, f"Expected the source gate to name {want!r} for {name!r}; got {got!r}."


HONEST = {
    "the correct layer": CORRECT,
    "a docstring and comments naming nn.Linear": HEAD + '    def forward(self, x):\n        """Like nn.Linear / F.linear."""\n'
                                                        "        return x @ self.weight.T + self.bias  # F.linear\n",
    "an attribute of its own named linear": HEAD + "    def forward(self, x):\n        self.linear = x @ self.weight.T\n"
                                                  "        return self.linear + self.bias\n",
    "an experiment at top level": CORRECT + "print(F.linear(torch.ones(1, 3), torch.ones(2, 3)))\n",
    "nn.init and nn.Parameter": HEAD + "        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))\n"
                                       "    def forward(self, x): return torch.addmm(self.bias, x, self.weight.T)\n",
}


@pytest.mark.parametrize("name", HONEST)
def test_honest_cells_are_not_flagged(name: str) -> None:
    got = borrowed(EXERCISE, HONEST[name], [IMPORTS])
    assert got is None, f"Expected no borrowing in {name!r}; got {got!r}."


@pytest.mark.parametrize("exercise, answer, want", [
    ("relu", "class ReLU(nn.Module):\n    def forward(self, x): return x.relu()\n", "Tensor.relu"),
    ("relu", "def relu(x): return F.relu(x)\n", "F.relu"),
    ("flatten", "class Flatten(nn.Module):\n    def forward(self, x): return torch.flatten(x, 1)\n", "torch.flatten"),
    ("sgd", "from torch import optim\nclass SGD(optim.SGD):\n    pass\n", "torch.optim"),
    ("lin_bwd", "class Lin:\n    def bwd(self, out, inp):\n        out.backward(out.g)\n", ".backward()"),
])
def test_other_exercises_name_their_own_borrowing(exercise: str, answer: str, want: str) -> None:
    got = borrowed(exercise, answer, [IMPORTS])
    assert got == want, f"Expected {want!r} for {exercise}; got {got!r}."


def _notebook(answer: str, earlier: str = "") -> dict:
    """A notebook holding the imports, a cell of the student's, the answer cell for linear_randn."""
    cell = new_code_cell(answer, metadata={"nbgrader": {"solution": True, "grade_id": EXERCISE}})
    return new_notebook(cells=[new_code_cell(IMPORTS), new_code_cell(earlier), cell])


def test_the_worker_zeroes_a_borrowing_answer_whatever_the_kernel_observed() -> None:
    """Honest observations (the kernel's witness saw nothing) and a borrowing source: 0 points, named."""
    ns: dict = {"__name__": "__main__"}
    exec(compile(IMPORTS + "\n" + CORRECT, "<cell>", "exec"), ns)
    report = judge.judge(EXERCISE, judge.observe(EXERCISE, ns["MyLinear"], 7), 7)
    assert report.score == 10, f"Expected the correct layer's observations to earn 10; got {report}"
    gated = source_gated(report, _notebook(*BORROWING["alias bound in another cell"][:2]))
    assert gated.score == 0 and "F.linear" in gated.headline(), f"Expected 0 naming F.linear; got:\n{gated}"
    kept = source_gated(judge.judge(EXERCISE, judge.observe(EXERCISE, ns["MyLinear"], 7), 7), _notebook(CORRECT))
    assert kept.score == 10, f"Expected the honest source to keep 10; got:\n{kept}"


def test_torch_untouched() -> None:
    assert torch.nn.functional.linear is torch._C._nn.linear, "Expected no test to patch torch."


def test_no_reference_answer_is_flagged() -> None:
    """The reference solutions (solutions/*/*.ipynb) pass the source gate: no false failure for honest code."""
    import json
    from autograder.grader.judge import answer_source
    from autograder.student.settings import solutions_dir
    from nbformat import from_dict
    seen = {}
    for path in sorted(solutions_dir().glob("*/*.ipynb")):
        nb = from_dict(json.loads(path.read_text()))
        for exercise in FORBIDDEN:
            answer, cells = answer_source(nb, exercise)
            if answer:
                seen[exercise] = borrowed(exercise, answer, cells)
    assert set(seen) == set(FORBIDDEN) and not any(seen.values()), \
        f"Expected every exercise's reference answer found and unflagged; got {seen}."
