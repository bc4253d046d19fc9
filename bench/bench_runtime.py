"""Runtime benchmark: Markwell against plain nbclient and nbgrader on one student notebook.

Run it through ``bash bench/run.sh`` (which makes nbgrader's venv first), or directly::

    .venv/bin/python bench/bench_runtime.py [--quick] [--rounds N] [--batch N] [--reps N]

Rows (all on the notebook of ``bench/workload.py``):

1. floor: a bare kernel start plus one trivial cell through nbclient, unsandboxed;
2. plain nbclient: ``NotebookClient(nb).execute()``, unsandboxed;
3. Markwell cold: ``run_notebook`` starting its sandboxed kernel, through the fork server
   (the default launcher) and through a fresh bubblewrap (``*_bwrap``);
4. Markwell warm: ``run_notebook(..., kernels=pool.acquire)`` with a full ``KernelPool``, both
   launchers;
5. nbgrader: ``nbgrader autograde`` of one submission (assert cells), in its own venv;
6. batches of 40, every notebook executed and graded: Markwell with 2 worker threads sharing a
   ``KernelPool(size=2)`` (fork server: the row the target is judged on; also bubblewrap, and
   cold fork-server starts) against one ``nbgrader autograde`` (its normal sequential batch;
   also two ``autograde`` processes on half the students each).

Single-notebook rows run interleaved, round by round, in a rotating order, each only once the
pool is full and idle; batches alternate too. Figures are medians. CPU seconds count every
process the benchmark starts (sandboxed kernels included) through a cpuacct control group of
its own when it can make one, else ``getrusage`` (which misses sandboxed kernels killed with
their sandbox). Results go to ``bench/results.json``; the table is printed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# One BLAS thread everywhere, as inside Markwell's sandbox: the comparison is of the engines.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / ".work"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import workload  # noqa: E402

from graders import KernelPool, Limits, SandboxConfig, run_notebook  # noqa: E402
from graders.kernel.launch import start_kernel  # noqa: E402

TARGETS = {
    "warm_vs_plain": 0.5,  # Markwell warm <= 0.5x plain nbclient
    "cold_vs_plain": 1.2,  # Markwell cold <= 1.2x plain nbclient
    "batch_throughput_vs_nbgrader": 5.0,  # 40-notebook batch >= 5x nbgrader's throughput
}


# -- CPU accounting -------------------------------------------------------------------------


class CpuClock:
    """CPU seconds used by this process and everything it starts.

    With cgroup v1's cpuacct, the benchmark moves itself into a group of its own: every
    descendant is counted there, however it ends. Otherwise ``getrusage`` (self + reaped
    children).
    """

    def __init__(self) -> None:
        self.method = "getrusage(RUSAGE_SELF) + getrusage(RUSAGE_CHILDREN)"
        self._group: Path | None = None
        self._home: Path | None = None
        root = Path("/sys/fs/cgroup/cpuacct")
        if not (root / "cpuacct.usage").exists():
            return
        own = "/"
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(","):
                own = path
        home = root / own.lstrip("/")
        group = home / f"markwell-bench-{os.getpid()}"
        try:
            group.mkdir()
            (group / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            with contextlib.suppress(OSError):
                group.rmdir()
            return
        self._group, self._home = group, home
        self.method = "cgroup v1 cpuacct.usage of a group holding the benchmark"

    def now(self) -> float:
        if self._group is not None:
            return int((self._group / "cpuacct.usage").read_text()) / 1e9
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def close(self) -> None:
        if self._group is None or self._home is None:
            return
        with contextlib.suppress(OSError):
            (self._home / "cgroup.procs").write_text(str(os.getpid()))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                self._group.rmdir()
                break
            except OSError:
                time.sleep(0.1)
        self._group = None


CPU: CpuClock


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measure(fn: Callable[[], Any], after: Callable[[], None] | None = None) -> dict[str, Any]:
    """Wall seconds of ``fn``; CPU seconds of ``fn`` and of ``after`` (e.g. a pool refill)."""
    cpu0 = CPU.now()
    t0 = time.perf_counter()
    value = fn()
    wall = time.perf_counter() - t0
    if after is not None:
        after()
    return {"wall": wall, "cpu": CPU.now() - cpu0, "value": value}


# -- the single-notebook runs ---------------------------------------------------------------


def run_nbclient(nb: nbformat.NotebookNode) -> None:
    client = NotebookClient(nb, kernel_name="python3", timeout=60)
    client.execute(stderr=subprocess.DEVNULL)  # ipykernel's TCP warning, once per kernel


class Markwell:
    def __init__(self, pool_size: int, launcher: str) -> None:
        self.limits = Limits()
        self.config = SandboxConfig(launcher=launcher)  # type: ignore[arg-type]
        self.pool = KernelPool(pool_size, self.limits, self.config)

    def run(
        self, notebook: Any, kernels: Callable[[], Any] | None = None, grade: bool = False
    ) -> dict[str, Any]:
        with run_notebook(notebook, self.limits, self.config, kernels=kernels) as session:
            points = workload.markwell_checks(session) if grade else None
        bad = [c for c in session.report.cells if c.status != "ok"]
        if bad:
            raise RuntimeError(f"Markwell reported {bad}")
        if grade and points != 6:
            raise RuntimeError(f"Markwell graded {points}/6")
        return {"points": points}

    def kernel_start(self) -> None:
        start_kernel(self.limits, self.config).close()

    def close(self) -> None:
        self.pool.close()


def wait_full(pools: list[KernelPool], settle: float = 0.2) -> None:
    """Until every pool holds its kernels (so nothing is starting), then ``settle`` more."""
    deadline = time.monotonic() + 60
    while any(p.ready_count() < p.size for p in pools) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(settle)


# -- nbgrader -------------------------------------------------------------------------------


class Nbgrader:
    """An nbgrader course (source, release, gradebook) prepared once, copied per batch."""

    def __init__(self, venv: Path, work: Path) -> None:
        self.venv = venv
        self.work = work
        self.logs = work / "logs"
        self.template = work / "template"
        self.env = dict(os.environ, PATH=f"{venv}/bin:{os.environ.get('PATH', '')}")
        self.env.pop("VIRTUAL_ENV", None)
        self.env.pop("PYTHONPATH", None)
        self._released: nbformat.NotebookNode | None = None
        self._count = 0

    def nbgrader(self, course: Path, *args: str) -> None:
        self._count += 1
        log = self.logs / f"{self._count:03d}-{args[0]}.log"
        with log.open("wb") as out:
            proc = subprocess.run(
                [str(self.venv / "bin" / "nbgrader"), *args],
                cwd=course,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=False,
            )
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed; see {log}")

    def prepare(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.logs.mkdir(parents=True)
        (self.template / "source" / "ps1").mkdir(parents=True)
        (self.template / "nbgrader_config.py").write_text(
            'c = get_config()\nc.CourseDirectory.course_id = "bench"\n'
        )
        nbformat.write(workload.nbgrader_source(), self.template / "source/ps1/ps1.ipynb")
        self.nbgrader(self.template, "generate_assignment", "ps1", "--force")
        self._released = nbformat.read(self.template / "release/ps1/ps1.ipynb", as_version=4)

    def course(self, name: str, students: list[str]) -> Path:
        """A copy of the template course with one submission per student."""
        assert self._released is not None
        course = self.work / name
        shutil.copytree(self.template, course)
        for student in students:
            path = course / "submitted" / student / "ps1" / "ps1.ipynb"
            path.parent.mkdir(parents=True)
            nbformat.write(workload.nbgrader_submission(self._released, student), path)
        return course

    def autograde(self, course: Path, *selection: str) -> None:
        self.nbgrader(course, "autograde", "ps1", *selection)

    def check_scores(self, course: Path, students: list[str]) -> None:
        """Every student must have 6/6 in the gradebook (not timed)."""
        query = """
            SELECT sa.student_id, SUM(COALESCE(g.manual_score, g.auto_score, 0))
            FROM grade g
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
            GROUP BY sa.student_id
        """
        with contextlib.closing(sqlite3.connect(course / "gradebook.db")) as db:
            scores = dict(db.execute(query).fetchall())
        wrong = {s: scores.get(s) for s in students if scores.get(s) != 6.0}
        if wrong:
            raise RuntimeError(f"nbgrader scores not 6/6: {wrong}")

    def versions(self) -> dict[str, str]:
        code = (
            "import importlib.metadata as m, json, sys; print(json.dumps(dict("
            "{n: m.version(n) for n in ('nbgrader', 'nbclient', 'nbconvert', 'ipykernel',"
            " 'jupyter_client', 'numpy')}, python=sys.version.split()[0])))"
        )
        out = subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
        )
        return json.loads(out.stdout)


# -- batches --------------------------------------------------------------------------------


def markwell_batch(mw: Markwell, paths: list[Path], workers: int, pool: KernelPool | None) -> None:
    """Grade every notebook (execute + the checks), ``workers`` threads at a time, taking
    kernels from ``pool`` (shared by the workers) or, without one, starting each cold."""

    def one(path: Path) -> None:
        mw.run(path, kernels=pool.acquire if pool else None, grade=True)

    with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="grader") as ex:
        for future in [ex.submit(one, p) for p in paths]:
            future.result()


def nbgrader_parallel(ng: Nbgrader, course: Path, globs: list[str]) -> None:
    errors: list[BaseException] = []

    def one(glob: str) -> None:
        try:
            ng.autograde(course, "--student", glob)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(g,)) for g in globs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


# -- statistics and report ------------------------------------------------------------------


def summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [s["wall"] for s in samples]
    cpus = [s["cpu"] for s in samples]
    return {
        "n": len(samples),
        "wall_median": statistics.median(walls),
        "wall_min": min(walls),
        "wall_max": max(walls),
        "cpu_median": statistics.median(cpus),
        "wall": [round(w, 4) for w in walls],
        "cpu": [round(c, 4) for c in cpus],
    }


def paired_ratio(rounds: list[dict[str, Any]], a: str, b: str) -> float:
    return statistics.median(r[a]["wall"] / r[b]["wall"] for r in rounds if a in r and b in r)


def machine(ng: Nbgrader | None) -> dict[str, Any]:
    def version(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    bwrap = subprocess.run(["bwrap", "--version"], capture_output=True, text=True).stdout
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "bubblewrap": bwrap.split()[-1] if bwrap else "-",
        "markwell_venv": {
            n: version(n) for n in ("nbclient", "ipykernel", "jupyter_client", "numpy", "pyzmq")
        },
        "cpu_accounting": CPU.method,
    }
    if ng is not None:
        info["nbgrader_venv"] = ng.versions()
    return info


def fmt(x: float) -> str:
    return f"{x:.3f}"


def main() -> int:
    global CPU
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, batches of 10, once")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved single-notebook rounds")
    parser.add_argument("--batch", type=int, default=40, help="notebooks per batch")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each batch")
    parser.add_argument("--workers", type=int, default=2, help="Markwell batch worker threads")
    parser.add_argument(
        "--nbgrader-venv", type=Path, default=WORK / "nbgrader-venv", help="nbgrader's venv"
    )
    parser.add_argument("--no-nbgrader", action="store_true", help="skip every nbgrader row")
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batch, args.reps = 3, 10, 1
    if os.geteuid() != 0:
        print("bench_runtime: Markwell's sandbox needs root", file=sys.stderr)
        return 2

    CPU = CpuClock()
    started = time.monotonic()
    busy0, own0 = machine_busy_seconds(), CPU.now()
    ng: Nbgrader | None = None
    if not args.no_nbgrader:
        if not (args.nbgrader_venv / "bin" / "nbgrader").exists():
            print(f"bench_runtime: no nbgrader in {args.nbgrader_venv}; run bench/run.sh")
            return 2
        ng = Nbgrader(args.nbgrader_venv.resolve(), WORK / "nbgrader")
    info = machine(ng)
    print(f"machine: {json.dumps(info)}", flush=True)

    student = workload.student_notebook()
    one_cell = workload.one_cell_notebook()
    fresh = lambda nb: nbformat.from_dict(json.loads(json.dumps(nb)))  # noqa: E731

    mw = Markwell(pool_size=2, launcher="fork")
    mwb = Markwell(pool_size=2, launcher="bwrap")
    both = lambda settle=0.2: wait_full([mw.pool, mwb.pool], settle)  # noqa: E731
    try:
        # Warm-up, not recorded: first imports, the fork server, the seccomp filter, page cache.
        run_nbclient(fresh(one_cell))
        for m in (mw, mwb):
            m.run(fresh(student))
            both()
            m.run(fresh(student), kernels=m.pool.acquire)
        single_students: list[str] = []
        if ng is not None:
            print("preparing nbgrader's course (generate_assignment)...", flush=True)
            ng.prepare()
            single_students = [f"r{i:02d}" for i in range(args.rounds)]
            singles = ng.course("singles", single_students)

        kinds: dict[str, Callable[[int], dict[str, Any]]] = {
            "floor": lambda i: measure(lambda: run_nbclient(fresh(one_cell))),
            "plain_nbclient": lambda i: measure(lambda: run_nbclient(fresh(student))),
            "markwell_cold": lambda i: measure(lambda: mw.run(fresh(student))),
            "markwell_warm": lambda i: measure(
                lambda: mw.run(fresh(student), kernels=mw.pool.acquire), after=both
            ),
            "markwell_warm_graded": lambda i: measure(
                lambda: mw.run(fresh(student), kernels=mw.pool.acquire, grade=True),
                after=both,
            ),
            "sandboxed_kernel_start": lambda i: measure(mw.kernel_start),
            "markwell_cold_bwrap": lambda i: measure(lambda: mwb.run(fresh(student))),
            "markwell_warm_bwrap": lambda i: measure(
                lambda: mwb.run(fresh(student), kernels=mwb.pool.acquire), after=both
            ),
            "sandboxed_kernel_start_bwrap": lambda i: measure(mwb.kernel_start),
        }
        if ng is not None:
            kinds["nbgrader_one"] = lambda i: measure(
                lambda: ng.autograde(singles, "--student", single_students[i])
            )
        names = list(kinds)
        rounds: list[dict[str, Any]] = []
        for i in range(args.rounds):
            order = names[i % len(names) :] + names[: i % len(names)]
            result: dict[str, Any] = {}
            for name in order:
                both()
                result[name] = kinds[name](i)
            rounds.append(result)
            walls = "  ".join(f"{n}={fmt(result[n]['wall'])}" for n in names)
            print(f"round {i + 1}/{args.rounds}: {walls}", flush=True)
        if ng is not None:
            ng.check_scores(singles, single_students)

        # -- batches ------------------------------------------------------------------------
        batch_runs: dict[str, list[dict[str, Any]]] = {}
        mw_dir = WORK / "markwell-batch"
        shutil.rmtree(mw_dir, ignore_errors=True)
        mw_dir.mkdir(parents=True)
        paths = []
        for k in range(args.batch):
            path = mw_dir / f"s{k:02d}.ipynb"
            nbformat.write(workload.student_notebook(f"s{k:02d}"), path)
            paths.append(path)
        for rep in range(args.reps):
            plan: list[tuple[str, Callable[[], dict[str, Any]]]] = []
            if ng is not None:
                students = [f"s{k:02d}" for k in range(args.batch)]
                course = ng.course(f"batch-{rep}", students)
                plan.append(("nbgrader_batch", lambda c=course: measure(lambda: ng.autograde(c))))
                halves = [f"p{k % 2}_{k:02d}" for k in range(args.batch)]
                pcourse = ng.course(f"batch-par-{rep}", halves)
                plan.append(
                    (
                        "nbgrader_batch_2proc",
                        lambda c=pcourse: measure(
                            lambda: nbgrader_parallel(ng, c, ["p0_*", "p1_*"])
                        ),
                    )
                )
            plan.append(
                (
                    "markwell_batch_pool",
                    lambda: measure(
                        lambda: markwell_batch(mw, paths, args.workers, mw.pool),
                        after=both,
                    ),
                )
            )
            plan.append(
                (
                    "markwell_batch_pool_bwrap",
                    lambda: measure(
                        lambda: markwell_batch(mwb, paths, args.workers, mwb.pool),
                        after=both,
                    ),
                )
            )
            plan.append(
                (
                    "markwell_batch_cold",
                    lambda: measure(lambda: markwell_batch(mw, paths, args.workers, None)),
                )
            )
            if rep % 2:
                plan.reverse()
            for name, fn in plan:
                both(1.0)
                sample = fn()
                batch_runs.setdefault(name, []).append(sample)
                rate = args.batch / sample["wall"] * 60
                print(
                    f"batch {rep + 1}/{args.reps} {name}: {fmt(sample['wall'])} s, "
                    f"{rate:.1f} notebooks/min, {fmt(sample['cpu'] / args.batch)} CPU s/notebook",
                    flush=True,
                )
            if ng is not None:
                ng.check_scores(course, students)
                ng.check_scores(pcourse, halves)
    finally:
        mw.close()
        mwb.close()

    # -- report -----------------------------------------------------------------------------
    elapsed = time.monotonic() - started
    others = machine_busy_seconds() - busy0 - (CPU.now() - own0)
    info["other_processes_cores_busy"] = round(max(0.0, others) / elapsed, 2)
    info["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3]
    singles_summary = {n: summary([r[n] for r in rounds]) for n in names}
    batches = {}
    for name, samples in batch_runs.items():
        s = summary(samples)
        s["notebooks"] = args.batch
        s["per_minute"] = args.batch / s["wall_median"] * 60
        s["cpu_per_notebook"] = s["cpu_median"] / args.batch
        batches[name] = s
    plain = singles_summary["plain_nbclient"]["wall_median"]
    ratios = {
        "warm_vs_plain": singles_summary["markwell_warm"]["wall_median"] / plain,
        "warm_vs_plain_paired": paired_ratio(rounds, "markwell_warm", "plain_nbclient"),
        "cold_vs_plain": singles_summary["markwell_cold"]["wall_median"] / plain,
        "cold_vs_plain_paired": paired_ratio(rounds, "markwell_cold", "plain_nbclient"),
        "plain_vs_floor": plain / singles_summary["floor"]["wall_median"],
        "warm_bwrap_vs_plain": singles_summary["markwell_warm_bwrap"]["wall_median"] / plain,
        "cold_bwrap_vs_plain": singles_summary["markwell_cold_bwrap"]["wall_median"] / plain,
    }
    if ng is not None:
        ratios["nbgrader_one_vs_warm_graded"] = (
            singles_summary["nbgrader_one"]["wall_median"]
            / singles_summary["markwell_warm_graded"]["wall_median"]
        )
        nbg = batches["nbgrader_batch"]["per_minute"]
        ratios["batch_throughput_vs_nbgrader"] = batches["markwell_batch_pool"]["per_minute"] / nbg
        ratios["batch_cold_throughput_vs_nbgrader"] = (
            batches["markwell_batch_cold"]["per_minute"] / nbg
        )
        ratios["batch_bwrap_pool_throughput_vs_nbgrader"] = (
            batches["markwell_batch_pool_bwrap"]["per_minute"] / nbg
        )
        ratios["batch_throughput_vs_nbgrader_2proc"] = (
            batches["markwell_batch_pool"]["per_minute"]
            / batches["nbgrader_batch_2proc"]["per_minute"]
        )
        paired = [
            a["wall"] / b["wall"]
            for a, b in zip(
                batch_runs["nbgrader_batch"], batch_runs["markwell_batch_pool"], strict=True
            )
        ]
        ratios["batch_throughput_vs_nbgrader_paired"] = statistics.median(paired)
    one = singles_summary
    derived = {
        "markwell_cold_cpu_minus_kernel_start": one["markwell_cold"]["cpu_median"]
        - one["sandboxed_kernel_start"]["cpu_median"],
        "markwell_cold_wall_minus_kernel_start": one["markwell_cold"]["wall_median"]
        - one["sandboxed_kernel_start"]["wall_median"],
        "plain_wall_minus_floor": plain - one["floor"]["wall_median"],
    }
    if ng is not None and args.batch > 1:
        derived["nbgrader_marginal_wall_per_notebook"] = (
            batches["nbgrader_batch"]["wall_median"] - one["nbgrader_one"]["wall_median"]
        ) / (args.batch - 1)
        derived["nbgrader_fixed_wall"] = (
            one["nbgrader_one"]["wall_median"] - derived["nbgrader_marginal_wall_per_notebook"]
        )
    targets = {}
    for key, bound in TARGETS.items():
        if key not in ratios:
            continue
        value = ratios[key]
        met = value >= bound if key.startswith("batch") else value <= bound
        targets[key] = {"value": round(value, 3), "target": bound, "met": met}

    results = {
        "machine": info,
        "settings": {
            "rounds": args.rounds,
            "batch": args.batch,
            "reps": args.reps,
            "workers": args.workers,
            "pool_size": 2,
            "quick": args.quick,
        },
        "single": singles_summary,
        "batches": batches,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
        "derived_seconds": {k: round(v, 3) for k, v in derived.items()},
        "targets": targets,
        "seconds": round(elapsed, 1),
    }
    args.out.write_text(json.dumps(results, indent=2) + "\n")

    print()
    print(f"One notebook, median of {args.rounds} interleaved rounds (seconds):")
    print()
    print("| row | wall median | wall min..max | CPU s (median) |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        s = singles_summary[name]
        span = f"{fmt(s['wall_min'])}..{fmt(s['wall_max'])}"
        print(f"| {name} | {fmt(s['wall_median'])} | {span} | {fmt(s['cpu_median'])} |")
    print()
    print(f"Batches of {args.batch}, median of {args.reps}:")
    print()
    print("| row | wall s | notebooks/min | CPU s per notebook |")
    print("| --- | ---: | ---: | ---: |")
    for name, s in batches.items():
        print(
            f"| {name} | {s['wall_median']:.2f} | {s['per_minute']:.1f} "
            f"| {fmt(s['cpu_per_notebook'])} |"
        )
    print()
    for key, value in ratios.items():
        print(f"{key}: {value:.3f}")
    for key, value in derived.items():
        print(f"{key}: {value:.3f} s")
    for key, t in targets.items():
        sign = ">=" if key.startswith("batch") else "<="
        verdict = "met" if t["met"] else "NOT met"
        print(f"target {key} {sign} {t['target']}: {t['value']} -> {verdict}")
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
        with contextlib.suppress(NameError):
            CPU.close()
