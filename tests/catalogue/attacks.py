"""Grader attacks (issue 13): cells that try to make a layer score what the checks would not give it.

Each attack is an answer cell (MyLinear for 01_iter1's `linear_randn`) and a cell run after it, before
the hidden tests. `run_in_kernel` plays them in a fresh Python process set up as the grading kernel is
(checks imported first, the sealing hook holding a key, the fence armed), then runs the hidden-test cell
and returns what nbgrader would record and what the cell printed; `course grade`'s own cross-check
(autograder/grader/crosscheck.confirm_cell) then gives the final points and reason.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.grader import crosscheck
from autograder.grader.judge import judged_report
from autograder.student.checks import CHALLENGE_FILE
from autograder.student.checks.judge import judged
from autograder.grader.democlass import (CLASS_HEAD, FAKE_CHECKS_MODULE, FAKE_IMPORT, GOOD_INIT, HIDDEN_ALIAS,
                                          READ_ANSWER_KEY, ZERO_FORWARD)

ROOT = Path(__file__).resolve().parents[2]
EXERCISE = "linear_randn"
HIDDEN = f'from autograder.student.checks import grade\ngrade("{EXERCISE}", MyLinear)'
STUB = CLASS_HEAD + "        raise NotImplementedError()\n"   # a student who wrote no layer
NO_SEAL = "no valid seal"
SEAL_SAYS = "seal says the grader was changed"


@dataclass(frozen=True)
class Attack:
    """One way a notebook might try to score what it did not earn, and the phrase its outcome must name."""

    name: str
    kind: str     # the class: fake-module, setattr, import-hook, answer-key, alias, key-theft, forgery
    answer: str   # the answer cell
    cell: str     # run after the answer cell, before the hidden tests
    reason: str   # a phrase of the final reason (crosscheck) or of the cell's error


FORGED = ("import sys, types\n"
          "def _grade(exercise, obj):\n"
          "    print(f'[course seal] {exercise} 10.0000 ok ' + 'ab' * 32)\n"
          "    return 10.0\n"
          "fake = types.ModuleType('autograder.student.checks'); fake.grade = _grade\n"
          "sys.modules['autograder.student.checks'] = fake")
ASK_THE_HOOK = ("import sys, types\n"
                "def _grade(exercise, obj):\n"
                "    out = []\n"
                "    sys.audit('mlp_course.seal', exercise, 10.0, out)\n"
                "    print(*out)\n"
                "    return 10.0\n"
                "fake = types.ModuleType('autograder.student.checks'); fake.grade = _grade\n"
                "sys.modules['autograder.student.checks'] = fake")
WRAP_GENUINE = ("import autograder.student.checks as c\n"
                "_genuine = c.grade\n"
                "c.__dict__['grade'] = lambda exercise, obj: (_genuine(exercise, obj), 10.0)[1]")
SHADOW_BUILTIN = ("import builtins\n"
                  "builtins.round = lambda x, n=None: 10.0")
GC_KEY_HUNT = ("import gc\n"
               "_closures = [o for o in gc.get_objects() if callable(o) and getattr(o, '__closure__', None)]")
SWAP_CAPTURED_CHECKS = (  # edits the grader's own capture so that the "fresh" checks score everything 10
    "import autograder.student.checks as c\n"
    "_core = open(c.__file__.replace('__init__.py', 'core.py')).read().replace(\n"
    "    'return 0.0 if self.gated or self.integrity else sum(r.score for r in self.results)', 'return 10.0')\n"
    "_swapped = tuple((n, p, compile(_core, p, 'exec', dont_inherit=True) if n == 'core' else code)\n"
    "                 for n, p, code in c._STATE.compiled)\n"
    "object.__setattr__(c._STATE, 'compiled', _swapped)")
RECODE_GRADE = ("import autograder.student.checks as c\n"
                "c.grade.__code__ = (lambda exercise, obj: 10.0).__code__")

ATTACKS = [
    Attack("fake checks module in sys.modules", "fake-module", ZERO_FORWARD, FAKE_CHECKS_MODULE, NO_SEAL),
    Attack("object.__setattr__ on the checks package", "setattr", ZERO_FORWARD,
           "import autograder.student.checks as c\nobject.__setattr__(c, 'grade', lambda exercise, obj: 10.0)", NO_SEAL),
    Attack("write into the package's __dict__", "setattr", ZERO_FORWARD,
           "import autograder.student.checks as c\nc.__dict__['grade'] = lambda exercise, obj: 10.0", NO_SEAL),
    Attack("wrap the genuine grade and return 10", "setattr", ZERO_FORWARD, WRAP_GENUINE, NO_SEAL),
    Attack("replaced builtins.__import__", "import-hook", ZERO_FORWARD, FAKE_IMPORT, NO_SEAL),
    Attack("replaced builtins.round", "import-hook", ZERO_FORWARD, SHADOW_BUILTIN, "builtins.round was replaced"),
    Attack("reference source read with inspect.getsource and exec'd", "answer-key", STUB, READ_ANSWER_KEY,
           "does not let notebook code read"),
    Attack("torch's linear through a built-string getattr alias", "alias", HIDDEN_ALIAS, "", "F.linear"),
    Attack("forged seal line", "forgery", ZERO_FORWARD, FORGED, NO_SEAL),
    Attack("asks the sealing hook directly", "forgery", ZERO_FORWARD, ASK_THE_HOOK, SEAL_SAYS),
    Attack("hunts the key with gc.get_objects", "key-theft", STUB, GC_KEY_HUNT + "\n" + FAKE_CHECKS_MODULE,
           "does not allow gc.get_objects"),
    Attack("swaps the grader's captured checks for edited ones", "setattr", ZERO_FORWARD, SWAP_CAPTURED_CHECKS,
           SEAL_SAYS),
    Attack("replaces grade.__code__", "setattr", STUB, RECODE_GRADE, "replace a function's __code__"),
]
CORRECT = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n"
    "        if x.shape[-1] != self.in_features:\n"
    "            raise ValueError(f'expected {self.in_features} features')\n"
    "        return x @ self.weight.T + self.bias\n")

KERNEL = r'''
import contextlib, io, json, os, sys, traceback
real_stdout = os.fdopen(os.dup(1), "w")
import autograder.student.checks                                   # the kernel's preimport: capture before student code
from autograder.grader.seal import install_sealer_from_env
from autograder.grader import kernel
install_sealer_from_env(autograder.student.checks._STATE)
kernel.arm(os.getcwd())
cells, ns, errors = json.loads(sys.argv[1]), {"__name__": "__main__"}, []
for source in cells[:-1]:
    try:
        exec(compile(source, "<cell>", "exec"), ns)
    except BaseException as e:
        errors.append(f"{type(e).__name__}: {e}")
buf = io.StringIO()
recorded = 0.0
with contextlib.redirect_stdout(buf):
    try:
        *body, last = cells[-1].strip().splitlines()
        exec(compile("\n".join(body), "<hidden>", "exec"), ns)
        recorded = float(eval(compile(last, "<hidden>", "eval"), ns))
    except BaseException as e:
        errors.append(f"hidden: {type(e).__name__}: {e}")
real_stdout.write(json.dumps({"recorded": recorded, "text": buf.getvalue(), "errors": errors}))
real_stdout.flush()
'''


def run_in_kernel(answer: str, cell: str, workdir: Path, timeout_s: float = 300,
                  seed: int | None = None) -> tuple[float, str, list[str], bytes]:
    """(recorded points, hidden cell's output, cell errors, key) of one notebook played in a kernel-like process.

    With a seed, a challenge is left next to the notebook first, as the grader's WriteChallenge does: judged
    exercises then only write observations, which `decide` judges outside the process.
    """
    key = secrets.token_bytes(32)
    key_file = workdir / "seal.key"
    key_file.write_bytes(key)
    if seed is not None:
        (workdir / CHALLENGE_FILE).write_text(json.dumps({"seed": seed}))
    env = dict(os.environ, GRADING_SEAL_FILE=str(key_file), PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    cells = ["import torch\nfrom torch import nn\nimport torch.nn.functional as F\nimport math", answer, cell, HIDDEN]
    proc = subprocess.run([sys.executable, "-c", KERNEL, json.dumps(cells)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=timeout_s)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"the kernel-like process failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    assert not key_file.exists(), "Expected the kernel to delete the key file before any student code."
    return out["recorded"], out["text"], out["errors"], key


def decide(exercise: str, recorded: float, text: str, key: bytes, workdir: Path, seed: int) -> tuple[float, str]:
    """(points, reason) as `course grade` decides them: the judge for a judged exercise, else the seal."""
    if judged(exercise):
        report = judged_report(workdir, exercise, seed)
        return float(round(report.score, 4)), report.integrity or report.headline()
    return crosscheck.confirm_cell(exercise, recorded, text, key)
