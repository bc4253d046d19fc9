"""Server time of the page for grading one free-text question with 500 answers, and of its
JSON queue, on SQLite.

    .venv/bin/python bench/bench_grading_page.py [--students 500] [--calls 50] [--warmup 5]

The 500 answers are made through the services, as students and a grader would: each
student takes the ``rnn-theory`` quiz (start, save, submit: graded at once, q1 pending), then
a grader grades every other answer by rubric and claims ten more. The app (``create_app``,
a queue that grades nothing) is called **in process** through Starlette's ``TestClient``
(ASGI, no socket), with an instructor's session cookie: the wall time of a request is the
server's time, template rendering included. Each address is fetched ``--calls`` times after
``--warmup`` untimed calls, in turn; printed per address: p50 and p95 in milliseconds and the
page's bytes; the number of SQL statements of one page view. Target: p50 <= 100 ms for the
grading page. Writes ``bench/results_grading_page.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import event, select  # noqa: E402

from app import migrate  # noqa: E402
from app.db import Database  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Submission, User  # noqa: E402
from app.services import people, web_sessions  # noqa: E402
from app.services.manual import claims  # noqa: E402
from app.services.manual.grades import grade_answer  # noqa: E402
from app.services.quiz import attempts  # noqa: E402
from app.settings import Settings  # noqa: E402

TARGET_MS = 100.0
COURSE = "bench"
QUIZ = "rnn-theory"
PAGE = f"/courses/{COURSE}/assignments/{QUIZ}/grading/q1"
PHRASES = [
    "Translation reads a sentence and writes one; sentiment analysis gives one score.",
    "Speech to text is sequence to sequence, image captioning vector to sequence.",
    "A chatbot answers word by word; a topic classifier reads a text and gives a label.",
    "Forecasting several days ahead; spam detection; a melody generated from a seed.",
]


class IdleQueue:
    """A queue with no workers: the quiz grades in process, nothing else is queued."""

    def start(self) -> None: ...
    def stop(self, grace: float | None = None) -> None: ...
    def notify(self, run_id: int) -> None: ...
    def workers(self) -> int:
        return 0


def build(settings: Settings, students: int) -> tuple[str, str, float]:
    """The course, its answers and grades; the instructor's session secret, API token, and
    the seconds taken."""
    began = time.perf_counter()
    db = Database(settings.database())
    catalog = settings.catalog()
    assignment = catalog[QUIZ]
    token = people.add_user(db, catalog, "grader", "instructor", COURSE).token
    for n in range(students):
        name = f"student{n:03d}"
        people.add_user(db, catalog, name, "student", COURSE)
        with db.reader() as session:
            student = session.scalars(select(User).where(User.name == name)).one()
            session.expunge(student)
        started = attempts.start(db, catalog, student, COURSE, QUIZ)
        attempt = started.view.attempt.id
        text = f"Student {n} writes: {PHRASES[n % len(PHRASES)]} " * (1 + n % 4)
        body = {"answers": {"q1": text, "q2": "Three dimensions: batch, time, features."}}
        attempts.save(db, catalog, student, attempt, json.dumps(body).encode())
        attempts.submit(db, catalog, student, attempt)
    with db.session() as session:
        grader = session.scalars(select(User).where(User.name == "grader")).one()
        rows = list(session.scalars(select(Submission).order_by(Submission.id)))
        for n, submission in enumerate(rows):
            if n % 2 == 0:
                grade_answer(session, grader, submission, assignment, "q1", ["s2s-app"])
            elif n % 50 == 1:
                claims.claim(session, grader, submission.id, "q1")
        grader_id = grader.id
    secret = web_sessions.start(db, grader_id, 12.0)
    db.dispose()
    return secret, token, time.perf_counter() - began


def statements(client: TestClient, app: Any, path: str) -> int:
    """How many SQL statements one request of ``path`` runs."""
    engine = app.state.db.engine
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


def measure(client: TestClient, path: str, calls: int, warmup: int) -> dict[str, Any]:
    for _ in range(warmup):
        assert client.get(path).status_code == 200
    samples = []
    size = 0
    for _ in range(calls):
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text[:500]
        size = len(response.content)
    ordered = sorted(samples)
    return {
        "path": path,
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1),
        "bytes": size,
        "samples_ms": [round(s, 2) for s in samples],
    }


def run(students: int, calls: int, warmup: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = Settings(data_dir=data, workers=1)
        migrate.upgrade(settings.database())
        secret, token, seconds = build(settings, students)
        app = create_app(settings, queue=IdleQueue())
        with TestClient(app, cookies={"mw_session": secret}) as client:
            entries = client.get(
                f"/api/v1/courses/{COURSE}/assignments/{QUIZ}/questions/q1/answers",
                headers={"Authorization": f"Bearer {token}"},
            ).json()["entries"]
            one = entries[len(entries) // 2]["submission_id"]
            paths = {
                "grading page (next ungraded)": PAGE,
                "grading page (one answer, names, name order)": (
                    f"{PAGE}?answer={one}&names=1&order=name"
                ),
                "questions page": f"/courses/{COURSE}/assignments/{QUIZ}/grading",
            }
            figures = {name: measure(client, path, calls, warmup) for name, path in paths.items()}
            sql = {name: statements(client, app, path) for name, path in paths.items()}
    return {
        "database": "sqlite",
        "students": students,
        "answers": students,
        "graded": (students + 1) // 2,
        "build_seconds": round(seconds, 1),
        "calls": calls,
        "in_process": "starlette TestClient (ASGI, no socket)",
        "pages": figures,
        "statements": sql,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    result = run(args.students, args.calls, args.warmup)
    print(f"{result['students']} answers to q1 ({result['graded']} graded), SQLite, in process")
    print(f"built in {result['build_seconds']} s")
    ok = True
    for name, figure in result["pages"].items():
        print(
            f"{name:48} p50 {figure['p50_ms']:6.1f} ms  p95 {figure['p95_ms']:6.1f} ms  "
            f"{figure['bytes']:7,} bytes  {result['statements'][name]} statements"
        )
        if name.startswith("grading page") and figure["p50_ms"] > TARGET_MS:
            ok = False
    out = ROOT / "bench" / "results_grading_page.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"target p50 <= {TARGET_MS:g} ms: {'met' if ok else 'MISSED'}; wrote {out.name}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
