"""``markwell serve`` and ``markwell worker`` stop, however they are stopped, and take every
grading process (and its sandboxes) with them.

SIGTERM to the whole process group (what systemd's control-group stop does) reaches the
server and its grading processes at once; SIGKILL to the server alone leaves its grading
processes parentless. Either way none may be left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.main import create_app
from app.settings import Settings
from tests.service.conftest import People
from tests.service.test_workers import (
    free_port,
    processes,  # noqa: F401  (a fixture)
    redis_url,  # noqa: F401  (a fixture)
    running_run,
    service_env,
    show_log,
    sleeping_solution,
    upload,
    wait_for,
)

pytestmark = pytest.mark.slow

GRACE = 2.0


def _ppid(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] == "Z" else int(fields[1])


def descendants(root: int) -> set[int]:
    """Every live process below ``root``, by walking the parent links in /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (parent := _ppid(entry)) is not None:
            children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (not gone, not zombies)."""
    return {pid for pid in pids if _ppid(str(pid)) is not None}


def start_serve(
    start: Callable[..., subprocess.Popen], settings: Settings, tmp_path: Path, workers: int
) -> tuple[subprocess.Popen, httpx.Client, Path]:
    env = service_env(settings, grace_seconds=GRACE, workers=workers)
    port = free_port()
    log = tmp_path / "serve.log"
    serve = start(["serve", "--port", str(port)], env, log)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10)

    def ready() -> bool:
        try:
            return http.get("/readyz").json().get("workers") == workers
        except httpx.TransportError:
            return False

    wait_for(ready, 90, "markwell serve and its workers")
    return serve, http, log


def grading_in_progress(
    http: httpx.Client, people_: People, db: Database, serve: subprocess.Popen
) -> None:
    """Upload a notebook that sleeps, and wait until a worker grades it in its sandbox."""
    sid = upload(http, people_.auth("alice"), sleeping_solution(60))
    wait_for(lambda: running_run(db, sid), 60, "a worker to take the run")
    # Its kernel is up: the sandbox's processes are among the server's descendants.
    wait_for(lambda: len(descendants(serve.pid)) > 4, 60, "the grading's sandbox")


@pytest.mark.parametrize("grading", [False, True], ids=["idle", "grading"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigterm_to_the_whole_process_group_stops_serve_and_every_worker_within_the_grace(
    settings: Settings,
    people_: People,
    db: Database,
    processes: Callable[..., subprocess.Popen],  # noqa: F811
    tmp_path: Path,
    grading: bool,
):
    serve, http, log = start_serve(processes, settings, tmp_path, workers=2)
    try:
        if grading:
            grading_in_progress(http, people_, db, serve)
        below = descendants(serve.pid)
        assert len(below) >= 2
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=GRACE + 20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"markwell serve did not stop on SIGTERM\n{show_log(log)}")
    finally:
        http.close()
    wait_for(lambda: not alive(below), 10, f"its processes to go: {alive(below)}")


@pytest.mark.parametrize("grading", [False, True], ids=["idle", "grading"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_grading_processes_and_their_sandboxes_die_with_a_killed_serve(
    settings: Settings,
    people_: People,
    db: Database,
    processes: Callable[..., subprocess.Popen],  # noqa: F811
    tmp_path: Path,
    grading: bool,
):
    serve, http, log = start_serve(processes, settings, tmp_path, workers=2)
    try:
        if grading:
            grading_in_progress(http, people_, db, serve)
        below = descendants(serve.pid)
        assert len(below) >= 2
        serve.kill()  # the server alone: its grading processes are orphaned
        serve.wait(timeout=30)
    finally:
        http.close()
    wait_for(lambda: not alive(below), 10, f"its processes to go: {alive(below)}\n{show_log(log)}")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_grading_processes_die_with_a_killed_celery_worker(
    settings: Settings,
    people_: People,
    db: Database,
    redis_url: str,  # noqa: F811
    processes: Callable[..., subprocess.Popen],  # noqa: F811
    tmp_path: Path,
):
    settings = settings.model_copy(update={"queue": "celery", "redis_url": redis_url})
    env = service_env(settings, queue="celery", redis_url=redis_url, workers=2)
    log = tmp_path / "worker.log"
    worker = processes(["worker"], env, log)
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: client.get("/readyz").json()["workers"] == 2, 90, "the Celery worker")
        sid = upload(client, people_.auth("alice"), sleeping_solution(60))
        wait_for(lambda: running_run(db, sid), 60, "a worker to take the run")
        wait_for(lambda: len(descendants(worker.pid)) > 4, 60, "the grading's sandbox")
        below = descendants(worker.pid)
        worker.kill()
        worker.wait(timeout=30)
        wait_for(
            lambda: not alive(below), 10, f"its processes to go: {alive(below)}\n{show_log(log)}"
        )
