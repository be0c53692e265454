"""Feedback HTML that never shows hidden tests (nbgrader issue #917) but keeps what they printed."""
from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Integer

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.DOTALL)
PLACEHOLDER = "# hidden tests (their report is printed below)"


def hide_tests(source: str) -> str:
    """Replace every hidden-test region (an unterminated one runs to the end) with a placeholder."""
    source = HIDDEN.sub(PLACEHOLDER, source)
    start = source.find("### BEGIN HIDDEN TESTS")
    return source if start < 0 else source[:start] + PLACEHOLDER


class HideHiddenTests(Preprocessor):
    """nbgrader generate_feedback step: strip hidden-test regions from cells, cap huge text outputs."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)
    max_chars = Integer(20_000, help="longest text output kept in feedback, in characters").tag(config=True)

    def preprocess_cell(self, cell, resources, index):  # noqa: ANN001, ANN201 - nbconvert's signature
        """Hide the tests of graded test cells; trim text outputs to max_chars."""
        if cell.cell_type == "code" and "### BEGIN HIDDEN TESTS" in cell.source:
            cell.source = hide_tests(cell.source)
            for out in cell.get("outputs", []):  # IPython tracebacks quote the cell's source
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        for out in cell.get("outputs", []):
            text = out.get("text")
            if isinstance(text, str) and len(text) > self.max_chars:
                out["text"] = text[: self.max_chars] + f"\n... [output cut: {len(text):,} characters]\n"
        return cell, resources
