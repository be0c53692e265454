"""Colab, simulated: each student notebook, filled with the reference answers, runs as a self-learner's would.

The simulation (one execution per notebook per session, through nbclient):
- a fresh folder outside the repository is the notebook's folder (Colab's /content);
- a stand-in `google.colab` module is imported when the kernel starts, as Colab does, and the course's
  own editable install is hidden, so `autograder` can only come from what the setup cell fetches;
- the published repository (pyproject.toml's [tool.course]) is redirected by git's own `insteadOf`
  setting, given only to the kernel's environment, to a local repository built from this working tree;
- a `git` wrapper on PATH logs every clone; COURSE_DEVICE=cpu forces the CPU.
The notebook gets a cell before the setup cell (the course is not importable yet) and, at its end, the
setup cell again and a cell reporting where the course was imported from.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.student.colab import NEEDED, install_missing, pinned
from autograder.student.settings import notebooks_dir, solutions_dir
NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()
from autograder.grader.pipeline import assignments
from autograder.authoring.publish import BADGE_TAG, published, readme_table, TABLE_END, TABLE_START
from autograder.authoring.setup_cell import SETUP_CELL, setup_cell
from autograder.authoring.edition import build as build_edition, edition_location
from nbrun import Job, Prefetch, filled_with_answers

pytestmark = pytest.mark.colab

ROOT = Path(__file__).resolve().parents[1]
MARK = "COLAB_SIM="
# Placeholder addresses that must never be published (built by concatenation so this file does not hold them).
PLACEHOLDERS = ["mlp-course" + "/mlp-course", "OWNER" + "/REPO", "your-" + "username", "github.com/" + "example"]


# ---- the setting and what `make release` stamps from it -------------------------------------------

def repository_files() -> list[Path]:
    """Every file git tracks or would track (untracked, not ignored) in the working tree."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True,
                         check=True).stdout.decode()
    return [ROOT / p for p in out.split("\0") if p and (ROOT / p).is_file()]


def test_no_placeholder_repository_url_anywhere():
    hits = []
    for path in repository_files():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        hits += [f"{path.relative_to(ROOT)}: {p}" for p in PLACEHOLDERS if p in text]
    assert not hits, (f"Expected no placeholder repository address; got {hits}. Hint: the address comes from "
                      "[tool.course] in pyproject.toml; run `make release`.")


def test_every_student_notebook_opens_with_its_colab_badge():
    where = published()
    for a in assignments():
        path = NOTEBOOKS / a / f"{a}.ipynb"
        first = nbformat.read(path, as_version=4).cells[0]
        assert BADGE_TAG in first.metadata.get("tags", []) and where.badge(a) in first.source, (
            f"Expected {path.name} to open with the badge {where.badge(a)}; got {first.source[:120]!r}. "
            "Hint: run `make release`.")
        assert where.colab_url(a).endswith(f"/{where.notebooks}/{a}/{a}.ipynb") and path.relative_to(ROOT).as_posix() \
            == f"{where.notebooks}/{a}/{a}.ipynb", f"Expected the badge of {a} to open the file at {path}."


def test_solutions_keep_no_badge_and_the_setup_cell_is_built_from_the_setting():
    where = published()
    assert where.git_url in SETUP_CELL and f'"-b", "{where.branch}"' in SETUP_CELL
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        assert BADGE_TAG not in path.read_text(), f"Expected no Colab badge in the instructor notebook {path.name}."


def test_readme_table_of_notebooks_is_current():
    text = (ROOT / "README.md").read_text()
    assert TABLE_START in text and TABLE_END in text, "Expected the generated table of notebooks in README.md."
    got = TABLE_START + text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0] + TABLE_END
    want = readme_table(published(), sorted(NOTEBOOKS.glob("*/*.ipynb")))
    assert got == want, "Expected README.md's table of notebooks to match [tool.course]. Fix: run `make release`."


def test_setting_can_point_at_a_student_edition(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.course]\nrepository = "a-school/mlp-course-student"\nbranch = "student"\n'
                         'notebooks = "notebooks"\n')
    where = published(pyproject)
    cell = setup_cell(where)
    assert '"-b", "student"' in cell and "https://github.com/a-school/mlp-course-student.git" in cell
    assert 'os.path.isdir("mlp-course-student")' in cell
    assert where.colab_url("00_mnist") == ("https://colab.research.google.com/github/a-school/mlp-course-student/"
                                           "blob/student/notebooks/00_mnist/00_mnist.ipynb")


