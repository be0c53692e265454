"""Fast checks of the grading pieces: validation reasons, hidden-test stripping, layouts, the sandbox's rules."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grader.collect import collect, id_problem
from autograder.grader.democlass import CLASS, EXPECTED, solution_code
from autograder.grader.feedback import PLACEHOLDER, hide_tests
from autograder.grader.kernel import Fence
from autograder.grader.pipeline import build_template
from autograder.grader.run_one import main as run_one_main
from autograder.grader.worker import _wait
from autograder.grader.validate import validate
from autograder.student.settings import solutions_dir
SOLUTIONS = solutions_dir()

pytestmark = pytest.mark.grading
A = "01_iter1"


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A fresh release of 01_iter1 (notebooks/ untouched)."""
    t = build_template([A], tmp_path_factory.mktemp("tpl"))
    return t / "release" / A / f"{A}.ipynb"


@pytest.mark.parametrize("student", sorted(s for s, (w, _) in EXPECTED.items() if w == "invalid"))
def test_damaged_notebook_gets_reason(release, tmp_path, student):
    sol = solution_code(json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text()))
    path = tmp_path / "nb.ipynb"
    path.write_bytes(CLASS[student](json.loads(release.read_text()), sol))
    v = validate(path, release)
    assert not v.ok and EXPECTED[student][1] in v.reason, \
        f"Expected {student} rejected with {EXPECTED[student][1]!r}; got ok={v.ok}, reason {v.reason!r}."


def _tracked(nb: dict) -> list[tuple[str, str]]:
    """(grade_id, cell_type) of the nbgrader cells, in order."""
    return [(c["metadata"]["nbgrader"]["grade_id"], c["cell_type"]) for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("grade_id")]


@pytest.mark.parametrize("student", ["deleted_test_cell", "duplicated_test_cell", "changed_cell_type"])
def test_damaged_cells_are_repaired_not_rejected(release, tmp_path, student):
    sol = solution_code(json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text()))
    path = tmp_path / "nb.ipynb"
    path.write_bytes(CLASS[student](json.loads(release.read_text()), sol))
    before = path.read_bytes()
    v = validate(path, release)
    want = _tracked(json.loads(release.read_text()))
    got = _tracked(v.notebook) if v.notebook else None
    assert v.ok and any(EXPECTED[student][1] in r for r in v.repaired) and got == want, \
        f"Expected {student} repaired ({EXPECTED[student][1]!r}) to the release's tracked cells {want}; " \
        f"got ok={v.ok}, repaired={v.repaired}, cells {got}. Hint: grading/validate.py follows OverwriteCells."
    nbformat.validate(nbformat.from_dict(v.notebook))
    assert path.read_bytes() == before, "Expected the student's file untouched; got it changed."


def test_a_duplicated_answer_keeps_the_students_code(release, tmp_path):
    nb = json.loads(release.read_text())
    i = next(k for k, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == "linear_randn")
    copy = json.loads(json.dumps(nb["cells"][i]))
    copy["id"], copy["source"] = "pasted", "class MyLinear: pass  # my answer"
    nb["cells"].insert(i + 1, copy)
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    v = validate(tmp_path / "nb.ipynb", release)
    sources = ["".join(c["source"]) for c in (v.notebook or {}).get("cells", [])]
    assert v.ok and "class MyLinear: pass  # my answer" in sources and \
        _tracked(v.notebook) == _tracked(json.loads(release.read_text())), \
        f"Expected the second copy of an answer cell kept as a plain cell, the first tracked; got {v.repaired}."


def test_released_notebook_is_valid(release):
    v = validate(release, release)
    assert v.ok and not v.notes and not v.repaired and v.notebook is None, \
        f"Expected the release itself to validate cleanly; got {v}."


def test_hide_tests_keeps_visible_part():
    src = "# visible\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nafter()"
    assert hide_tests(src) == f"# visible\n{PLACEHOLDER}\nafter()", f"Expected only the region hidden; got {hide_tests(src)!r}."
    assert "secret" not in hide_tests("### BEGIN HIDDEN TESTS\nsecret()"), "Expected an unterminated region hidden too."


