#!/usr/bin/env bash
# Executes every notebook in a fresh evcxr kernel and fails when a cell errs or
# an output (timings aside) differs from the committed one; with --update,
# writes the fresh outputs into the notebooks instead.
#
# Installs what is missing: evcxr_jupyter 0.22.0 (cargo install, about 20
# minutes on a fresh 2-core machine), its Jupyter kernel spec, and nbclient in a
# virtual environment (.venv-notebooks, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."

# (evcxr_jupyter has no --version: ask cargo which version it installed.)
if ! command -v evcxr_jupyter >/dev/null 2>&1 || ! cargo install --list | grep -q "^evcxr_jupyter v0.22.0"; then
    echo "installing evcxr_jupyter 0.22.0"
    cargo install --locked evcxr_jupyter --version 0.22.0
fi
evcxr_jupyter --install >/dev/null

venv=.venv-notebooks
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import nbclient, nbformat' >/dev/null 2>&1; then
    "$venv/bin/pip" install --quiet "nbclient>=0.10" "nbformat>=5.10" "ipykernel>=6"
fi

# The corpus for the notebooks, which read it from data/.
if [ -f ../shared/data/jaychou_lyrics.txt.zip ] && [ ! -f data/jaychou_lyrics.txt.zip ]; then
    cp ../shared/data/jaychou_lyrics.txt.zip data/
fi

"$venv/bin/python" notebooks/check.py "$@"
