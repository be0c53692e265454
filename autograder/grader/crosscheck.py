"""Outside the kernel: every score nbgrader recorded must be confirmed by a seal the genuine checks printed.

The worker makes a fresh key per submission (`write_key`) that only the sandbox kernel's sealing hook
and this process ever hold (autograder/grader/seal.py explains why notebook code cannot reach it).
`confirm` zeroes each exercise whose recorded points no valid seal confirms, with an "integrity: ..."
reason, and `mark_feedback` tells the student the grade was withheld (without saying how it was found).
"""
from __future__ import annotations

import html
import json
import re
import os
import secrets
from pathlib import Path

from ..student.checks.judge import judged
from .seal import read_seals

KEY_FILE = "ipc/seal.key"  # in the folder the sandbox binds writable, so the kernel can delete it once read
WITHHELD = ("The grade for {ex} was withheld: the course's checks could not confirm the score shown in this "
            "notebook. Ask your instructor.")


def write_key(work: Path) -> bytes:
    """A fresh 32-byte key in work/seal.key (mode 600), which the kernel finds through $GRADING_SEAL_FILE."""
    key = secrets.token_bytes(32)
    path = work / KEY_FILE
    path.parent.mkdir(exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


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
    """The genuine report's own 'integrity: ...' first line, if the cell printed one."""
    return next((ln.strip().rstrip(".") for ln in text.splitlines() if ln.startswith("integrity: ")), "")


def confirm_cell(exercise: str, recorded: float, text: str, key: bytes) -> tuple[float, str]:
    """(points, reason) for one hidden-test cell: its recorded points stand only when its last valid seal says them.

    A judged exercise needs no seal: its points were decided by the judge in nbgrader's process (judge.py).
    """
    if judged(exercise):
        own = _integrity_line(text)
        return recorded, (f"{own} ({exercise}: 0 points)" if own else "")
    seals = [s for s in read_seals(text, key) if s[0] == exercise]
    own = _integrity_line(text)
    if recorded > 0 and not (seals and seals[-1][2] == "ok" and abs(seals[-1][1] - recorded) < 1e-3):
        why = "its seal says the grader was changed" if seals and seals[-1][2] == "integrity" else \
            "no valid seal from the course's checks confirms it"
        return 0.0, f"integrity: {exercise} recorded {recorded:g} points but {why}; the grade was withheld"
    return recorded, (f"{own} ({exercise} withheld)" if own else "")


def confirm(autograded: Path, points: dict[str, float], key: bytes) -> tuple[dict[str, float], list[str]]:
    """Points with every unconfirmed exercise set to 0, and one 'integrity: ...' reason per exercise affected."""
    cells = _test_cells(json.loads(autograded.read_text(encoding="utf-8")))
    confirmed, reasons = {}, []
    for ex, got in points.items():
        confirmed[ex], why = confirm_cell(ex, got, cells.get(ex, ""), key)
        if why:
            reasons.append(why)
    return confirmed, reasons


RESULT = re.compile(r"^\[course result\] (?P<exercise>[a-z0-9_]+) (?P<json>\[.*\])$", re.M)


def check_details(autograded: Path, points: dict[str, float]) -> dict[str, list[dict]]:
    """Exercise -> the per-check results grade() printed, kept only where they add up to the confirmed points.

    They feed the class report (which mistakes, how many students), never a grade: the points come from the
    gradebook and the seal. A line that does not parse or does not sum to the exercise's points is dropped.
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


def mark_feedback(folder: Path, withheld: list[str]) -> None:
    """Put a short 'grade withheld' notice at the top of each feedback HTML page in folder."""
    if not withheld or not folder.is_dir():
        return
    note = "".join(f'<p style="color:#a00;font-weight:bold">{html.escape(WITHHELD.format(ex=ex))}</p>'
                   for ex in withheld)
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        at = text.find(">", text.find("<body")) + 1 if "<body" in text else 0
        page.write_text(text[:at] + note + text[at:], encoding="utf-8")
