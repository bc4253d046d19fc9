"""Automatic diagnosis benchmark: how often it names a one-mistake notebook's mistake, and
what the search costs.

    .venv/bin/python bench/bench_diagnosis.py [--assignment rnn-numpy] [--json PATH]

Every notebook is graded through the real sandbox (``graders.grade``): the one-mistake
notebooks of ``tests/judge/one_mistake.py`` and, for each hand-written mutant, the solution
with the mutant appended (as ``markwell validate`` builds it). Their stored runs are then
judged again with the mutants switched off, so the figures are the diagnosis's alone:
``named`` (the expected mistake), ``wrong`` (another one: the figure that must stay 0),
``line`` (only the line pointed at) and ``silent``. For every check that failed, the CPU time
of the diagnosis's search (``time.process_time``) is recorded; the table gives its median and
maximum. Results go to ``bench/results_diagnosis.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graders import KernelPool, SandboxConfig, evaluate, grade, read_assignment  # noqa: E402
from graders.judge import diagnosis  # noqa: E402
from graders.judge.trusted import Trusted  # noqa: E402
from graders.validation import mutant_notebook  # noqa: E402
from tests.judge.one_mistake import ONE_MISTAKES  # noqa: E402


def _mutant_verdict(result, mutant) -> str:  # type: ignore[no-untyped-def]
    auto = {
        t.mistake
        for t in result.tests
        if t.name.split("/")[0] == mutant.target
        and t.status == "failed"
        and t.mistake.startswith("auto:")
    }
    if any(not m.startswith("auto:line:") for m in auto):
        return "named"
    return "line" if auto else "silent"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--assignment", action="append", default=[])
    parser.add_argument("--json", default=str(ROOT / "bench" / "results_diagnosis.json"))
    args = parser.parse_args()
    chosen = args.assignment or ["rnn-numpy", "lstm-scratch"]
    report: dict[str, object] = {}
    for name in chosen:
        assignment = read_assignment(ROOT / "reference" / name)
        alone = replace(assignment, mutants=())
        trusted = Trusted(alone)
        seconds: list[float] = []
        rows = []
        with KernelPool(2, assignment.limits(), SandboxConfig()) as pool:
            jobs = [
                ("one", m, m.notebook(assignment)) for m in ONE_MISTAKES if m.assignment == name
            ]
            jobs += [("mutant", m, mutant_notebook(assignment, m)) for m in assignment.mutants]
            for kind, item, notebook in jobs:
                graded = grade(assignment, notebook, kernels=pool.acquire)
                result = evaluate(alone, graded.runs, trusted)
                for run in graded.runs:
                    check = next(c for c in assignment.checks if c.function == run.function)
                    failed = [
                        t
                        for t in result.tests
                        if t.name.split("/")[0] == check.function and t.status == "failed"
                    ]
                    if not failed or any(c.verdict is not None for c in run.cases):
                        continue
                    cases = sorted(run.cases, key=lambda c: c.seed is None)
                    pairs = [(trusted.inputs(c), c.got) for c in cases]
                    start = time.process_time()
                    diagnosis.diagnose(check, trusted, pairs)
                    seconds.append(time.process_time() - start)
                if kind == "one":
                    verdict = item.verdict(result)
                    label = item.label
                else:
                    verdict = _mutant_verdict(result, item)
                    label = f"mutant {item.id}"
                mistakes = sorted({t.mistake for t in result.tests if t.mistake})
                rows.append(
                    {"kind": kind, "label": label, "verdict": verdict, "mistakes": mistakes}
                )
                print(f"{name:13s} {verdict:7s} {label}: {', '.join(mistakes)}", flush=True)
        ones = [r for r in rows if r["kind"] == "one"]
        mutants = [r for r in rows if r["kind"] == "mutant"]
        summary = {
            "one_mistake": {
                v: sum(r["verdict"] == v for r in ones)
                for v in ("named", "wrong", "line", "silent", "mutant")
            },
            "one_mistake_total": len(ones),
            "mutants": {
                v: sum(r["verdict"] == v for r in mutants) for v in ("named", "line", "silent")
            },
            "mutants_total": len(mutants),
            "search_cpu_seconds": {
                "median": statistics.median(seconds) if seconds else 0.0,
                "max": max(seconds, default=0.0),
                "searches": len(seconds),
            },
            "rows": rows,
        }
        report[name] = summary
        print(name, json.dumps({k: v for k, v in summary.items() if k != "rows"}), flush=True)
    Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
