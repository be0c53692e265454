"""The `similarity` column of grades.csv: answer cells equal to the reference's or another student's, after normalising.

Each answer cell (nbgrader `solution` code cells, matched by grade_id) is compared by its normalised AST
(similarity.py: names, docstrings and comments stripped) with the instructor's answer and with
the same cell of every other submission in the run. Cells left as released (the stub) are never flagged.
The score is not changed: instructors decide.
"""
from __future__ import annotations

from pathlib import Path

from ..student.settings import solutions_dir
from .cells import read_code_cells
from .similarity import fingerprint, flag
from .collect import Submission


def answer_cells(path: Path) -> dict[str, str]:
    """grade_id -> source of each answer cell of a notebook ({} when the file is not a readable notebook)."""
    return {c.grade_id: c.answer_source for c in read_code_cells(path) if c.answer and c.grade_id}


def similarity(subs: list[Submission], release: Path, solutions: Path | None = None) -> dict[tuple[str, str], str]:
    """(student, assignment) -> 'reference' or the other student's name, for every flagged submission."""
    solutions = solutions or solutions_dir()
    found: dict[tuple[str, str], list[str]] = {}
    for a in sorted({s.assignment for s in subs}):
        reference = answer_cells(solutions / a / f"{a}.ipynb")
        stub = answer_cells(release / a / f"{a}.ipynb")
        cells = {s.student: answer_cells(s.path) for s in subs if s.assignment == a}
        for gid, ref in reference.items():
            blank = fingerprint(stub.get(gid, ""))
            answered = {st: c[gid] for st, c in cells.items() if gid in c and fingerprint(c[gid]) != blank}
            for student, other in flag(answered, ref).items():
                found.setdefault((student, a), []).append(other)
    return {k: " ".join(dict.fromkeys(v)) for k, v in found.items()}
