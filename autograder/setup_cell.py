"""The first code cell of every notebook, defined once here (tests and `course sync-setup` keep them identical)."""

# Where Colab clones the course from. Forks change this one line and run `course sync-setup`.
COURSE_REPO = "https://github.com/mlp-course/mlp-course.git"

SETUP_CELL = f'''# Setup: identical in every notebook (source: autograder/setup_cell.py). Safe to run twice.
import importlib.util, subprocess, sys
from pathlib import Path
if "google.colab" in sys.modules:  # Colab: fetch the course (code + data) and any missing package, once
    if not Path("/content/mlp-course").exists():
        subprocess.run(["git", "clone", "-q", "--depth=1", "{COURSE_REPO}", "/content/mlp-course"], check=True)
    missing = [p for p in ("fastai", "einops", "hypothesis") if importlib.util.find_spec(p) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    if "/content/mlp-course" not in sys.path:
        sys.path.insert(0, "/content/mlp-course")
from autograder.notebook import setup_notebook
device = setup_notebook()'''
