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


def _short(name: str, width: int) -> str:
    """A name cut to width with an ellipsis (grades.csv and the class report keep it whole)."""
    return name if len(name) <= width else name[: width - 1] + "…"


def table(results: list[Result], width: int = 70) -> str:
    """A table for the terminal: score, status, and the reason wrapped below the row (never cut)."""
    import textwrap
    lines = [f"{'student':<22} {'assignment':<12} {'score':>9}  {'status':<8}", "-" * 56]
    for r in results:
        lines.append(f"{_short(r.student, 22):<22} {_short(r.assignment, 12):<12} {r.score:>4g}/{r.max_score:<4g}  "
                     f"{r.status:<8}")
        lines += textwrap.wrap(r.reason, width, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(lines)


def histogram(results: list[Result], path: Path, per_row: int = 4) -> Path:
    """A PNG grid: per assignment its total, then each exercise; graded notebooks only (the others are counted
    in the titles, not in the 0 bin)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = []
    for a in sorted({r.assignment for r in results}) or ["(none)"]:
        rows = [r for r in results if r.assignment == a]
        graded = [r for r in rows if r.status == "graded"]
        apart = len(rows) - len(graded)
        note = f" ({apart} without a grade)" if apart else ""
        panels.append((f"{a}: total{note}", [r.score for r in graded]))
        panels += [(f"{a} / {ex}", [r.points.get(ex, 0.0) for r in graded])
                   for ex in dict.fromkeys(ex for r in graded for ex in r.points)]
    n_rows = -(-len(panels) // per_row)
    fig, axes = plt.subplots(n_rows, min(per_row, len(panels)), figsize=(3.6 * min(per_row, len(panels)),
                             2.8 * n_rows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, vals) in zip(axes.flat, panels):
        ax.hist(vals, bins=min(10, max(3, len(set(vals)))), color="#4c72b0", edgecolor="white")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("points")
        ax.set_ylabel("students")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_report(results: list[Result], out: Path) -> None:
    """grades.csv, results.json, summary.png and the class report (report.html, mistakes.csv) in out; the table on stdout."""
    from .classreport import save_results, write_class_report
    write_csv(results, out / "grades.csv")
    save_results(results, out / "results.json")
    histogram(results, out / "summary.png")
    page = write_class_report(results, out)
    print(table(results))
    graded = sum(r.status == "graded" for r in results)
    print(f"\n{graded}/{len(results)} graded; grades: {out / 'grades.csv'}  class report: {page}  "
          f"summary: {out / 'summary.png'}  feedback: {out / 'feedback'}/")
