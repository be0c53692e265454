"""Releasing the student notebooks: nbgrader generates notebooks/ from solutions/, then the published location is stamped."""
from __future__ import annotations

from pathlib import Path

from ..grader.pipeline import assignments, generate_assignments
from ..student.settings import course_root, notebooks_dir
from .publish import stamp_release


def release(dest: Path | None = None, db: Path | None = None) -> list[Path]:
    """Generate the student notebooks from solutions/ with nbgrader; return the files written."""
    dest = dest or notebooks_dir()
    generate_assignments(assignments(), course_root(), dest, db)
    written = [p for a in assignments() for p in sorted((dest / a).glob("*.ipynb"))]
    stamp_release(dest)  # the published location: setup cells and "Open in Colab" badges
    return written