def test_collect_both_layouts_keeps_ids_and_skips_hidden_files(tmp_path):
    (tmp_path / "loose").mkdir()
    for name in ("Alice Smith", "zoe\u0308", "._Alice Smith"):  # NFD as macOS writes it; an AppleDouble copy
        (tmp_path / "loose" / f"{name}.ipynb").write_text("{}")
    nbg = tmp_path / "course" / "submitted"
    for student in ("bob", ".ipynb_checkpoints"):
        (nbg / student / A).mkdir(parents=True)
        (nbg / student / A / f"{A}.ipynb").write_text("{}")
    loose, layout = collect(tmp_path / "loose", [A]), collect(tmp_path / "course", [A])
    assert [s.student for s in loose] == ["Alice Smith", "zo\u00eb"], \
        f"Expected the ids as handed in (NFC), hidden files skipped; got {[s.student for s in loose]}. " \
        "Hint: grading/collect.py student_id and _visible."
    assert [(s.student, s.assignment) for s in layout] == [("bob", A)], f"Expected bob only; got {layout}."


@pytest.mark.parametrize("student, rule", [
    ("firstname.lastname@university.example", ""), ("o'brien", ""), ("a+b c", ""), ("-dash", ""),
    (" bob", "starts or ends with a space"), ("bob ", "starts or ends with a space"),
    ("bob[1]", "file pattern (glob)"), ("b*b", "file pattern (glob)"), ("line\nbreak", "control character"),
    ("bad\udcffbyte", "not UTF-8"), ("x" * 129, "at most 128")])
def test_id_problem_names_the_rule(student, rule):
    got = id_problem(student)
    assert (rule in got and bool(got) == bool(rule)), \
        f"Expected id_problem({student!r}) to {'name ' + repr(rule) if rule else 'accept it'}; got {got!r}."


def test_notebook_loaders_start_no_worker_processes():
    """A DataLoader worker over in-memory tensors only costs start-up time (and needs unix sockets under TMPDIR)."""
    calls = [f"{nb.name}: {line.strip()}" for nb in sorted(SOLUTIONS.glob("*/*.ipynb"))
             for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "code"
             for line in "".join(cell["source"]).splitlines()
             if re.search(r"\b(DataLoaders?|from_dsets|TfmdDL)\(", line) and "import" not in line]
    bad = [c for c in calls if "num_workers=0" not in c]
    assert calls and not bad, f"Expected every notebook DataLoader to pass num_workers=0; got {bad or 'none found'}. " \
        "Hint: fastai's from_dsets starts min(16, cpus) worker processes by default."


def test_fence_rules(tmp_path):
    work, deny = tmp_path / "work", tmp_path / "grading"
    fence = Fence(str(work), [str(deny), str(SOLUTIONS / A)], str(work / ".tmp"))
    cases = {  # path -> (may read, may write)
        str(work / "model.pt"): (True, True),
        str(work / f"{A}.ipynb"): (False, False),
        str(SOLUTIONS / A / f"{A}.ipynb"): (False, False),
        str(deny / "gradebook.db"): (False, False),
        str(SOLUTIONS / "linear.py"): (True, False),
        "/etc/hostname": (True, False),
    }
    got = {p: (fence.may_read(p), fence.may_write(p)) for p in cases}
    assert got == cases, f"Expected these read/write rules {cases}; got {got}."


def test_fence_refuses_the_graders_own_unix_sockets(tmp_path):
    """Attack: without the sandbox, notebook code connects to the grader's fork server (/tmp/pymp-*/listener-*),
    which would fork a process outside the fence; the kernel's own folders (DataLoader workers) stay allowed."""
    import socket
    work = tmp_path / "work"
    fence = Fence(str(work), [], str(work / ".tmp"))
    sock = socket.socket(socket.AF_UNIX)
    with pytest.raises(PermissionError, match="connect to"):
        fence("socket.connect", (sock, "/tmp/pymp-x1y2/listener-abc"))
    for allowed in (str(work / ".tmp" / "pymp-1" / "listener-2"), str(work / "s"), "\0abstract", ("127.0.0.1", 80)):
        fence("socket.connect", (sock, allowed))
    sock.close()


def _group(cmd: str) -> subprocess.Popen:
    """A shell in its own process group, as the worker starts run_one."""
    return subprocess.Popen(["sh", "-c", cmd], start_new_session=True)


def _group_alive(pgid: int) -> bool:
    """True while any process of the group is left."""
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_wait_kills_the_process_and_the_kernels_session_past_the_notebook_limit(tmp_path):
    pid_file = tmp_path / "kernel.pid"  # the "kernel" gets a session of its own, as jupyter_client does
    proc = _group(f"setsid sh -c 'echo $$ > {pid_file}; sleep 30' & sleep 30")
    while not pid_file.exists() or not pid_file.read_text().strip():
        time.sleep(0.05)
    kernel = int(pid_file.read_text())
    code = _wait(proc, tmp_path / "never", notebook_s=0.5)
    for _ in range(100):  # killed orphans are reaped by init; give it a moment
        if not (_group_alive(proc.pid) or _group_alive(kernel)):
            break
        time.sleep(0.05)
    assert code == -9 and not _group_alive(proc.pid) and not _group_alive(kernel), \
        f"Expected exit -9 and nothing left of either group; got {code}, grader group alive=" \
        f"{_group_alive(proc.pid)}, kernel alive={_group_alive(kernel)}. " \
        "Hint: worker.kill_tree must also kill the children's own process groups."