@pytest.mark.parametrize("table, hint", [
    ("", "[tool.course]"),
    ('[tool.course]\nrepository = "just-a-name"\nbranch = "main"\nnotebooks = "notebooks"\n', "owner/name"),
    ('[tool.course]\nrepository = "o/n"\nbranch = ""\nnotebooks = "notebooks"\n', "branch"),
])
def test_a_malformed_setting_says_what_to_write(tmp_path, table, hint):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(table)
    with pytest.raises(ValueError, match=re.escape(hint)):
        published(pyproject)


# ---- the installer: only what Colab lacks, pinned, never torch --------------------------------------

def test_installer_installs_nothing_when_nothing_is_missing():
    calls = []
    assert install_missing(run=lambda *a, **k: calls.append(a)) == [] and not calls, \
        f"Expected no pip run when every needed module imports; got {calls}."


def test_installer_pins_the_missing_and_keeps_torch(monkeypatch, capsys):
    import torch
    import autograder.student.colab as colab
    monkeypatch.setattr(colab, "missing_modules", lambda: ["fastai"])
    seen = {}

    def fake_run(cmd, **kwargs):
        seen["cmd"] = cmd
        seen["constraints"] = Path(cmd[cmd.index("-c") + 1]).read_text()
        return subprocess.CompletedProcess(cmd, 0, "", "")

    assert colab.install_missing(run=fake_run) == pinned(["fastai"])
    assert pinned(["fastai"])[0].startswith("fastai=="), "Expected fastai pinned from requirements.lock."
    assert "torch" not in " ".join(seen["cmd"][:-1]) and seen["cmd"][-1] == pinned(["fastai"])[0]
    assert seen["constraints"].strip() == f"torch=={torch.__version__}", \
        f"Expected the runtime's torch pinned as a constraint; got {seen['constraints']!r}."
    assert set(NEEDED) >= {"fastai"}


def test_installer_without_network_stops_with_one_sentence(monkeypatch):
    import autograder.student.colab as colab
    monkeypatch.setattr(colab, "missing_modules", lambda: ["fastai"])
    failed = lambda cmd, **k: subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found\n")
    with pytest.raises(SystemExit) as e:
        colab.install_missing(run=failed)
    message = str(e.value)
    assert message.startswith("Could not install fastai==") and message.count(". ") == 0 and "\n" not in message, \
        f"Expected one sentence naming what failed and what to do; got {message!r}."


# ---- the simulation --------------------------------------------------------------------------------

SITECUSTOMIZE = '''
"""Colab stand-in for the tests: hide the course's editable install, then import google.colab as Colab does."""
import sys
def _editable(f):  # setuptools' editable finder is installed as a class, its path hook as a classmethod
    return str(getattr(f, "__module__", None) or type(f).__module__).startswith("__editable__")
sys.meta_path[:] = [f for f in sys.meta_path if not _editable(f)]
sys.path_hooks[:] = [h for h in sys.path_hooks if not _editable(h)]
sys.path_importer_cache.clear()
import google.colab  # noqa: E402,F401
'''

GIT_WRAPPER = '''#!/bin/sh
echo "$(pwd): git $*" >> "{log}"
exec "{git}" "$@"
'''


def publish_working_tree(dest: Path, branch: str) -> Path:
    """A git repository holding this working tree (what `git push` would publish), on `branch`."""
    for path in repository_files():
        target = dest / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return commit_all(dest, branch)


def commit_all(dest: Path, branch: str) -> Path:
    """Make dest a git repository whose `branch` holds everything in it."""
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost", "-C", str(dest)]
    subprocess.run([*git, "init", "-q", "-b", branch], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "published"], check=True)
    return dest


TREES = ["main", "edition"]  # the course as published, and the student edition published as its own branch


