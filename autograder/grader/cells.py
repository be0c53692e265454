"""A handed-in notebook's code cells, read one way for every part of the grader that reads the student's source
(the source gate, the flags, the copies): each with the label a student can find it by."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


@dataclass(frozen=True)
class CodeCell:
    """One code cell: its label ('cell <grade_id>', or 'code cell N' counting code cells from 1) and its source."""

    label: str
    source: str
    grade_id: str = ""
    answer: bool = False      # an nbgrader solution cell: what the student was asked to write
    graded_test: bool = False  # an nbgrader grade cell that is not a solution: a (hidden) test

    @property
    def answer_source(self) -> str:
        """The source without nbgrader's `### BEGIN/END SOLUTION` lines."""
        return without_solution_markers(self.source)


def without_solution_markers(source: str) -> str:
    """A cell's source without nbgrader's `### BEGIN/END SOLUTION` lines."""
    return "\n".join(line for line in source.splitlines() if not SOLUTION_LINE.match(line))


def code_cells(nb: Any) -> list[CodeCell]:
    """Every code cell of a notebook (a dict or NotebookNode), in order; malformed cells are skipped."""
    cells = nb.get("cells", []) if isinstance(nb, dict) else []
    out = []
    for cell in (c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        src, gid = cell.get("source", ""), str(meta.get("grade_id") or "")
        out.append(CodeCell(label=f"cell {gid}" if gid else f"code cell {len(out) + 1}",
                            source="".join(src) if isinstance(src, list) else str(src), grade_id=gid,
                            answer=bool(meta.get("solution")),
                            graded_test=bool(meta.get("grade")) and not meta.get("solution")))
    return out


def read_code_cells(path: Path) -> list[CodeCell]:
    """The code cells of the notebook at `path`; [] when it is not a readable notebook (validate.py says why)."""
    try:
        return code_cells(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return []
