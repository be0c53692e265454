"""Issue 13's attack catalogue: no notebook can grade itself, borrow the answer key or smuggle in torch's layer.

Three levels: in-process through check_report / grade (the grader notices its own tampering), in a
kernel-like process with the sealing hook and the fence (tests/catalogue/attacks.py), and through the
real `course grade` pipeline. Every attack ends at 0 points on the exercise with its reason; every
correct layer keeps full marks.
"""
from __future__ import annotations

import builtins
import inspect
import json
import sys
import types

import pytest
import torch

import autograder.student.checks as checks
from autograder.grader import crosscheck
from autograder.grader import seal
from autograder.grader.judge import judged_report
from catalogue.attacks import ATTACKS, CORRECT, EXERCISE, ROOT, Attack, decide, run_in_kernel

pytestmark = pytest.mark.grading


def _layer(source: str) -> type:
    """The MyLinear a cell defines (torch, nn, F imported as in the notebook)."""
    ns: dict = {"__name__": "__main__"}
    exec(compile(source, "<cell>", "exec"), ns)
    return ns["MyLinear"]


def _withheld(report, phrase: str) -> None:
    """Assert the report withholds the grade with an integrity reason containing phrase."""
    text = str(report)
    assert report.score == 0 and text.startswith("integrity: ") and phrase in text and "withheld" in text, \
        f"Expected 0 points and a first line 'integrity: ...{phrase}...'; got {report.score} and:\n{text}\n" \
        "Hint: see autograder/student/integrity/guard.py (tampering, borrowed_reference)."


# --- in-process: the genuine check_report notices, restores and withholds -------------------------------

def test_fake_module_in_sys_modules_is_noticed_and_replaced_back(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "autograder.student.checks", types.ModuleType("autograder.student.checks"))
    _withheld(checks.check_report(EXERCISE, _layer(CORRECT)), "sys.modules['autograder.student.checks'] was replaced")
    assert sys.modules["autograder.student.checks"] is checks, "Expected the genuine package put back in sys.modules."


@pytest.mark.parametrize("how", ["object.__setattr__", "__dict__"])
def test_package_attribute_written_around_the_read_only_guard(how) -> None:
    fake = lambda exercise, obj: 10.0  # noqa: E731
    if how == "__dict__":
        vars(checks)["run_checks"] = fake
    else:
        object.__setattr__(checks, "run_checks", fake)
    _withheld(checks.check_report(EXERCISE, _layer(CORRECT)), "autograder.student.checks.run_checks was changed")
    assert checks.run_checks is not fake, "Expected the genuine run_checks restored."


def test_a_name_that_shadows_a_builtin_in_the_package_is_noticed() -> None:
    vars(checks)["round"] = lambda x, n=None: 10.0
    _withheld(checks.check_report(EXERCISE, _layer(CORRECT)), "autograder.student.checks.round was changed")
    assert "round" not in vars(checks), "Expected the shadowing name removed."


@pytest.mark.parametrize("name", ["__import__", "sum", "round"])
def test_replaced_builtin_is_restored_and_withheld(name) -> None:
    genuine = getattr(builtins, name)
    setattr(builtins, name, lambda *a, **k: genuine(*a, **k))
    try:
        score = checks.grade(EXERCISE, _layer(CORRECT))
        report = checks.check_report(EXERCISE, _layer(CORRECT))
    finally:
        setattr(builtins, name, genuine)
    assert score == 0, f"Expected grade() to give 0 while builtins.{name} was replaced; got {score}."
    assert report.passed and report.score == 10, "Expected the restored builtins to grade normally afterwards."


def test_reference_source_read_and_exec_under_another_name_is_withheld() -> None:
    import importlib
    source = inspect.getsource(importlib.import_module("solutions.iter1"))
    ns: dict = {"__name__": "my_own_work"}
    exec(compile(source, "<string>", "exec", dont_inherit=True), ns)  # as in a cell (no __future__ flags)
    _withheld(checks.check_report(EXERCISE, ns["MyLinear"]), "runs the reference solution's code")


def test_borrowed_code_object_is_withheld() -> None:
    from solutions.iter1 import MyLinear as Reference
    mine = _layer(CORRECT)
    mine.forward = types.FunctionType(Reference.forward.__code__, mine.__init__.__globals__, "forward")
    _withheld(checks.check_report(EXERCISE, mine), "MyLinear.forward runs the reference solution's code")


def test_f_linear_through_a_built_string_alias_is_observed() -> None:
    from autograder.grader.democlass import HIDDEN_ALIAS
    report = checks.check_report(EXERCISE, _layer(HIDDEN_ALIAS))
    assert report.score == 0 and "F.linear" in report.headline(), \
        f"Expected the required check to name F.linear seen while forward ran; got:\n{report}"


