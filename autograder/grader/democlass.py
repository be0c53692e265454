"""The demo class: submissions made from the released notebook by named mutations, each simulating one student.

    write_class(release_nb, solution_nb, folder)  ->  folder/{student}.ipynb for every entry of CLASS

Each mutation takes the released notebook (a dict) and the solution's answer code and returns the
submitted bytes. `EXPECTED` says what grading each one must give (tests/test_grading.py asserts it).
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Callable

from ..student.settings import solutions_dir

Notebook = dict
ANSWER = "linear_randn"  # the demo class targets 01_iter1's exercise

GOOD_INIT = ("        self.in_features, self.out_features = in_features, out_features\n"
             "        self.weight = nn.Parameter(torch.randn(out_features, in_features))\n"
             "        self.bias = nn.Parameter(torch.randn(out_features)) if bias else None\n")
CLASS_HEAD = ("import torch\nfrom torch import nn\nimport torch.nn.functional as F\n\n\n"
              "class MyLinear(nn.Module):\n"
              "    def __init__(self, in_features: int, out_features: int, bias: bool = True):\n"
              "        super().__init__()\n")

# Common mistakes, each a whole MyLinear a student might write.
TRANSPOSED = CLASS_HEAD + (
    "        self.in_features, self.out_features = in_features, out_features\n"
    "        self.weight = nn.Parameter(torch.randn(in_features, out_features))\n"
    "        self.bias = nn.Parameter(torch.randn(out_features)) if bias else None\n\n"
    "    def forward(self, x):\n        return x @ self.weight + self.bias\n")
MISSING_BIAS = CLASS_HEAD + (
    "        self.in_features, self.out_features = in_features, out_features\n"
    "        self.weight = nn.Parameter(torch.randn(out_features, in_features))\n\n"
    "    def forward(self, x):\n        return x @ self.weight.T\n")
SYS_EXIT_ON_BAD_INPUT = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n"
    "        import sys\n"
    "        if x.shape[-1] != self.in_features:\n"
    "            sys.exit('wrong input size')\n"
    "        return x @ self.weight.T + (self.bias if self.bias is not None else 0)\n")
F_LINEAR = CLASS_HEAD + GOOD_INIT + "\n    def forward(self, x):\n        return F.linear(x, self.weight, self.bias)\n"
# The same mistakes written another way by a second student, so the class report counts each twice or more.
MISSING_T = CLASS_HEAD + GOOD_INIT + "\n    def forward(self, x):\n        return x @ self.weight + self.bias\n"
MISSING_T_MATMUL = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n        return torch.matmul(x, self.weight) + self.bias\n")
MISSING_BIAS_2 = CLASS_HEAD + (
    "        self.in_features, self.out_features = in_features, out_features\n"
    "        self.weight = nn.Parameter(torch.randn(out_features, in_features))\n\n"
    "    def forward(self, x):\n        return torch.matmul(x, self.weight.t())\n")
F_LINEAR_2 = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n        return torch.nn.functional.linear(x, self.weight, self.bias)\n")
# Grader attacks (issue 13): a layer whose forward returns zeros, plus a cell that tries to make it score.
ZERO_FORWARD = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n        return torch.zeros(*x.shape[:-1], self.out_features)\n")
FAKE_CHECKS_MODULE = ("import sys, types\n"
                      "fake = types.ModuleType('autograder.student.checks')\n"
                      "fake.grade = lambda exercise, obj: 10.0\n"
                      "sys.modules['autograder.student.checks'] = fake")
FAKE_IMPORT = ("import builtins, types\n"
               "_real_import = builtins.__import__\n"
               "_fake = types.SimpleNamespace(grade=lambda exercise, obj: 10.0)\n"
               "def _import(name, *args, **kwargs):\n"
               "    return _fake if name == 'autograder.student.checks' else _real_import(name, *args, **kwargs)\n"
               "builtins.__import__ = _import")
HIDDEN_ALIAS = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n"
    "        fn = getattr(getattr(torch, 'n' + 'n').functional, ''.join(['lin', 'ear']))\n"
    "        return fn(x, self.weight, self.bias)\n")
READ_HIDDEN_TESTS = "print(open(SOLUTIONS_NOTEBOOK).read()[:300])"  # SOLUTIONS_NOTEBOOK: filled in
READ_ANSWER_KEY = ("import importlib, inspect\n"
                   "_src = inspect.getsource(importlib.import_module('solutions.iter1'))\n"
                   "_ns = {}\nexec(_src, _ns)\nMyLinear = _ns['MyLinear']")
PHONE_HOME = "import socket\nsocket.create_connection(('198.51.100.7', 80), timeout=3)"
# A DataLoader worker process over a few in-memory items: its unix sockets live under TMPDIR, so it
# fails ('AF_UNIX path too long') and waits out its timeout when the kernel's TMPDIR is long (issue 16).
# The course's own loaders start no workers; the roster test brings this probe to catch the cause.
WORKER_PROBE = ("import torch\nfrom torch.utils.data import DataLoader, TensorDataset\n"
                "probe = list(DataLoader(TensorDataset(torch.arange(8.0)), batch_size=4, num_workers=1, timeout=20))\n"
                "print(f'{len(probe)} batches from a DataLoader worker process')")


def _cells(nb: Notebook, grade_id: str) -> list[int]:
    """Indexes of the cells with this nbgrader grade_id."""
    return [i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id]


def _dump(nb: Notebook) -> bytes:
    """The notebook as Jupyter writes it."""
    return (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _answer(nb: Notebook, source: str, grade_id: str = ANSWER) -> Notebook:
    """The notebook with the exercise cell's code replaced."""
    nb = copy.deepcopy(nb)
    nb["cells"][_cells(nb, grade_id)[0]]["source"] = source
    return nb


