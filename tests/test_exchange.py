"""The nbgrader exchange end to end: two students, a temporary exchange and temporary home folders.

release_assignment -> fetch_assignment -> fill in -> submit -> collect -> autograde -> generate_feedback
-> release_feedback -> fetch_feedback -> export, then `course grade` on the collected submissions.
The loop runs once per module (fixture `loop`); each test asserts one thing about it.
"""
from __future__ import annotations

import csv
import html
import inspect
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.student.settings import solutions_dir
SOLUTIONS = solutions_dir()
from autograder.grader.subprocess_env import venv_env
from autograder.grader.exchange import write_student_config

pytestmark = pytest.mark.exchange
ROOT = Path(__file__).resolve().parents[1]
A = "00_mnist"
COURSE = "mlp-course-test"
STUDENTS = {"alice": "correct", "bob": "no weight decay"}
EXPECTED = {"alice": 4.0, "bob": 3.0}  # bob fails update.weight_decay (1); the loss he returns is his own loss, so returns_float passes
HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS", 'grade("update", update)', "grade(&quot;update&quot;")


def _nbgrader(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run one nbgrader command; fail the test with its output if it fails."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, (f"Expected `nbgrader {' '.join(args)}` to succeed; got exit {proc.returncode}:\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout + proc.stderr


def _clean_env(home: Path, user: str) -> dict[str, str]:
    """The environment of one person: their own HOME and user name, no inherited Jupyter folders."""
    env = {k: v for k, v in venv_env().items() if not k.startswith(("JUPYTER_", "COURSE_"))}
    return env | {"HOME": str(home), "USER": user, "LOGNAME": user, "MPLBACKEND": "Agg"}


def as_student(student: str) -> list[str]:
    """One Unix user plays both students here, so name the student; on a JupyterHub nbgrader uses the login."""
    return [f"--student={student}"]


def _answer(student: str) -> str:
    """The update() a student writes: the reference solution region, or the catalogue's no-weight-decay mistake."""
    if STUDENTS[student] == "correct":
        nb = json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text())
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
        lines = "".join(cell["source"]).splitlines()
        return "\n".join(ln for ln in lines if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)
    from tests.catalogue.mnist_cases import update_no_wd
    return inspect.getsource(update_no_wd).replace("def update_no_wd(", "def update(")


def _fill_in(notebook: Path, source: str) -> None:
    """Replace the `update` exercise cell of the fetched notebook, as the student would in JupyterLab."""
    nb = json.loads(notebook.read_text())
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
    cell["source"] = source
    notebook.write_text(json.dumps(nb, indent=1) + "\n")


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """Run the whole exchange loop once; return the folders and the loop's wall time."""
    tmp = tmp_path_factory.mktemp("exchange")
    exchange, course_root, release = tmp / "exchange", tmp / "course", tmp / "release"
    homes = {s: tmp / "home" / s for s in [*STUDENTS, "instructor"]}
    course_root.mkdir()
    for h in homes.values():
        h.mkdir(parents=True)
    teacher = _clean_env(homes["instructor"], "instructor") | {
        "COURSE_ROOT": str(course_root), "COURSE_EXCHANGE": str(exchange), "COURSE_ID": COURSE}
    students = {s: _clean_env(homes[s], s) for s in STUDENTS}
    for s in STUDENTS:
        write_student_config(homes[s], COURSE, exchange)
    rel = [f"--CourseDirectory.release_directory={release}"]  # the repo's notebooks/ stay untouched
    start = time.perf_counter()
    roster = tmp / "students.csv"
    roster.write_text("id,first_name,last_name,email\n" + "".join(f"{s},{s.title()},Test,\n" for s in STUDENTS))
    _nbgrader(["db", "student", "import", str(roster)], teacher, ROOT)
    _nbgrader(["generate_assignment", A, "--force", *rel], teacher, ROOT)
    _nbgrader(["release_assignment", A, "--force", *rel], teacher, ROOT)
    for s, env in students.items():
        _nbgrader(["fetch_assignment", A], env, homes[s])
        _fill_in(homes[s] / A / f"{A}.ipynb", _answer(s))
        _nbgrader(["submit", A, *as_student(s)], env, homes[s])
    _nbgrader(["collect", A], teacher, ROOT)
    _nbgrader(["autograde", A], teacher, ROOT)
    _nbgrader(["generate_feedback", A], teacher, ROOT)
    _nbgrader(["release_feedback", A], teacher, ROOT)
    for s, env in students.items():
        _nbgrader(["fetch_feedback", A, *as_student(s)], env, homes[s])
    _nbgrader(["export", "--to", str(tmp / "grades.csv")], teacher, ROOT)
    seconds = time.perf_counter() - start
    print(f"\nexchange loop for {len(STUDENTS)} students: {seconds:.1f} s")
    return {"tmp": tmp, "course": course_root, "homes": homes, "exchange": exchange, "seconds": seconds}


def test_gradebook_has_each_students_points(loop):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{loop['course'] / 'gradebook.db'}") as gb:
        got = {s: float(gb.find_submission_notebook(A, A, s).score) for s in STUDENTS}
    assert got == EXPECTED, f"Expected gradebook scores {EXPECTED}; got {got}."


def test_exported_csv_has_each_students_points(loop):
    with (loop["tmp"] / "grades.csv").open(newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    got = {s: float(rows[s]["raw_score"]) for s in STUDENTS}
    assert got == EXPECTED, f"Expected exported raw_score {EXPECTED}; got {got} (rows: {rows})."
    assert {rows[s]["max_score"] for s in STUDENTS} == {"4.0"}, f"Expected max_score 4.0; got {rows}."


def _feedback(loop, student: str) -> list[Path]:
    """The feedback files a student fetched into their home folder."""
    return sorted((loop["homes"][student] / A / "feedback").glob("*/*.html"))


def _text(path: Path) -> str:
    """The feedback HTML as the student reads it: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_each_student_fetches_only_their_own_feedback(loop, student):
    files = _feedback(loop, student)
    assert len(files) == 1, f"Expected exactly one feedback file for {student}; got {files}."
    text = _text(files[0])
    other = next(s for s in STUDENTS if s != student)
    assert f"Score: {EXPECTED[student]:.1f} / 4.0" in text, \
        f"Expected {student}'s score {EXPECTED[student]:g} / 4 in their feedback; got none."
    own, others = _answer(student).splitlines()[0], _answer(other).splitlines()[0]
    assert own in text and others not in text, \
        f"Expected {student}'s feedback to show their own code ({own!r}) and not {other}'s ({others!r})."


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_feedback_shows_no_hidden_test_source(loop, student):
    raw = _feedback(loop, student)[0].read_text()
    leaked = [m for m in HIDDEN_MARKERS if m in raw or m in _text(_feedback(loop, student)[0])]
    assert not leaked, f"Expected no hidden-test source in {student}'s feedback; found {leaked}."


def test_mistake_is_named_in_feedback(loop):
    assert "left out the weight decay" in _text(_feedback(loop, "bob")[0]), "Expected bob's feedback to name the missing weight decay; got none."


def test_course_grade_agrees_with_the_exchange(loop, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", A, str(loop["course"] / "submitted"),
                           "--out", str(out), "--workers", "2", "--no-progress"],
                          cwd=ROOT, env=venv_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"Expected `course grade` to succeed; got {proc.returncode}:\n{proc.stderr[-2000:]}"
    with (out / "grades.csv").open(newline="") as f:
        got = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert got == EXPECTED, f"Expected `course grade` to give the exchange's points {EXPECTED}; got {got}."


def test_originals_in_the_exchange_unchanged(loop):
    inbound = sorted((loop["exchange"] / COURSE / "inbound").glob(f"*+{A}+*/{A}.ipynb"))
    assert len(inbound) == len(STUDENTS), f"Expected one submission per student in inbound; got {inbound}."
    for path in inbound:
        student = path.parent.name.split("+")[0]
        assert json.loads(path.read_text()) == json.loads((loop["homes"][student] / A / f"{A}.ipynb").read_text()), \
            f"Expected {student}'s submitted notebook to equal what they wrote; it changed."