def test_correct_layer_typed_like_the_reference_keeps_full_marks() -> None:
    from autograder.grader.democlass import solution_code
    nb = json.loads((ROOT / "solutions" / "01_iter1" / "01_iter1.ipynb").read_text())
    report = checks.check_report(EXERCISE, _layer("import math\nimport torch\nfrom torch import nn\n"
                                                  + solution_code(nb)))
    assert report.passed and report.score == 10 and not report.integrity, \
        f"Expected the reference's text typed into a cell to keep 10/10 (similarity flags it); got:\n{report}"


# --- the seal: only the genuine grade() over the untouched grader gets a valid one ----------------------

def test_seal_lines_verify_only_with_their_key() -> None:
    key, other, sealed = b"k" * 32, b"o" * 32, "no_such_exercise"   # judged() is False: a sealed name
    line = seal.sign(key, sealed, 10.0, "ok")
    assert seal.read_seals(line, key) == [(sealed, 10.0, "ok")] and seal.read_seals(line, other) == [], \
        "Expected a seal to verify under its key only."
    assert crosscheck.confirm_cell(sealed, 10.0, line, other)[0] == 0, "Expected a wrongly keyed seal refused."
    assert crosscheck.confirm_cell(sealed, 10.0, seal.sign(key, sealed, 6.0, "ok"), key)[0] == 0, \
        "Expected a seal for another score refused."
    assert crosscheck.confirm_cell(sealed, 10.0, line, key) == (10.0, ""), "Expected a matching seal confirmed."


def test_a_judged_exercise_ignores_what_the_kernel_recorded(tmp_path) -> None:
    """For a judged exercise the recorded number is never read: missing observations score 0."""
    report = judged_report(tmp_path, EXERCISE, SEED)
    assert report.score == 0 and "no observations" in report.integrity, \
        f"Expected 0 with 'no observations' when the hidden cell wrote none; got {report.score}: {report.integrity}"


SEED = 20261205
BORROWING = {"alias", "answer-key"}   # these submit torch's layer or the reference: 0 for the exercise


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict[str, float]:
    """Points of each attack's answer cell without its trick, as `course grade` decides them."""
    points = {}
    for answer in {a.answer for a in ATTACKS}:
        work = tmp_path_factory.mktemp("baseline")
        recorded, text, errors, key = run_in_kernel(answer, "", work, seed=SEED)
        points[answer] = decide(EXERCISE, recorded, text, key, work, SEED)[0]
    return points


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_in_a_kernel_gets_no_more_than_the_layer_without_it(attack: Attack, baseline, tmp_path) -> None:
    recorded, text, errors, key = run_in_kernel(attack.answer, attack.cell, tmp_path, seed=SEED)
    points, reason = decide(EXERCISE, recorded, text, key, tmp_path, SEED)
    said = " | ".join([reason, text, *errors])
    limit = 0.0 if attack.kind in BORROWING else baseline[attack.answer]
    assert points <= limit, \
        f"Expected {attack.name!r} ({attack.kind}) to get at most {limit} (the same layer without the trick); got " \
        f"{points} (the kernel recorded {recorded}); reason {reason!r}; errors {errors}; output:\n{text[-1500:]}"
    if attack.kind in BORROWING:
        assert attack.reason in said, f"Expected {attack.name!r} to be named by {attack.reason!r}; got:\n{said[-1500:]}"


def test_correct_layer_in_a_kernel_keeps_full_marks_from_the_judge(tmp_path) -> None:
    recorded, text, errors, key = run_in_kernel(CORRECT, "", tmp_path, seed=SEED)
    assert decide(EXERCISE, recorded, text, key, tmp_path, SEED)[0] == 10.0 and not errors, \
        f"Expected 10/10 from the judge; got recorded {recorded}, errors {errors}, output:\n{text[-1500:]}"


def test_the_sealed_path_still_refuses_attacks_without_a_challenge(tmp_path) -> None:
    """Notebooks graded without the judge (no challenge file): a forged 10 is refused by the seal."""
    recorded, text, errors, key = run_in_kernel(ATTACKS[0].answer, ATTACKS[0].cell, tmp_path)
    assert recorded == 10.0, f"Expected the fake module's 10 recorded in the kernel; got {recorded}."
    seals = [s for s in seal.read_seals(text, key) if s[0] == EXERCISE]
    assert not seals, f"Expected no valid seal for the fake module's 10; got {seals}."


def test_attack_classes_covered() -> None:
    kinds = {a.kind for a in ATTACKS}
    want = {"fake-module", "setattr", "import-hook", "answer-key", "alias"}
    assert len(ATTACKS) >= 8 and want <= kinds, f"Expected >= 8 attacks covering {want}; got {sorted(kinds)}."


