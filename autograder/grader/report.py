"""grades.csv, the terminal table and the per-exercise histogram."""
from __future__ import annotations

import csv
from pathlib import Path

from .types import Result

FIXED = ["student", "assignment", "status", "score", "max_score"]
TEXT = ["reason", "similarity", "flags"]  # the text columns after the points (course merge carries them as text)


def exercise_columns(results: list[Result]) -> list[str]:
    """Every exercise seen, in first-seen order (assignments are graded in course order)."""
    return list(dict.fromkeys(k for r in results for k in r.points))


def write_csv(results: list[Result], path: Path) -> Path:
    """One row per student and assignment; points per exercise; the reason when something went wrong; copies flagged."""
    cols = exercise_columns(results)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIXED + cols + TEXT)
        for r in results:
            w.writerow([r.student, r.assignment, r.status, f"{r.score:g}", f"{r.max_score:g}"]
                       + [f"{r.points[c]:g}" if c in r.points else "" for c in cols] + [r.reason, r.similarity, r.flags])
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a grades.csv."""
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def table(results: list[Result], width: int = 70) -> str:
    """A short table for the terminal: score, status and the reason cut to fit."""
    lines = [f"{'student':<22} {'assignment':<12} {'score':>9}  {'status':<8} reason",
             "-" * (54 + width // 2)]
    for r in results:
        reason = r.reason if len(r.reason) <= width else r.reason[: width - 1] + "…"
        lines.append(f"{r.student:<22} {r.assignment:<12} {r.score:>4g}/{r.max_score:<4g}  {r.status:<8} {reason}")
    return "\n".join(lines)


def histogram(results: list[Result], path: Path) -> Path:
    """A PNG with one histogram of points per exercise (matplotlib, Agg backend)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cols = exercise_columns(results) or ["score"]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols), 2.8), squeeze=False)
    for ax, col in zip(axes[0], cols):
        vals = [r.points[col] for r in results if col in r.points] if col != "score" else [r.score for r in results]
        ax.hist(vals, bins=min(10, max(3, len(set(vals)))), color="#4c72b0", edgecolor="white")
        ax.set_title(col, fontsize=10)
        ax.set_xlabel("points")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_report(results: list[Result], out: Path) -> None:
    """grades.csv and summary.png in out, and the table on stdout."""
    write_csv(results, out / "grades.csv")
    histogram(results, out / "summary.png")
    print(table(results))
    graded = sum(r.status == "graded" for r in results)
    print(f"\n{graded}/{len(results)} graded; grades: {out / 'grades.csv'}  summary: {out / 'summary.png'}  "
          f"feedback: {out / 'feedback'}/")
