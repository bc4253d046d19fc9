"""Grading benchmark of the PyTorch assignment rnn-cells-torch, with and without torch preloaded.

Run it through ``bash bench/run.sh torch``, or directly::

    .venv/bin/python bench/bench_torch.py [--quick] [--rounds N] [--batch N] [--reps N]

The assignment is the real one, ``reference/rnn-cells-torch`` from the app's catalog: five
graded torch classes, a training check and Question 3, 100 points, nine mutants, judged
against NumPy references; its ``[sandbox]`` preloads ``torch`` and ``torch._dynamo`` in the
fork server its kernels are forked from. Rows:

1. one notebook, the solution: Markwell grading it end to end (``graders.grade``) cold (its
   own kernel from the fork server) and warm (a kernel from a full ``KernelPool`` of the
   assignment's own limits and sandbox, ``assignment.sandbox(settings.sandbox())``; also
   from a pool without the preload), beside plain nbclient executing it unsandboxed with the
   venv's python3 kernel (no grading);
2. a batch of mixed notebooks (solutions, mutants through ``mutant_notebook``, half of the
   graded classes deleted; built as ``bench_grading.py`` builds its batch) graded by worker
   threads sharing one pool: the assignment as it is (torch preloaded) and the same assignment
   with its ``[sandbox]`` preload removed (``dataclasses.replace(assignment, preload=())``),
   whose kernels import torch in the notebook's first cell;
3. where the time goes: a kernel's start with and without the preload, the imports in a
   fresh interpreter (``IMPORTS``), and the import and training cells of every run.

Every grade is checked (solutions 100, every mutant and deletion fewer, lost on what it
breaks): a wrong one stops the benchmark. Single-notebook rows run interleaved in a rotating
order, each from a full, idle pool; batches alternate. Figures are medians; CPU seconds count
every process started (``bench_runtime``'s cgroup clock). Results go to
``bench/results_torch.json``, rewritten after each phase; the tables are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_runtime as rt  # sets one BLAS thread and puts the repository on sys.path
import nbformat
from bench_grading import Markwell, print_verdicts, verdicts
from bench_runtime import (
    CpuClock,
    fmt,
    machine,
    machine_busy_seconds,
    measure,
    paired_ratio,
    run_nbclient,
    summary,
    wait_full,
)
from torch_workload import Cells, TorchNotebooks

from app.settings import get_settings
from graders import Assignment, KernelPool, grade
from graders.kernel.launch import start_kernel

ASSIGNMENT = "rnn-cells-torch"
WORK = rt.WORK / "torch"
SINGLE = ("plain_nbclient", "markwell_cold", "markwell_warm", "markwell_warm_no_preload")
VARIANTS = {"preloaded": "torch preloaded", "not_preloaded": "no preload"}


# -- Markwell ---------------------------------------------------------------------------------


class TorchMarkwell(Markwell):
    """``bench_grading``'s grader with the assignment's own limits and sandbox, as the app
    grades it (``dispatch.graded_outcome``): its pool's kernels are forked from a fork server
    with the assignment's preloads."""

    def __init__(self, assignment: Assignment, pool_size: int, cells: Cells) -> None:
        settings = get_settings()
        self.assignment = assignment
        self.limits = assignment.limits(settings.limits())
        self.config = assignment.sandbox(settings.sandbox())
        self.pool = KernelPool(pool_size, self.limits, self.config)
        self.cells = cells

    def grade_solution(self, warm: bool) -> dict[str, float]:  # type: ignore[override]
        """Grade the solution; raise unless it gets every point; the cells' seconds."""
        kernels = self.pool.acquire if warm else None
        path = self.assignment.solution
        graded = grade(self.assignment, path, self.limits, self.config, kernels=kernels)
        result = graded.result
        total = sum(t.score for t in result.tests)
        if result.status != "graded" or total != self.assignment.max_score:
            raise RuntimeError(f"Markwell gave the solution {total:g} ({result.status})")
        return self.cells.of_report(graded.report)

    def kernel_start(self) -> None:
        start_kernel(self.limits, self.config).close()


