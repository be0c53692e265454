"""nbgrader configuration: solutions/ is the single source, notebooks/ the generated release."""
import os
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader

ROOT = Path(__file__).resolve().parent
# Running a class (README "Running a class"): three environment variables, all optional.
#   COURSE_ROOT      where the gradebook and submitted/, autograded/, feedback/ live (default: this repository)
#   COURSE_ID        the exchange's course id (default mlp-course)
#   COURSE_EXCHANGE  the exchange directory shared with the students (default /srv/nbgrader/exchange)
# The students list is imported into the gradebook: `nbgrader db student import students.csv`.
COURSE_ROOT = Path(os.environ.get("COURSE_ROOT") or ROOT).resolve()
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.course_id = os.environ.get("COURSE_ID") or "mlp-course"
c.CourseDirectory.source_directory = str(ROOT / "solutions")
c.CourseDirectory.release_directory = str(ROOT / "notebooks")
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or "/srv/nbgrader/exchange"

# Student stubs: a clear NotImplementedError instead of nbgrader's bare one.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Exercise: replace this line with your code.")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execute every notebook with the course's own kernel (registered by `make`), with a time limit per cell.
c.Execute.kernel_name = "mlp-course"
c.Execute.timeout = 300
# A cell that runs past the timeout is interrupted and the notebook goes on (the cell shows the error).
c.Execute.interrupt_on_timeout = True
# Keep autograded notebooks readable: at most 1000 lines of output per cell.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
# Feedback never shows hidden tests (nbgrader issue #917): they are replaced by a placeholder,
# while the report they printed stays. `course grade` also runs the sandboxed kernel
# (autograder/grading/kernel.py) through --Execute.kernel_name=mlp-course-sandbox.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.grading.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
