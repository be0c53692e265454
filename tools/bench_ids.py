"""Seconds per student id: the same correct 01_iter1 (with the DataLoader-worker probe) under ids of 3, 30 and 64 characters.

    .venv/bin/python tools/bench_ids.py [--workers 1] [--repeat 1]

Each id is graded in one class run (serially by default, so the ids do not share the cores); prints each
id's length, status, points, seconds and the probe cell's errors. A long id must cost no more than a short one.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from autograder.student.settings import solutions_dir  # noqa: E402
SOLUTIONS = solutions_dir()
from autograder.demo import DEMO_ASSIGNMENT as A, DEMO_LIMITS  # noqa: E402
from autograder.grader.democlass import roster_submission  # noqa: E402
from autograder.grader.pipeline import build_template, grade_submissions  # noqa: E402


def main() -> None:
    """Grade the roster submission under a short, a 30- and a 64-character id; print seconds per id."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="copies of each id (suffixes -1, -2, ...)")
    args = ap.parse_args()
    ids = ["kim", "a" * 30, "b" * 64]
    with tempfile.TemporaryDirectory(prefix="ids-") as tmp:
        tmp = Path(tmp)
        tpl = build_template([A], tmp / "tpl")
        body = roster_submission(tpl / "release" / A / f"{A}.ipynb", SOLUTIONS / A / f"{A}.ipynb")
        (tmp / "subs").mkdir()
        for k in range(args.repeat):
            for i in ids:
                name = i if args.repeat == 1 else f"{i[:-2] if len(i) > 3 else i}-{k}"
                (tmp / "subs" / f"{name}.ipynb").write_bytes(body)
        rows = grade_submissions([A], tmp / "subs", tmp / "out", workers=args.workers, limits=DEMO_LIMITS,
                                 progress=False, report=False)
        for r in rows:
            nb = tmp / "out" / "autograded" / r.student / A / f"{A}.ipynb"
            cells = json.loads(nb.read_text(encoding="utf-8"))["cells"] if nb.exists() else []
            errors = [o.get("ename") for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
            print(f"id of {len(r.student):>2} characters: {r.status} {r.score:g}/{r.max_score:g} "
                  f"in {r.seconds:.1f} s; errors: {errors or 'none'}")


if __name__ == "__main__":
    main()
