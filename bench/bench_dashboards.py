"""Server time and response size of the instructors' dashboards on a 500-student course:
the course overview, an assignment's dashboard and the gradebook export.

    .venv/bin/python bench/bench_dashboards.py --url sqlite:////tmp/course.db [--load]
    .venv/bin/python bench/bench_dashboards.py --load \
        --url postgresql+psycopg://postgres@127.0.0.1/test_dash

``--load`` fills the database first (``load_course.py``: it is emptied). Each operation is
timed ``--calls`` times (after ``--warmup`` untimed calls), in turn, two ways:

- ``service``: the service function itself on a read session (what the route calls);
- ``http``: a GET through the whole app (auth, routing, validation, JSON) with Starlette's
  TestClient, so the time is the server's, with no network between.

Printed: p50 and p95 in milliseconds, and the bytes of each response, raw and gzipped (what
a proxy compressing responses sends). Targets: p50 <= 100 ms, <= 300 KB compressed. Writes
``bench/results_dashboards_<database>.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fastapi.testclient import TestClient  # noqa: E402
from load_course import COURSE, INSTRUCTOR, load  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.auth import issue  # noqa: E402
from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Course, CourseAssignment, User  # noqa: E402
from app.services import dashboard, gradebook  # noqa: E402
from app.settings import Settings  # noqa: E402

ASSIGNMENT = "rnn-numpy"
TARGET_MS = 100.0
TARGET_BYTES = 300_000


class IdleQueue:
    """A queue that grades nothing: the benchmark only reads."""

    def start(self) -> None: ...

    def stop(self, grace: float | None = None) -> None: ...

    def notify(self, run_id: int) -> None: ...

    def workers(self) -> int:
        return 1


def percentiles(samples: list[tuple[float, float]]) -> dict[str, float]:
    """p50, p95 and min of the wall times, and the p50 of this process's CPU time."""
    ordered = sorted(wall for wall, _ in samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * p95, 2),
        "min_ms": round(1000 * ordered[0], 2),
        "cpu_p50_ms": round(1000 * statistics.median(cpu for _, cpu in samples), 2),
    }


def timed(call: Callable[[], Any], calls: int, warmup: int) -> list[tuple[float, float]]:
    """``(wall, cpu)`` seconds of each call. The CPU time is this process's: on SQLite all of
    the work (the database runs in the process), on PostgreSQL all but the server's."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(calls):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        samples.append((time.perf_counter() - wall, time.process_time() - cpu))
    return samples


def token_for(db: Database) -> str:
    """A fresh token of the course's instructor (the loader's is not kept)."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.name == INSTRUCTOR))
        assert user is not None, "no instructor: run with --load"
        return issue(session, user)


def run(url: str, calls: int, warmup: int) -> dict[str, Any]:
    db = Database(url)
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == COURSE))
        assert course is not None, "no course: run with --load"
        target = session.scalar(
            select(CourseAssignment).where(
                CourseAssignment.course_id == course.id, CourseAssignment.assignment == ASSIGNMENT
            )
        )
        assert target is not None
        services: dict[str, Callable[[], Any]] = {
            "overview": lambda: dashboard.course_overview(session, course),
            "dashboard": lambda: dashboard.assignment_dashboard(session, target),
            "gradebook": lambda: gradebook.gradebook_csv(session, course),
        }
        service = {name: percentiles(timed(f, calls, warmup)) for name, f in services.items()}
    headers = {"Authorization": f"Bearer {token_for(db)}"}
    db.dispose()
    paths = {
        "overview": f"/api/v1/courses/{COURSE}/overview",
        "dashboard": f"/api/v1/courses/{COURSE}/assignments/{ASSIGNMENT}/dashboard",
        "gradebook": f"/api/v1/courses/{COURSE}/gradebook.csv",
    }
    http: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(database_url=url, data_dir=Path(data), workers=0)
        with TestClient(create_app(settings, queue=IdleQueue())) as client:
            for name, path in paths.items():
                response = client.get(path, headers=headers)
                assert response.status_code == 200, response.text
                body = response.content

                def call(path: str = path) -> None:
                    assert client.get(path, headers=headers).status_code == 200

                http[name] = {
                    **percentiles(timed(call, calls, warmup)),
                    "bytes": len(body),
                    "gzip_bytes": len(gzip.compress(body, 6)),
                }
    return {"service": service, "http": http}


def report(figures: dict[str, Any]) -> bool:
    """Print the table; whether every target is met."""
    met = True
    head = f"{'operation':10s} {'way':8s} {'p50 ms':>8s} {'p95 ms':>8s} {'cpu p50':>8s}"
    print(f"{head} {'bytes':>9s} {'gzip':>8s}")
    for way in ("service", "http"):
        for name, row in figures[way].items():
            size = f"{row['bytes']:9d} {row['gzip_bytes']:8d}" if "bytes" in row else ""
            times = f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['cpu_p50_ms']:8.1f}"
            print(f"{name:10s} {way:8s} {times} {size}")
            met &= row["p50_ms"] <= TARGET_MS and row.get("gzip_bytes", 0) <= TARGET_BYTES
    print("targets met" if met else "a target is missed")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--load", action="store_true", help="empty and fill the database first")
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    loaded = load(args.url, args.students, 3.0, 2026) if args.load else None
    if loaded is not None:
        loaded.pop("token")
        print(f"loaded: {loaded}")
    before = os.getloadavg()
    figures = run(args.url, args.calls, args.warmup)
    met = report(figures)
    # Others' work on the machine slows wall times (not CPU times): the load says how much.
    load_average = {"before": before[0], "after": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"load average: {load_average}")
    backend = make_url(args.url).get_backend_name()
    out = ROOT / "bench" / f"results_dashboards_{backend}.json"
    out.write_text(
        json.dumps(
            {
                "loaded": loaded,
                "calls": args.calls,
                "load_average": load_average,
                **figures,
                "targets_met": met,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
