"""The student edition (make student-edition): no answer key in it, and its self-checks still catch every mistake.

The edition is built once per module into a temporary folder. Its self-checks run in a separate Python
whose `autograder` comes from the edition and for which `import solutions` fails, so a check that still
needed the answer key would error there.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.authoring.edition import build
from autograder.student.settings import course_root

ROOT = course_root()

pytestmark = pytest.mark.edition
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS",
           "BEGIN SOLUTION", "HIDDEN TESTS")
TRIVIAL = re.compile(r"^(import |from |return$|pass$|super\(\).__init__\(\)$|#|def forward\(self, x)")


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The edition, written by autograder/authoring/edition.py."""
    return build(tmp_path_factory.mktemp("edition") / "student-edition")


def _texts(edition: Path) -> dict[str, str]:
    """Every text file of the edition (notebooks as their cell sources and outputs), by relative path."""
    out = {}
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        try:
            out[str(path.relative_to(edition))] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return out


def _solution_notebooks() -> list[Path]:
    """The instructor notebooks."""
    return sorted((ROOT / "solutions").glob("*/*.ipynb"))


def _regions(kind: str) -> list[str]:
    """The code between nbgrader's BEGIN/END `kind` markers in every solutions notebook."""
    found = []
    for path in _solution_notebooks():
        for cell in json.loads(path.read_text())["cells"]:
            found += re.findall(rf"### BEGIN {kind}\n(.*?)### END {kind}", "".join(cell["source"]), re.S)
    assert found, f"Expected {kind} regions in solutions/*/*.ipynb; found none (did the markers change?)."
    return found


def _significant_lines(code: str) -> set[str]:
    """The lines of code that would give an answer away: stripped, not trivial, not docstrings."""
    lines = set()
    for line in code.splitlines():
        s = line.strip()
        if len(s) >= 20 and not TRIVIAL.match(s) and not s.startswith(('"""', "'''")) and not s.endswith('"""'):
            lines.add(s)
    return lines


def _scaffolding() -> str:
    """What students are given anyway (code and hints): the solutions notebooks outside their solution and
    hidden-test regions."""
    parts = []
    for path in _solution_notebooks():
        for cell in json.loads(path.read_text())["cells"]:
            parts.append(re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END \1", "", "".join(cell["source"]),
                                flags=re.S))
    return "\n".join(parts)


def _reference_lines() -> tuple[set[str], set[str]]:
    """(answer lines, hidden-test lines): code of solutions/*.py (no docstrings) and of the solution regions,
    and of the hidden-test regions, less what the notebooks give students anyway."""
    answers: set[str] = set()
    for path in sorted((ROOT / "solutions").glob("*.py")):
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                for n in node.body:
                    if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)):
                        answers |= _significant_lines(ast.get_source_segment(text, n) or "")
    for region in _regions("SOLUTION"):
        answers |= _significant_lines(region)
    hidden = set().union(*(_significant_lines(r) for r in _regions("HIDDEN TESTS")))
    given = _scaffolding()
    return {ln for ln in answers if ln not in given}, {ln for ln in hidden if ln not in given}


def test_edition_has_notebooks_data_and_checks_but_no_solutions(edition):
    names = {str(p.relative_to(edition)) for p in edition.rglob("*") if p.is_file()}
    for a in ("00_mnist", "01_iter1", "02_iter2", "03_mlp"):
        assert f"notebooks/{a}/{a}.ipynb" in names, f"Expected the student notebook {a} in the edition; got {sorted(names)}."
    assert "data/mnist/train-images-idx3-ubyte.gz" in names and "autograder/student/checks/registry.py" in names
    leaked = [n for n in names if n.startswith(("solutions/", "autograder/grader/", "autograder/authoring/", "tests/"))
              or n in {"nbgrader_config.py", "autograder/cli.py", "autograder/demo.py"}]
    assert not leaked, f"Expected no solutions, hidden tests or grading code in the edition; found {leaked}."


