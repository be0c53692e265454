# One command runs the course's main job (`make demo`), one runs the tests (`make test`).
# Both create .venv and install the pinned environment first; a second run reinstalls nothing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKERS ?= 2
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The venv's tools first on PATH (nbgrader itself runs `alembic` from PATH).
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help venv system-deps demo test release lab grade bench bench-course clean browser-test student-edition cluster-test bench-docs

help:
	@echo "make demo     generate the student notebooks, autograde the demo class, print grades"
	@echo "make test     run the test suite (pytest; one stage: make test ARGS='-m iter2')"
	@echo "make release  regenerate notebooks/ from solutions/ with nbgrader and solutions/*.py from their tagged cells; stamp [tool.course] (setup cells, Colab badges, README table)"
	@echo "make lab      open JupyterLab on the course"
	@echo "make grade A=01_iter1 SUBMISSIONS=path   grade a class (see README)"
	@echo "make bench    benchmark serial vs parallel grading"
	@echo "make bench-docs     run every benchmark and write its page under docs/benchmarks/"
	@echo "make bench-course   one epoch of the logistic model vs plain slicing, and the whole course (serial and 2 at a time)"
	@echo "make browser-test   install Chromium (apt) if missing, run JupyterLab + formgrader in it"
	@echo "make student-edition   write dist/student-edition: notebooks, data, self-checks; no answers"
	@echo "make cluster-test   grade the demo class as a 3-task Slurm array under a real one-node Slurm (root; installs slurm-wlm, munge)"

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml tools/bootstrap.sh
	@bash tools/bootstrap.sh $(PYTHON)

demo: $(STAMP)
	$(BIN)/course demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest $(ARGS)

# What the tests need from the OS: bubblewrap, the grading kernel's sandbox (root: apt, a few seconds).
system-deps:
	@command -v bwrap >/dev/null || { echo ">> installing bubblewrap from apt (the grading sandbox)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap; } \
	  || echo "note: could not install bubblewrap; grading falls back to the in-process fence and says so"

release: $(STAMP)
	$(BIN)/course sync-setup
	$(BIN)/python -m autograder.authoring.exports
	$(BIN)/course release
	$(BIN)/python -m autograder.authoring.publish

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

grade: $(STAMP)
	@test -n "$(A)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade A=01_iter1 SUBMISSIONS=path [WORKERS=2] [OUT=grading_out]"; exit 2; }
	$(BIN)/course grade $(A) $(SUBMISSIONS) --workers $(WORKERS) --out $(or $(OUT),grading_out)

bench: $(STAMP)
	$(BIN)/python tools/bench_grading.py $(ARGS)

bench-course: $(STAMP)
	$(BIN)/python tools/bench_course.py $(ARGS)

# Every benchmark, each written as a generated page under docs/benchmarks/ (date, machine, command, output).
bench-docs: $(STAMP)
	$(BIN)/python tools/bench_page.py data -- $(BIN)/python tools/bench_data.py
	$(BIN)/python tools/bench_page.py training -- $(BIN)/python tools/bench_training.py --seeds 42 0 1
	$(BIN)/python tools/bench_page.py course -- $(BIN)/python tools/bench_course.py
	$(BIN)/python tools/bench_page.py grading -- $(BIN)/python tools/bench_grading.py

# Debian's Chromium (Playwright's own browser download is not used); screenshots go to docs/screenshots/,
# where the docs site shows them (SHOTS=folder to put them elsewhere).
browser-test: $(STAMP)
	@test -x /usr/bin/chromium || { echo ">> installing Chromium from apt"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium chromium-driver; }
	BROWSER_SCREENSHOTS=$(abspath $(or $(SHOTS),docs/screenshots)) $(BIN)/python -m pytest -m browser $(ARGS)

student-edition: $(STAMP)
	$(BIN)/python -m autograder.authoring.edition --out $(or $(OUT),dist/student-edition)

# A real one-node Slurm (munged, slurmctld, slurmd started and stopped here): tools/cluster_test.py.
cluster-test: $(STAMP)
	$(BIN)/python tools/cluster_test.py $(ARGS)

clean:
	rm -rf demo_out grading_out gradebook.db .pytest_cache browser_out dist
