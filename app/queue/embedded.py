"""The embedded worker pool: grading processes started by ``markwell serve``, no broker.

Each worker is a process of its own (the judge's trusted code is CPU-bound Python: threads
would share one interpreter lock, and a process that dies takes only its own run with it). A
worker claims the next fair run from the database, grades it with a warm sandboxed kernel,
records it, and repeats; a heartbeat thread tells the reconciler it is alive.

Stopping (SIGTERM to the server): workers take no new run, the running gradings get the grace
period to finish, and whatever is still held then is put back in the queue for the next start.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from typing import Any

from sqlalchemy import select

from app.db import Database
from app.models import GradingRun
from app.queue.claim import claim_next, heartbeat, release, requeue_stale
from app.queue.work import grade_run
from app.settings import Settings
from graders import KernelPool, Limits

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
"""How often an idle worker looks for queued runs (an index lookup: cheap)."""


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


class Kernels:
    """Warm kernel pools, one per set of limits (an assignment's limits are fixed at start)."""

    def __init__(self, settings: Settings, size: int = 1) -> None:
        self.settings = settings
        self.size = size
        self.pools: dict[Limits, KernelPool] = {}
        self.lock = threading.Lock()

    def __call__(self, limits: Limits):  # type: ignore[no-untyped-def]
        if self.size <= 0:
            return None
        with self.lock:
            pool = self.pools.get(limits)
            if pool is None:
                pool = KernelPool(self.size, limits, self.settings.sandbox())
                pool.__enter__()
                self.pools[limits] = pool
        return pool.acquire

    def close(self) -> None:
        with self.lock:
            for pool in self.pools.values():
                pool.__exit__(None, None, None)
            self.pools.clear()


def work(settings: Settings, name: str, stop: Event | threading.Event, once: bool = False) -> int:
    """The loop of one worker: claim, grade, record, until ``stop`` (or one run if ``once``).

    Returns how many runs it graded.
    """
    db = Database(settings.database())
    catalog = settings.catalog()
    limits, config = settings.limits(), settings.sandbox()
    kernels = Kernels(settings)
    every = max(0.5, min(5.0, settings.stale_seconds / 4))
    graded = 0
    try:
        while not stop.is_set():
            run_id = claim_next(db, name)
            if run_id is None:
                if once:
                    break
                stop.wait(POLL_SECONDS)
                continue
            with beating(db, run_id, name, every):
                grade_run(db, run_id, name, catalog, limits, config, kernels)
            graded += 1
            if once:
                break
    finally:
        kernels.close()
        db.dispose()
    return graded


def _process_main(settings_json: str, index: int, stop: Event) -> None:
    # The server's signals are for the server: it tells us to stop through ``stop``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.model_validate_json(settings_json)
    work(settings, worker_name(index), stop)


class EmbeddedWorkers:
    """``count`` worker processes and the reconciler, for one ``markwell serve``."""

    def __init__(self, settings: Settings, count: int | None = None) -> None:
        self.settings = settings
        self.count = count if count is not None else settings.worker_count()
        self.context = multiprocessing.get_context("spawn")
        self.stop_event = self.context.Event()
        self.processes: list[Any] = []
        self.reconciler = Reconciler(settings)

    def start(self) -> None:
        payload = self.settings.model_dump_json()
        for index in range(self.count):
            process = self.context.Process(
                target=_process_main,
                args=(payload, index, self.stop_event),
                name=f"markwell-worker-{index}",
                daemon=False,
            )
            process.start()
            self.processes.append(process)
        self.reconciler.start()
        log.info("started %d grading workers", self.count)

    def workers(self) -> int:
        return sum(p.is_alive() for p in self.processes)

    def notify(self, run_id: int) -> None:
        """Nothing to do: idle workers look for queued runs every ``POLL_SECONDS``."""

    def stop(self, grace: float | None = None) -> None:
        """Stop taking work; let running gradings finish within ``grace`` seconds; put what
        is left back in the queue."""
        grace = self.settings.grace_seconds if grace is None else grace
        self.stop_event.set()
        self.reconciler.stop()
        for process in self.processes:
            process.join(timeout=max(0.0, grace))
        stuck = [p for p in self.processes if p.is_alive()]
        for process in stuck:
            process.kill()
            process.join()
        if stuck:
            db = Database(self.settings.database())
            try:
                for process in stuck:
                    index = process.name.rsplit("-", 1)[1]
                    name = f"{socket.gethostname()}:{process.pid}:{index}"
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
        self.processes.clear()


class Reconciler:
    """Queues again the runs whose worker died (a heartbeat gone stale), every few seconds."""

    def __init__(self, settings: Settings, on_requeued: Any = None) -> None:
        self.settings = settings
        self.on_requeued = on_requeued
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def sweep(self, db: Database) -> list[int]:
        again = requeue_stale(db, self.settings.stale_seconds, self.settings.max_grading_attempts)
        if again:
            log.warning("queued again runs whose worker stopped reporting: %s", again)
            if self.on_requeued is not None:
                self.on_requeued(again)
        return again

    def start(self) -> None:
        def loop() -> None:
            db = Database(self.settings.database())
            every = max(0.5, min(10.0, self.settings.stale_seconds / 3))
            try:
                while not self.done.wait(every):
                    try:
                        self.sweep(db)
                    except Exception:
                        log.warning("reconciling failed", exc_info=True)
            finally:
                db.dispose()

        self.thread = threading.Thread(target=loop, name="reconciler", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
