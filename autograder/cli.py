"""The `course` command: release the notebooks, run the demo, grade a class."""
from __future__ import annotations

import argparse
import sys


def cmd_release(args: argparse.Namespace) -> int:
    """Regenerate notebooks/ from solutions/."""
    from .course import release, ROOT
    for path in release():
        print(f"released {path.relative_to(ROOT)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Release, then autograde the demo submissions and print the grade table."""
    from .demo import run_demo
    return run_demo()


def cmd_sync_setup(args: argparse.Namespace) -> int:
    """Rewrite the first code cell of every solutions notebook from autograder/setup_cell.py."""
    import nbformat
    from .course import SOLUTIONS, ROOT
    from .setup_cell import SETUP_CELL
    for path in sorted(SOLUTIONS.glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if first.source != SETUP_CELL:
            first.source = SETUP_CELL
            nbformat.write(nb, path)
            print(f"updated {path.relative_to(ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `course` command."""
    parser = argparse.ArgumentParser(prog="course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", help="regenerate notebooks/ from solutions/").set_defaults(fn=cmd_release)
    sub.add_parser("demo", help="release and autograde the demo submissions").set_defaults(fn=cmd_demo)
    sub.add_parser("sync-setup", help="rewrite every notebook's setup cell from autograder/setup_cell.py"
                   ).set_defaults(fn=cmd_sync_setup)
    args = parser.parse_args(argv)
    try:
        return args.fn(args)
    except RuntimeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
