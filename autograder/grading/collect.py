"""Find the submissions to grade: nbgrader's submitted/{student}/{assignment}/ layout or loose {student}.ipynb files."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    """One student's notebook for one assignment, as handed in (never modified)."""

    student: str
    assignment: str
    path: Path


def student_id(name: str) -> str:
    """A safe student id from a file or folder name: letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "student"


def _nbgrader_layout(folder: Path, assignments: list[str]) -> list[Submission]:
    """submitted/{student}/{assignment}/{notebook}.ipynb (the folder may be submitted/ or hold it)."""
    base = folder / "submitted" if (folder / "submitted").is_dir() else folder
    found = []
    for student_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        for a in assignments:
            nb = student_dir / a / f"{a}.ipynb"
            if not nb.exists():
                nbs = sorted((student_dir / a).glob("*.ipynb")) if (student_dir / a).is_dir() else []
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
            for p in sorted(folder.glob("*.ipynb")) if p.is_file()]


def collect(folder: Path, assignments: list[str]) -> list[Submission]:
    """Every submission in folder for the given assignments, sorted by student then assignment."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Expected a folder of submissions; got {folder}, which does not exist.")
    subs = _loose_files(folder, assignments) if any(folder.glob("*.ipynb")) \
        else _nbgrader_layout(folder, assignments)
    seen: dict[tuple[str, str], Path] = {}
    for s in subs:
        if (s.student, s.assignment) in seen:
            raise ValueError(f"Expected one notebook per student; got two for {s.student} "
                             f"({seen[(s.student, s.assignment)].name} and {s.path.name}).")
        seen[(s.student, s.assignment)] = s.path
    return sorted(subs, key=lambda s: (s.student, s.assignment))
