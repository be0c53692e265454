"""Print what observe and judge cost for the judged exercises (reference answers, median of 3): `.venv/bin/python tools/bench_judge.py`."""
from __future__ import annotations

import time

from autograder.student.checks import judge
from autograder.student.checks.tape import load, save


def main() -> None:
    """One line per judged exercise: observe seconds, judge seconds, observations size."""
    from solutions.iter1 import MyLinear as Iter1
    from solutions.iter2 import MyLinear as Iter2
    for exercise, cls in (("linear_randn", Iter1), ("linear_kaiming", Iter2)):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            data = save(judge.observe(exercise, cls, 3))
            t1 = time.perf_counter()
            judge.judge(exercise, load(data), 3)
            runs.append((t1 - t0, time.perf_counter() - t1, len(data)))
        observe_s, judge_s, size = sorted(runs)[1]
        print(f"{exercise}: observe {observe_s:.2f} s, judge {judge_s:.2f} s, observations {size / 1024:.0f} KiB "
              "(median of 3)")


if __name__ == "__main__":
    main()