def make_world(base: Path, tree: str) -> dict:
    """The published repository (or the edition's) as a local git repository, a stand-in google.colab, the kernel's env."""
    assert ROOT not in base.parents, "Expected the simulation folder outside the repository."
    if tree == "main":
        where, notebooks = published(), NOTEBOOKS
        repo = publish_working_tree(base / "published", where.branch)
    else:
        where = edition_location()
        repo = commit_all(build_edition(base / "published", where), where.branch)
        notebooks = repo / "notebooks"
    standin = base / "standin"
    (standin / "google" / "colab").mkdir(parents=True)
    (standin / "google" / "__init__.py").write_text("")
    (standin / "google" / "colab" / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab."""\n')
    (standin / "sitecustomize.py").write_text(SITECUSTOMIZE)
    bin_dir, log = base / "bin", base / "git.log"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(GIT_WRAPPER.format(log=log, git=shutil.which("git")))
    (bin_dir / "git").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MNIST_DIR", "PYTHONPATH", "COURSE_DEVICE")}
    env.update(PYTHONPATH=str(standin), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", COURSE_DEVICE="cpu",
               GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0=f"url.file://{repo}.insteadOf",
               GIT_CONFIG_VALUE_0=where.git_url)
    return {"base": base, "env": env, "log": log, "where": where, "notebooks": notebooks, "setup": setup_cell(where)}


@pytest.fixture(scope="session")
def colab_worlds(tmp_path_factory) -> dict:
    """Each tree's simulated world, made on first use."""
    made: dict[str, dict] = {}

    def get(tree: str) -> dict:
        if tree not in made:
            made[tree] = make_world(tmp_path_factory.mktemp(f"colab-{tree}"), tree)
        return made[tree]
    return get


def filled_student_notebook(assignment: str, notebooks: Path = NOTEBOOKS) -> nbformat.NotebookNode:
    """The student notebook with every answer cell replaced by the reference answer from solutions/."""
    return filled_with_answers(notebooks / assignment / f"{assignment}.ipynb",
                               SOLUTIONS / assignment / f"{assignment}.ipynb")


def probe_cell(name: str, folder: str) -> nbformat.NotebookNode:
    """A cell that prints where the course comes from, as JSON after MARK."""
    return nbformat.v4.new_code_cell(textwrap.dedent(f'''
        import importlib.util, json, os, sys
        spec = importlib.util.find_spec("autograder")
        print({MARK!r} + json.dumps({{"probe": {name!r}, "autograder": spec and spec.origin, "cwd": os.getcwd(),
              "copies_on_path": sum(p.endswith("/{folder}") for p in sys.path)}}))'''))


def colab_job(assignment: str, world: dict) -> Job:
    """The filled student notebook, run in a fresh folder as Colab would; it stops at the first error."""
    nb = filled_student_notebook(assignment, world["notebooks"])
    setup_index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    assert nb.cells[setup_index].source == world["setup"], f"Expected {assignment}'s setup cell built for its tree."
    name = world["where"].name
    nb.cells.insert(setup_index, probe_cell("before setup", name))
    nb.cells += [probe_cell("after first setup", name), nbformat.v4.new_code_cell(world["setup"]),
                 probe_cell("after second setup", name)]
    folder = world["base"] / f"content-{assignment}"
    folder.mkdir(exist_ok=True)
    return Job(nb, folder, allow_errors=False, env=world["env"])


_runs = Prefetch()


@pytest.fixture(scope="session")
def colab_runs(colab_worlds, request):
    """Each student notebook of each tree executed once per session in the simulation: those the selected tests
    use, two at a time."""
    for item in request.session.items:
        params = getattr(item, "callspec", None) and item.callspec.params
        if "colab_runs" in getattr(item, "fixturenames", ()) and params and "assignment" in params:
            key = (params.get("tree", "main"), params["assignment"])
            _runs.want(key, lambda k=key: colab_job(k[1], colab_worlds(k[0])))

    def get(tree: str, assignment: str) -> nbformat.NotebookNode:
        return _runs.get((tree, assignment), lambda: colab_job(assignment, colab_worlds(tree)))[0]
    return get


def text_of(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed."""
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def probes(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """The probe cells' reports by name."""
    found = {}
    for cell in nb.cells:
        for line in text_of(cell).splitlines():
            if line.startswith(MARK):
                report = json.loads(line[len(MARK):])
                found[report["probe"]] = report
    return found


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("assignment", assignments())
def test_setup_cell_fetches_the_course_once_and_a_second_run_does_nothing(colab_runs, colab_worlds, tree, assignment):
    colab_world = colab_worlds(tree)
    nb = colab_runs(tree, assignment)
    found = probes(nb)
    assert found["before setup"]["autograder"] is None, \
        "Expected the course not importable before the setup cell (the simulation hides the local install)."
    clone = Path(found["after first setup"]["cwd"]) / colab_world["where"].name
    origin = found["after first setup"]["autograder"]
    assert origin and Path(origin).is_relative_to(clone), f"Expected autograder imported from {clone}; got {origin}."
    assert found["after second setup"]["copies_on_path"] == 1, "Expected the course once on sys.path after two runs."
    clones = [line for line in colab_world["log"].read_text().splitlines()
              if line.startswith(f"{clone.parent}: git clone")]
    assert len(clones) == 1, f"Expected exactly one clone in {clone.parent} after two setup runs; got {clones}."
    setups = [c for c in nb.cells if c.cell_type == "code" and c.source == colab_world["setup"]]
    assert len(setups) == 2, f"Expected the setup cell twice in the simulated {assignment}; got {len(setups)}."
    for cell in setups:
        assert "Installing" not in text_of(cell) and "device: cpu" in text_of(cell), \
            f"Expected the setup cell to install nothing and report the forced CPU; got {text_of(cell)!r}."
    assert (clone / ".git").is_dir() and (clone / "data" / "mnist").is_dir(), f"Expected the course cloned into {clone}."


@pytest.mark.parametrize("tree", TREES)
@pytest.mark.parametrize("assignment", assignments())
def test_data_loads_and_every_self_check_passes_on_the_cpu(colab_runs, tree, assignment):
    nb = colab_runs(tree, assignment)
    loads = [c for c in nb.cells if c.cell_type == "code" and "load_mnist()" in c.source]
    assert loads and not any(o.get("output_type") == "error" for c in loads for o in c.outputs), \
        f"Expected load_mnist() to run in the simulated {assignment}."
    graded = {c.metadata["nbgrader"]["grade_id"].removesuffix("_tests")
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    checked = set()
    for cell in nb.cells:
        for exercise in re.findall(r'self_check\("(\w+)"', cell.source if cell.cell_type == "code" else ""):
            checked.add(exercise)
            report = text_of(cell)
            assert "[FAIL]" not in report and "PASS" in report, \
                f"Expected every check of {exercise} to pass with the reference answer; got {report!r}."
    assert graded <= checked, f"Expected a passing self-check for each of {sorted(graded)}; got {sorted(checked)}."


def test_setup_cell_without_network_stops_with_one_sentence(tmp_path):
    where = published()
    standin = tmp_path / "standin" / "google" / "colab"
    standin.mkdir(parents=True)
    (standin.parent / "__init__.py").write_text("")
    (standin / "__init__.py").write_text("")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(tmp_path / "standin"), GIT_CONFIG_COUNT="1",
               GIT_CONFIG_KEY_0=f"url.file://{tmp_path}/unreachable.insteadOf", GIT_CONFIG_VALUE_0=where.git_url)
    content = tmp_path / "content"
    content.mkdir()
    proc = subprocess.run([sys.executable, "-c", "import google.colab\n" + SETUP_CELL], cwd=content, env=env,
                          capture_output=True, text=True, timeout=120)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, f"Expected a clean stop; got {proc.stderr!r}."
    assert last == (f"Could not download the course from {where.git_url} (branch {where.branch}): connect this "
                    "runtime to the internet, then run this cell again."), f"Expected one sentence; got {last!r}."
    assert not (content / where.name).exists(), "Expected no half-cloned folder left behind."


def test_course_device_forces_the_device_and_rejects_nonsense(monkeypatch):
    import torch
    from autograder.student.notebook import DEVICE_ENV, pick_device
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert pick_device() == torch.device("cpu")
    monkeypatch.setenv(DEVICE_ENV, "tpu")
    with pytest.raises(ValueError, match="Expected COURSE_DEVICE"):
        pick_device()
    if not torch.cuda.is_available():
        monkeypatch.setenv(DEVICE_ENV, "cuda")
        with pytest.raises(ValueError, match="with a GPU present"):
            pick_device()
