"""The first code cell of every notebook, built once here from where the course is published.

`course sync-setup` writes it into solutions/, `make release` into notebooks/, and tests keep them
identical. Locally it only imports the course; in Colab it first clones the published repository
(pyproject.toml's [tool.course]) into the notebook's folder, /content, once.
"""
from __future__ import annotations

from .published import Published, published


def setup_cell(where: Published) -> str:
    """The setup cell's source for a course published at `where`."""
    folder, url, branch = where.name, where.git_url, where.branch
    return f'''# @title Setup: run this cell first. It is the same in every notebook and safe to run twice. {{ display-mode: "form" }}
import os, subprocess, sys
if "google.colab" in sys.modules:  # Colab: fetch the course (code + data) once, from {where.web_url}
    if not os.path.isdir("{folder}") and subprocess.run(["git", "clone", "-q", "--depth=1", "-b", "{branch}", "{url}"]).returncode:
        sys.exit("Could not download the course from {url} (branch {branch}): connect this runtime to the internet, then run this cell again.")
    sys.path.insert(0, os.path.abspath("{folder}"))  # setup_notebook() drops the copy a second run adds
from autograder.student.notebook import setup_notebook
device = setup_notebook()'''


SETUP_CELL = setup_cell(published())
