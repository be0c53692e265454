"""Grading beyond one machine: `course grade --shard I/N` and `course merge` give one run's rows."""
from __future__ import annotations

import hashlib
import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.student.settings import notebooks_dir, solutions_dir
NOTEBOOKS, SOLUTIONS = notebooks_dir(), solutions_dir()
from autograder.grader.subprocess_env import venv_env
from autograder.grader.collect import Submission
from autograder.grader.shard import merge, parse_shard, select, shard_of

pytestmark = pytest.mark.shard
ROOT = Path(__file__).resolve().parents[1]
A = "00_mnist"


def test_shard_of_is_a_stable_hash_of_the_id():
    # sha256("alice") starts 2bd806c97f0e00af; 0x2bd806c97f0e00af % 4 == 3 on every machine and run.
    assert hashlib.sha256(b"alice").hexdigest()[:16] == "2bd806c97f0e00af"
    assert shard_of("alice", 4) == int("2bd806c97f0e00af", 16) % 4 == 3, \
        f"Expected alice in shard 3 of 4 (sha256 of the id); got {shard_of('alice', 4)}."


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_shards_partition_the_class(n):
    subs = [Submission(f"student{i:03d}", a, Path(f"{i}.ipynb")) for i in range(200) for a in ("00_mnist", "01_iter1")]
    slices = [select(subs, i, n) for i in range(n)]
    assert sorted(s for part in slices for s in [(x.student, x.assignment) for x in part]) == \
        sorted((s.student, s.assignment) for s in subs), f"Expected the {n} shards to hold every submission once."
    for part in slices:
        assert len({shard_of(s.student, n) for s in part}) <= 1
        assert abs(len(part) - len(subs) / n) < 0.25 * len(subs) / n + 10, \
            f"Expected about {len(subs) / n:.0f} submissions per shard; got {[len(p) for p in slices]}."


@pytest.mark.parametrize("spec", ["2/2", "-1/3", "1/0", "a/b", "1", "1/2/3"])
def test_bad_shard_spec_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="Expected --shard I/N"):
        parse_shard(spec)


def _answer(name: str) -> str:
    """A catalogue submission's source as the notebook's update()."""
    from tests.catalogue import mnist_cases
    return inspect.getsource(getattr(mnist_cases, name)).replace(f"def {name}(", "def update(")