def _after_answer(nb: Notebook, code: str) -> Notebook:
    """The notebook with an extra code cell right after the exercise."""
    nb = copy.deepcopy(nb)
    cell = {"cell_type": "code", "execution_count": None, "id": f"extra-{len(code)}", "metadata": {},
            "outputs": [], "source": code}
    nb["cells"].insert(_cells(nb, ANSWER)[0] + 1, cell)
    return nb


def solution_code(solution_nb: Notebook, grade_id: str = ANSWER) -> str:
    """The instructor's answer with the solution markers removed: what a correct student writes."""
    src = "".join(solution_nb["cells"][_cells(solution_nb, grade_id)[0]]["source"])
    return re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", src)


def _move_tests_first(nb: Notebook) -> Notebook:
    """Cells in a different order: the test cell moved above the exercise."""
    nb = copy.deepcopy(nb)
    test = nb["cells"].pop(_cells(nb, f"{ANSWER}_tests")[0])
    nb["cells"].insert(_cells(nb, ANSWER)[0], test)
    return nb


def _delete_tests(nb: Notebook) -> Notebook:
    """The graded test cell deleted."""
    nb = copy.deepcopy(nb)
    del nb["cells"][_cells(nb, f"{ANSWER}_tests")[0]]
    return nb


def _duplicate_tests(nb: Notebook) -> Notebook:
    """The graded test cell copied and pasted."""
    nb = copy.deepcopy(nb)
    i = _cells(nb, f"{ANSWER}_tests")[0]
    nb["cells"].insert(i, copy.deepcopy(nb["cells"][i]))
    return nb


def _to_markdown(nb: Notebook) -> Notebook:
    """The exercise cell switched to Markdown (a stray 'm' keypress in Jupyter)."""
    nb = copy.deepcopy(nb)
    cell = nb["cells"][_cells(nb, ANSWER)[0]]
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


# The demo class's 00_mnist: some of the same students also hand in the backdrop's update(), two of them
# forgetting the weight decay, so the class report ranks mistakes across two assignments.
BACKDROP_ANSWER = "update"  # 00_mnist's exercise
UPDATE_NO_WD = ("def update(x, y, lr):\n    loss = F.cross_entropy(model(x), y)\n    loss.backward()\n"
                "    with torch.no_grad():\n        for p in model.parameters():\n            p -= lr * p.grad\n"
                "            p.grad.zero_()\n    return loss.item()\n")
