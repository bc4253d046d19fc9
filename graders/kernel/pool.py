"""A small pool of warm, single-use sandboxed kernels.

Kernel start (interpreter, ipykernel and NumPy imports) costs more than a typical student
notebook; the pool pays it ahead of time so a grading run never waits for it. A kernel leaves
the pool once and is never returned: no kernel ever sees two submissions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time

from graders.errors import KernelStartError
from graders.kernel.launch import SandboxedKernel, start_kernel
from graders.limits import Limits
from graders.sandbox.sandbox import SandboxConfig

log = logging.getLogger(__name__)


class KernelPool:
    """Keeps ``size`` started kernels ready; :meth:`acquire` hands one out and starts another.

    Kernels are started by ``starters`` long-lived threads (one per core by default, at most
    ``size``), so a pool drained by several workers refills in parallel. Long-lived, because
    bubblewrap's ``--die-with-parent`` follows the thread that started it: a short-lived
    thread would take its kernels along.
    """

    def __init__(
        self,
        size: int,
        limits: Limits,
        config: SandboxConfig,
        max_age_seconds: float = 600.0,
        starters: int | None = None,
    ) -> None:
        self.size = size
        self.limits = limits
        self.config = config
        self.max_age_seconds = max_age_seconds
        self._ready: queue.Queue[SandboxedKernel] = queue.Queue()
        self._wanted = threading.Semaphore(size)
        self._stopping = threading.Event()
        count = max(1, min(size, starters or os.cpu_count() or 1))
        self._threads = [
            threading.Thread(target=self._fill, name=f"markwell-kernel-pool-{i}", daemon=True)
            for i in range(count)
        ]
        for thread in self._threads:
            thread.start()

    def acquire(self, timeout: float = 60.0) -> SandboxedKernel:
        """Take a warm kernel (waiting for one if the pool is empty)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                kernel = self._ready.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise KernelStartError(f"no warm kernel became ready in {timeout:g} s") from None
            self._wanted.release()
            if kernel.alive() and time.monotonic() - kernel.started_at < self.max_age_seconds:
                return kernel
            kernel.close()

    def ready_count(self) -> int:
        return self._ready.qsize()

    def close(self) -> None:
        """Stop refilling and shut every idle kernel down."""
        self._stopping.set()
        for _ in self._threads:
            self._wanted.release()
        for thread in self._threads:
            thread.join(timeout=30)
        while True:
            try:
                self._ready.get_nowait().close()
            except queue.Empty:
                break

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _fill(self) -> None:
        while True:
            self._wanted.acquire()
            if self._stopping.is_set():
                return
            try:
                kernel = start_kernel(self.limits, self.config)
            except Exception:
                log.exception("could not start a pooled kernel; retrying in 1 s")
                self._wanted.release()
                if self._stopping.wait(1.0):
                    return
                continue
            if self._stopping.is_set():
                kernel.close()
                self._wanted.release()  # another starter may still be waiting
                return
            self._ready.put(kernel)
            with contextlib.suppress(Exception):
                log.debug("pool: %d kernel(s) ready", self._ready.qsize())
