"""Markwell's batch as the app grades it: worker processes, each with its own warm pool.

``markwell serve`` grades in one process per core (``app/queue/embedded.py``: the judge is
CPU-bound Python, and threads would share one interpreter lock), each with a warm pool of
``WarmPools``' size (1 kernel). :class:`Workers` starts such processes once, before any
timing; a batch splits the notebooks between them as nbgrader's processes split students.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

APP_POOL_SIZE = 1
"""The warm kernels per worker process and per assignment, as ``WarmPools`` keeps them."""


def _serve(conn: Connection, pool_size: int) -> None:
    import bench_grading as bg  # the parent's sys.path holds bench/ (spawn passes it on)

    mw = bg.Markwell(pool_size)
    try:
        bg.full_pool(mw, 0.5)
        mw.grade_solution(True)  # the judge's trusted code loaded, as in a running worker
        bg.full_pool(mw, 0.5)
        conn.send(("ready", None))
        while True:
            message = conn.recv()
            if message is None:
                return
            kind, payload = message
            try:
                if kind == "grade":
                    out = {name: mw.grade(Path(path), True) for name, path in payload.items()}
                    conn.send(("graded", out))
                else:  # "settle": the pool full, then quiet for ``payload`` seconds
                    bg.full_pool(mw, payload)
                    conn.send(("settled", None))
            except Exception as exc:  # a wrong grade stops the benchmark, in the parent
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        mw.pool.close()


class Workers:
    """``count`` grading processes, each with a warm pool of ``pool_size`` kernels."""

    def __init__(self, count: int, pool_size: int = APP_POOL_SIZE) -> None:
        context = multiprocessing.get_context("spawn")  # the parent has threads: no fork
        self.conns: list[Connection] = []
        self.processes = []
        for _ in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, pool_size), daemon=True)
            process.start()
            self.conns.append(parent)
            self.processes.append(process)
        for conn in self.conns:
            self._expect(conn, "ready")

    def _expect(self, conn: Connection, kind: str) -> Any:
        got, payload = conn.recv()
        if got != kind:
            raise RuntimeError(f"a Markwell worker process: {payload}")
        return payload

    def batch(self, paths: dict[str, Path]) -> dict[str, dict[str, float]]:
        """Grade ``paths``, notebook ``k`` by worker ``k % count``; points per function."""
        shares: list[dict[str, str]] = [{} for _ in self.conns]
        for k, (name, path) in enumerate(paths.items()):
            shares[k % len(shares)][name] = str(path)
        for conn, share in zip(self.conns, shares, strict=True):
            conn.send(("grade", share))
        out: dict[str, dict[str, float]] = {}
        for conn in self.conns:
            out.update(self._expect(conn, "graded"))
        return {name: out[name] for name in paths}

    def settle(self, seconds: float = 0.2) -> None:
        """Wait until every worker's pool is full and has been quiet ``seconds``."""
        for conn in self.conns:
            conn.send(("settle", seconds))
        for conn in self.conns:
            self._expect(conn, "settled")

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                continue
        for process in self.processes:
            process.join(timeout=30)
