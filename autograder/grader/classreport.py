"""What the class got wrong: report.html and mistakes.csv from the named mistakes of every graded notebook.

Built from results.json (written beside grades.csv by `course grade` and `course merge`): the points come
from the gradebook (where the judge set them), the mistakes from the per-check results grade() printed, kept only where
they add up to those points. Every text the page shows is escaped: a diagnosis may quote student code.
Student ids appear only here, in the instructor's report, never in a student's feedback.
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
from collections import defaultdict
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

from .types import Result

COLUMNS_HELP = [
    ("student, assignment", "who and what: one row per student and assignment"),
    ("status", "graded; invalid (the file could not be read as a notebook: no grade); error (grading failed or ran "
               "past its time limit: no grade)"),
    ("score, max_score", "points earned and available for the assignment"),
    ("one column per exercise", "points earned in that exercise"),
    ("reason", "why a row is below full marks or has no grade: the first failing check's sentence, repairs made "
               "to the notebook, cells that ran past their limit, integrity notes"),
    ("similarity", "'reference' when an answer cell equals the instructor's after normalising names and comments, "
                   "or the names of classmates with the same answer cell; the score is not changed"),
    ("flags", "code in the student's cells that hides what it calls or reaches for the grader (exec, ctypes, "
              "sys._getframe, sqlite3, ...), read from the source; an honest submission has none"),
]


def save_results(results: list[Result], path: Path) -> Path:
    """results.json: every row with its per-check results, for `course report` and `course merge`."""
    path.write_text(json.dumps([asdict(r) for r in results], indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_results(path: Path) -> list[Result]:
    """The rows of a results.json."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise FileNotFoundError(f"Expected {path} written by `course grade`; got {type(e).__name__}: {e}. "
                                "Hint: grade the class again, or point `course report` at its output folder.") from None
    return [Result(**r) for r in rows]


def mistakes(results: list[Result]) -> list[dict]:
    """One row per failed check: student, assignment, exercise, check id, diagnosis id, sentence, points lost."""
    rows = []
    for r in results:
        for ex, checks in r.checks.items():
            earned = sum(float(c["points"]) for c in checks)  # what a failed required check takes away
            for c in checks:
                if not c["passed"]:
                    lost = earned if c.get("gate") else float(c["max"]) - float(c["points"])
                    rows.append({"student": r.student, "assignment": r.assignment, "exercise": ex,
                                 "check": c["check"], "diagnosis": c["diagnosis"], "sentence": c["sentence"],
                                 "points_lost": lost, "gate": bool(c.get("gate"))})
    return rows


def write_mistakes_csv(results: list[Result], path: Path) -> Path:
    """mistakes.csv, for pandas or a spreadsheet."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "assignment", "exercise", "check_id", "diagnosis_id", "points_lost"])
        for m in mistakes(results):
            w.writerow([m["student"], m["assignment"], m["exercise"], m["check"], m["diagnosis"], f"{m['points_lost']:g}"])
    return path


def ranked(results: list[Result]) -> list[dict]:
    """Named mistakes, most students first: diagnosis, sentence, exercise(s), students, points they cost."""
    groups: dict[str, dict] = {}
    for m in mistakes(results):
        g = groups.setdefault(m["diagnosis"], {"diagnosis": m["diagnosis"], "sentence": m["sentence"],
                                               "exercises": set(), "students": {}, "points": 0.0})
        g["exercises"].add((m["assignment"], m["exercise"]))
        g["students"].setdefault((m["student"], m["assignment"]), 0.0)
        g["students"][(m["student"], m["assignment"])] += m["points_lost"]
        g["points"] += m["points_lost"]
    return sorted(groups.values(), key=lambda g: (-len({s for s, _ in g["students"]}), -g["points"], g["diagnosis"]))


def _histogram_png(values: list[float], title: str) -> str:
    """A small histogram as a base64 PNG (the page stays one self-contained file)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 2.4))
    ax.hist(values, bins=min(10, max(3, len(set(values)))), color="#4c72b0", edgecolor="white")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("points")
    ax.set_ylabel("students")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _e(text: object) -> str:
    """Escaped for HTML."""
    return html.escape(str(text), quote=True)


def _link(student: str, assignment: str, out: Path | None) -> str:
    """The student's feedback page, relative to the report (the name alone where there is none: no grade)."""
    page = f"feedback/{student}/{assignment}/{assignment}.html"
    if out is not None and not (out / page).is_file():
        return _e(student)
    return f'<a href="{_e(quote(page))}">{_e(student)}</a>'


