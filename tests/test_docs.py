"""The README is short and the docs site builds: `mkdocs build --strict` fails on a broken link or a missing page."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from autograder.student.settings import course_root

pytestmark = pytest.mark.skeleton
ROOT = course_root()


def test_readme_is_at_most_200_lines():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"Expected README.md to be at most 200 lines; got {len(lines)}. Move the detail to docs/."


def test_the_docs_site_builds_strictly(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    problems = [ln for ln in (proc.stdout + proc.stderr).splitlines() if re.match(r"(WARNING|ERROR)", ln)]
    assert proc.returncode == 0 and not problems, "Expected `mkdocs build --strict` to pass; got:\n" + \
        "\n".join(problems or (proc.stdout + proc.stderr).splitlines()[-20:])
    assert (tmp_path / "site" / "instructors" / "scaling" / "index.html").is_file()


def test_the_scaling_page_includes_the_tested_slurm_script(tmp_path):
    page = (ROOT / "docs" / "instructors" / "scaling.md").read_text()
    assert '--8<-- "tools/slurm/grade_array.sbatch"' in page, "Expected the docs to include the tested script itself."


def test_every_readme_link_to_docs_resolves():
    text = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((docs/[^)#]+)", text)
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert links and not missing, f"Expected README's links into docs/ to resolve; missing {missing}."
