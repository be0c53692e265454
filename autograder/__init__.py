"""The course package: MNIST loading, notebook setup, exercise checks and the grading pipeline."""
__version__ = "0.1.0"
