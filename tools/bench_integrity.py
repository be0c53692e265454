"""What grader integrity (issue 13) costs per notebook, measured piece by piece in one process.

    .venv/bin/python tools/bench_integrity.py [--repeat 20]

Prints the median milliseconds of: capturing the genuine grader (once per kernel), the tampering
comparison and the reference-code scan (once per grade() call; the sealing hook repeats the same
identity comparisons plus one HMAC), checking the seals of an autograded notebook outside the kernel (once per submission),
and a whole check_report of the correct iteration-1 layer for scale. Compare the sum with a notebook's
own run time (tools/bench_grading.py prints it: about 9 s on the course machine).
"""
from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from autograder.student.settings import course_root  # noqa: E402
sys.path.insert(0, str(course_root() / "tests"))
import autograder.student.checks as checks  # noqa: E402
from autograder.grader import crosscheck  # noqa: E402
from autograder.student.integrity import guard
from autograder.grader import seal  # noqa: E402


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall milliseconds of fn over repeat runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 2)


def autograded_notebook(folder: Path, key: bytes) -> Path:
    """A notebook shaped like an autograded one: one hidden-test cell with a report and its seal."""
    line = seal.sign(key, "linear_randn", 10.0, "ok")
    cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "solution": False,
                                                           "grade_id": "linear_randn_tests"}},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "PASS ...\n" * 8 + line + "\n"},
                        {"output_type": "execute_result", "data": {"text/plain": "10.0"}}], "source": ""}
    path = folder / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell] * 3}))
    return path


def main() -> None:
    """Measure each piece and print a JSON summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from catalogue.attacks import CORRECT
    ns: dict = {"__name__": "__main__"}
    exec(CORRECT, ns)
    layer = ns["MyLinear"]
    key = secrets.token_bytes(32)
    with tempfile.TemporaryDirectory() as tmp:
        nb = autograded_notebook(Path(tmp), key)
        figures = {
            "capture_ms (once per kernel)": median_ms(lambda: guard.capture(checks), max(3, args.repeat // 4)),
            "tampering_ms (per grade)": median_ms(lambda: guard.tampering(checks._STATE), args.repeat),
            "reference_scan_ms (per grade)": median_ms(lambda: guard.borrowed_reference(layer, checks._STATE),
                                                       args.repeat),
            "crosscheck_ms (per submission)": median_ms(lambda: crosscheck.confirm(nb, {"linear_randn": 10.0}, key),
                                                        args.repeat),
            "fresh_checks_ms (per grade)": median_ms(checks._fresh_modules, args.repeat),
            "check_report_ms (per grade, for scale)": median_ms(lambda: checks.check_report("linear_randn", layer),
                                                                max(3, args.repeat // 4)),
        }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
