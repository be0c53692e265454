"""nbgrader in one process: grade one submission (autograde, then feedback), or generate several assignments.

    python -m autograder.grader.run_one grade '{"assignment": A, "student": S, "root": R, "cell_timeout_s": N}'
    python -m autograder.grader.run_one generate '{"assignments": [A, ...], "root": R, "release": DIR, "db": null}'

Each step goes through nbgrader's Python API (NbGraderAPI.autograde, generate_feedback,
generate_assignment) with the Config of grading/nbconfig.py: the course's nbgrader_config.py plus the
step's course root, gradebook, kernel and time-outs. The argument is a small JSON job, not nbgrader options.
The worker runs `grade` in its own process group and kills the group when the notebook runs too long;
AUTOGRADED (a file in the course root) tells it when autograding is over and feedback has begun.
"""
from __future__ import annotations

import json
import sys
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
