"""Where things are in the course repository, and releasing the student notebooks from it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"


def assignments() -> list[str]:
    """The assignment ids: the folders of solutions/ that hold a notebook, in course order."""
    return sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def venv_env() -> dict[str, str]:
    """The environment with this interpreter's bin/ first on PATH: nbgrader shells out to `alembic`."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def release(dest: Path = NOTEBOOKS, db: Path | None = None) -> list[Path]:
    """Generate the student notebooks from solutions/ with nbgrader; return the files written."""
    from .grading.pipeline import generate_assignments  # the grading template is generated the same way
    generate_assignments(assignments(), ROOT, dest, db)
    written = [p for a in assignments() for p in sorted((dest / a).glob("*.ipynb"))]
    from .publish import stamp_release
    stamp_release(dest)  # the published location: setup cells and "Open in Colab" badges
    return written