def _mistake_table(groups: list[dict], with_exercise: bool, out: Path | None) -> list[str]:
    """Rows of named mistakes."""
    head = "<tr><th>students</th><th>mistake</th>" + ("<th>exercise</th>" if with_exercise else "") + \
        "<th>who</th><th>points lost</th></tr>"
    rows = ["<table>", head]
    for g in groups:
        who = ", ".join(_link(s, a, out) for s, a in sorted(g["students"]))
        where = ", ".join(f"{a} / {ex}" for a, ex in sorted(g["exercises"]))
        rows.append(f"<tr><td>{len({s for s, _ in g['students']})}</td><td><code>{_e(g['diagnosis'])}</code><br>"
                    f"{_e(g['sentence'])}</td>" + (f"<td>{_e(where)}</td>" if with_exercise else "") +
                    f"<td>{who}</td><td>{g['points']:g}</td></tr>")
    return rows + ["</table>"]


def render(results: list[Result], title: str = "Class report", out: Path | None = None) -> str:
    """The whole page (links only to feedback pages that exist in `out`, when given)."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_e(title)}</title><style>"
             "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;"
             "vertical-align:top;text-align:left}th{background:#f3f3f3}code{background:#f6f6f6}"
             "img{margin-right:1em}</style></head><body>", f"<h1>{_e(title)}</h1>"]
    by_status: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_status[r.status].append(r)
    parts.append(f"<p>{len(results)} notebooks: " + ", ".join(f"{len(v)} {_e(k)}" for k, v in sorted(by_status.items()))
                 + ". Invalid and errored notebooks have no grade and are counted apart from the histograms.</p>")
    parts.append("<h2 id='ranking'>Where the class lost most points</h2>")
    parts += _mistake_table(ranked(results), with_exercise=True, out=out)
    for assignment in sorted({r.assignment for r in results}):
        rows = [r for r in results if r.assignment == assignment]
        graded = [r for r in rows if r.status == "graded"]
        parts.append(f"<h2 id='{_e(assignment)}'>{_e(assignment)}</h2>")
        if graded:
            images = [_histogram_png([r.score for r in graded], f"{assignment}: total")]
            exercises = list(dict.fromkeys(ex for r in graded for ex in r.points))
            images += [_histogram_png([r.points.get(ex, 0.0) for r in graded], ex) for ex in exercises]
            parts.append("<div>" + "".join(f"<img alt='histogram' src='data:image/png;base64,{b}'>" for b in images)
                         + "</div>")
        for ex in dict.fromkeys(ex for r in graded for ex in r.points):
            parts.append(f"<h3>{_e(ex)}</h3>")
            checks: dict[str, list] = {}
            for r in graded:
                for c in r.checks.get(ex, []):
                    checks.setdefault(c["check"], []).append(c)
            parts.append("<table><tr><th>check</th><th>passed</th><th>share of points earned</th></tr>")
            for cid, cs in checks.items():
                available = sum(float(c["max"]) for c in cs)
                share = f"{sum(float(c['points']) for c in cs) / available:.0%}" if available else "required"
                parts.append(f"<tr><td><code>{_e(cid)}</code></td><td>{sum(c['passed'] for c in cs)} / {len(cs)}</td>"
                             f"<td>{share}</td></tr>")
            parts.append("</table>")
            parts += _mistake_table(ranked([_only(r, ex) for r in graded]), with_exercise=False, out=out)
        parts += _student_table("No grade (invalid, error or timed out)", ("status", "reason"),
                                [r for r in rows if r.status != "graded"], out)
        parts += _student_table("Flagged: copies and suspicious code (scores unchanged)", ("similarity", "flags"),
                                [r for r in rows if r.similarity or r.flags], out)
    parts.append("<h2 id='columns'>The columns of grades.csv</h2><table>")
    parts += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in COLUMNS_HELP]
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _student_table(title: str, fields: tuple[str, ...], rows: list[Result], out: Path | None) -> list[str]:
    """A titled table of students (linked) and some of their row's fields; nothing when there are no rows."""
    if not rows:
        return []
    head = "".join(f"<th>{_e(f)}</th>" for f in fields)
    body = [f"<tr><td>{_link(r.student, r.assignment, out)}</td>" + "".join(f"<td>{_e(getattr(r, f))}</td>"
                                                                            for f in fields) + "</tr>" for r in rows]
    return [f"<h3>{_e(title)}</h3><table><tr><th>student</th>{head}</tr>", *body, "</table>"]


def _only(r: Result, exercise: str) -> Result:
    """A copy of a result holding one exercise's checks."""
    return Result(r.student, r.assignment, r.status, checks={exercise: r.checks.get(exercise, [])})


def write_class_report(results: list[Result], out: Path) -> Path:
    """report.html and mistakes.csv in out; returns the page's path."""
    write_mistakes_csv(results, out / "mistakes.csv")
    page = out / "report.html"
    page.write_text(render(results, out=out), encoding="utf-8")
    return page