def test_wait_gives_feedback_its_own_time_once_autograded(tmp_path):
    marker = tmp_path / "autograde.ok"
    proc = _group(f"touch {marker}; sleep 1.5; exit 0")
    code = _wait(proc, marker, notebook_s=0.5)
    assert code == 0, f"Expected the process to finish (exit 0) once the marker exists; got {code}. " \
        "Hint: after autograding, the deadline is FEEDBACK_S, not the notebook's limit."


def test_run_one_refuses_unknown_commands(capsys):
    code = run_one_main(["autograde"])
    assert code == 2 and "run_one grade" in capsys.readouterr().err, \
        f"Expected exit 2 and the usage on stderr; got exit {code}. Hint: run_one.main dispatches grade/generate."


def test_skipping_the_iri_checker_keeps_notebook_validation(release):
    """run_one blocks rfc3987_syntax (2 s of import): nbformat must still validate and still reject bad notebooks."""
    code = (
        "import sys\n"
        "from autograder.grader.run_one import skip_unused_iri_checker\n"
        "skip_unused_iri_checker()\n"
        "import nbformat\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['cell_type'] = 'no such type'\n"
        "try:\n"
        "    nbformat.validate(nb)\n"
        "except nbformat.ValidationError:\n"
        "    print('rejected')\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n")
    out = subprocess.run([sys.executable, "-c", code, str(release)], capture_output=True, text=True,
                         cwd=SOLUTIONS.parent)
    assert out.returncode == 0, f"Expected notebook validation to work without rfc3987_syntax; got:\n{out.stderr}"
    assert out.stdout.split() == ["rejected", "None"], (
        f"Expected a broken cell to be rejected and rfc3987_syntax blocked; got {out.stdout!r}")


def test_the_sandbox_imports_nothing_above_it():
    """kernel.py owns its contract (kernel name, kernelspec, environment): no import of the pipeline's modules."""
    import ast
    import autograder.grader.kernel as kernel
    tree = ast.parse(Path(kernel.__file__).read_text(encoding="utf-8"))
    names = [("." * n.level) + (n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    up = [n for n in names if n.startswith(".") or n.startswith("autograder.grader")]
    assert not up, f"Expected grader/kernel.py to import nothing from the grading pipeline; got {up}. " \
        "Hint: the pipeline and worker import the sandbox, never the other way round."


def test_nbgrader_imports_the_judge_without_torch():
    """nbgrader imports grader/judge.py before the kernel starts; torch loads in warm_up()'s thread, beside the kernel."""
    code = "import sys, autograder.grader.judge; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=SOLUTIONS.parent)
    assert out.stdout.split() == ["False"], \
        f"Expected importing autograder.grader.judge to leave torch unloaded; got {out.stdout!r} {out.stderr[-500:]}. " \
        "Hint: import the checks inside the judge's functions; warm_up() loads them while the kernel starts."


def test_a_forked_grader_runs_no_unguarded_caller_script(tmp_path):
    """start_grade's child runs grade() only: a caller script without a __main__ guard must not run again in it."""
    marker, log = tmp_path / "ran.txt", tmp_path / "grade.log"
    script = tmp_path / "unguarded.py"
    script.write_text(
        "import os, sys\n"
        f"open({str(marker)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
        "from autograder.grader.run_one import start_grade\n"
        f"job = {{'assignment': 'none', 'student': 's', 'root': {str(tmp_path / 'no-root')!r}, 'cell_timeout_s': 5}}\n"
        f"proc = start_grade(job, dict(os.environ), {str(tmp_path)!r}, {str(log)!r})\n"
        "print('exit', proc.wait(timeout=120))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                         cwd=SOLUTIONS.parent, env=os.environ | {"PYTHONPATH": str(SOLUTIONS.parent)})
    runs = marker.read_text().split()
    assert len(runs) == 1, f"Expected the caller script to run once; it ran {len(runs)} times. " \
        "Hint: start_grade drops multiprocessing's init_main_from_path from the child's preparation."
    assert re.search(r"exit [1-9]", out.stdout) and log.exists(), \
        f"Expected the child to fail on a missing course root with a log; got {out.stdout!r} {out.stderr[-800:]}"
