"""The `course` command: release the notebooks, run the demo, grade a class."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .student import settings


def cmd_release(args: argparse.Namespace) -> int:
    """Regenerate notebooks/ from solutions/."""
    from .authoring.release import release
    from .student.settings import course_root
    for path in release():
        print(f"released {path.relative_to(course_root())}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the demo class, autograde it and print the grade table."""
    from .demo import run_demo
    return run_demo(workers=args.workers)


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade every submission of one assignment (or `all`) in a folder."""
    from .grader.pipeline import assignments, grade_submissions
    from .grader.types import Limits
    known = assignments()
    chosen = known if args.assignment == "all" else [args.assignment]
    if args.assignment != "all" and args.assignment not in known:
        print(f"error: Expected an assignment in {known} or 'all'; got {args.assignment!r}.", file=sys.stderr)
        return 2
    limits = Limits(args.cell_timeout, args.notebook_timeout, args.memory_mb)
    if args.shard:  # one slice of the class (autograder/grader/shard.py)
        from .grader.shard import grade_shard
        grade_shard(chosen, Path(args.submissions), Path(args.out), args.shard, workers=args.workers,
                    limits=limits, progress=not args.no_progress)
        return 0
    results = grade_submissions(chosen, Path(args.submissions), Path(args.out), workers=args.workers,
                                limits=limits, progress=not args.no_progress)
    return 0 if results else 1


def cmd_merge(args: argparse.Namespace) -> int:
    """Join the shards' grades.csv and feedback into one output folder (autograder/grader/shard.py)."""
    from .grader.shard import merge
    merge([Path(o) for o in args.outs], Path(args.out))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write report.html and mistakes.csv again from a grading output folder's results.json."""
    from .grader.classreport import load_results, write_class_report
    out = Path(args.out)
    page = write_class_report(load_results(out / "results.json"), out)
    print(f"class report: {page}  mistakes: {out / 'mistakes.csv'}")
    return 0


def cmd_sync_setup(args: argparse.Namespace) -> int:
    """Rewrite the first code cell of every solutions notebook from autograder/authoring/setup_cell.py."""
    import nbformat
    from .authoring.setup_cell import SETUP_CELL
    from .student.settings import course_root, solutions_dir
    for path in sorted(solutions_dir().glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if first.source != SETUP_CELL:
            first.source = SETUP_CELL
            nbformat.write(nb, path)
            print(f"updated {path.relative_to(course_root())}")
    return 0


def _grade_parser(sub: argparse._SubParsersAction) -> None:
    """Arguments of `course grade`."""
    g = sub.add_parser("grade", help="autograde a class: grades.csv, feedback HTML and a summary")
    g.add_argument("assignment", help="assignment id (e.g. 01_iter1) or 'all'")
    g.add_argument("submissions", help="submitted/{student}/{assignment}/ folder, or a folder of {student}.ipynb")
    g.add_argument("--workers", type=int, default=settings.WORKERS,
                   help=f"students graded at the same time (default {settings.WORKERS})")
    g.add_argument("--out", default="grading_out", help="output folder (default grading_out)")
    g.add_argument("--cell-timeout", type=int, default=settings.CELL_TIMEOUT_S,
                   help=f"seconds per cell (default {settings.CELL_TIMEOUT_S})")
    g.add_argument("--notebook-timeout", type=int, default=settings.NOTEBOOK_TIMEOUT_S,
                   help=f"seconds per notebook (default {settings.NOTEBOOK_TIMEOUT_S})")
    g.add_argument("--memory-mb", type=int, default=settings.MEMORY_MB,
                   help=f"address-space cap per kernel (default {settings.MEMORY_MB})")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--shard", metavar="I/N", help="grade only slice I of N (0 <= I < N), by a hash of the student id")
    g.set_defaults(fn=cmd_grade)
    m = sub.add_parser("merge", help="join the grades.csv and feedback of `grade --shard` runs")
    m.add_argument("outs", nargs="+", metavar="OUT_DIR", help="the shards' output folders")
    m.add_argument("--out", default="grading_out", help="merged output folder (default grading_out)")
    m.set_defaults(fn=cmd_merge)
    r = sub.add_parser("report", help="the class report (report.html, mistakes.csv) of a grading output folder")
    r.add_argument("out", help="a folder written by `course grade` or `course merge`")
    r.set_defaults(fn=cmd_report)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `course` command."""
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate notebooks/ from solutions/").set_defaults(fn=cmd_release)
    demo = sub.add_parser("demo", help="generate the demo class and autograde it")
    demo.add_argument("--workers", type=int, default=settings.WORKERS,
                      help=f"students graded at the same time (default {settings.WORKERS})")
    demo.set_defaults(fn=cmd_demo)
    sub.add_parser("sync-setup", help="rewrite every notebook's setup cell from autograder/authoring/setup_cell.py"
                   ).set_defaults(fn=cmd_sync_setup)
    _grade_parser(sub)
    args = parser.parse_args(argv)
    from autograder.grader.run_one import skip_unused_iri_checker
    skip_unused_iri_checker()
    try:
        return args.fn(args)
    except (RuntimeError, FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
