"""nbgrader configuration: solutions/ is the single source, notebooks/ the generated release."""
from pathlib import Path

c = get_config()  # noqa: F821 - provided by nbgrader

ROOT = Path(__file__).resolve().parent
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.course_id = "mlp-course"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"

# Student stubs: a clear NotImplementedError instead of nbgrader's bare one.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("Exercise: replace this line with your code.")'
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Execute every notebook with the course's own kernel (registered by `make`), with a time limit per cell.
c.Execute.kernel_name = "mlp-course"
c.Execute.timeout = 300
