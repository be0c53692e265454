#!/usr/bin/env bash
# Colab compatibility: a venv with Colab's versions, then every solutions notebook and the self-check
# catalogue in it; prints the figures. Outside `make test`: it downloads wheels.
#
#   bash tools/colab_compat.sh                 # Colab's versions where this machine can get them
#   PYTHON=python3.13 TORCH_SPEC="torch==2.11.0" TORCH_INDEX=https://download.pytorch.org/whl/cpu bash tools/colab_compat.sh
#
# Colab (Aug 2026): Python 3.13, torch 2.11 (CUDA), numpy 2.1.3, fastai 2.8.8, einops 0.8.2, no nbgrader.
# Defaults: python3.13 if it runs, else python3 (said in the output); torch 2.11.0 from the CPU index
# if it answers, else the pinned local torch (said in the output; PyPI's torch 2.11 is the multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.colab-venv}
if [ -z "${PYTHON:-}" ]; then python3.13 -V >/dev/null 2>&1 && PYTHON=python3.13 || PYTHON=python3; fi
NUMPY=${NUMPY:-2.1.3}; FASTAI=${FASTAI:-2.8.8}; EINOPS=${EINOPS:-0.8.2}
TORCH_INDEX=${TORCH_INDEX:-https://download.pytorch.org/whl/cpu}
if [ -z "${TORCH_SPEC:-}" ]; then
  if curl -sfI --max-time 10 "$TORCH_INDEX/torch/" >/dev/null 2>&1; then TORCH_SPEC="torch==2.11.0"
  else TORCH_SPEC="torch==$(grep -E '^torch==' requirements.lock | cut -d= -f3)"
    echo "note: $TORCH_INDEX is not reachable from here; using the pinned $TORCH_SPEC instead of Colab's 2.11"
    TORCH_INDEX=""; fi
fi
"$PYTHON" -c 'import sys; sys.version_info[:2] == (3, 13) or print(f"note: no python3.13 runs here (set PYTHON=); using Python {sys.version.split()[0]}")'
rm -rf "$VENV" && "$PYTHON" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)
if [ -n "$TORCH_INDEX" ]; then "${PIP[@]}" --index-url "$TORCH_INDEX" "$TORCH_SPEC"; else "${PIP[@]}" "$TORCH_SPEC"; fi
TORCH_V=$("$VENV/bin/python" -c 'import torch; print(torch.__version__)')
echo "torch==$TORCH_V" > "$VENV/constraints.txt"   # never let pip replace the runtime's torch (as in Colab)
"${PIP[@]}" -c "$VENV/constraints.txt" "numpy==$NUMPY" "einops==$EINOPS" matplotlib scipy pytest hypothesis \
  nbclient nbformat ipykernel
"${PIP[@]}" -c "$VENV/constraints.txt" --no-deps "fastai==$FASTAI"
"${PIP[@]}" -c "$VENV/constraints.txt" fastcore fasttransform fastprogress fastdownload pandas pyyaml pillow \
  requests packaging cloudpickle scikit-learn plum-dispatch 2>/dev/null || true
"$VENV/bin/python" -m ipykernel install --sys-prefix --name colab-compat >/dev/null
"$VENV/bin/python" - <<'PY'
import platform, fastai, numpy, einops, torch
print(f"versions: Python {platform.python_version()}, torch {torch.__version__}, numpy {numpy.__version__}, "
      f"fastai {fastai.__version__}, einops {einops.__version__}")
PY
# The notebooks, in the kernel of that venv, from a copy of the course (no editable install needed: cwd).
"$VENV/bin/python" - <<'PY'
import json, sys, time
from pathlib import Path
import nbformat
from nbclient import NotebookClient
total = 0.0
for path in sorted(Path("solutions").glob("*/*.ipynb")):
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(Path.cwd())!r})"))
    nb.cells.append(nbformat.v4.new_code_cell("import json; print('RESULTS=' + json.dumps(RESULTS, default=str))"))
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="colab-compat", timeout=600,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    total += seconds
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    results = json.loads(out.split("RESULTS=", 1)[1])
    shown = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in results.items() if k != "deep_std_layer50"}
    print(f"{path.parent.name}: {seconds:.1f} s  {shown}")
print(f"all solutions notebooks: {total:.1f} s")
PY
# The self-check catalogue: every wrong implementation caught with its message, every correct one passes.
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests/test_checks_catalogue.py -o addopts="" 2>&1 | tail -3
