#!/usr/bin/env bash
# Runtime benchmark: Markwell against plain nbclient and nbgrader (see bench/README.md).
#   bash bench/run.sh            full run (about 10 minutes on 2 cores)
#   bash bench/run.sh --quick    smoke run (3 rounds, batches of 10)
# Needs root (Markwell's sandbox) and Markwell's venv (scripts/setup). nbgrader gets a venv of
# its own under bench/.work/, made here on first use, so it never touches .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=bench/.work/nbgrader-venv
if [ ! -x "$venv/bin/nbgrader" ]; then
    echo "run.sh: creating $venv (pip install nbgrader numpy)"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q nbgrader numpy
fi
exec .venv/bin/python bench/bench_runtime.py --nbgrader-venv "$venv" "$@"