IMPORTS = {
    "torch": "import torch",
    "torch_dynamo": "import torch, torch._dynamo",
    "matplotlib": "from matplotlib import pyplot",
    "nothing": "pass",
}
"""What a fresh interpreter of the venv imports, unsandboxed: torch (the notebook's first
cell), with torch._dynamo (the preload; Adam imports it on first use), the rest of that cell,
and the interpreter's own start (subtracted from the others)."""
PROBES = ("torch", "torch_dynamo", "matplotlib")


def interpreter(code: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True)


def plain(nb_path: Path, cells: Cells) -> dict[str, float]:
    nb = nbformat.read(nb_path, as_version=4)
    run_nbclient(nb)
    return cells.of_nbclient(nb)


# -- main -------------------------------------------------------------------------------------


def medians(samples: list[dict[str, Any]], key: str) -> dict[str, float]:
    """Median of each number under ``sample[key]`` (the cells' seconds)."""
    found = [s[key] for s in samples if s.get(key)]
    names = sorted({n for f in found for n in f})
    return {n: round(statistics.median(f[n] for f in found if n in f), 3) for n in names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round, a batch of 5, once")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved single-notebook rounds")
    parser.add_argument("--batch", type=int, default=20, help="notebooks per batch")
    parser.add_argument("--reps", type=int, default=1, help="repetitions of each batch")
    parser.add_argument("--workers", type=int, default=2, help="grading threads sharing a pool")
    parser.add_argument("--starts", type=int, default=3, help="kernel starts timed per sandbox")
    parser.add_argument("--out", type=Path, default=rt.BENCH / "results_torch.json")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batch, args.reps, args.starts = 1, 5, 1, 1
    if os.geteuid() != 0:
        print("bench_torch: Markwell's sandbox needs root", file=sys.stderr)
        return 2

    settings = get_settings()
    assignment = settings.catalog()[ASSIGNMENT]
    bare = dataclasses.replace(assignment, preload=())
    unavailable = assignment.unavailable(assignment.sandbox(settings.sandbox()))
    if unavailable:
        print(f"bench_torch: {unavailable}", file=sys.stderr)
        return 2

    rt.CPU = CpuClock()
    started = time.monotonic()
    busy0, own0 = machine_busy_seconds(), rt.CPU.now()
    notebooks = TorchNotebooks(assignment)
    cells = Cells(notebooks.solution)
    max_points = {c.function: c.points for c in assignment.checks}
    graders = {
        "preloaded": TorchMarkwell(assignment, args.workers, cells),
        "not_preloaded": TorchMarkwell(bare, args.workers, cells),
    }
    mw, nopre = graders["preloaded"], graders["not_preloaded"]
    info = machine(None)
    info["torch"] = importlib.metadata.version("torch")
    info["markwell_sandbox"] = {
        "launcher": mw.config.launcher,
        "pool_size": mw.pool.size,
        "preload": {k: list(g.config.preload) for k, g in graders.items()},
        "threads": mw.config.threads,
    }
    print(f"machine: {json.dumps(info)}", flush=True)

    subs = notebooks.batch(args.batch)
    folder = WORK / "notebooks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths: dict[str, Path] = {}
    for sub in subs:
        paths[sub.name] = folder / f"{sub.name}.ipynb"
        nbformat.write(sub.notebook, paths[sub.name])
    counts = {k: sum(s.kind == k for s in subs) for k in ("solution", "mutant", "deleted")}
    print(
        f"{ASSIGNMENT}: {len(assignment.checks)} checks ({len(notebooks.functions)} classes), "
        f"{assignment.max_score:g} points; batch of {len(subs)}: {counts}",
        flush=True,
    )

    results: dict[str, Any] = {
        "machine": info,
        "assignment": {
            "id": assignment.id,
            "checks": len(assignment.checks),
            "classes": notebooks.functions,
            "max_score": assignment.max_score,
            "mutants": len(assignment.mutants),
            "preload": list(assignment.preload),
        },
        "settings": {
            "rounds": args.rounds,
            "batch": len(subs),
            "batch_kinds": counts,
            "reps": args.reps,
            "workers": args.workers,
            "pool_size": args.workers,
            "quick": args.quick,
        },
        "complete": False,
    }

    def save() -> None:
        elapsed = time.monotonic() - started
        others = machine_busy_seconds() - busy0 - (rt.CPU.now() - own0)
        info["other_processes_cores_busy"] = round(max(0.0, others) / elapsed, 2)
        info["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
        results["seconds"] = round(elapsed, 1)
        args.out.write_text(json.dumps(results, indent=2) + "\n")

    solution = assignment.solution
    rounds: list[dict[str, Any]] = []
    batch_runs: dict[str, list[dict[str, Any]]] = {}
    try:
        # Warm-up, not recorded: the page cache, the fork servers, the trusted modules.
        plain(solution, cells)
        mw.grade_solution(warm=False)
        for g in graders.values():
            wait_full([g.pool])

        # -- where the time goes: kernel starts and the import --------------------------------
        starts: dict[str, list[dict[str, Any]]] = {k: [] for k in graders}
        for _ in range(args.starts):
            for name, g in graders.items():
                starts[name].append(measure(g.kernel_start))
        imports = {
            name: summary([measure(lambda c=code: interpreter(c)) for _ in range(args.starts)])
            for name, code in IMPORTS.items()
        }
        base = imports["nothing"]
        for name in PROBES:
            imports[name]["wall_less_start"] = imports[name]["wall_median"] - base["wall_median"]
            imports[name]["cpu_less_start"] = imports[name]["cpu_median"] - base["cpu_median"]
        results["kernel_start"] = {k: summary(v) for k, v in starts.items()}
        results["imports_fresh_interpreter"] = imports
        print(
            "kernel start: "
            + ", ".join(
                f"{k} {fmt(v['wall_median'])} s" for k, v in results["kernel_start"].items()
            )
            + "; fresh interpreter, less its start: "
            + ", ".join(
                f"{IMPORTS[k]} {fmt(imports[k]['wall_less_start'])} s "
                f"({fmt(imports[k]['cpu_less_start'])} CPU s)"
                for k in PROBES
            ),
            flush=True,
        )

        # -- one notebook -------------------------------------------------------------------
        kinds: dict[str, Callable[[], dict[str, Any]]] = {
            "plain_nbclient": lambda: measure(lambda: plain(solution, cells)),
            "markwell_cold": lambda: measure(lambda: mw.grade_solution(warm=False)),
            "markwell_warm": lambda: measure(
                lambda: mw.grade_solution(warm=True), after=lambda: wait_full([mw.pool])
            ),
            "markwell_warm_no_preload": lambda: measure(
                lambda: nopre.grade_solution(warm=True), after=lambda: wait_full([nopre.pool])
            ),
        }
        for i in range(args.rounds):
            order = SINGLE[i % len(SINGLE) :] + SINGLE[: i % len(SINGLE)]
            result: dict[str, Any] = {}
            for name in order:
                wait_full([mw.pool, nopre.pool])
                sample = kinds[name]()
                sample["cells"] = sample.pop("value")
                result[name] = sample
            rounds.append(result)
            walls = "  ".join(f"{n}={fmt(result[n]['wall'])}" for n in SINGLE)
            print(f"round {i + 1}/{args.rounds}: {walls}", flush=True)
        single = {n: summary([r[n] for r in rounds]) for n in SINGLE}
        for n in SINGLE:
            single[n]["cells_median"] = medians([r[n] for r in rounds], "cells")
            single[n]["samples"] = [r[n] for r in rounds]
        results["single"] = single
        plain_wall = single["plain_nbclient"]["wall_median"]
        results["ratios"] = {
            "warm_vs_plain": round(single["markwell_warm"]["wall_median"] / plain_wall, 3),
            "warm_vs_plain_paired": round(
                paired_ratio(rounds, "markwell_warm", "plain_nbclient"), 3
            ),
            "cold_vs_plain": round(single["markwell_cold"]["wall_median"] / plain_wall, 3),
            "cold_vs_plain_paired": round(
                paired_ratio(rounds, "markwell_cold", "plain_nbclient"), 3
            ),
        }
        save()

        # -- batches ------------------------------------------------------------------------
        sanity: list[dict[str, Any]] = []
        for rep in range(args.reps):
            order_names = list(graders) if rep % 2 == 0 else list(graders)[::-1]
            for name in order_names:
                g = graders[name]
                wait_full([g.pool], 1.0)
                sample = measure(
                    lambda g=g: g.batch(paths, args.workers), after=lambda g=g: wait_full([g.pool])
                )
                points = sample.pop("value")
                rows = verdicts(subs, max_points, points, None)  # raises on a wrong grade
                if not sanity:
                    sanity = rows
                sample["points"] = {n: round(sum(p.values()), 2) for n, p in points.items()}
                batch_runs.setdefault(name, []).append(sample)
                rate = len(subs) / sample["wall"] * 60
                print(
                    f"batch {rep + 1}/{args.reps} {name}: {fmt(sample['wall'])} s, "
                    f"{rate:.1f} notebooks/min, {fmt(sample['cpu'] / len(subs))} CPU s/notebook",
                    flush=True,
                )
                batches = results.setdefault("batches", {})
                s = summary(batch_runs[name])
                s["notebooks"] = len(subs)
                s["per_minute"] = len(subs) / s["wall_median"] * 60
                s["cpu_per_notebook"] = s["cpu_median"] / len(subs)
                s["samples"] = batch_runs[name]
                batches[name] = s
                save()
        print_verdicts(sanity, assignment.max_score)
        results["sanity"] = sanity
    finally:
        for g in graders.values():
            g.pool.close()

    # -- report -----------------------------------------------------------------------------
    batches = results["batches"]
    pre, bare_b = batches["preloaded"], batches["not_preloaded"]
    results["ratios"]["batch_throughput_preloaded_vs_not"] = round(
        pre["per_minute"] / bare_b["per_minute"], 3
    )
    results["ratios"]["batch_cpu_per_notebook_not_vs_preloaded"] = round(
        bare_b["cpu_per_notebook"] / pre["cpu_per_notebook"], 3
    )
    results["complete"] = True
    save()

    print()
    print(f"One notebook ({ASSIGNMENT} solution), median of {args.rounds} interleaved rounds:")
    print()
    print(
        "| row | wall s | wall min..max | x plain nbclient | CPU s | import cell s | training s |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in SINGLE:
        s = single[name]
        span = f"{fmt(s['wall_min'])}..{fmt(s['wall_max'])}"
        x = s["wall_median"] / plain_wall
        c = s["cells_median"]
        print(
            f"| {name} | {fmt(s['wall_median'])} | {span} | {x:.2f} | {fmt(s['cpu_median'])} "
            f"| {fmt(c.get('import_cell', 0.0))} | {fmt(c.get('training_cell', 0.0))} |"
        )
    print()
    print(f"Batches of {len(subs)} ({counts}), {args.workers} threads, median of {args.reps}:")
    print()
    print("| row | wall s | notebooks/min | CPU s per notebook |")
    print("| --- | ---: | ---: | ---: |")
    for name, s in batches.items():
        print(
            f"| {VARIANTS[name]} | {s['wall_median']:.2f} | {s['per_minute']:.1f} "
            f"| {fmt(s['cpu_per_notebook'])} |"
        )
    print()
    for key, value in results["ratios"].items():
        print(f"{key}: {value:.3f}")
    print(
        f"other processes kept {info['other_processes_cores_busy']} of {info['nproc']} cores "
        "busy on average during the run (1.0 = one core)"
    )
    print(f"\nwrote {args.out} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        with contextlib.suppress(AttributeError):
            rt.CPU.close()
