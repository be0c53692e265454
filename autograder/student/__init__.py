"""The student runtime: MNIST, batches, training helpers, notebook and Colab setup, and the self-checks.

The grader and the authoring tools import this subpackage; it imports neither.
"""
