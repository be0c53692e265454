"""Attacks as tests (issues 13 and 22): no notebook can grade itself, borrow the answer key or smuggle in torch's layer.

Every attack of tests/catalogue/attacks.py, and the same layer without its trick, is graded by the real
`course grade` (the sandboxed kernel only observes; the grader's process judges the observations and reads the
source). No attack may get more than its layer alone; one that borrows torch's layer or the answer key gets 0
for the exercise. The correct layer graded in the same class keeps full marks, whatever the others did.
"""
from __future__ import annotations

import json

import pytest
import torch

from autograder.grader.judge import judged_report
from autograder.grader.report import read_csv
from autograder.grader.types import Limits
from autograder.student.settings import notebooks_dir, solutions_dir
from catalogue.attacks import (ATTACKS, BORROWING, CORRECT, EXERCISE, KINDS, LATE_REWRITE, ZERO_FORWARD, Attack,
                               attack_notebook)

pytestmark = pytest.mark.grading
A = "01_iter1"
ROOT = solutions_dir().parent


def _until_hidden_tests(release: dict) -> dict:
    """The release cut after the exercise's hidden tests: the attacks need nothing below them."""
    nb = json.loads(json.dumps(release))
    end = next(i for i, c in enumerate(nb["cells"])
               if c["metadata"].get("nbgrader", {}).get("grade_id") == f"{EXERCISE}_tests")
    nb["cells"] = nb["cells"][:end + 1]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """grades.csv rows of one class: every attack, the zero layer alone, and a correct layer, graded together."""
    from autograder.grader.pipeline import grade_submissions
    base = tmp_path_factory.mktemp("attacks")
    release = _until_hidden_tests(json.loads((notebooks_dir() / A / f"{A}.ipynb").read_text()))
    subs = base / "class"
    subs.mkdir()
    notebooks = {f"attack{i:02d}": attack_notebook(release, a.answer, a.cell, a.late) for i, a in enumerate(ATTACKS)}
    notebooks |= {"plain": attack_notebook(release, ZERO_FORWARD), "correct": attack_notebook(release, CORRECT),
                  "correct_late": attack_notebook(release, CORRECT, late=LATE_REWRITE)}
    for student, nb in notebooks.items():
        (subs / f"{student}.ipynb").write_text(json.dumps(nb))
    grade_submissions([A], subs, base / "out", workers=2, limits=Limits(cell_timeout_s=60), progress=False)
    rows = {r["student"]: r for r in read_csv(base / "out" / "grades.csv")}
    for student, r in sorted(rows.items()):   # what each attack got, in the test log
        print(f"{student}: {r['score']}/{r['max_score']} {r['reason'][:160]!r}")
    return rows


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_through_course_grade_gets_no_more_than_the_layer_without_it(attack: Attack, graded) -> None:
    row, plain = graded[f"attack{ATTACKS.index(attack):02d}"], graded["plain"]
    limit = 0.0 if attack.kind in BORROWING else float(plain["score"])
    got = f"score {row['score']}/{row['max_score']}, reason {row['reason'][:300]!r}, flags {row.get('flags', '')!r}"
    assert float(row["score"]) <= limit, \
        f"Expected {attack.name!r} ({attack.kind}) to get at most {limit:g} (the same layer without the trick); " \
        f"got {got}. Hint: the points come from the judge (autograder/grader/judge.py); see what the attack reached."
    assert row["max_score"] == plain["max_score"] == "10", f"Expected the maximum unchanged at 10; got {got}."
    if attack.kind in BORROWING:
        assert attack.reason in row["reason"], f"Expected the reason to name {attack.reason!r}; got {got}."


def test_the_correct_layer_graded_beside_the_attacks_keeps_full_marks(graded) -> None:
    row = graded["correct"]
    assert row["score"] == row["max_score"] == "10" and not row.get("flags"), \
        f"Expected the correct layer at 10/10 with no flags, whatever the attacks did; got {row}."


def test_what_a_later_cell_writes_is_not_what_is_judged(graded) -> None:
    """The observations are taken away when the hidden test cell ends (judge.ExecuteAndCollect)."""
    row = graded["correct_late"]
    assert row["score"] == "10", f"Expected the correct layer's 10 whatever a later cell wrote; got {row}."


def test_attack_classes_covered() -> None:
    kinds = {a.kind for a in ATTACKS}
    assert len(ATTACKS) >= 20 and kinds == KINDS, f"Expected >= 20 attacks covering {sorted(KINDS)}; got {sorted(kinds)}."


def test_a_judged_exercise_ignores_what_the_kernel_recorded() -> None:
    """For a judged exercise the recorded number is never read: missing observations score 0."""
    report = judged_report({}, EXERCISE, 20261205)
    assert report.score == 0 and "no observations" in report.integrity, \
        f"Expected 0 with 'no observations' when the hidden cell wrote none; got {report.score}: {report.integrity}"


def test_torch_is_untouched_by_the_catalogue() -> None:
    assert torch.nn.functional.linear is torch._C._nn.linear, "Expected no attack to leak into this process."


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
