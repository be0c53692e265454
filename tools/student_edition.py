"""Write the student edition: the course without its answer key, ready to publish as a branch or repository.

    python tools/student_edition.py [--out dist/student-edition]     (or: make student-edition)

It holds the student notebooks (notebooks/, nbgrader's release: no solutions, no hidden tests), the data,
and the part of the autograder package students run: the self-checks, the notebook setup, the data
loader and the training helpers. It leaves out solutions/ (solution notebooks, hidden tests, reference
code), the grading pipeline and the instructor's commands. tests/test_student_edition.py proves it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "dist" / "student-edition"
# What students run, relative to the repository root; everything else stays out.
PACKAGE = ["autograder/__init__.py", "autograder/data.py", "autograder/notebook.py", "autograder/setup_cell.py",
           "autograder/training.py", "autograder/checks",
           "autograder/integrity/__init__.py", "autograder/integrity/guard.py"]  # the checks capture the grader
COPIED = ["notebooks", "data", *PACKAGE]
# The course's pins minus what only instructors and the course's own tests use.
INSTRUCTOR_ONLY = {"nbgrader", "nbconvert", "pytest", "pytest-timeout", "hypothesis", "playwright"}
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")

PYPROJECT = '''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mlp-course-student"
version = "{version}"
description = "Student edition of the mlp-course: notebooks, MNIST and self-checks, without the answer key."
requires-python = ">=3.10,<3.14"
dependencies = []

[tool.setuptools.packages.find]
include = ["autograder*"]
'''

README = '''# mlp-course: student edition

Build PyTorch's `nn.Linear` yourself, then an MLP, on MNIST. This is the student edition: the notebooks,
the data and the self-checks, without solutions or hidden tests. It is generated from the course
repository by `make student-edition`; do not edit it here.

## Start here

1. **Open the course.** In Colab: open a notebook from `notebooks/` (File → Open notebook → GitHub, or the
   badge at the top of each notebook) and run its first cell; it fetches this edition and installs only what
   Colab lacks. On your machine (Python 3.10-3.13):

   ```bash
   python -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/pip install -e .
   .venv/bin/jupyter lab notebooks/
   ```
2. **Work through the notebooks in order:** `00_mnist`, `01_iter1`, `02_iter2`, `03_mlp`, `04_backprop`,
   `05_optimizer`. Write your code where it says `# YOUR CODE HERE`.
3. **Run the self-check under each exercise.** Its first line says `PASS`, or `FAIL` with your points and one
   sentence that names your first mistake; the lines below list every check with its points. A failing
   self-check does not stop the notebook. Your course total is the sum of the self-checks' points (57 in all).
4. **Submit** the notebook file itself after Kernel → Restart and Run All, or use your class's nbgrader
   *Assignments* tab. Keep the locked cells as they are.
'''


def _version() -> str:
    """The course's version from its pyproject.toml."""
    import tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def student_requirements() -> str:
    """The course's exact pins for what students run (no grading or test tools): the same versions, tested together."""
    keep = ["# What the student edition needs, pinned exactly as the course is tested (generated; do not edit)."]
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("==")[0].strip().lower()
        if line.strip() and not line.startswith("#") and name not in INSTRUCTOR_ONLY:
            keep.append(line.strip())
    return "\n".join(keep) + "\n"


def build(out: Path = DEFAULT_OUT) -> Path:
    """Write the edition to out (replacing what was there); return out."""
    out = Path(out).resolve()
    if out == ROOT or ROOT.is_relative_to(out):
        raise ValueError(f"Expected an output folder outside the course; got {out}, which holds it.")
    shutil.rmtree(out, ignore_errors=True)
    for rel in COPIED:
        src, dest = ROOT / rel, out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=SKIP)
        else:
            shutil.copy2(src, dest)
    (out / "requirements.txt").write_text(student_requirements())
    (out / "pyproject.toml").write_text(PYPROJECT.format(version=_version()))
    (out / "README.md").write_text(README)
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build the edition and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default dist/student-edition)")
    args = parser.parse_args(argv)
    out = build(args.out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"student edition: {files} files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
