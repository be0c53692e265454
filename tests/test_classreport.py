"""The class report: named mistakes counted across the class, mistakes.csv, every row below full marks with a reason,
merged shards equal to one run, and no student's feedback naming another student."""
from __future__ import annotations

import csv
import html
import shutil
import subprocess
import sys

import pytest

from autograder.demo import DEMO_ASSIGNMENT, DEMO_LIMITS
from autograder.grader.classreport import load_results, mistakes, ranked, render
from autograder.grader.pipeline import grade_submissions
from autograder.grader.subprocess_env import venv_env
from autograder.grader.types import Result
from autograder.student.settings import course_root

pytestmark = pytest.mark.grading
# Distinctive ids (no word of a feedback page contains them by chance), each with a demo-class mistake.
STUDENTS = {"zq-alpha-7731": "missing_transpose", "zq-bravo-4410": "missing_transpose_matmul",
            "zq-charlie-0192": "missing_bias", "zq-delta-5527": "missing_bias_t_method",
            "zq-echo-8264": "f_linear", "zq-foxtrot-3309": "f_linear_full_name", "zq-golf-6618": "correct",
            "zq-hotel-2045": "transposed_weight"}


def _course(*args: str) -> subprocess.CompletedProcess:
    """The `course` command."""
    return subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=course_root(), env=venv_env(),
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """A small class of named mistakes, made by make demo's class builder (01_iter1 for all, 00_mnist for the
    students who also hand it in there), graded on one machine and as 3 merged shards."""
    from autograder.demo import BACKDROP_ASSIGNMENT, make_course_class
    base = tmp_path_factory.mktemp("classreport")
    make_course_class(base / "demo")
    for student, source in STUDENTS.items():
        for assignment in (DEMO_ASSIGNMENT, BACKDROP_ASSIGNMENT):
            made = base / "demo" / "submitted" / source / assignment
            if made.is_dir():
                shutil.copytree(made, base / "class" / "submitted" / student / assignment)
    assignments = [BACKDROP_ASSIGNMENT, DEMO_ASSIGNMENT]
    one = grade_submissions(assignments, base / "class", base / "one", limits=DEMO_LIMITS, progress=False)
    for i in range(3):
        proc = _course("grade", "all", str(base / "class"), "--shard", f"{i}/3", "--out",
                       str(base / f"shard{i}"), "--no-progress")
        assert proc.returncode == 0, proc.stderr[-2000:]
    proc = _course("merge", *(str(base / f"shard{i}") for i in range(3)), "--out", str(base / "merged"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {"base": base, "one": one}


def test_three_mistakes_are_each_shared_by_two_students_and_the_transpose_is_named(graded):
    groups = {g["diagnosis"]: {s for s, _ in g["students"]} for g in ranked(graded["one"])}
    assert groups.get("linear.missing_t") == {"zq-alpha-7731", "zq-bravo-4410"}, groups
    assert groups.get("linear.missing_bias_param") == {"zq-charlie-0192", "zq-delta-5527"}, groups
    shared = [d for d, who in groups.items() if len(who) >= 2]
    assert len(shared) >= 3, f"Expected at least three mistakes made by two or more students; got {groups}."


def test_mistakes_csv_has_one_row_per_failed_check(graded):
    out = graded["base"] / "one"
    with (out / "mistakes.csv").open() as f:
        rows = list(csv.DictReader(f))
    failed = sum(not c["passed"] for r in graded["one"] for checks in r.checks.values() for c in checks)
    assert failed > 10 and len(rows) == failed, f"Expected one row per failed check ({failed}); got {len(rows)}."
    assert set(rows[0]) == {"student", "assignment", "exercise", "check_id", "diagnosis_id", "points_lost"}
    assert all(r["diagnosis_id"] for r in rows), "Expected every failed check to carry a diagnosis id."


def test_every_row_below_full_marks_has_a_reason(graded):
    below = {r.student: r.reason for r in graded["one"] if r.status == "graded" and r.score < r.max_score}
    assert below and all(below.values()), f"Expected a reason on every row below full marks; got {below}."
    assert below["zq-echo-8264"].startswith("linear_randn.built_not_borrowed: F.linear is what you are building")


def test_the_page_links_each_student_to_their_feedback_and_explains_the_columns(graded):
    out = graded["base"] / "one"
    page = (out / "report.html").read_text()
    for student in STUDENTS:
        href = f'href="feedback/{student}/{DEMO_ASSIGNMENT}/{DEMO_ASSIGNMENT}.html"'
        assert href in page and (out / "feedback" / student / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.html").is_file()
    for column in ("similarity", "flags", "reason", "status"):
        assert f"<th>{column}" in page, f"Expected the report to explain the column {column}."


def test_merged_report_equals_the_single_run(graded):
    base = graded["base"]
    one, merged = load_results(base / "one" / "results.json"), load_results(base / "merged" / "results.json")
    key = lambda rows: sorted((m["student"], m["check"], m["diagnosis"], m["points_lost"]) for m in mistakes(rows))  # noqa: E731
    assert key(merged) == key(one) and key(one), "Expected the merged shards' mistakes to equal one run's."
    assert (base / "merged" / "mistakes.csv").read_text() == (base / "one" / "mistakes.csv").read_text()
    assert (base / "merged" / "grades.csv").read_text() == (base / "one" / "grades.csv").read_text()


def test_no_feedback_page_names_another_student(graded):
    out = graded["base"] / "one"
    for student in STUDENTS:
        text = (out / "feedback" / student / DEMO_ASSIGNMENT / f"{DEMO_ASSIGNMENT}.html").read_text()
        others = [o for o in STUDENTS if o != student and o in text]
        assert not others, f"Expected {student}'s feedback to name no other student; found {others}."


def test_the_page_escapes_what_it_shows():
    evil = "<script>alert(1)</script>"
    r = Result(evil, "01_iter1", "graded", 0, 10, {"linear_randn": 0},
               checks={"linear_randn": [{"check": "linear_randn.forward", "passed": False, "points": 0, "max": 2,
                                         "gate": False, "diagnosis": "x.y", "sentence": evil}]})
    page = render([r])
    assert evil not in page and html.escape(evil) in page


def test_course_report_rewrites_the_page_from_results_json(graded, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(graded["base"] / "one", out)
    (out / "report.html").unlink()
    proc = _course("report", str(out))
    assert proc.returncode == 0 and (out / "report.html").is_file(), proc.stderr
    missing = _course("report", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "results.json" in missing.stderr, missing.stderr


def test_the_ranking_spans_both_assignments_of_the_demo_class(graded):
    groups = ranked(graded["one"])
    assignments = {a for g in groups for a, _ in g["exercises"]}
    assert assignments == {"00_mnist", DEMO_ASSIGNMENT}, f"Expected the ranking to span both; got {assignments}."
    shared = {g["diagnosis"]: {s for s, _ in g["students"]} for g in groups if len({s for s, _ in g["students"]}) >= 2}
    assert any(d.startswith(("update.", "mnist.")) and who == {"zq-alpha-7731", "zq-bravo-4410"}
               for d, who in shared.items()), f"Expected the forgotten weight decay shared by two students; got {shared}."
