"""Execute notebooks in the course kernel, several at a time: one kernel per core, each with one torch thread.

A test session needs the same notebooks many times (every solutions notebook's figures, every student
stub, every Colab simulation); each is executed once, and the ones a session will need are executed
together, `AT_ONCE` at a time, instead of one after the other. Kernels are killed once their last cell
has run (nbclient's immediate shutdown): nothing is left to save, and a graceful shutdown spends ~0.5 s
per notebook in Python tearing torch down.
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Callable, Hashable, NamedTuple

import nbformat

KERNEL = "mlp-course"  # registered in .venv by `make` (tools/bootstrap.sh); nbgrader uses the same one
AT_ONCE = max(1, min(2, os.cpu_count() or 1, int(os.environ.get("COURSE_TEST_NOTEBOOKS_AT_ONCE", "2"))))


class Job(NamedTuple):
    """One notebook to execute: its cells, the folder it runs from, and how its errors are treated."""
    nb: nbformat.NotebookNode
    folder: Path
    allow_errors: bool
    cell_timeout: int = 300
    env: dict | None = None
    kernel: str = KERNEL


def filled_with_answers(student: Path, solution: Path) -> nbformat.NotebookNode:
    """A student notebook with every answer cell replaced by the reference answer of its solutions notebook."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(solution, as_version=4).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(student, as_version=4)
    filled = 0
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
            filled += 1
    assert filled == len(answers), f"Expected {len(answers)} answer cells in {student}; got {filled}."
    return nb


Outcome = tuple[nbformat.NotebookNode, float]  # the executed notebook and its seconds


async def _execute(job: Job) -> Outcome:
    """Execute one job's notebook in place; return it with the seconds taken."""
    from nbclient import NotebookClient
    client = NotebookClient(job.nb, kernel_name=job.kernel, timeout=job.cell_timeout, allow_errors=job.allow_errors,
                            shutdown_kernel="immediate", resources={"metadata": {"path": str(job.folder)}})
    start = time.perf_counter()
    await client.async_execute(**({} if job.env is None else {"env": job.env}))
    return job.nb, time.perf_counter() - start


def execute_many(jobs: dict[Hashable, Job], at_once: int = AT_ONCE) -> dict[Hashable, Outcome | BaseException]:
    """Execute every job, `at_once` at a time in the order given; each key's outcome, or the exception it raised."""
    async def run_all() -> list:
        slots = asyncio.Semaphore(at_once)

        async def one(job: Job) -> Outcome:
            async with slots:
                return await _execute(job)
        return await asyncio.gather(*(one(job) for job in jobs.values()), return_exceptions=True)
    return dict(zip(jobs, asyncio.run(run_all())))


class Prefetch:
    """Notebook runs a session will need, executed together on first use; later uses read the cache.

    `want(key, make_job)` queues a run (tests register what the selected tests will use); `get(key,
    make_job)` returns its outcome, executing every queued run not yet done at once (the asked one
    first), and raises the exception that run raised, in each test that uses it. A job is made only
    when it is queued or run.
    """

    def __init__(self) -> None:
        self.queued: dict[Hashable, Job] = {}
        self.done: dict[Hashable, Outcome | BaseException] = {}

    def want(self, key: Hashable, make_job: Callable[[], Job]) -> None:
        """Queue a run for the next batch, unless it is queued or has run already."""
        if key not in self.done and key not in self.queued:
            self.queued[key] = make_job()

    def get(self, key: Hashable, make_job: Callable[[], Job]) -> Outcome:
        """The run's outcome, executing it (with every other queued run) if it has not run yet."""
        if key not in self.done:
            job = self.queued.pop(key) if key in self.queued else make_job()
            batch = {key: job} | self.queued
            self.queued = {}
            self.done.update(execute_many(batch))
        outcome = self.done[key]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
