"""The embedded worker pool: grading processes started by ``markwell serve``, no broker.

Each worker is a process of its own (the judge's trusted code is CPU-bound Python: threads
would share one interpreter lock, and a process that dies takes only its own run with it). A
worker claims the next fair run from the database, grades it with a warm sandboxed kernel,
records it, and repeats; a heartbeat thread tells the reconciler it is alive.

Stopping (SIGTERM to the server): workers take no new run, the running gradings get the grace
period to finish, and whatever is still held then is put back in the queue for the next start.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.db import Database
from app.models import GradingRun
from app.queue.claim import claim_next, give_back, heartbeat, release, requeue_stale
from app.queue.lifeline import StopFlag, die_with_parent, on_sigterm
from app.queue.work import grade_run
from app.services.results.dispatch import WarmKernels
from app.settings import Settings
from graders import AcquireKernel, Catalog, KernelPool, Limits, SandboxConfig

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""How often an idle worker looks for queued runs (an index lookup: cheap)."""
WATCH_SECONDS = 1.0
"""How often ``markwell serve`` checks that its grading processes are alive."""


def worker_name(index: int | str) -> str:
    """A name unique across machines and restarts: host, process id, index."""
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


@contextmanager
def beating(db: Database, run_id: int, worker: str, every: float) -> Iterator[None]:
    """Report ``worker`` alive on ``run_id`` every ``every`` seconds while the block runs."""
    done = threading.Event()

    def beat() -> None:
        while not done.wait(every):
            try:
                if not heartbeat(db, run_id, worker):
                    return  # the run was given to another worker; its result will be dropped
            except Exception:  # a database hiccup must not kill the grading
                log.warning("heartbeat of run %d failed", run_id, exc_info=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


class WarmPools:
    """Warm kernel pools, one per pair of limits and sandbox settings (both are fixed when a
    kernel starts): called with an assignment's, gives its pool's ``acquire`` (``None``: cold
    starts). A NumPy assignment's kernels never wait behind a PyTorch one's, nor the other way
    round: each pool has its own kernels, and its preloads their own fork server."""

    def __init__(self, settings: Settings, size: int = 1) -> None:
        self.settings = settings
        self.size = size
        self.pools: dict[tuple[Limits, SandboxConfig], KernelPool] = {}
        self.lock = threading.Lock()

    def __call__(self, limits: Limits, config: SandboxConfig) -> AcquireKernel | None:
        if self.size <= 0:
            return None
        with self.lock:
            pool = self.pools.get((limits, config))
            if pool is None:
                pool = KernelPool(self.size, limits, config)
                pool.__enter__()
                self.pools[limits, config] = pool
        return pool.acquire

    def close(self) -> None:
        with self.lock:
            for pool in self.pools.values():
                pool.__exit__(None, None, None)
            self.pools.clear()


class Stop(Protocol):
    """What tells a worker loop to stop: a :class:`StopFlag` or a ``threading.Event``."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


def work(settings: Settings, name: str, stop: Stop, once: bool = False) -> int:
    """The loop of one worker: claim, grade, record, until ``stop`` (or one run if ``once``).

    Returns how many runs it graded. A database that cannot be reached makes the worker wait
    and try again; a grading that fails outside the engine's own error handling gives its run
    back to the queue (the attempt counts) and the worker goes on.
    """
    db = Database(settings.database(), durable=False)  # a lost commit is graded again
    catalog = settings.catalog()
    limits, config = settings.limits(), settings.sandbox()
    kernels = WarmPools(settings)
    every = beat_seconds(settings)
    graded = 0
    backoff = POLL_SECONDS
    try:
        while not stop.is_set():
            try:
                run_id = claim_next(db, name)
            except SQLAlchemyError:
                log.warning("%s: cannot claim work, retrying in %gs", name, backoff, exc_info=True)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = POLL_SECONDS
            if run_id is None:
                if once:
                    break
                stop.wait(POLL_SECONDS)
                continue
            grade_held(db, settings, run_id, name, catalog, limits, config, kernels, every)
            graded += 1
            if once:
                break
    finally:
        kernels.close()
        db.dispose()
    return graded


def beat_seconds(settings: Settings) -> float:
    """How often a grading worker reports alive: a few times per ``stale_seconds``."""
    return max(0.5, min(5.0, settings.stale_seconds / 4))


def grade_held(
    db: Database,
    settings: Settings,
    run_id: int,
    name: str,
    catalog: Catalog,
    limits: Limits,
    config: SandboxConfig,
    kernels: WarmKernels | None,
    every: float,
) -> str | None:
    """Grade run ``run_id``, which ``name`` has claimed, heartbeating meanwhile. An unexpected
    failure gives the run back to the queue (counting the attempt) instead of leaving it held
    until its heartbeat goes stale."""
    try:
        with beating(db, run_id, name, every):
            return grade_run(db, run_id, name, catalog, limits, config, kernels)
    except Exception:
        log.exception("%s: grading run %d failed; giving it back to the queue", name, run_id)
        try:
            give_back(db, name, settings.max_grading_attempts, catalog, [run_id])
        except SQLAlchemyError:
            log.warning("could not give run %d back; the reconciler will", run_id, exc_info=True)
        return None


def _process_main(settings_json: str, index: int, parent: int) -> None:
    # The server's signals are for the server: it tells us to stop with SIGTERM, which only
    # sets a flag (see app.queue.lifeline). A server that dies, even by SIGKILL, takes its
    # grading processes with it: the kernel sends SIGTERM, and an orphan exits at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stop = StopFlag(parent)
    on_sigterm(stop)
    die_with_parent(parent, signal.SIGTERM)
    from app.logs import configure as configure_logs

    configure_logs(logging.INFO)
    settings = Settings.model_validate_json(settings_json)
    work(settings, worker_name(index), stop)
    if stop.orphaned():
        os._exit(1)  # nobody is left to give the run back to the queue: the reconciler will


class EmbeddedWorkers:
    """``count`` worker processes and the reconciler, for one ``markwell serve``.

    A worker process that dies (killed, out of memory) is replaced at once, and the run it
    held goes back to the queue without waiting for its heartbeat to go stale.
    """

    def __init__(self, settings: Settings, count: int | None = None) -> None:
        self.settings = settings
        self.count = count if count is not None else settings.worker_count()
        self.context = multiprocessing.get_context("spawn")
        self.processes: list[Any] = []
        self.reconciler = Reconciler(settings)
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.watcher: threading.Thread | None = None

    def _spawn(self, index: int) -> Any:
        process = self.context.Process(
            target=_process_main,
            args=(self.settings.model_dump_json(), index, os.getpid()),
            name=f"markwell-worker-{index}",
            daemon=False,
        )
        process.start()
        return process

    def start(self) -> None:
        with self.lock:
            self.processes = [self._spawn(index) for index in range(self.count)]
        self.reconciler.start()
        self.watcher = threading.Thread(target=self._watch, name="worker-watch", daemon=True)
        self.watcher.start()
        log.info("started %d grading workers", self.count)

    def _watch(self) -> None:
        db = Database(self.settings.database())
        try:
            while not self.stopping.wait(WATCH_SECONDS):
                with self.lock:
                    if self.stopping.is_set():
                        return
                    for index, process in enumerate(self.processes):
                        if process.is_alive():
                            continue
                        log.warning(
                            "grading worker %s (pid %s) died with exit code %s; replacing it",
                            index,
                            process.pid,
                            process.exitcode,
                        )
                        try:
                            again = give_back(
                                db,
                                _name_of(process),
                                self.settings.max_grading_attempts,
                                self.reconciler.catalog(),
                            )
                            if again:
                                log.warning("queued again the runs it held: %s", again)
                        except Exception:
                            log.warning("could not give back its runs", exc_info=True)
                        self.processes[index] = self._spawn(index)
        finally:
            db.dispose()

    def workers(self) -> int:
        return sum(p.is_alive() for p in self.processes)

    def notify(self, run_id: int) -> None:
        """Nothing to do: idle workers look for queued runs every ``POLL_SECONDS``."""

    def stop(self, grace: float | None = None) -> None:
        """Stop taking work; let running gradings finish within ``grace`` seconds; put what
        is left back in the queue."""
        grace = self.settings.grace_seconds if grace is None else grace
        deadline = time.monotonic() + max(0.0, grace)
        self.stopping.set()
        if self.watcher is not None:
            self.watcher.join(timeout=WATCH_SECONDS * 5)
        self.reconciler.stop()
        with self.lock:
            processes, self.processes = self.processes, []
        for process in processes:
            # A signal, not a shared Event: setting a multiprocessing Event from a signal
            # handler can deadlock its lock, and then this process would wait on it forever.
            with contextlib.suppress(OSError, ValueError):
                process.terminate()
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        stuck = [p for p in processes if p.is_alive()]
        for process in stuck:
            process.kill()
            process.join()
        if stuck:
            db = Database(self.settings.database())
            try:
                for process in stuck:
                    name = _name_of(process)
                    with db.reader() as session:
                        held = list(
                            session.scalars(
                                select(GradingRun.id).where(
                                    GradingRun.worker == name, GradingRun.status == "running"
                                )
                            )
                        )
                    release(db, held, name)
                    log.info("put %d unfinished runs of %s back in the queue", len(held), name)
            finally:
                db.dispose()


def _name_of(process: Any) -> str:
    """The worker name (:func:`worker_name`) the process ``process`` gave itself."""
    index = process.name.rsplit("-", 1)[1]
    return f"{socket.gethostname()}:{process.pid}:{index}"


class Reconciler:
    """Queues again the runs whose worker died (a heartbeat gone stale), every few seconds.

    ``on_requeued`` is given the ids queued again; ``on_sweep`` (if any) runs after each
    sweep with the reconciler's database (the Celery transport tops up its wake-up tokens
    there). The first sweep runs as soon as it starts, so a restart picks up at once what
    a crash left behind.
    """

    def __init__(
        self,
        settings: Settings,
        on_requeued: Callable[[list[int]], None] | None = None,
        on_sweep: Callable[[Database], object] | None = None,
    ) -> None:
        self.settings = settings
        self.on_requeued = on_requeued
        self.on_sweep = on_sweep
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        self._catalog: Catalog | None = None

    def catalog(self) -> Catalog:
        """The settings' catalog, read once (a run given up is out of its maximum score)."""
        if self._catalog is None:
            self._catalog = self.settings.catalog()
        return self._catalog

    def sweep(self, db: Database) -> list[int]:
        """Queue again the runs whose heartbeat went stale; returns their ids."""
        again = requeue_stale(
            db, self.settings.stale_seconds, self.settings.max_grading_attempts, self.catalog()
        )
        if again:
            log.warning("queued again runs whose worker stopped reporting: %s", again)
            if self.on_requeued is not None:
                self.on_requeued(again)
        if self.on_sweep is not None:
            self.on_sweep(db)
        return again

    def start(self) -> None:
        def loop() -> None:
            db = Database(self.settings.database())
            every = max(0.5, min(10.0, self.settings.stale_seconds / 3))
            try:
                while True:
                    try:
                        self.sweep(db)
                    except Exception:
                        log.warning("reconciling failed", exc_info=True)
                    if self.done.wait(every):
                        return
            finally:
                db.dispose()

        self.thread = threading.Thread(target=loop, name="reconciler", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        if self.thread is not None:
            # A sweep stuck on the database must not hold the shutdown: the thread is a daemon.
            self.thread.join(timeout=10.0)
