"""Server time and transfer size of the instructors' HTML pages on a 500-student course
(``load_course.py``), fetched over HTTP with a session cookie as a browser would.

    .venv/bin/python bench/bench_pages.py --url sqlite:////tmp/course.db [--load]
    .venv/bin/python bench/bench_pages.py --load \
        --url postgresql+psycopg://postgres@127.0.0.1/test_pages

The app (``create_app``, a queue that grades nothing) is served by uvicorn on a loopback
port in a thread of this process; an httpx client sends ``Accept-Encoding: gzip`` and the
session cookie. Each page is fetched ``--calls`` times after ``--warmup`` untimed calls, in
turn; the wall time of a GET on loopback is the server's time. Printed per page: p50 and p95
in milliseconds; the page's bytes raw and as sent; and for a first load, the page plus every
stylesheet and script it names under ``/static``, raw and as sent. Targets: p50 <= 100 ms,
<= 300 KB sent on a first load. Writes ``bench/results_pages_<database>.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from bench_dashboards import IdleQueue, token_for  # noqa: E402
from load_course import COURSE, INSTRUCTOR, load  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Enrolment, User  # noqa: E402
from app.services import web_sessions  # noqa: E402
from app.settings import Settings  # noqa: E402

TARGET_MS = 100.0
TARGET_BYTES = 300_000
ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def session_cookie(db: Database) -> tuple[str, str]:
    """A session of the course's instructor, and the name of one of its students."""
    with db.reader() as session:
        teacher = session.scalar(select(User.id).where(User.name == INSTRUCTOR))
        assert teacher is not None, "no instructor: run with --load"
        student = session.scalar(
            select(User.name)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.role == "student")
            .order_by(User.name)
        )
    return web_sessions.start(db, teacher, 12.0), str(student)


def serve(url: str, data: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    settings = Settings(database_url=url, data_dir=data, workers=0)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, queue=IdleQueue()), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def sizes(client: httpx.Client, path: str, **kwargs: Any) -> tuple[int, int]:
    """The body's bytes, and the bytes that came over the wire (compressed, if it was)."""
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return len(response.content), response.num_bytes_downloaded


def measure(
    client: httpx.Client, path: str, calls: int, warmup: int, **kwargs: Any
) -> dict[str, Any]:
    for _ in range(warmup):
        client.get(path, **kwargs)
    walls = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.get(path, **kwargs)
        response.read()
        walls.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    ordered = sorted(walls)
    body = client.get(path, **kwargs)
    raw, sent = len(body.content), body.num_bytes_downloaded
    assets = (
        sorted(set(ASSETS.findall(body.text))) if "html" in body.headers["content-type"] else []
    )
    assets_raw = assets_sent = 0
    for asset in assets:
        a_raw, a_sent = sizes(client, asset)
        assets_raw += a_raw
        assets_sent += a_sent
    return {
        "path": path,
        "p50_ms": round(1000 * statistics.median(ordered), 2),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2),
        "bytes": raw,
        "sent_bytes": sent,
        "gzip_bytes": len(gzip.compress(body.content, 6)),
        "assets": assets,
        "first_load_bytes": raw + assets_raw,
        "first_load_sent_bytes": sent + assets_sent,
    }


def run(url: str, calls: int, warmup: int) -> dict[str, Any]:
    db = Database(url)
    secret, student = session_cookie(db)
    bearer = token_for(db)
    db.dispose()
    base = f"/courses/{COURSE}"
    board = f"{base}/assignments/rnn-numpy"
    pages = {
        "overview": f"{base}/overview",
        "overview-p5": f"{base}/overview?page=5",
        "dashboard": f"{board}/dashboard",
        "dashboard-queue": f"{board}/dashboard/queue",
        "submissions": f"{board}/submissions",
        "student": f"{base}/students/{student}",
    }
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as data:
        server, thread, address = serve(url, Path(data))
        try:
            with httpx.Client(
                base_url=address,
                cookies={"mw_session": secret},
                headers={"Accept-Encoding": "gzip"},
                timeout=60,
            ) as client:
                for name, path in pages.items():
                    figures[name] = measure(client, path, calls, warmup)
                # The gradebook export: its page (when there is one) and the CSV itself.
                if client.get(f"{base}/gradebook").status_code == 200:
                    figures["gradebook-page"] = measure(client, f"{base}/gradebook", calls, warmup)
                auth = {"headers": {"Authorization": f"Bearer {bearer}"}}
                csv = f"/api/v1/courses/{COURSE}/gradebook.csv"
                figures["gradebook-csv"] = measure(client, csv, calls, warmup, **auth)
                wide = csv + "?layout=wide"
                figures["gradebook-wide-csv"] = measure(client, wide, calls, warmup, **auth)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
    return figures


def report(figures: dict[str, Any]) -> bool:
    """Print the table; whether every target is met."""
    met = True
    print(
        f"{'page':20s} {'p50 ms':>8s} {'p95 ms':>8s} {'bytes':>9s} {'sent':>8s}"
        f" {'first load':>11s} {'sent':>8s}"
    )
    for name, row in figures.items():
        print(
            f"{name:20s} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['bytes']:9d}"
            f" {row['sent_bytes']:8d} {row['first_load_bytes']:11d}"
            f" {row['first_load_sent_bytes']:8d}"
        )
        met &= row["p50_ms"] <= TARGET_MS and row["first_load_sent_bytes"] <= TARGET_BYTES
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
    load_average = {"before": before[0], "after": os.getloadavg()[0], "cpus": os.cpu_count()}
    print(f"load average: {load_average}")
    backend = make_url(args.url).get_backend_name()
    out = ROOT / "bench" / f"results_pages_{backend}.json"
    out.write_text(
        json.dumps(
            {
                "loaded": loaded,
                "calls": args.calls,
                "load_average": load_average,
                "pages": figures,
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
