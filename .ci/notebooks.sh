#!/usr/bin/env bash
# Installs the evcxr Jupyter kernel and Jupyter, then executes the notebooks in
# place so that they are committed with fresh outputs. Not part of the default
# CI run: it compiles evcxr (about 15 minutes on 2 cores) and trains the RNN
# twice (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v evcxr_jupyter >/dev/null 2>&1; then
    cargo install --locked evcxr_jupyter
fi
if ! python3 -c 'import jupyter_core, nbconvert' >/dev/null 2>&1; then
    python3 -m pip install --quiet jupyter nbconvert
fi
evcxr_jupyter --install

for nb in notebooks/*.ipynb; do
    echo "executing $nb"
    jupyter nbconvert --to notebook --execute --inplace \
        --ExecutePreprocessor.kernel_name=rust \
        --ExecutePreprocessor.timeout=1800 \
        "$nb"
done
