"""Where things are in the course repository, and running nbgrader against it."""
from __future__ import annotations

import os
import subprocess
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


def nbgrader(*args: str, root: Path = ROOT, db: Path | None = None, quiet: bool = True,
             extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """Run one nbgrader command with the course's config; raise with its log if it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args,
           f"--CourseDirectory.root={root}",
           f"--CourseDirectory.source_directory={SOLUTIONS}", *extra]
    if db is not None:
        cmd.append(f"--CourseDirectory.db_url=sqlite:///{db}")
    if quiet:
        cmd.append("--log-level=WARN")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=venv_env())
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def release(dest: Path = NOTEBOOKS, db: Path | None = None) -> list[Path]:
    """Generate the student notebooks from solutions/ with nbgrader; return the files written."""
    written = []
    for a in assignments():
        nbgrader("generate_assignment", a, "--force", db=db,
                 extra=(f"--CourseDirectory.release_directory={dest}",))
        written += sorted((dest / a).glob("*.ipynb"))
    from .publish import stamp_release
    stamp_release(dest)  # the published location: setup cells and "Open in Colab" badges
    return written
