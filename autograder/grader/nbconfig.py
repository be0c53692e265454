"""The one nbgrader configuration of the grading pipeline: a traitlets Config, built in one function.

nbgrader is driven through its Python API (NbGraderAPI) with this Config; no option strings are
built here and parsed back elsewhere. It starts from the course's nbgrader_config.py (stubs, output
limits, the feedback's HideHiddenTests) and sets what every grading step needs on top.
"""
from __future__ import annotations

from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from ..student.settings import course_root, solutions_dir
from .kernel import KERNEL_NAME


def nbgrader_config(root: Path, cell_timeout_s: int | None = None, release: Path | None = None,
                    db: Path | None = None) -> Config:
    """nbgrader_config.py, then this course root and its gradebook; with cell_timeout_s, the sandboxed kernel over ipc.

    root: the step's own course root (gradebook.db, submitted/, autograded/, feedback/); release: where
    generate_assignment writes the student version; db: another gradebook than root/gradebook.db;
    cell_timeout_s: seconds per cell when notebooks run.
    """
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root())).load_config()
    step = Config()
    step.CourseDirectory.root = str(root)
    step.CourseDirectory.source_directory = str(solutions_dir())
    step.CourseDirectory.db_url = f"sqlite:///{Path(db) if db is not None else Path(root) / 'gradebook.db'}"
    step.NbGraderAPI.log_level = "WARN"  # the worker's log keeps warnings and errors, as `--log-level=WARN` did
    if release is not None:
        step.CourseDirectory.release_directory = str(release)
    if cell_timeout_s is not None:
        step.Execute.kernel_name = KERNEL_NAME
        step.Execute.timeout = cell_timeout_s
        step.Execute.startup_timeout = 120
        step.KernelManager.transport = "ipc"          # unix sockets: the kernel may live without a network
        (Path(root) / "ipc").mkdir(exist_ok=True)  # the sockets' folder: the only part of the job root the sandbox binds
        step.KernelManager.ip = str(Path(root) / "ipc" / "k")  # short: the job folder, never the student id
    config.merge(step)
    return config
