"""Benchmark `course grade`: N synthetic submissions serially, then with 2 workers; the grader's own overhead.

    .venv/bin/python tools/bench_grading.py [--n 6]

Prints submissions per minute for both runs, the speedup, the mean time to execute each notebook alone with
nbclient (plain course kernel, no nbgrader), and the pipeline's overhead per submission beyond that.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from autograder.demo import DEMO_ASSIGNMENT, DEMO_LIMITS, make_class  # noqa: E402
from autograder.grading.pipeline import grade_submissions  # noqa: E402

MIX = ["correct", "transposed_weight", "missing_bias", "blank"]  # graded notebooks, no timeouts


def notebook_alone(path: Path) -> float:
    """Seconds to execute one notebook with nbclient and the plain course kernel, one process."""
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # as the pipeline's kernels
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="mlp-course", timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def timed_grade(subs: Path, out: Path, workers: int) -> float:
    """Wall seconds for the whole pipeline."""
    start = time.perf_counter()
    grade_submissions([DEMO_ASSIGNMENT], subs, out, workers=workers, limits=DEMO_LIMITS,
                      progress=False, report=False)
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6, help="synthetic submissions (default 6)")
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp = Path(tmp)
        make_class(tmp / "class")
        subs = tmp / "subs"
        subs.mkdir()
        for i in range(n):
            kind = MIX[i % len(MIX)]
            (subs / f"s{i:02d}_{kind}.ipynb").write_bytes((tmp / "class" / f"{kind}.ipynb").read_bytes())
        alone = sum(notebook_alone(p) for p in sorted(subs.glob("*.ipynb"))) / n
        serial = timed_grade(subs, tmp / "o1", 1)
        parallel = timed_grade(subs, tmp / "o2", 2)
    figures = {"submissions": n, "serial_s": round(serial, 1), "parallel_2_workers_s": round(parallel, 1),
               "serial_per_min": round(60 * n / serial, 2), "parallel_per_min": round(60 * n / parallel, 2),
               "speedup": round(serial / parallel, 2), "notebook_alone_mean_s": round(alone, 1),
               "overhead_per_submission_s": round(serial / n - alone, 1)}
    print(json.dumps(figures, indent=1))
    print(f"{n} submissions: serial {serial:.0f} s ({60 * n / serial:.2f}/min), 2 workers {parallel:.0f} s "
          f"({60 * n / parallel:.2f}/min), speedup {serial / parallel:.2f}x; a notebook alone {alone:.1f} s (mean), "
          f"grader overhead {serial / n - alone:.1f} s per submission (serial)")


if __name__ == "__main__":
    main()
