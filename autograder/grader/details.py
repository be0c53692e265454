"""What the judged hidden-test cells say, read from the autograded notebook: the judge's own integrity lines, and
the per-check results (which mistakes, how many students) for the class report. Points come from the gradebook,
where the judge set them (judge.py); nothing here changes one.
"""
from __future__ import annotations

import json
import re
from pathlib import Path


def _test_cells(nb: dict) -> dict[str, str]:
    """Exercise id -> the text its hidden-test cell printed and returned (grade_id '<exercise>_tests')."""
    out = {}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        gid = meta.get("grade_id", "")
        if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution") or not gid:
            continue
        texts = []
        for o in cell.get("outputs", []):
            text = o.get("text", o.get("data", {}).get("text/plain", ""))
            texts.append("".join(text) if isinstance(text, list) else str(text))
        out[gid.removesuffix("_tests")] = "\n".join(texts)
    return out


def _integrity_line(text: str) -> str:
    """The judge's own 'integrity: ...' first line, if the cell shows one."""
    return next((ln.strip().rstrip(".") for ln in text.splitlines() if ln.startswith("integrity: ")), "")


def integrity_notes(autograded: Path, points: dict[str, float]) -> list[str]:
    """One 'integrity: ... (exercise: 0 points)' reason for each exercise the judge could not trust."""
    cells = _test_cells(json.loads(autograded.read_text(encoding="utf-8")))
    notes = []
    for ex in points:
        own = _integrity_line(cells.get(ex, ""))
        if own:
            notes.append(own if own.endswith("points)") else f"{own} ({ex}: 0 points)")
    return notes


RESULT = re.compile(r"^\[course result\] (?P<exercise>[a-z0-9_]+) (?P<json>\[.*\])$", re.M)


def check_details(autograded: Path, points: dict[str, float]) -> dict[str, list[dict]]:
    """Exercise -> the per-check results grade() printed, kept only where they add up to the confirmed points.

    They feed the class report (which mistakes, how many students), never a grade: the points come from the
    gradebook, where the judge set them. A line that does not parse or does not sum to the exercise's points is dropped.
    """
    cells = _test_cells(json.loads(autograded.read_text(encoding="utf-8")))
    found = {}
    for ex, text in cells.items():
        lines = [m for m in RESULT.finditer(text) if m["exercise"] == ex]
        try:
            checks = json.loads(lines[-1]["json"]) if lines else None
            earned = sum(float(c["points"]) for c in checks or [])
        except (ValueError, TypeError, KeyError):
            continue
        gated = any(c.get("gate") and not c.get("passed") for c in checks or [])
        if checks and ex in points and (abs(earned - points[ex]) < 1e-3 or (gated and points[ex] == 0)):
            found[ex] = [{k: c.get(k) for k in ("check", "passed", "points", "max", "gate", "diagnosis", "sentence")}
                         for c in checks]
    return found


def first_mistake(checks: dict[str, list[dict]], points: dict[str, float], cells: dict[str, float]) -> str:
    """The sentence of the first failing check (a required one first) of the first exercise below full marks."""
    for ex, got in points.items():
        if got >= cells.get(ex, 0):
            continue
        failed = sorted((c for c in checks.get(ex, []) if not c["passed"]), key=lambda c: not c.get("gate"))
        if failed:
            return f"{failed[0]['check']}: {failed[0]['sentence']}"
    return ""
