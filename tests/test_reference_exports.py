"""solutions/<module>.py is generated from the notebook cells tagged `"course": {"export": "<module>"}` (one master)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder.authoring import exports
from autograder.student.settings import course_root
ROOT = course_root()

STAGES = {"backdrop": "00_mnist", "iter1": "01_iter1", "iter2": "02_iter2", "mlp": "03_mlp",
          "backprop": "04_backprop", "optimizer": "05_optimizer"}


def test_every_stage_exports_its_reference_module() -> None:
    rendered = {p.stem: text for p, text in exports.render_all().items()}
    assert sorted(rendered) == sorted(STAGES), f"Expected exported modules {sorted(STAGES)}; got {sorted(rendered)}."
    for module, stage in STAGES.items():
        assert f"from solutions/{stage}/{stage}.ipynb" in rendered[module].splitlines()[0], \
            f"Expected solutions/{module}.py's header to name solutions/{stage}/{stage}.ipynb."


@pytest.mark.parametrize("module", sorted(STAGES))
def test_reference_module_on_disk_is_what_release_renders(module: str) -> None:
    path = ROOT / "solutions" / f"{module}.py"
    want = exports.render_all()[path]
    assert path.read_text() == want, (f"Expected solutions/{module}.py to be generated from its notebook; it differs. "
                                      "Fix: edit the notebook, then run `make release` (or python -m autograder.authoring.exports).")


@pytest.mark.parametrize("module", sorted(STAGES))
def test_reference_module_runs_on_its_own(module: str) -> None:
    namespace: dict = {}
    exec(compile((ROOT / "solutions" / f"{module}.py").read_text(), f"solutions/{module}.py", "exec"), namespace)
    assert any(isinstance(v, type) or callable(v) for k, v in namespace.items() if not k.startswith("_")), \
        f"Expected classes or functions in solutions/{module}.py."


def test_export_drops_solution_markers_and_regenerates_after_an_edit(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", root / "solutions", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    nb_path = root / "solutions" / "03_mlp" / "03_mlp.ipynb"
    nb_path.write_text(nb_path.read_text().replace("max(0, x), elementwise.", "max(0, x), elementwise (edited)."))
    changed = exports.write_all(root)
    text = (root / "solutions" / "mlp.py").read_text()
    assert root / "solutions" / "mlp.py" in changed, "Expected write_all to report solutions/mlp.py as written."
    assert "elementwise (edited)." in text, "Expected the edited notebook text in the regenerated solutions/mlp.py."
    assert "### BEGIN SOLUTION" not in text and "### END SOLUTION" not in text, \
        "Expected nbgrader's solution markers to be dropped from the exported module."
    assert exports.write_all(root) == [], "Expected a second export to write nothing (already current)."


def test_a_module_exported_by_two_notebooks_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "course"
    shutil.copytree(ROOT / "solutions", root / "solutions", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    nb_path = root / "solutions" / "01_iter1" / "01_iter1.ipynb"
    nb_path.write_text(nb_path.read_text().replace('"export": "iter1"', '"export": "iter2"'))
    with pytest.raises(ValueError, match="exported by two notebooks"):
        exports.render_all(root)