def test_torch_is_untouched_by_the_catalogue() -> None:
    assert torch.nn.functional.linear is torch._C._nn.linear, "Expected no attack to leak into this process."


# --- through the real `course grade` pipeline ---------------------------------------------------------

PIPELINE = ["correct", "attack_fake_checks_module", "attack_fake_import"]


def test_course_grade_kills_attacks_and_flags_copies(tmp_path) -> None:
    from autograder.demo import DEMO_ASSIGNMENT, DEMO_LIMITS, make_class
    from autograder.grader.pipeline import grade_submissions
    from autograder.grader.report import read_csv
    subs = tmp_path / "class"
    make_class(subs)
    for path in subs.iterdir():
        if path.stem not in PIPELINE:
            path.unlink()
    out = tmp_path / "out"
    grade_submissions([DEMO_ASSIGNMENT], subs, out, workers=2, limits=DEMO_LIMITS, progress=False)
    rows = {r["student"]: r for r in read_csv(out / "grades.csv")}
    got = {s: (r["score"], r["reason"][:90], r["similarity"]) for s, r in rows.items()}
    assert rows["correct"]["score"] == "10" and rows["correct"]["similarity"] == "reference", \
        f"Expected the correct student at 10/10, flagged as the reference's copy; got {got}."
    for student, other in (("attack_fake_checks_module", "attack_fake_import"),
                           ("attack_fake_import", "attack_fake_checks_module")):
        row = rows[student]
        page = next((out / "feedback" / student / DEMO_ASSIGNMENT).glob("*.html")).read_text()
        assert row["score"] == "0" and row["linear_randn"] == "0" and row["reason"].startswith("integrity: "), \
            f"Expected {student} at 0 with an integrity reason; got {got}."
        assert row["similarity"] == other, f"Expected {student}'s zero layer flagged as {other}'s; got {got}."
        assert "was withheld" in page and "seal" not in page.split("withheld")[0][-300:], \
            f"Expected {student}'s feedback to say the grade was withheld, without a recipe."


# --- copies: the similarity column ---------------------------------------------------------------------

def _notebook(release: dict, answer: str | None) -> dict:
    """The released notebook with the linear_randn answer cell replaced (None: left as released)."""
    import copy
    nb = copy.deepcopy(release)
    for cell in nb["cells"]:
        if answer is not None and cell["metadata"].get("nbgrader", {}).get("grade_id") == EXERCISE:
            cell["source"] = answer
    return nb


def test_similarity_flags_renamed_copies_of_the_reference_and_of_each_other(tmp_path) -> None:
    import re
    from autograder.student.settings import notebooks_dir
    NOTEBOOKS = notebooks_dir()
    from autograder.grader.collect import collect
    from autograder.grader.copies import similarity
    from autograder.grader.democlass import TRANSPOSED, solution_code
    release = json.loads((NOTEBOOKS / "01_iter1" / "01_iter1.ipynb").read_text())
    reference = solution_code(json.loads((ROOT / "solutions" / "01_iter1" / "01_iter1.ipynb").read_text()))
    renamed = re.sub(r"\bx\b", "inputs", reference).replace("class MyLinear", "class Layer") + "\n# my own work\n"
    answers = {"ref_copy": renamed, "alice": TRANSPOSED, "bob": TRANSPOSED.replace("x @", "inp @")
               .replace("(self, x)", "(self, inp)"), "carol": CORRECT, "blank": None}
    for student, answer in answers.items():
        (tmp_path / f"{student}.ipynb").write_text(json.dumps(_notebook(release, answer)))
    rel = tmp_path / "release" / "01_iter1"
    rel.mkdir(parents=True)
    (rel / "01_iter1.ipynb").write_text(json.dumps(release))
    flagged = {s: f for (s, _), f in similarity(collect(tmp_path, ["01_iter1"]), tmp_path / "release").items()}
    assert flagged == {"ref_copy": "reference", "alice": "bob", "bob": "alice"}, \
        f"Expected the renamed reference flagged 'reference' and alice/bob flagged as each other; got {flagged}."


def test_the_kernel_fence_refuses_the_whole_answer_key(tmp_path) -> None:
    from autograder.grader.kernel import Fence, deny_list
    fence = Fence(str(tmp_path), deny_list(), str(tmp_path / ".tmp"))
    refused = [ROOT / "solutions" / "iter1.py", ROOT / "solutions" / "__init__.py",
               ROOT / "solutions" / "__pycache__" / "iter1.cpython-311.pyc", ROOT / "solutions" / "01_iter1" / "x.ipynb"]
    readable = [p for p in refused if fence.may_read(str(p))]
    assert not readable, f"Expected the kernel to refuse reading the answer key; it may read {readable}."
    assert fence.may_read(str(ROOT / "autograder" / "checks" / "core.py")), "Expected the checks readable."
