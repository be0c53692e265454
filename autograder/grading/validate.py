"""Check a submitted notebook before autograding, so that a damaged file gets a one-sentence reason."""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class Verdict:
    """Whether a notebook can be autograded, why not, and notes worth telling the instructor."""

    ok: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def _nbgrader_cells(nb: dict) -> list[tuple[str, str, dict]]:
    """(grade_id, cell_type, nbgrader metadata) of the cells nbgrader tracks, in notebook order."""
    out = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id"):
            out.append((meta["grade_id"], cell.get("cell_type", "?"), meta))
    return out


def _read(path: Path) -> tuple[dict | None, str]:
    """Parse the file as a notebook; (None, reason) when it is not one."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, (f"the file is not valid UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                      "it was probably damaged when copied or edited outside Jupyter")
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as e:
        return None, f"the file is not valid notebook JSON ({e.msg} at line {e.lineno}, column {e.colno})"
    try:
        with warnings.catch_warnings():  # duplicated cell ids are reported below, by grade_id
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as e:  # noqa: BLE001 - nbformat raises several kinds
        return None, f"the file is JSON but not a valid notebook ({str(e).splitlines()[0][:120]})"
    return nb, ""


def validate(path: Path, release: Path) -> Verdict:
    """Compare a submission's graded cells with the released notebook's: present, unique, same type, same order."""
    nb, reason = _read(path)
    if nb is None:
        return Verdict(False, reason)
    expected = _nbgrader_cells(json.loads(release.read_text(encoding="utf-8")))
    got = _nbgrader_cells(nb)
    got_ids = [g for g, _, _ in got]
    for gid in dict.fromkeys(got_ids):
        if got_ids.count(gid) > 1:
            return Verdict(False, f"the cell {gid!r} appears {got_ids.count(gid)} times (a graded cell was "
                                  "duplicated); keep exactly one copy of it")
    types = {g: t for g, t, _ in got}
    for gid, ctype, meta in expected:
        if gid not in types:
            what = "test" if meta.get("grade") and not meta.get("solution") else "answer"
            return Verdict(False, f"the {what} cell {gid!r} was deleted; restore it from the released notebook")
        if types[gid] != ctype:
            return Verdict(False, f"the cell {gid!r} was changed from {ctype} to {types[gid]}; "
                                  "change its type back")
    order = [g for g in got_ids if g in {e[0] for e in expected}]
    notes = []
    if order != [g for g, _, _ in expected]:
        notes.append("cells are in a different order than in the released notebook "
                     f"({', '.join(order)}); they ran in the submitted order")
    return Verdict(True, "", notes)
