"""The Celery transport: ``markwell worker`` processes on any machine, woken through Redis.

The database stays the queue and the source of truth (``app.queue.claim``); a Celery message
is only a wake-up token. A worker process that receives one claims the next fair queued run
(``claim_next``, so one student's fifty uploads still wait behind the rest of the class), grades
it with a warm sandboxed kernel while heartbeating, and records it only while it still holds
it. A token that finds nothing queued does nothing, so a token delivered twice is harmless.

Nothing is lost when a worker dies:

- tokens are acknowledged late (``acks_late``) and given back when their worker process dies
  (``reject_on_worker_lost``); each process reserves one token at a time (prefetch 1);
- the run a dead worker held goes stale and the API's reconciler queues it again, with a new
  token;
- the reconciler also tops the broker up so there are at least as many waiting tokens as
  queued runs: a token lost with a broker restart, a publish that failed while Redis was
  down, or runs left queued by a stopped service are all picked up again.

Live workers announce themselves in a Redis sorted set (one member per grading process,
scored with its expiry), so ``/readyz`` counts them with one ``ZCOUNT``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task, signals
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.db import Database
from app.models import GradingRun
from app.queue.claim import claim_next, release
from app.queue.embedded import Reconciler, WarmPools, beat_seconds, grade_held, worker_name
from app.queue.lifeline import die_with_parent
from app.queue.presence import WORKERS_KEY, Presence, redis_client
from app.settings import Settings
from graders import Catalog, Limits, SandboxConfig

log = logging.getLogger(__name__)

QUEUE = "markwell"
"""The broker queue (a Redis list of that name) the tokens wait in."""
TASK = "markwell.grade"
VISIBILITY_SECONDS = 3600
"""A token a worker took but never acknowledged (the whole worker vanished) is delivered
again after this long; the reconciler has long since queued its run again by then."""


def make_celery(settings: Settings) -> Celery:
    """The Celery app of ``settings``: Redis broker, no result backend, one task."""
    app = Celery("markwell", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_send_task_events=False,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_SECONDS},
        # Publishing happens off the request path and the reconciler makes up for a failed
        # publish, so give up quickly rather than stall behind a broker that is down.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
    )

    @app.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=20)
    def grade(task: Task, run_id: int | None = None) -> str | None:
        return grade_token(settings, task, run_id)

    return app


@dataclass
class _Grader:
    """What one worker process grades with, made in that process (never before the fork)."""

    pid: int
    db: Database
    catalog: Catalog
    limits: Limits
    config: SandboxConfig
    kernels: WarmPools
    every: float

    def close(self) -> None:
        self.kernels.close()
        self.db.dispose()


_grader: _Grader | None = None
_grader_lock = threading.Lock()


def _grader_for(settings: Settings) -> _Grader:
    global _grader
    with _grader_lock:
        if _grader is None or _grader.pid != os.getpid():
            _exit_on_sigterm()
            _grader = _Grader(
                pid=os.getpid(),
                db=Database(settings.database(), durable=False),  # lost: graded again
                catalog=settings.catalog(),
                limits=settings.limits(),
                config=settings.sandbox(),
                kernels=WarmPools(settings),
                every=beat_seconds(settings),
            )
        return _grader


def _exit_on_sigterm() -> None:
    """In a grading process, make SIGTERM (the pool's cold shutdown) end the process at once.

    The pool's own handler raises ``SystemExit`` wherever the process happens to be, which
    in the middle of a notebook's event loop leaves it hanging; exiting outright is clean:
    the sandboxes die with their parent, and the ``markwell worker`` puts the run back in
    the queue when the pool is gone.
    """
    with contextlib.suppress(ValueError):  # not the main thread: not a prefork process
        signal.signal(signal.SIGTERM, lambda *_: os._exit(128 + signal.SIGTERM))


_parent: int | None = None
"""The pid of the ``markwell worker`` whose pool forks the grading processes, recorded
before the fork: a process it forked after its death would otherwise not notice."""


@signals.worker_process_init.connect(weak=False)
def _die_with_worker(**_: Any) -> None:
    # A grading process must not outlive its ``markwell worker`` (SIGKILLed, out of memory):
    # it would keep grading for nobody. Its sandboxes die with it.
    if _parent is not None:
        die_with_parent(_parent, signal.SIGKILL)


@signals.worker_process_shutdown.connect(weak=False)
def _close_grader(**_: Any) -> None:
    global _grader
    with _grader_lock:
        if _grader is not None and _grader.pid == os.getpid():
            _grader.close()
        _grader = None


def process_name() -> str:
    """This grading process's worker name: host, pid, and the pid of the ``markwell worker``
    it belongs to (so that worker can give back what its processes held)."""
    return worker_name(f"celery-{os.getppid()}")


def grade_token(settings: Settings, task: Task | None, run_id: int | None = None) -> str | None:
    """Handle one wake-up token: claim the next fair queued run and grade it.

    ``run_id`` (the run whose queueing sent the token) is only reported: claiming in fair
    order instead keeps one student's burst of uploads from going first. Returns the final
    status of the run graded, or ``None`` when nothing was queued (or the run was lost).
    """
    grader = _grader_for(settings)
    name = process_name()
    try:
        claimed = claim_next(grader.db, name)
    except SQLAlchemyError as exc:
        if task is None:
            raise
        log.warning("token for run %s: cannot claim (%s); retrying", run_id, exc)
        raise task.retry(exc=exc, countdown=2) from exc
    if claimed is None:
        log.info("token for run %s: nothing queued", run_id)
        return None
    return grade_held(
        grader.db,
        settings,
        claimed,
        name,
        grader.catalog,
        grader.limits,
        grader.config,
        grader.kernels,
        grader.every,
    )


class CeleryQueue:
    """The Queue of the API process when workers are ``markwell worker`` processes.

    ``notify`` only hands the run id to a sender thread (the upload route runs on the event
    loop and must not wait for Redis); the reconciler queues again the runs of dead workers,
    sends tokens for them, and tops the broker up to one token per queued run.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.app = make_celery(settings)
        self.redis = redis_client(settings.redis_url)
        self.outbox: queue.Queue[int | None] = queue.Queue()
        self.sender: threading.Thread | None = None
        self.reconciler = Reconciler(settings, on_requeued=self._send_all, on_sweep=self.top_up)

    def start(self) -> None:
        self.sender = threading.Thread(target=self._send_loop, name="token-sender", daemon=True)
        self.sender.start()
        # Its first sweep, at once, sends a token for every queued run that lacks one: what
        # a restart left in the database is graded.
        self.reconciler.start()

    def stop(self, grace: float | None = None) -> None:
        self.reconciler.stop()
        self.outbox.put(None)
        if self.sender is not None:
            self.sender.join(timeout=10)
        self.app.close()
        self.redis.close()

    def notify(self, run_id: int) -> None:
        self.outbox.put(run_id)

    def workers(self) -> int:
        """Grading processes whose presence has not expired (0 if Redis is unreachable)."""
        try:
            return int(self.redis.zcount(WORKERS_KEY, time.time(), "+inf"))
        except redis.RedisError:
            return 0

    def send(self, run_id: int | None) -> None:
        """Publish one token (raises if the broker cannot be reached)."""
        self.app.send_task(TASK, kwargs={"run_id": run_id}, queue=QUEUE)

    def _send_all(self, run_ids: list[int]) -> None:
        for run_id in run_ids:
            self.send(run_id)

    def _send_loop(self) -> None:
        while True:
            run_id = self.outbox.get()
            if run_id is None:
                return
            try:
                self.send(run_id)
            except Exception:
                log.warning(
                    "could not send the token of run %d; the reconciler will", run_id, exc_info=True
                )

    def top_up(self, db: Database) -> int:
        """Send tokens until the broker holds at least one per queued run; returns how many
        were sent. Tokens a worker has reserved but not started are not counted, so this
        may send a few too many: a spare token finds nothing and does nothing."""
        with db.reader() as session:
            queued = session.scalar(
                select(func.count()).select_from(GradingRun).where(GradingRun.status == "queued")
            )
        if not queued:
            return 0
        waiting = int(self.redis.llen(QUEUE)) + self.outbox.qsize()
        missing = int(queued) - waiting
        if missing <= 0:
            return 0
        with db.reader() as session:
            oldest = list(
                session.scalars(
                    select(GradingRun.id)
                    .where(GradingRun.status == "queued")
                    .order_by(GradingRun.fair_rank, GradingRun.queued_at, GradingRun.id)
                    .limit(missing)
                )
            )
        log.info("sending %d tokens for queued runs the broker did not hold", len(oldest))
        self._send_all(oldest)
        return len(oldest)


def run_worker(settings: Settings) -> int:
    """Run a Celery worker in the foreground until SIGTERM; returns its exit code.

    Prefork pool of ``settings.worker_count()`` grading processes, one token each at a time.
    SIGTERM is Celery's warm shutdown: no new token is taken, reserved tokens go back to the
    broker, running gradings finish. Those still running after ``grace_seconds`` are stopped
    (Celery's cold shutdown) and their runs put back in the queue.
    """
    global _parent
    _parent = os.getpid()
    app = make_celery(settings)
    slots = settings.worker_count()
    node = f"markwell.{os.getpid()}@{socket.gethostname()}"
    presence = Presence(settings.redis_url, node, slots)

    def ready(**_: Any) -> None:
        presence.start()

    def shutting_down(how: str = "", **_: Any) -> None:
        presence.stop()
        if how != "Warm":
            return

        def cold_after_grace() -> None:
            time.sleep(settings.grace_seconds)
            log.warning("gradings still running after %gs: stopping them", settings.grace_seconds)
            os.kill(os.getpid(), signal.SIGQUIT)

        threading.Thread(target=cold_after_grace, name="grace", daemon=True).start()

    signals.worker_ready.connect(ready, weak=False)
    signals.worker_shutting_down.connect(shutting_down, weak=False)
    worker = app.Worker(
        hostname=node,
        pool_cls="prefork",
        concurrency=slots,
        loglevel="INFO",
        queues=[QUEUE],
        prefetch_multiplier=1,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        optimization="fair",
    )
    try:
        worker.start()
    finally:
        presence.stop()
        give_back_held(settings, os.getpid())
    return int(worker.exitcode or 0)


def give_back_held(settings: Settings, worker_pid: int) -> list[int]:
    """Put back in the queue the runs the grading processes of the ``markwell worker`` with
    pid ``worker_pid`` on this host still hold (it is exiting; they will not finish them)."""
    db = Database(settings.database())
    try:
        pattern = f"{socket.gethostname()}:%:celery-{worker_pid}"
        with db.reader() as session:
            held = session.execute(
                select(GradingRun.id, GradingRun.worker).where(
                    GradingRun.status == "running", GradingRun.worker.like(pattern)
                )
            ).all()
        for run_id, name in held:
            if name is not None:
                release(db, [run_id], name)
        if held:
            log.info("put %d unfinished runs back in the queue", len(held))
        return [run_id for run_id, _ in held]
    except SQLAlchemyError:
        log.warning("could not put unfinished runs back; the reconciler will", exc_info=True)
        return []
    finally:
        db.dispose()
