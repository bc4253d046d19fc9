#!/usr/bin/env bash
# Benchmarks: Markwell against plain nbclient and nbgrader (see bench/README.md).
#   bash bench/run.sh                    runtime benchmark, full run (about 10 minutes on 2 cores)
#   bash bench/run.sh --quick            runtime benchmark, smoke run (3 rounds, batches of 10)
#   bash bench/run.sh grading            grading benchmark on rnn-numpy, full run
#   bash bench/run.sh grading --quick    grading benchmark, smoke run (2 rounds, a batch of 10)
#   bash bench/run.sh service            the web service: latency, GET throughput, a burst of 500
#   bash bench/run.sh service --quick    the same, smaller (a burst of 60)
#   bash bench/run.sh torch              grading rnn-cells-torch, with and without torch preloaded
#   bash bench/run.sh torch --quick      the same, smoke run (1 round, a batch of 5)
# Further arguments go to the benchmark script (bench_runtime.py, bench_grading.py, ...).
# Needs root (Markwell's sandbox) and Markwell's venv (scripts/setup). nbgrader gets a venv of
# its own under bench/.work/, made here on first use, so it never touches .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = service ]; then
    shift
    # wrk drives the GET load; PostgreSQL and Redis must be running (as for the tests).
    command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
    exec .venv/bin/python bench/bench_service.py "$@"
fi
if [ "${1:-}" = torch ]; then
    shift
    # No nbgrader here; torch comes with Markwell's torch extra (scripts/setup).
    exec .venv/bin/python bench/bench_torch.py "$@"
fi
venv=bench/.work/nbgrader-venv
if [ ! -x "$venv/bin/nbgrader" ]; then
    echo "run.sh: creating $venv (pip install nbgrader numpy)"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip
    "$venv/bin/pip" install -q nbgrader numpy
fi
script=bench/bench_runtime.py
if [ "${1:-}" = grading ]; then
    script=bench/bench_grading.py
    shift
fi
exec .venv/bin/python "$script" --nbgrader-venv "$venv" "$@"