UPDATE_NO_ZERO_GRAD = ("def update(x, y, lr):\n"
                       "    loss = F.cross_entropy(model(x), y) + wd * sum((p ** 2).sum() for p in model.parameters())\n"
                       "    loss.backward()\n    with torch.no_grad():\n        for p in model.parameters():\n"
                       "            p -= lr * p.grad\n    return loss.item()\n")
BACKDROP_CLASS: dict[str, Callable[[Notebook, str], bytes]] = {
    "correct": lambda nb, sol: _dump(_answer(nb, sol, BACKDROP_ANSWER)),
    "missing_transpose": lambda nb, sol: _dump(_answer(nb, UPDATE_NO_WD, BACKDROP_ANSWER)),
    "missing_transpose_matmul": lambda nb, sol: _dump(_answer(nb, UPDATE_NO_WD, BACKDROP_ANSWER)),
    "missing_bias": lambda nb, sol: _dump(_answer(nb, UPDATE_NO_ZERO_GRAD, BACKDROP_ANSWER)),
}
Mutation = Callable[[Notebook, str], bytes]
CLASS: dict[str, Mutation] = {
    "correct": lambda nb, sol: _dump(_answer(nb, sol)),
    "blank": lambda nb, sol: _dump(nb),
    "transposed_weight": lambda nb, sol: _dump(_answer(nb, TRANSPOSED)),
    "missing_bias": lambda nb, sol: _dump(_answer(nb, MISSING_BIAS)),
    "sys_exit_on_bad_input": lambda nb, sol: _dump(_answer(nb, SYS_EXIT_ON_BAD_INPUT)),
    "f_linear": lambda nb, sol: _dump(_answer(nb, F_LINEAR)),
    "missing_transpose": lambda nb, sol: _dump(_answer(nb, MISSING_T)),
    "missing_transpose_matmul": lambda nb, sol: _dump(_answer(nb, MISSING_T_MATMUL)),
    "missing_bias_t_method": lambda nb, sol: _dump(_answer(nb, MISSING_BIAS_2)),
    "f_linear_full_name": lambda nb, sol: _dump(_answer(nb, F_LINEAR_2)),
    "reads_hidden_tests": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), READ_HIDDEN_TESTS.replace(
        "SOLUTIONS_NOTEBOOK", repr(str(solutions_dir() / "01_iter1" / "01_iter1.ipynb"))))),
    "network_access": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), PHONE_HOME)),
    "corrupted_json": lambda nb, sol: _dump(_answer(nb, sol))[:-200],
    "non_utf8": lambda nb, sol: _dump(_answer(nb, sol)).replace(b"MyLinear", b"My\xff\xfeLinear", 1),
    "deleted_test_cell": lambda nb, sol: _dump(_delete_tests(_answer(nb, sol))),
    "duplicated_test_cell": lambda nb, sol: _dump(_duplicate_tests(_answer(nb, sol))),
    "changed_cell_type": lambda nb, sol: _dump(_to_markdown(_answer(nb, sol))),
    "cells_reordered": lambda nb, sol: _dump(_move_tests_first(_answer(nb, sol))),
    "sys_exit_cell": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), "import sys\nsys.exit('bye')")),
    "os_exit": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), "import os\nos._exit(3)")),
    "infinite_loop": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), "while True:\n    pass")),
    "memory_bomb": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), "hog = bytearray(64 * 2**30)")),
    "huge_output": lambda nb, sol: _dump(_after_answer(_answer(nb, sol), "print('x' * 30_000_000)")),
    "attack_fake_checks_module": lambda nb, sol: _dump(_after_answer(_answer(nb, ZERO_FORWARD), FAKE_CHECKS_MODULE)),
    "attack_fake_import": lambda nb, sol: _dump(_after_answer(_answer(nb, ZERO_FORWARD), FAKE_IMPORT)),
    "attack_hidden_f_linear": lambda nb, sol: _dump(_answer(nb, HIDDEN_ALIAS)),
    "attack_reads_answer_key": lambda nb, sol: _dump(_after_answer(nb, READ_ANSWER_KEY)),  # no layer of its own
}

