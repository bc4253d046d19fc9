"""Fill a database with one course as a term leaves it: 500 students x 5 assignments, about
3 submissions each, every one graded with its test rows.

    .venv/bin/python bench/load_course.py --url sqlite:////tmp/course.db
    .venv/bin/python bench/load_course.py --url postgresql+psycopg://postgres@127.0.0.1/test_dash

The database is emptied first (its schema rebuilt by the migrations). The course ``bench``
sets the catalog's assignments (rnn-numpy, lstm-scratch and the two quizzes) and a retake of
rnn-numpy as a fifth; the test rows carry the real test names and named mistakes (mutant ids)
of the catalog. Students differ in ability, improve from one submission to the next, some
submit late, some not at all (about 8 % per assignment); a few results are still queued or
running, rejected or in error. One instructor, ``teacher``, gets a token; it is printed.
Rows go in by bulk inserts (SQLAlchemy's insertmanyvalues): well under a minute.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

from app import migrate
from app.db import Database
from app.models import (
    Course,
    CourseAssignment,
    Enrolment,
    GradingRun,
    Submission,
    TestRow,
    User,
)
from app.services import people
from app.settings import Settings
from graders import Assignment

COURSE = "bench"
INSTRUCTOR = "teacher"


@dataclass(frozen=True)
class Part:
    """One test of an assignment: its name, the function it checks, its points, the named
    mistakes a student's output may match."""

    name: str
    function: str
    points: float
    mistakes: tuple[str, ...]


def parts_of(assignment: Assignment) -> list[Part]:
    """The test rows a result of ``assignment`` has, as the engine names them."""
    if assignment.questions:
        return [Part(q.id, q.id, float(q.points), ()) for q in assignment.questions]
    out = []
    for check in assignment.checks:
        named = tuple(m.id for m in assignment.mutants_of(check.function))
        for output in check.outputs:
            out.append(Part(check.test_name(output), check.function, output.points, named))
    return out


