"""The test session's notebook runner: queued runs execute together, once, and a failed run fails every test using it."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import nbrun
from nbrun import Job, Prefetch


def job(name: str) -> Job:
    return Job(nbformat.v4.new_notebook(metadata={"name": name}), Path("."), allow_errors=False)


@pytest.fixture
def batches(monkeypatch) -> list[list[str]]:
    """Record each batch execute_many is given instead of starting kernels; 'bad' raises, as a failing cell would."""
    seen: list[list[str]] = []

    def fake(jobs: dict, at_once: int = nbrun.AT_ONCE) -> dict:
        seen.append(list(jobs))
        return {k: RuntimeError(f"{k} failed") if k == "bad" else (j.nb, 1.0) for k, j in jobs.items()}
    monkeypatch.setattr(nbrun, "execute_many", fake)
    return seen


def test_queued_runs_execute_in_one_batch_with_the_asked_one_first(batches) -> None:
    runs = Prefetch()
    for name in ("a", "b", "c"):
        runs.want(name, lambda n=name: job(n))
    nb, _ = runs.get("b", lambda: job("b"))
    assert nb.metadata["name"] == "b"
    assert batches == [["b", "a", "c"]], f"Expected one batch, b first; got {batches}."
    runs.get("a", lambda: job("a")), runs.get("c", lambda: job("c"))
    assert len(batches) == 1, f"Expected cached outcomes after the batch; got batches {batches}."


def test_a_run_nobody_queued_runs_alone_and_once(batches) -> None:
    runs = Prefetch()
    made = []
    runs.get("x", lambda: made.append(1) or job("x"))
    runs.get("x", lambda: made.append(1) or job("x"))
    runs.want("x", lambda: made.append(1) or job("x"))
    assert batches == [["x"]] and made == [1], f"Expected x built and run once; got batches {batches}, built {made}."


def test_a_failed_run_fails_each_test_that_uses_it_and_no_other(batches) -> None:
    runs = Prefetch()
    runs.want("bad", lambda: job("bad"))
    runs.want("good", lambda: job("good"))
    for _ in range(2):
        with pytest.raises(RuntimeError, match="bad failed"):
            runs.get("bad", lambda: job("bad"))
    assert runs.get("good", lambda: job("good"))[0].metadata["name"] == "good"
    assert len(batches) == 1
