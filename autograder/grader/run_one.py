"""nbgrader in one process: grade one submission (autograde, then feedback), or generate several assignments.

    python -m autograder.grader.run_one grade '{"assignment": A, "student": S, "root": R, "cell_timeout_s": N}'
    python -m autograder.grader.run_one generate '{"assignments": [A, ...], "root": R, "release": DIR, "db": null}'

Each step goes through nbgrader's Python API (NbGraderAPI.autograde, generate_feedback,
generate_assignment) with the Config of grading/nbconfig.py: the course's nbgrader_config.py plus the
step's course root, gradebook, kernel and time-outs. The argument is a small JSON job, not nbgrader options.
The worker runs `grade` in a process forked from a warm server (start_grade: nbgrader, torch and the judge
imported once, grader/preload.py), in a session of its own, and kills it when the notebook runs too long;
AUTOGRADED (a file in the course root) tells it when autograding is over and feedback has begun.
"""
from __future__ import annotations

import functools
import json
import multiprocessing
import multiprocessing.spawn
import os
import subprocess
import sys
import threading
from pathlib import Path

AUTOGRADED = "autograde.ok"  # written to the course root once autograde succeeded


def skip_unused_iri_checker() -> None:
    """Save ~2 s per submission: jsonschema builds rfc3987_syntax's grammar at import, for an 'iri' format no notebook uses.

    Measured: importing nbgrader's autograde and feedback apps took 3.3 s with it and 1.1 s without.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: `import` raises ImportError, which jsonschema skips


def _api(root: Path, **config):
    """An NbGraderAPI on the grading Config (grading/nbconfig.py)."""
    from nbgrader.apps.api import NbGraderAPI
    from .nbconfig import nbgrader_config
    return NbGraderAPI(config=nbgrader_config(root, **config))


def _report(step: str, result: dict) -> bool:
    """Print a step's captured log (and traceback) for the worker's log file; True when it succeeded."""
    for line in (result.get("log") or "").splitlines():
        print(f"[{step} | {line[1:]}" if line.startswith("[") else line)
    if not result.get("success"):
        print(f"[{step} | ERROR] {step} failed\n{result.get('error', '')}")
    sys.stdout.flush()
    return bool(result.get("success"))


def grade(job: dict) -> int:
    """Autograde one student's assignment; when that succeeds, mark it and write the feedback HTML."""
    root, a, s = Path(job["root"]), job["assignment"], job["student"]
    api = _api(root, cell_timeout_s=int(job["cell_timeout_s"]))
    if not _report("autograde", api.autograde(a, s, force=True, create=True)):
        return 1
    (root / AUTOGRADED).write_text("ok\n")
    return 0 if _report("generate_feedback", api.generate_feedback(a, s, force=True)) else 3


def generate(job: dict) -> int:
    """generate_assignment for each assignment in turn, into one gradebook; stop at the first failure."""
    db = Path(job["db"]) if job.get("db") else None
    api = _api(Path(job["root"]), release=Path(job["release"]), db=db)
    for a in job["assignments"]:
        if not _report("generate_assignment", api.generate_assignment(a, force=True, create=True)):
            print(f"generate_assignment {a} failed", file=sys.stderr)
            return 1
    return 0


def _forked_grade(job: dict, env: dict[str, str], cwd: str, log: str) -> None:
    """A grading process forked from the warm server: a session of its own, the job's environment, folder and log."""
    os.setsid()  # the worker kills this session (and the kernel's) when the notebook runs too long
    os.environ.clear()
    os.environ.update(env)  # the kernel jupyter_client starts inherits it: the sandbox's contract
    os.chdir(cwd)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    for std in (0, 1, 2):
        os.dup2(fd if std else os.open(os.devnull, os.O_RDONLY), std)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    sys.exit(grade(job))


class Forked:
    """A forked grading process that waits like subprocess.Popen (worker._wait and kill_tree use pid and wait)."""

    def __init__(self, proc: multiprocessing.process.BaseProcess) -> None:
        self.proc, self.pid = proc, proc.pid

    def wait(self, timeout: float | None = None) -> int:
        """The exit code; subprocess.TimeoutExpired when the process is still running after timeout seconds."""
        self.proc.join(timeout)
        if self.proc.exitcode is None:
            raise subprocess.TimeoutExpired("run_one grade", timeout or 0)
        return self.proc.exitcode


@functools.cache
def _server() -> multiprocessing.context.BaseContext:
    """The fork server, started once per grading run with nbgrader, torch and the judge imported (grader/preload.py)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["autograder.grader.preload"])
    return ctx


_STARTING = threading.Lock()


def _preparation_without_main(name: str) -> dict:
    """multiprocessing's preparation data minus the caller's __main__: a grading child runs grade(), nothing else.

    Without this, a child re-runs the script that called grade_submissions; a script without
    `if __name__ == "__main__"` would then grade again in every child.
    """
    data = _PREPARATION(name)
    data.pop("init_main_from_path", None)
    data.pop("init_main_from_name", None)
    return data


_PREPARATION = multiprocessing.spawn.get_preparation_data


def start_grade(job: dict, env: dict[str, str], cwd: Path, log: Path) -> Forked:
    """grade(job) in a process forked from the warm server: what `python -m autograder.grader.run_one grade` does,
    without paying for its imports per submission (about 3 s, see grader/preload.py)."""
    proc = _server().Process(target=_forked_grade, args=(job, env, str(cwd), str(log)),
                             name=f"grade {job['student']} {job['assignment']}")
    with _STARTING:  # the grader's own process; the lock keeps the swap from racing a second worker thread
        multiprocessing.spawn.get_preparation_data = _preparation_without_main
        try:
            proc.start()
        finally:
            multiprocessing.spawn.get_preparation_data = _PREPARATION
    return Forked(proc)


def main(argv: list[str] | None = None) -> int:
    """Dispatch `grade` or `generate` with its JSON job; exit 0 on success, 3 when only the feedback failed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    skip_unused_iri_checker()
    steps = {"grade": grade, "generate": generate}
    if len(argv) != 2 or argv[0] not in steps:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        job = json.loads(argv[1])
    except json.JSONDecodeError as e:
        print(f"Expected a JSON job after {argv[0]!r}; got {argv[1][:80]!r} ({e.msg}).", file=sys.stderr)
        return 2
    return steps[argv[0]](job)


if __name__ == "__main__":
    sys.exit(main())
