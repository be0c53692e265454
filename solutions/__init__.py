"""Reference solutions, importable: the autograder compares student modules with these.

The notebooks in this folder are the single source of the course; each class here is the
solution region of its notebook (tests/test_release.py checks that they agree).
"""
