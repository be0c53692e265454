"""Find the submissions to grade: nbgrader's submitted/{student}/{assignment}/ layout or loose {student}.ipynb files."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment, as handed in (never modified)."""

    student: str
    assignment: str
    path: Path


GRADEBOOK_ID_CHARS = 128  # nbgrader's gradebook: Student.id is a String(128) column
GLOB_CHARS = "*?[]"       # nbgrader matches --student as a glob pattern over submitted/ folders


def student_id(name: str) -> str:
    """The student id a file or folder name stands for: the name itself, in one Unicode form (NFC).

    The id is kept as handed in (an e-mail login, an apostrophe, a hyphen, accents): the gradebook and
    the LMS export need the real id. NFC makes 'zoë' typed on a Mac (NFD file names) the same student.
    """
    return unicodedata.normalize("NFC", name)


def id_problem(student: str) -> str:
    """Why nbgrader cannot grade under this id (the rule it breaks), or '' when it can."""
    if student != student.strip():
        return (f"the student id {student!r} starts or ends with a space; nbgrader strips it and then "
                "finds no folder of that name. Rename the file or folder without it")
    if any(c in student for c in GLOB_CHARS):
        return (f"the student id {student!r} contains one of {' '.join(GLOB_CHARS)}; nbgrader reads a student id "
                "as a file pattern (glob), so it would match other folders or none. Rename it without them")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in student):
        return (f"the student id {student!r} contains a control character or bytes that are not UTF-8; "
                "nbgrader keeps ids as text in its gradebook. Rename it with printable characters")
    if len(student) > GRADEBOOK_ID_CHARS:
        return (f"the student id is {len(student)} characters long; nbgrader's gradebook stores at most "
                f"{GRADEBOOK_ID_CHARS}. Use a shorter id (e.g. the login name)")
    return ""


def printable_id(student: str) -> str:
    """The id as it can be written to grades.csv: bytes that are not UTF-8 shown as \\x escapes."""
    return student.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _visible(path: Path) -> bool:
    """False for hidden entries (.ipynb_checkpoints, macOS '._name' copies), which Jupyter and nbgrader skip too."""
    return not path.name.startswith(".")


def _nbgrader_layout(folder: Path, assignments: list[str]) -> list[Submission]:
    """submitted/{student}/{assignment}/{notebook}.ipynb (the folder may be submitted/ or hold it)."""
    base = folder / "submitted" if (folder / "submitted").is_dir() else folder
    found = []
    for student_dir in sorted(p for p in base.iterdir() if p.is_dir() and _visible(p)):
        for a in assignments:
            nb = student_dir / a / f"{a}.ipynb"
            if not nb.exists():
                nbs = sorted(filter(_visible, (student_dir / a).glob("*.ipynb"))) if (student_dir / a).is_dir() else []
                nb = nbs[0] if nbs else None
            if nb is not None:
                found.append(Submission(student_id(student_dir.name), a, nb))
    return found


def _loose_files(folder: Path, assignments: list[str]) -> list[Submission]:
    """{student}.ipynb files, all for the one assignment being graded."""
    if len(assignments) != 1:
        raise ValueError(f"Expected a submitted/{{student}}/{{assignment}}/ folder when grading "
                         f"{len(assignments)} assignments; got loose .ipynb files in {folder}. "
                         "Hint: grade one assignment at a time, or use nbgrader's layout.")
    return [Submission(student_id(p.stem), assignments[0], p)
            for p in sorted(folder.glob("*.ipynb")) if p.is_file() and _visible(p)]


def collect(folder: Path, assignments: list[str]) -> list[Submission]:
    """Every submission in folder for the given assignments, sorted by student then assignment."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Expected a folder of submissions; got {folder}, which does not exist.")
    subs = _loose_files(folder, assignments) if any(filter(_visible, folder.glob("*.ipynb"))) \
        else _nbgrader_layout(folder, assignments)
    seen: dict[tuple[str, str], Path] = {}
    for s in subs:
        if (s.student, s.assignment) in seen:
            raise ValueError(f"Expected one notebook per student; got two for {s.student} "
                             f"({seen[(s.student, s.assignment)].name} and {s.path.name}).")
        seen[(s.student, s.assignment)] = s.path
    return sorted(subs, key=lambda s: (s.student, s.assignment))