# What each student must get, and a phrase its reason must contain: "full" or "zero" marks, an exact
# number of points (a graded mistake; 01_iter1's linear_randn is worth 10), or the status "invalid" /
# "error" (no grade, a reason). Only a file that cannot be read is invalid; damaged cells are repaired. The points come from autograder/student/checks/iter1.py's linear_checks().
EXPECTED: dict[str, tuple[str | float, str]] = {
    "correct": ("full", ""),
    "blank": ("zero", ""),
    # weight (in, out) and x @ weight: fails parameters (2), forward (2), and gradients (1) and
    # state_dict (1) because nn.Linear's weight does not load; a bad input raises RuntimeError, not
    # ValueError (1). Only the randn statistics pass: 3/10 (iteration 1 has no bias=False check).
    "transposed_weight": (3.0, ""),
    # no bias at all: parameters, forward, gradients and state_dict fail (nn.Linear's bias does not
    # load), no ValueError, and the randn check finds no bias to draw from: every check fails, 0/10.
    "missing_bias": (0.0, ""),
    # a correct layer that calls sys.exit() on a wrong feature count: only that check fails (1): 9/10.
    "sys_exit_on_bad_input": (9.0, ""),
    # forward = F.linear: the required "built from tensors" check fails, which zeroes the exercise
    # although the layer behaves like nn.Linear: 0/10.
    "f_linear": (0.0, ""),
    # the class report's shared mistakes: x @ self.weight with the weight (out, in) fails the forward on a
    # non-square layer (2), its gradients (1) and the bad input (1): 6/10, named "you forgot the .T"
    "missing_transpose": (6.0, "you forgot the .T"),
    "missing_transpose_matmul": (6.0, "you forgot the .T"),
    "missing_bias_t_method": (0.0, "you forgot the bias"),
    "f_linear_full_name": (0.0, "F.linear is what you are building"),
    "reads_hidden_tests": ("full", "does not let notebook code read"),
    "network_access": ("full", "does not let notebook code use the network"),
    "corrupted_json": ("invalid", "not valid notebook JSON"),
    "non_utf8": ("invalid", "not valid UTF-8"),
    # repaired before grading, as nbgrader's own preprocessors do; the reason says what was repaired
    "deleted_test_cell": ("full", "was deleted; it was restored from the released notebook"),
    "duplicated_test_cell": ("full", "appeared 2 times; its first copy was kept"),
    "changed_cell_type": ("full", "changed from code to markdown; its type was restored"),
    "cells_reordered": ("zero", "different order"),
    "sys_exit_cell": ("full", "sys.exit"),
    "os_exit": ("error", "kernel died"),
    "infinite_loop": ("full", "limit and was stopped"),
    "memory_bomb": ("full", "out of memory"),
    "huge_output": ("full", "output"),
    # grader attacks on a layer whose forward returns zeros (issue 13): each scores 0 with its reason
    "attack_fake_checks_module": ("zero", "integrity:"),
    "attack_fake_import": ("zero", "integrity:"),
    "attack_hidden_f_linear": ("zero", ""),          # the required check names F.linear (observed, not read)
    # The sandbox does not bind solutions/ (sandbox.py): for the kernel the answer key does not exist. Where bwrap
    # cannot run, the audit hook refuses the read instead ("does not let notebook code read").
    "attack_reads_answer_key": ("zero", ""),
}


def roster_submission(release_nb: Path, solution_nb: Path) -> bytes:
    """A correct submission plus the DataLoader-worker probe: what the roster test grades under every id."""
    nb = json.loads(release_nb.read_text(encoding="utf-8"))
    sol = solution_code(json.loads(solution_nb.read_text(encoding="utf-8")))
    return _dump(_after_answer(_answer(nb, sol), WORKER_PROBE))


def write_class(release_nb: Path, solution_nb: Path, folder: Path,
                class_: dict[str, Mutation] | None = None, grade_id: str = ANSWER) -> list[Path]:
    """Write every demo student's notebook as folder/{student}.ipynb; return the paths."""
    nb = json.loads(release_nb.read_text(encoding="utf-8"))
    sol = solution_code(json.loads(solution_nb.read_text(encoding="utf-8")), grade_id)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for student, mutate in (CLASS if class_ is None else class_).items():
        path = folder / f"{student}.ipynb"
        path.write_bytes(mutate(nb, sol))
        paths.append(path)
    return paths
