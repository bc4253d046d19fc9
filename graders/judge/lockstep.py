"""Trusted computations whose calls to the student's functions are answered in the sandbox,
run side by side so that each round of calls costs one round trip to the kernel.

Composing the reference with the student's helpers (``graders.judge.carried``) makes one
call per helper use: ``rnn_forward`` calls the cell once per time step. Run one case after
another, that is a round trip per call; here every computation runs in a thread of its own
that stops at each helper call, and once all of them are stopped (or done) their calls go to
the kernel in one :meth:`~graders.session.NotebookSession.call_batch`. The threads only ever
compute in the trusted process; the session is used from the calling thread alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graders.kernel.calls import Call, CallResult
from graders.session import NotebookSession

__all__ = ["Ask", "Finished", "Stopped", "side_by_side"]

Ask = Callable[[str, tuple[Any, ...]], Any]
"""``ask(name, args)``: the value the student's ``name`` returns for ``args``, from the sandbox;
raises :class:`Stopped` when there is none (it failed, or the computation must stop)."""


class Stopped(Exception):
    """A computation's call got no usable answer, or it ran out of calls or time."""


@dataclass(frozen=True)
class Finished:
    """How one computation ended: its value if ``ok``, and the functions it asked, in order
    of first use."""

    ok: bool
    value: Any = None
    asked: tuple[str, ...] = ()


@dataclass
class _Job:
    work: Callable[[Ask], Any]
    wake: threading.Event = field(default_factory=threading.Event)
    request: Call | None = None
    answer: Any = None
    stop: bool = False
    done: bool = False
    result: Finished = field(default_factory=lambda: Finished(False))
    asked: list[str] = field(default_factory=list)


def side_by_side(
    session: NotebookSession,
    works: Sequence[Callable[[Ask], Any]],
    seconds: float,
    max_calls: int,
) -> list[Finished]:
    """Run every ``work(ask)`` at once, each helper round in one round trip; a computation
    stops at its first failed call or past ``max_calls`` calls, and all of them once
    ``seconds`` are spent (a round is trimmed to the calls the time left allows, judged by
    the slowest call so far)."""
    lock = threading.Condition()
    jobs = [_Job(work) for work in works]

    def asker(job: _Job) -> Ask:
        def ask(name: str, args: tuple[Any, ...]) -> Any:
            if len(job.asked) >= max_calls:
                raise Stopped
            job.asked.append(name)
            with lock:
                job.wake.clear()
                job.request = (name, args)
                lock.notify_all()
            job.wake.wait()
            if job.stop:
                raise Stopped
            return job.answer

        return ask

    def body(job: _Job) -> None:
        try:
            value = job.work(asker(job))
            job.result = Finished(True, value, tuple(dict.fromkeys(job.asked)))
        except BaseException:  # a reference choking on an odd value, or told to stop
            job.result = Finished(False)
        finally:
            with lock:
                job.done = True
                lock.notify_all()

    threads = [threading.Thread(target=body, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    started, slowest = time.monotonic(), 0.0
    while True:
        with lock:
            lock.wait_for(lambda: all(j.done or j.request is not None for j in jobs))
        waiting = [j for j in jobs if not j.done]
        if not waiting:
            break
        left = seconds - (time.monotonic() - started)
        fits = len(waiting) if slowest <= 0 else int(left / slowest)
        if left <= 0 or fits < 1:
            _answer(waiting, [None] * len(waiting))
            continue
        sent = waiting[:fits]
        results = session.call_batch([j.request for j in sent if j.request is not None])
        slowest = max([slowest, *(r.seconds for r in results if isinstance(r, CallResult))])
        if any(r is None for r in results):  # the kernel died or a call timed out: stop all
            results = [None] * len(results)
            _answer(waiting[fits:], [None] * len(waiting[fits:]))
        _answer(sent, results)
    for thread in threads:
        thread.join()
    return [job.result for job in jobs]


def _answer(jobs: Sequence[_Job], results: Sequence[object]) -> None:
    """Give each waiting job its call's value, or tell it to stop."""
    for job, result in zip(jobs, results, strict=True):
        job.request = None
        if isinstance(result, CallResult):
            job.answer = result.value
        else:
            job.stop = True
        job.wake.set()
