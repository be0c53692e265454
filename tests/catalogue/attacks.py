"""Grader attacks, written as a hostile student would (issues 13 and 22): cells that try to score what the layer does not.

Each attack is an answer cell for 01_iter1's `linear_randn` (MyLinear) and a cell placed right after it, before
the hidden tests. `attack_notebook` builds the submission from the released notebook; tests/test_integrity_attacks.py
grades every attack, and every answer without its trick, through the real `course grade` (the sandboxed kernel
observes, the grader's process judges) and asserts that no attack gets more than its answer alone: 0 for one that
borrows torch's layer or the answer key.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from autograder.grader.democlass import (CLASS_HEAD, FAKE_CHECKS_MODULE, FAKE_IMPORT, GOOD_INIT, HIDDEN_ALIAS,
                                          READ_ANSWER_KEY, ZERO_FORWARD)

EXERCISE = "linear_randn"
STUB = CLASS_HEAD + "        raise NotImplementedError()\n"   # a student who wrote no layer
BORROWING = {"alias", "answer-key", "borrowing"}   # these submit torch's layer or the reference: 0 for the exercise


@dataclass(frozen=True)
class Attack:
    """One way a notebook might try to score what it did not earn."""

    name: str
    kind: str     # the class of attack (see KINDS)
    answer: str   # the answer cell
    cell: str     # a cell run after the answer cell, before the hidden tests ("" for none)
    reason: str = ""   # for a borrowing attack: a phrase the grade's reason must hold
    late: str = ""     # a cell run after the hidden tests ("" for none)


# --- the grader's own objects, from the notebook's process (issue 13) ------------------------------------------
FORGED_REPORT = ("print('PASS linear_randn: 10/10 points')\n"
                 "print('[course result] linear_randn [{\"check\": \"linear_randn.forward\", \"passed\": true, "
                 "\"points\": 10, \"max\": 10}]')")
WRAP_GENUINE = ("import autograder.student.checks as c\n"
                "_genuine = c.grade\n"
                "c.__dict__['grade'] = lambda exercise, obj: (_genuine(exercise, obj), 10.0)[1]")
SHADOW_BUILTIN = "import builtins\nbuiltins.round = lambda x, n=None: 10.0"
RECODE_GRADE = ("import autograder.student.checks as c\n"
                "c.grade.__code__ = (lambda exercise, obj: 10.0).__code__")
# --- issue 22's classes, each tried against the observe/judge split ------------------------------------------
FRAME_WALK = CLASS_HEAD + GOOD_INIT + (  # forward walks up into whatever called it and edits what it finds
    "\n    def forward(self, x):\n"
    "        import sys\n"
    "        f = sys._getframe(1)\n"
    "        while f is not None:\n"
    "            for v in list(f.f_locals.values()):\n"
    "                if isinstance(getattr(v, 'tape', None), list):\n"
    "                    v.tape.clear()\n"
    "                for name in ('passed', 'score'):\n"
    "                    try:\n"
    "                        object.__setattr__(v, name, True if name == 'passed' else 10.0)\n"
    "                    except Exception:\n"
    "                        pass\n"
    "            f = f.f_back\n"
    "        return torch.zeros(*x.shape[:-1], self.out_features)\n")
STDOUT_REWRITE = ("import sys\n"
                  "class _Out:\n"
                  "    def __init__(self, real):\n"
                  "        self.real = real\n"
                  "    def write(self, s):\n"
                  "        return self.real.write(s.replace('FAIL', 'PASS').replace(' 0/', ' 10/'))\n"
                  "    def flush(self):\n"
                  "        self.real.flush()\n"
                  "sys.stdout = _Out(sys.stdout)")
INIT_SUBCLASS = CLASS_HEAD + GOOD_INIT + (  # any class derived from the layer patches the module it is defined in
    "\n    def __init_subclass__(cls, **kw):\n"
    "        super().__init_subclass__(**kw)\n"
    "        import sys\n"
    "        module = sys.modules.get(cls.__module__)\n"
    "        for name in ('close', 'identical', 'expect_close'):\n"
    "            if hasattr(module, name):\n"
    "                setattr(module, name, lambda *a, **k: True)\n"
    "\n    def forward(self, x):\n        return torch.zeros(*x.shape[:-1], self.out_features)\n")
GLOBALS_NO_CHALLENGE = ("from autograder.student.checks import grade as _g\n"   # grade() forgets the grader's challenge
                        "_g.__globals__['_challenge'] = lambda: None")
PATCH_DATACLASSES = ("import dataclasses\n"
                     "_real = dataclasses.dataclass\n"
                     "dataclasses.dataclass = lambda *a, **k: _real(*a, **{**k, 'frozen': False})")
SIGNAL_HANDLER = ("import signal\n"
                  "def _h(sig, frame):\n"
                  "    f = frame\n"
                  "    while f is not None:\n"
                  "        for v in list(f.f_locals.values()):\n"
                  "            if hasattr(v, 'passed'):\n"
                  "                try:\n"
                  "                    object.__setattr__(v, 'passed', True)\n"
                  "                except Exception:\n"
                  "                    pass\n"
                  "        f = f.f_back\n"
                  "signal.signal(signal.SIGALRM, _h)\n"
                  "signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)")
GC_CALLBACK = ("import gc\n"
               "def _cb(phase, info):\n"
               "    if phase == 'stop':\n"
               "        for o in gc.get_objects():\n"
               "            if type(o).__name__ == 'CheckResult':\n"
               "                object.__setattr__(o, 'passed', True)\n"
               "gc.callbacks.append(_cb)")
LYING_TENSOR = CLASS_HEAD + GOOD_INIT + (  # forward returns a tensor whose comparisons always say "equal"
    "\n    def forward(self, x):\n"
    "        class _Liar(torch.Tensor):\n"
    "            @classmethod\n"
    "            def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
    "                if getattr(func, '__name__', '') in ('allclose', 'equal', 'isclose', 'assert_close'):\n"
    "                    return True\n"
    "                return super().__torch_function__(func, types, args, kwargs or {})\n"
    "        return torch.zeros(*x.shape[:-1], self.out_features).as_subclass(_Liar)\n")
PATCHED_TENSOR = ("torch.allclose = lambda *a, **k: True\n"
                  "torch.Tensor.allclose = lambda *a, **k: True\n"
                  "torch.equal = lambda *a, **k: True")
DISABLED_DISPATCH = CLASS_HEAD + GOOD_INIT + (  # torch's linear with the call recorder switched off
    "\n    def forward(self, x):\n"
    "        with torch._C.DisableTorchFunction():\n"
    "            return getattr(torch._C._nn, 'lin' + 'ear')(x, self.weight, self.bias)\n")
JIT_SCRIPTED = ("@torch.jit.script\n"          # a compiled F.linear, which no Python-level recorder sees
                "def _lin(x, w, b):\n"
                "    return torch.nn.functional.linear(x, w, b)\n"
                "MyLinear.forward = lambda self, x: _lin(x, self.weight, self.bias)")
SQLITE_GRADEBOOK = ("import glob, sqlite3\n"
                    "for _path in glob.glob('/**/*.db', recursive=True)[:50]:\n"
                    "    try:\n"
                    "        _con = sqlite3.connect(_path)\n"
                    "        _con.execute('UPDATE grade_cell SET max_score = 0.001')\n"
                    "        _con.execute('UPDATE grade SET auto_score = max_score')\n"
                    "        _con.commit()\n"
                    "    except Exception:\n"
                    "        pass")
BLIND_RECORDER = ("import autograder.student.checks.probes as _p\n"   # the call record says nothing, then borrow
                  "_p.PROBES['torch_calls'] = lambda *a, **k: []\n"
                  "_fl = torch.nn.functional.linear\n"
                  "MyLinear.forward = lambda self, x: _fl(x, self.weight, self.bias)")
ALIASED_PATCH = ("import autograder.student.checks as _c\n"          # the same through an alias and .update()
                 "_c.probes.PROBES.update(torch_calls=lambda *a, **k: [])\n"
                 "_fl = torch.nn.functional.linear\n"
                 "MyLinear.forward = lambda self, x: _fl(x, self.weight, self.bias)")

OBSERVED = "'.course_' + 'observations/linear_randn.pt'"   # the hidden test's file, its name built at run time
FINALIZER = CLASS_HEAD + GOOD_INIT + (  # rewrites the observations when the layers are garbage-collected
    "\n    def forward(self, x):\n        return torch.zeros(*x.shape[:-1], self.out_features)\n"
    "\n    def __del__(self):\n"
    "        try:\n"
    f"            open({OBSERVED}, 'ab').write(b'forged')\n"
    "        except Exception:\n"
    "            pass\n")
POST_RUN_CELL = ("def _after(result):\n"
                 "    try:\n"
                 f"        open({OBSERVED}, 'wb').write(b'forged')\n"
                 "    except Exception:\n"
                 "        pass\n"
                 "get_ipython().events.register('post_run_cell', _after)")
WATCHER_THREAD = ("import os, threading, time\n"
                  "def _watch():\n"
                  "    while True:\n"
                  f"        if os.path.exists({OBSERVED}):\n"
                  f"            open({OBSERVED}, 'wb').write(b'forged')\n"
                  "        time.sleep(0.001)\n"
                  "threading.Thread(target=_watch, daemon=True).start()")
LATE_REWRITE = f"open({OBSERVED}, 'wb').write(b'forged after the hidden tests')"

ATTACKS = [
    Attack("fake checks module in sys.modules", "fake-module", ZERO_FORWARD, FAKE_CHECKS_MODULE),
    Attack("object.__setattr__ on the checks package", "setattr", ZERO_FORWARD,
           "import autograder.student.checks as c\nobject.__setattr__(c, 'grade', lambda exercise, obj: 10.0)"),
    Attack("wrap the genuine grade and return 10", "setattr", ZERO_FORWARD, WRAP_GENUINE),
    Attack("replaced builtins.__import__", "import-hook", ZERO_FORWARD, FAKE_IMPORT),
    Attack("replaced builtins.round", "import-hook", ZERO_FORWARD, SHADOW_BUILTIN),
    Attack("replaces grade.__code__", "setattr", ZERO_FORWARD, RECODE_GRADE),
    Attack("reference source read with inspect.getsource and exec'd", "answer-key", STUB, READ_ANSWER_KEY,
           "linear_randn"),
    Attack("torch's linear through a built-string getattr alias", "alias", HIDDEN_ALIAS, "", "linear_randn"),
    Attack("prints a forged report", "forgery", ZERO_FORWARD, FORGED_REPORT),
    Attack("forward walks the callers' frames", "frames", FRAME_WALK, ""),
    Attack("sys.stdout rewrites FAIL to PASS", "stdout", ZERO_FORWARD, STDOUT_REWRITE),
    Attack("__init_subclass__ patches the checks' module", "subclass", INIT_SUBCLASS, ""),
    Attack("grade.__globals__ forgets the challenge", "globals", ZERO_FORWARD, GLOBALS_NO_CHALLENGE),
    Attack("patched dataclasses", "stdlib-patch", ZERO_FORWARD, PATCH_DATACLASSES),
    Attack("signal handler edits results", "signal", ZERO_FORWARD, SIGNAL_HANDLER),
    Attack("gc.callbacks edits results", "gc", ZERO_FORWARD, GC_CALLBACK),
    Attack("a tensor subclass whose comparisons lie", "lying-compare", LYING_TENSOR, ""),
    Attack("patched torch.allclose and Tensor.allclose", "lying-compare", ZERO_FORWARD, PATCHED_TENSOR),
    Attack("F.linear under DisableTorchFunction", "borrowing", DISABLED_DISPATCH, "", "linear_randn"),
    Attack("F.linear compiled with torch.jit.script", "borrowing", ZERO_FORWARD, JIT_SCRIPTED, "linear_randn"),
    Attack("sqlite3 rewrites every gradebook it finds", "gradebook", ZERO_FORWARD, SQLITE_GRADEBOOK),
    Attack("blinds the call recorder, then borrows F.linear", "borrowing", ZERO_FORWARD, BLIND_RECORDER,
           "linear_randn"),
    Attack("blinds the recorder through an alias and .update()", "borrowing", ZERO_FORWARD, ALIASED_PATCH,
           "linear_randn"),
    Attack("__del__ rewrites the observations", "after-observe", FINALIZER, ""),
    Attack("a post_run_cell callback rewrites the observations", "after-observe", ZERO_FORWARD, POST_RUN_CELL),
    Attack("a thread rewrites the observations", "after-observe", ZERO_FORWARD, WATCHER_THREAD),
    Attack("a cell after the hidden tests rewrites the observations", "late-rewrite", ZERO_FORWARD, "",
           late=LATE_REWRITE),
]
KINDS = {"fake-module", "setattr", "import-hook", "answer-key", "alias", "forgery", "frames", "stdout", "subclass",
         "globals", "stdlib-patch", "signal", "gc", "lying-compare", "borrowing", "gradebook", "after-observe",
         "late-rewrite"}
CORRECT = CLASS_HEAD + GOOD_INIT + (
    "\n    def forward(self, x):\n"
    "        if x.shape[-1] != self.in_features:\n"
    "            raise ValueError(f'expected {self.in_features} features')\n"
    "        return x @ self.weight.T + self.bias\n")


def _code_cell(source: str, ident: str) -> dict:
    """A student's own code cell."""
    return {"cell_type": "code", "execution_count": None, "id": ident, "metadata": {}, "outputs": [], "source": source}


def attack_notebook(release: dict, answer: str, cell: str = "", late: str = "") -> dict:
    """The released notebook with the answer cell replaced and, when given, a cell of the student's right after it
    and one after the exercise's hidden tests."""
    nb = copy.deepcopy(release)
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    nb["cells"][ids.index(EXERCISE)]["source"] = answer
    if late:
        nb["cells"].insert(ids.index(f"{EXERCISE}_tests") + 1, _code_cell(late, "attack-late"))
    if cell:
        nb["cells"].insert(ids.index(EXERCISE) + 1, _code_cell(cell, "attack-cell"))
    return nb
