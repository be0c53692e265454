"""nbgrader in one process: grade one submission (autograde, then feedback), or generate several assignments.

    python -m autograder.grading.run_one grade ASSIGNMENT STUDENT NBGRADER_OPTIONS...
    python -m autograder.grading.run_one generate ASSIGNMENT... -- NBGRADER_OPTIONS...

Each step is nbgrader's own command-line app (AutogradeApp, GenerateFeedbackApp, GenerateAssignmentApp),
initialised from the same arguments and the same nbgrader_config.py (read from the working directory)
as `python -m nbgrader ...`, so grades are the command line's; only the second interpreter start-up
and the second import of nbgrader, nbconvert and SQLAlchemy are saved.
The worker runs `grade` in its own process group and kills the group when the notebook runs too long;
AUTOGRADED (a file in the course root) tells it when autograding is over and feedback has begun.
"""
from __future__ import annotations

import sys
from pathlib import Path

AUTOGRADED = "autograde.ok"  # written to the course root once autograde succeeded


def skip_unused_iri_checker() -> None:
    """Save ~2 s per submission: jsonschema builds rfc3987_syntax's grammar at import, for an 'iri' format no notebook uses.

    Measured: importing nbgrader's autograde and feedback apps took 3.3 s with it and 1.1 s without.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: `import` raises ImportError, which jsonschema skips


def run_app(app_class: type, argv: list[str]) -> int:
    """Initialise and start one nbgrader app as its command line would; its exit code."""
    app = app_class()
    try:
        app.initialize(argv)
        app.start()
    except SystemExit as e:  # nbgrader's apps report failures with sys.exit(1)
        return e.code if isinstance(e.code, int) else 1
    return 0


def grade(assignment: str, student: str, options: list[str]) -> int:
    """Autograde one student's assignment; when that succeeds, mark it and write the feedback HTML."""
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.apps.generatefeedbackapp import GenerateFeedbackApp
    root = next((o.split("=", 1)[1] for o in options if o.startswith("--CourseDirectory.root=")), ".")
    code = run_app(AutogradeApp, [assignment, f"--student={student}", "--create", "--force", *options])
    if code != 0:
        return code
    (Path(root) / AUTOGRADED).write_text("ok\n")
    return 3 * bool(run_app(GenerateFeedbackApp, [assignment, f"--student={student}", "--force", *options]))


def generate(assignments: list[str], options: list[str]) -> int:
    """generate_assignment for each assignment in turn, into one gradebook; stop at the first failure."""
    from nbgrader.apps.generateassignmentapp import GenerateAssignmentApp
    for a in assignments:
        code = run_app(GenerateAssignmentApp, [a, "--force", *options])
        if code != 0:
            print(f"generate_assignment {a} failed (exit {code})", file=sys.stderr)
            return code
    return 0


def main(argv: list[str] | None = None) -> int:
    """Dispatch `grade` or `generate`; exit 0 on success, 3 when only the feedback failed."""
    argv = list(sys.argv[1:] if argv is None else argv)
    skip_unused_iri_checker()
    if len(argv) >= 3 and argv[0] == "grade":
        return grade(argv[1], argv[2], argv[3:])
    if len(argv) >= 2 and argv[0] == "generate" and "--" in argv:
        cut = argv.index("--")
        return generate(argv[1:cut], argv[cut + 1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
