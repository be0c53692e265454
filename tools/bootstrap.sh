#!/usr/bin/env bash
# Create .venv and install the pinned environment, resumably: a failed run leaves no stamp,
# so the next `make` simply retries; a finished one is never redone (the stamp says so).
set -uo pipefail
PY="${1:-python3}"
VENV=.venv
STAMP="$VENV/.installed"

die() { echo "error: $*" >&2; exit 1; }
# pip, quietly: this workplace's pip config lists local indexes that pip warns about once per package.
pip_quiet() {
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory"
  return "${PIPESTATUS[0]}"
}

command -v "$PY" >/dev/null 2>&1 \
  || die "'$PY' was not found. Install Python 3.11 (3.10-3.13 work) and run make again, or point to one: make PYTHON=/path/to/python3.11 test"
"$PY" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' \
  || die "this course needs Python 3.10-3.13 (torch 2.13.0 has wheels for those), but '$PY' is $("$PY" -V 2>&1). Install Python 3.11 and run: make PYTHON=python3.11 test"

# A .venv whose interpreter no longer runs (moved folder, upgraded Python) is rebuilt from scratch.
if [ -e "$VENV" ] && ! "$VENV/bin/python" -c 'pass' >/dev/null 2>&1; then
  echo "note: $VENV is broken (its python does not run); rebuilding it." >&2
  rm -rf "$VENV"
fi
if [ ! -e "$VENV" ]; then
  echo ">> creating $VENV with $("$PY" -V 2>&1)"
  "$PY" -m venv "$VENV" || { rm -rf "$VENV"; die "'$PY -m venv' failed. On Debian/Ubuntu install the venv module (apt-get install python3-venv) and run make again."; }
fi

echo ">> installing pinned packages from requirements.lock (first run takes a few minutes)"
pip_quiet -r requirements.lock \
  || die "installing the pinned packages failed (pip's message is above). Check that the package index is reachable, then run make again: it resumes where it stopped."
pip_quiet --no-deps -e . \
  || die "installing the course package (pip install -e .) failed; see pip's message above, then run make again."
"$VENV/bin/python" -m ipykernel install --sys-prefix --name mlp-course --display-name "Python 3 (mlp-course)" >/dev/null \
  || die "registering the Jupyter kernel 'mlp-course' failed; see the message above, then run make again."
"$VENV/bin/python" -m autograder.grader.kernel --install >/dev/null \
  || die "registering the grading kernel 'mlp-course-sandbox' failed; see the message above, then run make again."
"$VENV/bin/python" - <<'PY' || die "the environment installed but does not import; delete .venv and run make again."
import torch, fastai.basics, nbgrader, einops, matplotlib  # noqa: F401  (never torchvision)
PY
sha256sum requirements.lock pyproject.toml > "$STAMP"
echo ">> environment ready in $VENV"