def test_edition_has_no_nbgrader_solution_or_hidden_test_markers(edition):
    found = {path: m for path, text in _texts(edition).items() for m in MARKERS if m in text}
    assert not found, f"Expected no nbgrader solution or hidden-test markers in the edition; found {found}."


def test_edition_contains_none_of_the_reference_code(edition):
    answers, hidden = _reference_lines()
    assert len(answers) > 20 and hidden, f"Expected many reference lines to look for; got {len(answers)}, {len(hidden)}."
    texts = _texts(edition)
    leaks = sorted((path, line) for path, text in texts.items() for line in answers if line in text)
    assert not leaks, f"Expected none of the reference code in the edition; found {leaks[:10]}."
    # Hidden-test cells call the public grade(); what must not ship is the cell, so look in the notebooks.
    leaks = sorted((path, line) for path, text in texts.items() if path.endswith(".ipynb") for line in hidden
                   if line in text)
    assert not leaks, f"Expected no hidden-test code in the edition's notebooks; found {leaks[:10]}."


def test_the_leak_search_finds_a_copied_reference(tmp_path):
    answers, _ = _reference_lines()
    fake = tmp_path / "autograder" / "helpers.py"
    fake.parent.mkdir()
    fake.write_text((ROOT / "solutions" / "mlp.py").read_text())
    found = [line for line in answers if line in _texts(tmp_path)["autograder/helpers.py"]]
    assert len(found) >= 5, f"Expected the search to find solutions/mlp.py copied into a package; found {found}."


RUNNER = textwrap.dedent('''
    import importlib.abc, json, sys
    edition, catalogue_parent, cases = sys.argv[1], sys.argv[2], sys.argv[3]

    class NoAnswerKey(importlib.abc.MetaPathFinder):
        """`import solutions` fails: the edition must not need it."""
        def find_spec(self, name, path=None, target=None):
            if name == "solutions" or name.startswith("solutions."):
                raise ImportError("the student edition has no solutions package")
            return None

    sys.path[:0] = [edition, catalogue_parent]
    subs = []
    if cases == "catalogue":  # loaded first: one catalogue case IS the reference (it must fail as such)
        sys.path.append(sys.argv[4])
        import catalogue
        subs = [("case", c.exercise, c.name, c.obj) for c in catalogue.cases()]
        sys.path.remove(sys.argv[4])
    sys.meta_path.insert(0, NoAnswerKey())  # from here on the checks (reloaded from disk per report) cannot import it
    import autograder, autograder.student.checks as checks
    assert autograder.__file__.startswith(edition), autograder.__file__
    out = {"checks_from": autograder.__file__, "reports": {}}
    if cases != "catalogue":
        import json as j
        for exercise, name, source, obj_name in j.loads(open(cases).read()):
            ns = {"__name__": "student"}
            exec(compile(source, "<reference " + name + ">", "exec"), ns)
            subs.append(("reference", exercise, name, ns[obj_name]))
    for kind, exercise, name, obj in subs:
        report = checks.check_report(exercise, obj)
        out["reports"][kind + ":" + exercise + ":" + name] = {
            "score": report.score, "max": report.max_score,
            "results": [[r.check.id, r.passed, r.message] for r in report.results]}
    print("JSON" + json.dumps(out))
''')


