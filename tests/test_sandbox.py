"""The grading kernel's OS sandbox (bubblewrap), tested as the attacks it stops, through the real pipeline.

A submission that opens gradebooks with sqlite3 (C code: no audit hook sees it) finds none: its own job's
gradebook, the run's template and other students' folders are outside its sandbox. A cell that runs past its
limit is interrupted by a message (bwrap does not forward SIGINT) and the notebook goes on. Where bwrap cannot
run, `course grade` says so on its first line and in every row's reason.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from autograder.grader import sandbox
from autograder.grader.pipeline import grade_submissions
from autograder.grader.types import Limits
from autograder.student.settings import notebooks_dir, solutions_dir

pytestmark = pytest.mark.grading
A = "01_iter1"
NO_BWRAP = sandbox.unavailable()
needs_bwrap = pytest.mark.skipif(NO_BWRAP is not None, reason=f"bubblewrap cannot run here: {NO_BWRAP}")

SQLITE_ATTACK = '''
import glob, os, sqlite3
SEEN = sorted({p for pat in ("/tmp/**/*.db", "/work/**/*.db", "/root/**/*.db", "/srv/**/*.db", "../../../*.db",
                             "../../../../*/*.db", "../../../../*/*/*.db") for p in glob.glob(pat, recursive=True)})
CHANGED = []
for path in SEEN:
    try:
        con = sqlite3.connect(path)
        con.execute("UPDATE grade_cell SET max_score = 100")
        con.execute("UPDATE grade SET manual_score = 100")
        con.commit()
        CHANGED.append(path)
    except Exception as e:
        pass
for guess in ("../../../gradebook.db", "/tmp/gradebook.db"):
    try:
        con = sqlite3.connect(guess)
        con.execute("CREATE TABLE IF NOT EXISTS grade_cell (max_score)")
        con.commit()
    except Exception:
        pass
print("ATTACK", {"seen": SEEN, "changed": CHANGED, "solutions": os.path.exists("SOLUTIONS_DIR"),
                 "sandbox": os.environ.get("GRADING_SANDBOX")})
'''

LOOP = "import time\nwhile True:\n    time.sleep(0.1)\n"


def _answer_cell(nb: dict) -> dict:
    """The (first) exercise cell of a notebook."""
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")
                and c["cell_type"] == "code")


def _class(folder: Path) -> None:
    """ref (the answer), sqlite (the answer plus the gradebook attack), loop (the answer, then a cell that never
    ends), blank (as released)."""
    folder.mkdir(parents=True)
    ref = json.loads((solutions_dir() / A / f"{A}.ipynb").read_text())
    (folder / "ref.ipynb").write_text(json.dumps(ref))
    attack = json.loads(json.dumps(ref))
    cell = _answer_cell(attack)
    cell["source"] = "".join(cell["source"]) + "\n" + SQLITE_ATTACK.replace("SOLUTIONS_DIR", str(solutions_dir()))
    (folder / "sqlite.ipynb").write_text(json.dumps(attack))
    loop = json.loads(json.dumps(ref))
    index = loop["cells"].index(_answer_cell(loop))
    loop["cells"].insert(index + 1, {"cell_type": "code", "metadata": {}, "source": LOOP, "outputs": [],
                                     "execution_count": None})
    (folder / "loop.ipynb").write_text(json.dumps(loop))
    (folder / "blank.ipynb").write_text((notebooks_dir() / A / f"{A}.ipynb").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    """The class graded once through the real pipeline, with a short cell limit."""
    base = tmp_path_factory.mktemp("sandbox")
    _class(base / "class")
    grade_submissions([A], base / "class", base / "out", workers=2, limits=Limits(cell_timeout_s=8), progress=False)
    return base / "out"


def _rows(out: Path) -> dict[str, dict]:
    """grades.csv by student."""
    with (out / "grades.csv").open() as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def _printed(out: Path, student: str) -> str:
    """Everything the autograded notebook printed."""
    nb = json.loads((out / "autograded" / student / A / f"{A}.ipynb").read_text())
    return "".join("".join(o.get("text", "")) + o.get("evalue", "") for c in nb["cells"] for o in c.get("outputs", []))


@needs_bwrap
def test_a_submission_that_opens_gradebooks_with_sqlite_finds_none_and_gets_the_layers_points(graded):
    rows = _rows(graded)
    printed = _printed(graded, "sqlite")
    attack = printed.split("ATTACK ", 1)[1].splitlines()[0]
    assert "'seen': []" in attack and "'changed': []" in attack and "'solutions': False" in attack \
        and "'sandbox': 'bwrap'" in attack, f"Expected the sandbox to hide every gradebook and solutions/; got {attack}."
    assert rows["sqlite"]["score"] == rows["ref"]["score"] == "10", \
        f"Expected the attack to get exactly the layer's points (10); got {rows['sqlite']['score']}."
    assert {r["max_score"] for r in rows.values()} == {"10"}, f"Expected every maximum unchanged at 10; got {rows}."
    assert rows["blank"]["score"] == "0", f"Expected the blank notebook to keep 0; got {rows['blank']}."


@needs_bwrap
def test_a_cell_past_its_limit_is_interrupted_and_the_notebook_goes_on(graded):
    rows = _rows(graded)
    assert rows["loop"]["score"] == "10" and rows["loop"]["status"] == "graded", \
        f"Expected the hidden tests after the endless cell to run (10 points); got {rows['loop']}."
    # 10 points means the kernel kept its state: it was interrupted, not restarted (MyLinear would be gone).
    assert "ran past the 8 s limit" in rows["loop"]["reason"], \
        f"Expected the reason to say a cell ran past its limit; got {rows['loop']['reason']!r}."


def test_without_bwrap_course_grade_says_so_first_and_in_every_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "bwrap cannot create namespaces here (test)")
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "blank.ipynb").write_text((notebooks_dir() / A / f"{A}.ipynb").read_text())
    results = grade_submissions([A], folder, tmp_path / "out", workers=1, progress=False)
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("note: grading WITHOUT the OS sandbox: bwrap cannot create namespaces here (test)"), first
    assert all("graded without the OS sandbox" in r.reason for r in results), [r.reason for r in results]
