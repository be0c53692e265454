"""Where the course is published (pyproject.toml's [tool.course]), and the URLs built from it.

The Colab badges, the README's table of notebooks, every notebook's setup cell and the runtime's settings
module are generated from this one setting; a fork changes `repository` (and `branch`) there and runs
`make release`.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..student.settings import course_root

ROOT = course_root()
PYPROJECT = ROOT / "pyproject.toml"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Published:
    """A GitHub repository "owner/name", the branch to open, and the folder of the student notebooks in it."""

    repository: str
    branch: str
    notebooks: str

    @property
    def name(self) -> str:
        """The repository's name: also the folder the Colab setup cell clones it into."""
        return self.repository.split("/")[1]

    @property
    def git_url(self) -> str:
        """What the Colab setup cell clones."""
        return f"https://github.com/{self.repository}.git"

    @property
    def web_url(self) -> str:
        """The branch on GitHub, for people."""
        return f"https://github.com/{self.repository}/tree/{self.branch}"

    def colab_url(self, assignment: str) -> str:
        """Colab's URL that opens notebooks/<assignment>/<assignment>.ipynb of the published branch."""
        return (f"https://colab.research.google.com/github/{self.repository}/blob/{self.branch}/"
                f"{self.notebooks}/{assignment}/{assignment}.ipynb")

    def badge(self, assignment: str) -> str:
        """The "Open in Colab" badge, as markdown."""
        return (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                f"({self.colab_url(assignment)})")


def published(pyproject: Path = PYPROJECT) -> Published:
    """Read [tool.course] from pyproject.toml; a missing or malformed value stops with what to write."""
    try:
        table = tomllib.loads(pyproject.read_text())["tool"]["course"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"Expected a [tool.course] table in {pyproject}; got {type(e).__name__}: {e}. Hint: "
                         'add repository = "owner/name", branch = "main", notebooks = "notebooks".') from None
    values = {k: table.get(k) for k in ("repository", "branch", "notebooks")}
    owner_name = str(values["repository"]).split("/")
    if len(owner_name) != 2 or not all(_NAME.match(p) for p in owner_name):
        raise ValueError(f'Expected [tool.course] repository = "owner/name" in {pyproject}; '
                         f"got {values['repository']!r}. Hint: the GitHub repository the course is published in.")
    for key in ("branch", "notebooks"):
        if not isinstance(values[key], str) or not values[key] or values[key].startswith("/"):
            raise ValueError(f"Expected [tool.course] {key} to be a non-empty relative name in {pyproject}; "
                             f"got {values[key]!r}.")
    return Published(**values)
