"""Write the student edition: the course without its answer key, ready to publish as a branch or repository.

    python -m autograder.authoring.edition [--out dist/student-edition]     (or: make student-edition)

It holds the student runtime whole (autograder/__init__.py and autograder/student/, no file list), the
released notebooks and the data; `pip install .` installs it. Its notebooks' setup cells and Colab badges,
and its settings module, name the edition's own repository and branch ([tool.course.student-edition] in
pyproject.toml), never the tree with the solutions. tests/test_student_edition.py proves it.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from pathlib import Path

from ..student.settings import course_root
from .publish import stamp_release, stamp_settings
from .published import Published, published

ROOT = course_root()
DEFAULT_OUT = ROOT / "dist" / "student-edition"
# The edition: the package's root module, the student runtime, the released notebooks and the data.
COPIED = ["autograder/__init__.py", "autograder/student", "notebooks", "data"]
# Pins only instructors, the course's tests or its lint gate use; students get the rest.
NOT_FOR_STUDENTS = {"nbgrader", "nbconvert", "pytest", "pytest-timeout", "hypothesis", "playwright", "ruff", "scipy", "mkdocs", "mkdocs-material"}
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")

PYPROJECT = '''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "mlp-course-student"
dynamic = ["version"]
description = "Student edition of the mlp-course: notebooks, MNIST and self-checks, without the answer key."
requires-python = ">=3.10,<3.14"
dependencies = {dependencies}

[tool.setuptools.dynamic]
version = {{attr = "autograder.__version__"}}

[tool.setuptools.packages.find]
include = ["autograder", "autograder.student*"]
'''

README = '''# mlp-course: student edition

Build PyTorch's `nn.Linear` yourself, then an MLP, on MNIST. This is the student edition: the notebooks,
the data and the self-checks, without solutions or hidden tests. It is generated from the course
repository by `make student-edition`; do not edit it here.

## Start here

1. **Open the course.** In Colab: open a notebook from `notebooks/` (File → Open notebook → GitHub, or the
   badge at the top of each notebook) and run its first cell; it fetches this edition ({where}) and
   installs only what Colab lacks. On your machine (Python 3.10-3.13), in this folder:

   ```bash
   python -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/pip install .
   .venv/bin/jupyter lab notebooks/
   ```
2. **Work through the notebooks in order:** {order}. Write your code where it says `# YOUR CODE HERE`.
3. **Run the self-check under each exercise.** Its first line says `PASS`, or `FAIL` with your points and one
   sentence that names your first mistake; the lines below list every check with its points. A failing
   self-check does not stop the notebook.
4. **Submit** the notebook file itself after Kernel → Restart and Run All, or use your class's nbgrader
   *Assignments* tab. Keep the locked cells as they are.
'''


def _pyproject() -> dict:
    """The course's pyproject.toml."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def edition_location() -> Published:
    """Where the edition is published: [tool.course.student-edition] (repository and branch), same notebooks folder."""
    main = published()
    table = _pyproject()["tool"]["course"].get("student-edition", {})
    return Published(table.get("repository", main.repository), table.get("branch", "student-edition"), main.notebooks)


def student_requirements() -> str:
    """The course's exact pins for what students run (no grading, test or lint tools): the versions tested together."""
    keep = ["# What the student edition needs, pinned exactly as the course is tested (generated; do not edit)."]
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        name = line.split("==")[0].strip().lower()
        if line.strip() and not line.startswith("#") and name not in NOT_FOR_STUDENTS:
            keep.append(line.strip())
    return "\n".join(keep) + "\n"


def build(out: Path = DEFAULT_OUT, where: Published | None = None) -> Path:
    """Write the edition to out (replacing what was there), published at `where`; return out."""
    out = Path(out).resolve()
    if out == ROOT or ROOT.is_relative_to(out):
        raise ValueError(f"Expected an output folder outside the course; got {out}, which holds it.")
    where = where or edition_location()
    shutil.rmtree(out, ignore_errors=True)
    for rel in COPIED:
        src, dest = ROOT / rel, out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest, ignore=SKIP)
        else:
            shutil.copy2(src, dest)
    stamp_release(out / "notebooks", where)  # setup cells and badges fetch the edition, not the full course
    stamp_settings(where, out / "autograder" / "student" / "settings.py")
    dependencies = "[\n" + "".join(f'    "{d}",\n' for d in _pyproject()["project"]["dependencies"]) + "]"
    (out / "pyproject.toml").write_text(PYPROJECT.format(dependencies=dependencies))
    (out / "requirements.txt").write_text(student_requirements())
    order = ", ".join(f"`{p.name}`" for p in sorted((out / "notebooks").iterdir()) if p.is_dir())
    (out / "README.md").write_text(README.format(where=where.web_url, order=order))
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\nbuild/\n.ipynb_checkpoints/\n")
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build the edition and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default dist/student-edition)")
    args = parser.parse_args(argv)
    out = build(args.out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"student edition: {files} files in {out}, published at {edition_location().web_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
