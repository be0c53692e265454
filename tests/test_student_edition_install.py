"""The student edition on its own: a fresh venv, its own requirements, `pip install .`, and no course install anywhere.

The venv is made once per session outside the repository (torch from the local wheel, the rest from the package
index or pip's cache). Every module of the edition must import there, from site-packages; every notebook of the
edition, filled with the reference answers, runs to its end in a kernel of that venv, from the edition's folder
(as a student's `jupyter lab notebooks/` would), and every self-check passes.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.edition import build
from autograder.grader.pipeline import assignments
from autograder.student.settings import course_root, solutions_dir
from nbrun import Job, Prefetch, filled_with_answers

pytestmark = pytest.mark.edition
ROOT = course_root()
KERNEL = "mlp-course-edition"
MARK = "EDITION_PROBE="


def _pip(venv: Path, *args: str) -> None:
    """pip in the edition's venv; a failure shows pip's last lines."""
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                           *args], capture_output=True, text=True, timeout=1500)
    tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "is ignored" not in ln][-15:]
    assert proc.returncode == 0, f"Expected pip install {' '.join(args)} to work in a fresh venv; got:\n" + "\n".join(tail)


@pytest.fixture(scope="session")
def installed_edition(tmp_path_factory) -> dict:
    """The edition built outside the repository and installed (not editable) into a fresh venv with its kernel."""
    base = tmp_path_factory.mktemp("edition-venv")
    assert ROOT not in base.parents
    edition = build(base / "student-edition")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    _pip(venv, "-r", str(edition / "requirements.txt"))
    _pip(venv, str(edition))  # a plain install: no editable finder, no path back to the repository
    jupyter = base / "jupyter"
    subprocess.run([str(venv / "bin" / "python"), "-m", "ipykernel", "install", "--prefix", str(jupyter),
                    "--name", KERNEL], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter / "share" / "jupyter"),
                                                              os.environ.get("JUPYTER_PATH")]))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MNIST_DIR", "COURSE_HOME")}
    env.update(COURSE_DEVICE="cpu", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return {"edition": edition, "venv": venv, "env": env, "base": base}


def test_every_module_of_the_edition_imports_from_the_venv_and_nothing_else(installed_edition):
    code = textwrap.dedent('''
        import importlib, json, pkgutil, sys
        import autograder, autograder.student
        names = ["autograder"] + [m.name for m in pkgutil.walk_packages(autograder.__path__, "autograder.")]
        files = {n: importlib.import_module(n).__file__ for n in names}
        try:
            import solutions
            files["solutions"] = solutions.__file__
        except ImportError:
            pass
        print(json.dumps({"files": files, "version": autograder.__version__}))''')
    outside = installed_edition["base"]  # neither the repository nor the edition's folder
    proc = subprocess.run([str(installed_edition["venv"] / "bin" / "python"), "-c", code], cwd=outside,
                          env=installed_edition["env"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"Expected every module of the edition to import in its venv; got:\n{proc.stderr[-3000:]}"
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    site = str(installed_edition["venv"])
    assert "solutions" not in got["files"], f"Expected no answer key importable; got {got['files']['solutions']}."
    wrong = {n: f for n, f in got["files"].items() if not f.startswith(site)}
    assert not wrong, f"Expected every module from the venv's site-packages; got {wrong}."
    names = set(got["files"])
    assert {"autograder.student.checks", "autograder.student.colab", "autograder.student.batches",
            "autograder.student.settings", "autograder.student.notebook"} <= names, sorted(names)
    assert not any(n.startswith(("autograder.grader", "autograder.authoring")) for n in names), sorted(names)
    import autograder
    assert got["version"] == autograder.__version__


def probe_cell() -> nbformat.NotebookNode:
    """Where the kernel imported the course from, and the folder it found as the course."""
    return nbformat.v4.new_code_cell(
        "import json, autograder\nfrom autograder.student.settings import course_root\n"
        f"print({MARK!r} + json.dumps({{'autograder': autograder.__file__, 'root': str(course_root())}}))")


_runs = Prefetch()


def edition_job(assignment: str, world: dict) -> Job:
    """The edition's notebook with the reference answers, run from its own folder in the edition's kernel."""
    folder = world["edition"] / "notebooks" / assignment
    nb = filled_with_answers(folder / f"{assignment}.ipynb", solutions_dir() / assignment / f"{assignment}.ipynb")
    nb.cells.append(probe_cell())
    return Job(nb, folder, allow_errors=False, env=world["env"], kernel=KERNEL)


@pytest.fixture(scope="session")
def edition_runs(installed_edition, request):
    """Each edition notebook executed once per session, those the selected tests use, two at a time."""
    for item in request.session.items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if "edition_runs" in getattr(item, "fixturenames", ()) and params and "assignment" in params:
            a = params["assignment"]
            _runs.want(a, lambda a=a: edition_job(a, installed_edition))
    return lambda a: _runs.get(a, lambda: edition_job(a, installed_edition))[0]


def _printed(cell: nbformat.NotebookNode) -> str:
    """What a cell printed."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.parametrize("assignment", assignments())
def test_each_edition_notebook_runs_to_the_end_with_every_self_check_passing(edition_runs, installed_edition,
                                                                             assignment):
    nb = edition_runs(assignment)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"Expected {assignment} of the edition to run clean; got {errors[:1]}."
    probe = json.loads(_printed(nb.cells[-1]).split(MARK, 1)[1])
    assert probe["autograder"].startswith(str(installed_edition["venv"])), \
        f"Expected the kernel to import the installed edition; got {probe['autograder']}."
    assert probe["root"] == str(installed_edition["edition"]), f"Expected the edition's folder as the course; got {probe}."
    checks = [c for c in nb.cells if c.cell_type == "code" and re.search(r'self_check\("\w+"', c.source)]
    assert checks, f"Expected self-checks in {assignment}."
    for cell in checks:
        report = _printed(cell)
        assert "PASS" in report and "[FAIL]" not in report, f"Expected every self-check to pass; got {report!r}."
