"""The course package, one subpackage per audience; this module imports nothing.

- autograder.student    what a student's notebook runs: MNIST, batches, training helpers, notebook and Colab
                        setup, the self-checks, and the course's settings (the student edition is this, whole)
- autograder.grader     the instructor's grading: collection, validation, the sandbox kernel, workers, shards,
                        the exchange, reports
- autograder.authoring  the course author's tools: release, reference exports, publishing, the student edition
- autograder.cli        the `course` command over all of them (and autograder.demo, `make demo`)
The grader and authoring import the student runtime, never the reverse (tests/test_layers.py).
"""
__version__ = "0.1.0"  # the course's one version string: pyproject.toml and the student edition read it here
