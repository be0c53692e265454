"""Check a submitted notebook before autograding: repair what nbgrader itself repairs, reject only what cannot be read.

Repairs follow nbgrader's own preprocessors, so a stray keypress in JupyterLab does not cost the
assignment: a tracked cell whose type was changed gets its type back (OverwriteCells), a deleted
tracked cell comes back from the released notebook (OverwriteCells.add_missing_cells), and of a
duplicated cell the first copy keeps the id (DeduplicateIds keeps one). Damaged JSON and bytes that
are not UTF-8 cannot be repaired: the notebook is invalid, with a one-sentence reason.
"""
from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class Verdict:
    """Whether a notebook can be autograded, why not, what was repaired, and notes for the instructor."""

    ok: bool
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    notebook: dict | None = None   # the repaired notebook to grade (None: grade the file as submitted)


def _grade_id(cell: dict) -> str | None:
    """The nbgrader grade_id of a tracked cell, or None."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or None


def _kind(cell: dict) -> str:
    """'test' for a graded read-only cell, 'answer' for a solution cell, else 'read-only'."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return "answer" if meta.get("solution") else "test" if meta.get("grade") else "read-only"


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
        with warnings.catch_warnings():  # duplicated cell ids are repaired below, by grade_id
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.reads(text, as_version=4))
    except Exception as e:  # noqa: BLE001 - nbformat raises several kinds
        return None, f"the file is JSON but not a valid notebook ({str(e).splitlines()[0][:120]})"
    return nb, ""


def _drop_duplicates(cells: list[dict]) -> tuple[list[dict], list[str]]:
    """Keep the first copy of each tracked cell; later copies of a test or read-only cell go, of an answer cell stay untracked."""
    seen: dict[str, int] = {}
    kept, repaired = [], []
    for cell in cells:
        gid = _grade_id(cell)
        if gid is None or gid not in seen:
            if gid is not None:
                seen[gid] = 1
            kept.append(cell)
            continue
        seen[gid] += 1
        if _kind(cell) == "answer":  # the student's code may be in this copy: it runs, untracked (as DeduplicateIds)
            cell = copy.deepcopy(cell)
            cell["metadata"].pop("nbgrader", None)
            if "id" in cell:
                cell["id"] = f"{cell['id']}-copy{seen[gid]}"[:64]
            kept.append(cell)
    kinds = {_grade_id(c): _kind(c) for c in kept if _grade_id(c)}
    for gid, count in seen.items():
        if count > 1:
            rest = "the others run as plain cells" if kinds[gid] == "answer" else "the others were dropped"
            repaired.append(f"the cell {gid!r} appeared {count} times; its first copy was kept, {rest}")
    return kept, repaired


def _restore_types(cells: list[dict], expected: dict[str, dict]) -> list[str]:
    """Give each tracked cell its released type back (OverwriteCells.update_cell_type); what was changed."""
    repaired = []
    for cell in cells:
        want = expected.get(_grade_id(cell) or "")
        if want is None or cell.get("cell_type") == want["cell_type"]:
            continue
        repaired.append(f"the cell {_grade_id(cell)!r} was changed from {want['cell_type']} to "
                        f"{cell.get('cell_type')}; its type was restored")
        cell["cell_type"] = want["cell_type"]
        if want["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return repaired


def _restore_missing(cells: list[dict], release: list[dict], with_ids: bool) -> list[str]:
    """Put every deleted tracked cell back after its predecessor in the release (add_missing_cells); what was added."""
    repaired = []
    present = {_grade_id(c) for c in cells} - {None}
    taken = {c.get("id") for c in cells}
    last_tracked = None
    for cell in release:
        gid = _grade_id(cell)
        if gid is None:
            continue
        if gid not in present:
            new = copy.deepcopy(cell)
            if not with_ids:
                new.pop("id", None)
            elif new.get("id") in taken:
                new["id"] = f"restored-{gid}"[:64]
            at = next((i + 1 for i, c in enumerate(cells) if _grade_id(c) == last_tracked), 0)
            cells.insert(at, new)
            present.add(gid)
            repaired.append(f"the {_kind(cell)} cell {gid!r} was deleted; it was restored from the released notebook")
        last_tracked = gid
    return repaired


def validate(path: Path, release: Path) -> Verdict:
    """Repair a submission's tracked cells against the released notebook's; reject only an unreadable file."""
    nb, reason = _read(path)
    if nb is None:
        return Verdict(False, reason)
    released = json.loads(release.read_text(encoding="utf-8"))["cells"]
    expected = {_grade_id(c): c for c in released if _grade_id(c)}
    fixed = copy.deepcopy(nb)
    cells, repaired = _drop_duplicates(fixed.get("cells", []))
    repaired += _restore_types(cells, expected)
    with_ids = (fixed.get("nbformat"), fixed.get("nbformat_minor", 0)) >= (4, 5)
    repaired += _restore_missing(cells, released, with_ids)
    fixed["cells"] = cells
    order = [g for g in map(_grade_id, cells) if g in expected]
    notes = []
    if order != list(expected):
        notes.append("cells are in a different order than in the released notebook "
                     f"({', '.join(order)}); they ran in the submitted order")
    return Verdict(True, "", notes, repaired, fixed if repaired else None)