def _write_class(folder: Path) -> dict[str, str]:
    """Four loose {student}.ipynb for 00_mnist: two in each shard of 2 (ada, bob -> 0; dee, eve -> 1)."""
    release = json.loads((NOTEBOOKS / A / f"{A}.ipynb").read_text())
    sol = json.loads((SOLUTIONS / A / f"{A}.ipynb").read_text())
    good = next(c for c in sol["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
    answers = {"ada": "\n".join(ln for ln in "".join(good["source"]).splitlines() if "### " not in ln),
               "bob": _answer("update_no_wd"), "dee": None, "eve": _answer("update_no_zero_grad")}
    folder.mkdir(parents=True)
    for student, answer in answers.items():
        nb = json.loads(json.dumps(release))
        if answer is not None:
            cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "update")
            cell["source"] = answer
        (folder / f"{student}.ipynb").write_text(json.dumps(nb, indent=1))
    return answers


def _course(*args: str) -> None:
    """Run the `course` command; fail with its output if it fails."""
    proc = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=ROOT, env=venv_env(),
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"Expected `course {' '.join(args)}` to succeed; got {proc.returncode}:\n" \
                                 f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run over the whole class, two shard runs and their merge."""
    tmp = tmp_path_factory.mktemp("shard")
    _write_class(tmp / "class")
    _course("grade", A, str(tmp / "class"), "--out", str(tmp / "whole"), "--no-progress")
    for i in range(2):
        _course("grade", A, str(tmp / "class"), "--shard", f"{i}/2", "--out", str(tmp / f"shard{i}"), "--no-progress")
    _course("merge", str(tmp / "shard0"), str(tmp / "shard1"), "--out", str(tmp / "merged"))
    return tmp


def test_each_shard_grades_only_its_slice(runs):
    for i, expected in enumerate([{"ada", "bob"}, {"dee", "eve"}]):
        rows = (runs / f"shard{i}" / "grades.csv").read_text().splitlines()[1:]
        got = {r.split(",")[0] for r in rows}
        assert got == expected, f"Expected shard {i}/2 to grade {sorted(expected)}; got {sorted(got)}."


def test_merged_grades_equal_one_run_over_the_class(runs):
    whole = (runs / "whole" / "grades.csv").read_text()
    merged = (runs / "merged" / "grades.csv").read_text()
    assert merged == whole, f"Expected the merged grades.csv to equal one run's, byte for byte:\n" \
                            f"one run:\n{whole}\nmerged:\n{merged}"
    scores = {ln.split(",")[0]: ln.split(",")[3] for ln in whole.splitlines()[1:]}
    assert scores["ada"] == "4" and scores["dee"] == "0" and 0 < float(scores["bob"]) < 4, \
        f"Expected ada 4, dee 0 and bob between; got {scores}."


def test_merged_feedback_equals_one_runs(runs):
    def files(out: Path) -> dict[str, int]:
        return {str(p.relative_to(out)): p.stat().st_size > 0
                for tree in ("feedback", "autograded") for p in (out / tree).rglob("*") if p.is_file()}
    whole, merged = files(runs / "whole"), files(runs / "merged")
    assert merged == whole and len(whole) == 8, \
        f"Expected the same feedback and autograded files as one run (8); got {sorted(merged)} vs {sorted(whole)}."


def test_merging_a_shard_twice_is_refused(runs, tmp_path):
    with pytest.raises(ValueError, match="in one shard only"):
        merge([runs / "shard0", runs / "shard0"], tmp_path / "m")


def test_merging_a_missing_shard_is_a_clear_error(runs, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"shard 1/2 is missing .*re-run it: course grade 00_mnist"):
        merge([runs / "shard0", tmp_path / "never-ran"], tmp_path / "m")


def test_deleting_a_shards_output_names_it_and_the_command_to_rerun_it(runs, tmp_path):
    shutil.copytree(runs / "shard0", tmp_path / "shard0")
    with pytest.raises(FileNotFoundError) as e:
        merge([tmp_path / "shard0", tmp_path / "shard1"], tmp_path / "m")
    message = str(e.value)
    assert "shard 1/2 is missing" in message and f"--shard 1/2 --out {tmp_path / 'shard1'}" in message \
        and message.count("re-run it: course grade 00_mnist") == 1, f"Expected shard 1/2 named with its command; got {message!r}."


def test_a_shard_that_did_not_finish_is_refused(runs, tmp_path):
    for i in range(2):
        shutil.copytree(runs / f"shard{i}", tmp_path / f"shard{i}")
    manifest = json.loads((tmp_path / "shard1" / "shard.json").read_text())
    (tmp_path / "shard1" / "shard.json").write_text(json.dumps({**manifest, "complete": False}))
    with pytest.raises(FileNotFoundError, match=r"shard 1/2 did not finish"):
        merge([tmp_path / "shard0", tmp_path / "shard1"], tmp_path / "m")


def test_copies_in_different_shards_are_flagged_at_merge(tmp_path):
    from autograder.grader.shard import class_wide_similarity, shard_of
    from autograder.grader.types import Result
    answers = _write_class(tmp_path / "class")
    copier = next(f"copier{k}" for k in range(100) if shard_of(f"copier{k}", 2) != shard_of("bob", 2))
    shutil.copyfile(tmp_path / "class" / "bob.ipynb", tmp_path / "class" / f"{copier}.ipynb")
    results = [Result(s, A, "graded") for s in [*answers, copier]]
    class_wide_similarity(results, {"submissions": str(tmp_path / "class")})
    flagged = {r.student: r.similarity for r in results if r.similarity}
    assert flagged.get("bob") == copier and flagged.get(copier) == "bob", \
        f"Expected bob and {copier} (shards {shard_of('bob', 2)} and {shard_of(copier, 2)}) flagged; got {flagged}."