def fresh_schema(url: str) -> None:
    """An empty database at the newest schema."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        migrate.downgrade(url, "base")
    migrate.upgrade(url)


def load(url: str, students: int, per: float, seed: int) -> dict[str, Any]:
    """Fill the database at ``url``; the figures of what went in."""
    started = time.perf_counter()
    rng = random.Random(seed)
    fresh_schema(url)
    settings = Settings(database_url=url)
    catalog = settings.catalog()
    db = Database(url)
    token = people.add_user(db, catalog, INSTRUCTOR, "instructor", COURSE).token
    now = datetime.now(UTC).replace(microsecond=0)
    dues = {
        "rnn-numpy": now - timedelta(days=20),
        "lstm-scratch": now - timedelta(days=6),
        "rnn-quiz": now - timedelta(days=1),
        "lstm-quiz": now + timedelta(days=3),
        "rnn-numpy-retake": None,
    }
    with db.session() as session:
        course = session.scalar(select(Course).where(Course.slug == COURSE))
        assert course is not None
        session.add(CourseAssignment(course_id=course.id, assignment="rnn-numpy-retake"))
        session.flush()
        targets = {
            t.assignment: t
            for t in session.scalars(
                select(CourseAssignment).where(CourseAssignment.course_id == course.id)
            )
        }
        for name, target in targets.items():
            target.due_at = dues[name]
            if name == "lstm-scratch":
                target.points, target.late_policy, target.late_penalty = 20.0, "penalty", 0.1
            if name == "rnn-numpy":
                target.late_policy, target.late_cap = "cap", 0.7
        course_id = course.id
        target_ids = {name: t.id for name, t in targets.items()}
        first_user = (session.scalar(select(User.id).order_by(User.id.desc())) or 0) + 1
    parts = {name: parts_of(catalog[name.removesuffix("-retake")]) for name in target_ids}
    users = [{"id": first_user + i, "name": f"student{i:04d}"} for i in range(students)]
    enrolments = [{"user_id": u["id"], "course_id": course_id, "role": "student"} for u in users]
    submissions: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    run_id = 0
    for user in users:
        ability = rng.betavariate(4, 2)
        for name, target_id in target_ids.items():
            if rng.random() < 0.08:
                continue  # never submitted
            due = dues[name] or now - timedelta(days=2)
            count = max(1, min(6, round(rng.gauss(per, 1.0))))
            start = due - timedelta(hours=rng.expovariate(1 / 60))
            if rng.random() < 0.1:
                start = due + timedelta(hours=rng.expovariate(1 / 12))  # late
            moments = sorted(
                min(now, start + timedelta(hours=rng.expovariate(1 / 6) * k)) for k in range(count)
            )
            for k, moment in enumerate(moments):
                run_id += 1
                sid = uuid.uuid4().hex
                last = k == count - 1
                status = "graded"
                if last and moment > now - timedelta(hours=1) and rng.random() < 0.3:
                    status = rng.choice(("queued", "running"))
                elif rng.random() < 0.01:
                    status = rng.choice(("rejected", "error"))
                skill = min(1.0, ability + 0.08 * k)
                tests, score, most = [], 0.0, 0.0
                if status == "graded":
                    for part in parts[name]:
                        passed = rng.random() < skill
                        got = part.points if passed else round(part.points * rng.random() * 0.5, 2)
                        mistake = None
                        if not passed and part.mistakes and rng.random() < 0.6:
                            mistake = rng.choice(part.mistakes)
                        tests.append(
                            {
                                "run_id": run_id,
                                "name": part.name,
                                "function": part.function,
                                "status": "passed" if passed else "failed",
                                "score": got,
                                "max_score": part.points,
                                "feedback": "" if passed else f"{part.name}: wrong values",
                                "mistake": mistake,
                            }
                        )
                        score += got
                        most += part.points
                    rows.extend(tests)
                finished = (
                    None if status in ("queued", "running") else moment + timedelta(minutes=1)
                )
                submissions.append(
                    {
                        "id": sid,
                        "course_assignment_id": target_id,
                        "user_id": user["id"],
                        "filename": "submission.ipynb",
                        "kind": "answers" if "quiz" in name else "notebook",
                        "sha256": uuid.uuid4().hex * 2,
                        "size": 20_000,
                        "submitted_at": moment,
                        "late": dues[name] is not None and moment > due,
                        "status": status,
                        "current_run_id": None,
                    }
                )
                runs.append(
                    {
                        "id": run_id,
                        "submission_id": sid,
                        "number": 1,
                        "reason": "upload",
                        "status": status,
                        "queued_at": moment,
                        "started_at": None if status == "queued" else moment,
                        "finished_at": finished,
                        "attempts": 0 if status == "queued" else 1,
                        "score": score if status == "graded" else (0.0 if finished else None),
                        "max_score": most if status == "graded" else (100.0 if finished else None),
                        "worker": None if status == "queued" else "bench",
                    }
                )
    with db.session() as session:
        session.execute(insert(User), users)
        session.execute(insert(Enrolment), enrolments)
        session.execute(insert(Submission), submissions)
        session.execute(insert(GradingRun), runs)
        session.execute(insert(TestRow), rows)
        session.execute(
            text(
                "UPDATE submissions SET current_run_id = "
                "(SELECT id FROM grading_runs WHERE grading_runs.submission_id = submissions.id)"
            )
        )
        if session.get_bind().dialect.name == "postgresql":
            for table in ("users", "grading_runs", "test_results"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    with db.session() as session:
        session.execute(text("ANALYZE"))  # the planner's statistics, as a live database has
    db.dispose()
    return {
        "url": make_url(url).render_as_string(hide_password=True),
        "course": COURSE,
        "instructor": INSTRUCTOR,
        "token": token,
        "students": students,
        "assignments": len(target_ids),
        "submissions": len(submissions),
        "test_rows": len(rows),
        "seconds": round(time.perf_counter() - started, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL (emptied first)")
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--submissions", type=float, default=3.0, help="mean per assignment")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    figures = load(args.url, args.students, args.submissions, args.seed)
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
