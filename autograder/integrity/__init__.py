"""Grader integrity: checks that student code cannot reach (issue 13)."""
