"""Grading a whole class with one command: import, validate, autograde in parallel, feedback, grades.csv."""
