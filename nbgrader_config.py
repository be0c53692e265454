"""nbgrader configuration: solutions/ is the single source, notebooks/ the generated release.

Paths, limits, the course id and the exchange come from the course's one settings module
(autograder/student/settings.py), which the `course` command and the grading pipeline read too.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the course's package, even without `pip install -e .`
from autograder.student import settings  # noqa: E402

c = get_config()  # noqa: F821 - provided by nbgrader

# Running a class (README "Running a class"): three environment variables, all optional.
#   COURSE_ROOT      where the gradebook and submitted/, autograded/, feedback/ live (default: this repository)
#   COURSE_ID        the exchange's course id (default settings.DEFAULT_COURSE_ID)
#   COURSE_EXCHANGE  the exchange directory shared with the students (default settings.DEFAULT_EXCHANGE)
# The students list is imported into the gradebook: `nbgrader db student import students.csv`.
c.CourseDirectory.root = str(settings.class_root())
c.CourseDirectory.course_id = settings.course_id()
c.CourseDirectory.source_directory = str(settings.solutions_dir())
c.CourseDirectory.release_directory = str(settings.notebooks_dir())
c.CourseDirectory.db_url = f"sqlite:///{settings.class_root() / 'gradebook.db'}"
c.Exchange.root = str(settings.exchange_root())

# Student stubs: a clear NotImplementedError instead of nbgrader's bare one.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Exercise: replace this line with your code.")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execute every notebook with the course's grading kernel (registered by `make`), with a time limit per cell.
c.Execute.kernel_name = "mlp-course-sandbox"  # the grading kernel in its OS sandbox (autograder/grader/sandbox.py)
c.Execute.timeout = settings.CELL_TIMEOUT_S
# A cell that runs past the timeout is interrupted and the notebook goes on (the cell shows the error).
c.Execute.interrupt_on_timeout = True
# The judge (autograder/grader/judge.py): a fresh challenge before the notebook runs; after it, the hidden tests'
# observations are judged in nbgrader's own process, and the judge's points are what SaveAutoGrades records.
c.Autograde.autograde_preprocessors = [
    "autograder.grader.judge.WriteChallenge",
    "autograder.grader.judge.ExecuteAndCollect",   # nbgrader's Execute, taking each hidden test's observations away
    "autograder.grader.judge.JudgeObservations",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# Keep autograded notebooks readable: at most 1000 lines of output per cell.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
# Feedback never shows hidden tests (nbgrader issue #917): they are replaced by a placeholder,
# while the report they printed stays. `course grade` also runs the sandboxed kernel
# (autograder/grader/kernel.py) through --Execute.kernel_name=mlp-course-sandbox.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.grader.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