def _run_edition_checks(edition: Path, tmp: Path, cases: str) -> dict:
    """Run the edition's self-checks in a fresh Python without the answer key; the reports by case."""
    script = tmp / "run_edition_checks.py"
    script.write_text(RUNNER)
    proc = subprocess.run([sys.executable, str(script), str(edition), str(ROOT / "tests"), cases, str(ROOT)],
                          cwd=tmp, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"Expected the edition's self-checks to run without solutions/; got:\n{proc.stderr[-3000:]}"
    out = json.loads(proc.stdout.split("JSON", 1)[1])
    assert out["checks_from"].startswith(str(edition)), f"Expected the edition's autograder; got {out['checks_from']}."
    return out["reports"]


def test_catalogue_is_caught_by_the_editions_self_checks_with_the_same_messages(edition, tmp_path):
    from autograder.student.checks import check_report
    from tests.catalogue import cases
    got = _run_edition_checks(edition, tmp_path, "catalogue")
    every = cases()
    assert len(got) == len(every), f"Expected a report per catalogue case; got {len(got)} for {len(every)}."
    for c in every:
        report = got[f"case:{c.exercise}:{c.name}"]
        if c.correct:
            assert report["score"] == report["max"], f"Expected full marks for {c.name!r} in the edition; got {report}."
            continue
        failed = {cid: msg for cid, ok, msg in report["results"] if not ok}
        assert c.check_id in failed and all(w in failed[c.check_id] for w in c.words), \
            f"Expected the edition to fail {c.name!r} on {c.check_id} with {c.words}; got {failed}."
        repo = check_report(c.exercise, c.obj)
        mine = {r.check.id: r.message for r in repo.results if not r.passed}
        assert set(mine) == set(failed) and mine[c.check_id] == failed[c.check_id], \
            f"Expected the edition's report on {c.name!r} to equal the course's: {mine} vs {failed}."


def _reference_cases(tmp: Path) -> Path:
    """The reference answers as a student notebook holds them: each solutions notebook's code up to its
    exercises (solution regions without markers), with the object each hidden test grades."""
    cases = []
    for path in _solution_notebooks():
        code = []
        for cell in json.loads(path.read_text())["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] != "code" or "setup_notebook" in src or "BEGIN HIDDEN TESTS" in src:
                for exercise, obj in re.findall(r'grade\("(\w+)", (\w+)\)', src):
                    cases.append([exercise, path.stem, "\n".join(code), obj])
                continue
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("solution") or src.startswith(("import", "from")) or src.startswith("wd ="):
                code.append("\n".join(ln for ln in src.splitlines() if "### " not in ln))
    assert {c[0] for c in cases} >= {"update", "linear_randn", "linear_kaiming", "relu", "flatten", "simple_mlp"}, \
        f"Expected a reference case for every exercise; got {[c[0] for c in cases]}."
    path = tmp / "cases.json"
    path.write_text(json.dumps(cases))
    return path


def test_reference_solutions_pass_the_editions_self_checks(edition, tmp_path):
    got = _run_edition_checks(edition, tmp_path, str(_reference_cases(tmp_path)))
    failing = {k: [r for r in v["results"] if not r[1]] for k, v in got.items() if v["score"] != v["max"]}
    assert got and not failing, f"Expected the reference solutions to pass every self-check of the edition; got {failing}."


def test_edition_installs_what_students_run_pinned_and_nothing_for_instructors(edition):
    reqs = (edition / "requirements.txt").read_text().splitlines()
    names = {r.split("==")[0].lower() for r in reqs if r and not r.startswith("#")}
    assert {"torch", "fastai", "jupyterlab", "matplotlib", "einops"} <= names, \
        f"Expected the edition's requirements.txt to pin what the notebooks import; got {sorted(names)}."
    extra = names & {"nbgrader", "pytest", "playwright", "hypothesis", "ruff"}
    assert not extra, f"Expected no instructor or test tools in the edition's requirements.txt; got {sorted(extra)}."
    assert all("==" in r for r in reqs if r and not r.startswith("#")), f"Expected exact pins; got {reqs}."


def test_edition_readme_starts_with_the_student_steps(edition):
    text = (edition / "README.md").read_text()
    for words in ("Open the course", "in order", "self-check", "Submit"):
        assert words in text, f"Expected the edition's README to tell students {words!r}; it does not."
    assert "make lab" not in text, "Expected no make targets in the edition's README (it has no Makefile)."


def test_edition_pins_colabs_installs_from_its_requirements(edition):
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from autograder.student import colab; "
            "print(colab.pinned(['fastai'])[0])")
    out = subprocess.run([sys.executable, "-c", code, str(edition)], capture_output=True, text=True, cwd=edition)
    assert out.stdout.strip().startswith("fastai=="), \
        f"Expected the edition's Colab install pinned from its requirements.txt; got {out.stdout!r} {out.stderr[-500:]}"
