"""Quiz benchmark: the latency of taking a 10-question quiz through the HTTP API.

Run with ``.venv/bin/python bench/bench_quiz.py [--rounds N] [--database sqlite|postgresql|both]``
(see bench/README.md, section "Quizzes"). The server is a real ``markwell serve`` subprocess
on a fresh database (SQLite in a temporary data directory, or PostgreSQL in a database of
its own), driven over loopback by httpx with a kept-alive connection. Each round is a whole
attempt at ``rnn-quiz`` (seed 002, ten questions): start it, save the ten answers in one
``PUT``, submit it (graded at once, recorded as a submission); every step is timed, and the
whole. Then a class at once: ``--students`` students, ``--threads`` at a time, each taking
the quiz the same way. Nothing here is a test: no timing is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update  # noqa: E402

from app.db import Database  # noqa: E402
from app.models import CourseAssignment  # noqa: E402
from app.services import people  # noqa: E402
from graders import load_catalog  # noqa: E402

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/markwell_bench_quiz"
"""A database of its own, so a benchmark never meets the tests' tables."""
QUIZ = load_catalog()["rnn-quiz"]
COURSE = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers() -> dict[str, Any]:
    """An answer to each of the quiz's questions, as a student would send them."""
    out: dict[str, Any] = {}
    for i, question in enumerate(QUIZ.questions):
        letters = [chr(ord("a") + k) for k in range(len(question.options))]
        if question.type == "multiple":
            out[question.id] = letters[i % 2 :: 2]
        else:
            out[question.id] = letters[i % len(letters)]
    return out


@dataclass
class Server:
    url: str
    database: str

    def tokens(self, names: list[str]) -> list[str]:
        """Students of the course, each with a token (made as ``markwell users add`` does)."""
        db = Database(self.database)
        try:
            catalog = load_catalog()
            return [people.add_user(db, catalog, name, "student", COURSE).token for name in names]
        finally:
            db.dispose()


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@contextmanager
def serve(database: str) -> Iterator[Server]:
    """``markwell serve`` on a fresh database, one grading worker and no warm kernels (a
    quiz needs neither); stopped on exit."""
    data = Path(tempfile.mkdtemp(prefix="markwell-bench-quiz-"))
    env = {
        **os.environ,
        "MARKWELL_DATA_DIR": str(data),
        "MARKWELL_WORKERS": "1",
        "MARKWELL_POOL_SIZE": "0",
        "MARKWELL_ACCESS_LOG": "false",
    }
    url = f"sqlite:///{(data / 'markwell.db').resolve()}"
    if database == "postgresql":
        env["MARKWELL_DATABASE_URL"] = url = POSTGRES
        if not _psql("SELECT 1 FROM pg_database WHERE datname = 'markwell_bench_quiz'"):
            _psql("CREATE DATABASE markwell_bench_quiz")
        subprocess.run(
            [sys.executable, "-m", "app.cli", "db", "downgrade", "base"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    port = free_port()
    log = open(data / "serve.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                checks = httpx.get(f"{base}/readyz", timeout=2).json().get("checks", {})
                if checks.get("database") == "ok":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"the server did not start:\n{(data / 'serve.log').read_text()}")
            time.sleep(0.3)
        yield Server(base, url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


def unlimited_attempts(database: str) -> None:
    """The quiz allows 3 attempts; a benchmark takes it hundreds of times."""
    db = Database(database)
    try:
        with db.session() as session:
            session.execute(
                update(CourseAssignment)
                .where(CourseAssignment.assignment == QUIZ.id)
                .values(attempt_limit=1_000_000)
            )
    finally:
        db.dispose()


def take_quiz(client: httpx.Client, token: str, given: dict[str, Any]) -> dict[str, float]:
    """One attempt: start, save every answer, submit; the seconds of each step and in all."""
    headers = {"Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    started = client.post(
        f"/api/v1/courses/{COURSE}/assignments/{QUIZ.id}/attempts", headers=headers
    )
    t1 = time.perf_counter()
    assert started.status_code == 201, started.text
    attempt = started.json()["id"]
    saved = client.put(
        f"/api/v1/attempts/{attempt}/answers", json={"answers": given}, headers=headers
    )
    t2 = time.perf_counter()
    assert saved.status_code == 200, saved.text
    done = client.post(f"/api/v1/attempts/{attempt}/submit", headers=headers)
    t3 = time.perf_counter()
    assert done.status_code == 200, done.text
    result = done.json()["result"]
    assert result["status"] == "graded" and len(result["tests"]) == len(QUIZ.questions), result
    return {"start": t1 - t0, "save": t2 - t1, "submit": t3 - t2, "total": t3 - t0}


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max": ordered[-1],
    }


def sequential(server: Server, rounds: int) -> dict[str, Any]:
    """``rounds`` attempts by one student, one after another (after 10 to warm up)."""
    (token,) = server.tokens(["quiz-taker"])
    given = answers()
    steps: dict[str, list[float]] = {"start": [], "save": [], "submit": [], "total": []}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for i in range(rounds + 10):
            timed = take_quiz(client, token, given)
            if i >= 10:
                for name, seconds in timed.items():
                    steps[name].append(seconds)
    return {name: {**percentiles(s), "samples": s} for name, s in steps.items()}


def a_class(server: Server, students: int, threads: int) -> dict[str, Any]:
    """``students`` students taking the quiz at once, ``threads`` at a time."""
    tokens = server.tokens([f"student-{i}" for i in range(students)])
    given = answers()

    def one(token: str) -> dict[str, float]:
        with httpx.Client(base_url=server.url, timeout=120) as client:
            return take_quiz(client, token, given)

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        timed = list(pool.map(one, tokens))
    wall = time.perf_counter() - started
    return {
        "students": students,
        "threads": threads,
        "wall": wall,
        "attempts_per_second": students / wall,
        "total": percentiles([t["total"] for t in timed]),
        "submit": percentiles([t["submit"] for t in timed]),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(database: str, figures: dict[str, Any]) -> None:
    print(f"\n{database}: one student, {len(figures['sequential']['total']['samples'])} attempts")
    print("| step | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    for name in ("start", "save", "submit", "total"):
        row = figures["sequential"][name]
        print(f"| {name} | {ms(row['p50'])} | {ms(row['p95'])} | {ms(row['max'])} |")
    crowd = figures["class"]
    print(
        f"\n{database}: {crowd['students']} students, {crowd['threads']} at a time: "
        f"{crowd['wall']:.2f} s, {crowd['attempts_per_second']:.1f} attempts/s; "
        f"start+save+submit p50 {ms(crowd['total']['p50'])} ms, p95 {ms(crowd['total']['p95'])} "
        f"ms; submit p50 {ms(crowd['submit']['p50'])} ms, p95 {ms(crowd['submit']['p95'])} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200, help="attempts timed one by one")
    parser.add_argument("--students", type=int, default=60, help="the class taking it at once")
    parser.add_argument("--threads", type=int, default=8, help="students at a time")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results_quiz.json")
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results: dict[str, Any] = {
        "machine": {
            "cores": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": os.getloadavg(),
        },
        "quiz": QUIZ.id,
        "questions": len(QUIZ.questions),
    }
    for database in databases:
        with serve(database) as server:
            server.tokens(["warm-up"])  # the course exists, with the quiz
            unlimited_attempts(server.database)
            figures = {
                "sequential": sequential(server, args.rounds),
                "class": a_class(server, args.students, args.threads),
            }
        report(database, figures)
        results[database] = figures
    results["machine"]["load_average_after"] = os.getloadavg()
    args.out.write_text(json.dumps(results, indent=1))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
