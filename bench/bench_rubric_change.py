"""How long a rubric change takes when it touches many grades: an item's points changed with
``app.services.manual.rubrics.edit_rubric`` on ``--answers`` graded answers (rnn-theory's q1,
each graded with the item), each change in a transaction of its own, commit included.

    .venv/bin/python bench/bench_rubric_change.py [--answers 500] [--repeat 7]
    .venv/bin/python bench/bench_rubric_change.py \
        --url postgresql+psycopg://postgres@127.0.0.1:5432/test_groups

The database is made from nothing (SQLite: a file in a temporary folder; PostgreSQL: the
schema dropped and migrated again). Each student hands in rnn-theory with its eight free-text
questions pending, as the quiz records it; every q1 is graded with ``s2s-app``. Each
repetition moves ``s2s-app`` between 1 and 1.5 points, so every grade's score moves (and with
it each submission's result). Printed: the median and the spread (min, max) in seconds; with
``--profile``, cProfile's top functions of one more change.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select, text  # noqa: E402

from app import migrate  # noqa: E402
from app.db import Database  # noqa: E402
from app.models import CourseAssignment, Submission, SubmissionFile, User  # noqa: E402
from app.queue.claim import claim_next, enqueue  # noqa: E402
from app.queue.work import record  # noqa: E402
from app.services import people  # noqa: E402
from app.services.manual.grades import grade_answer  # noqa: E402
from app.services.manual.rubrics import current_rubric, edit_rubric, rubric_dict  # noqa: E402
from app.settings import Settings  # noqa: E402
from graders import Assignment, Graded, Result, TestResult  # noqa: E402

COURSE = "bench"
QUIZ = "rnn-theory"
ITEM = "s2s-app"


def fresh(url: str) -> None:
    if url.startswith("postgresql"):
        db = Database(url)
        with db.session() as session:
            session.execute(text("DROP SCHEMA public CASCADE"))
            session.execute(text("CREATE SCHEMA public"))
        db.dispose()
    migrate.upgrade(url)


def pending(assignment: Assignment) -> Graded:
    tests = [TestResult.pending(q.id, q.points) for q in assignment.free_text]
    return Graded(Result.graded(QUIZ, tests))


def load(db: Database, settings: Settings, answers: int) -> None:
    """``answers`` students, each with one recorded rnn-theory submission, q1 graded."""
    catalog = settings.catalog()
    assignment = catalog[QUIZ]
    people.add_user(db, catalog, "grader", "instructor", COURSE)
    for n in range(answers):
        people.add_user(db, catalog, f"s{n:04d}", "student", COURSE)
    with db.session() as session:
        target = session.scalars(
            select(CourseAssignment).where(CourseAssignment.assignment == QUIZ)
        ).one()
        users = session.scalars(select(User.id).where(User.name.like("s%"))).all()
        for user_id in users:
            row = Submission(
                course_assignment_id=target.id,
                user_id=user_id,
                filename="answers.json",
                sha256="0" * 64,
                size=2,
                status="queued",
            )
            session.add(row)
            session.flush()
            session.add(SubmissionFile(submission_id=row.id, content=b"{}"))
            enqueue(session, row, "upload")
    result = pending(assignment)
    while (run_id := claim_next(db, "bench")) is not None:
        assert record(db, run_id, "bench", result)
    with db.session() as session:
        grader = session.scalars(select(User).where(User.name == "grader")).one()
        for submission in session.scalars(select(Submission)):
            grade_answer(session, grader, submission, assignment, "q1", [ITEM])


def change(db: Database, assignment: Assignment, points: float) -> tuple[float, str]:
    """One edit setting ``ITEM``'s points; its wall seconds (commit included), its summary."""
    start = time.perf_counter()
    with db.session() as session:
        grader = session.scalars(select(User).where(User.name == "grader")).one()
        target = session.scalars(
            select(CourseAssignment).where(CourseAssignment.assignment == QUIZ)
        ).one()
        data: dict[str, Any] = rubric_dict(current_rubric(session, target, assignment).rubric)
        for item in data["q1"]["items"]:
            if item["id"] == ITEM:
                item["points"] = points
        summary = edit_rubric(session, grader, target, assignment, data).summary
    return time.perf_counter() - start, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--answers", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--json", type=Path, help="append the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        fresh(url)
        settings = Settings(database_url=url, data_dir=Path(tmp), workers=0)
        db = Database(settings.database())
        started = time.perf_counter()
        load(db, settings, args.answers)
        print(f"loaded {args.answers} graded answers in {time.perf_counter() - started:.1f} s")
        assignment = settings.catalog()[QUIZ]
        times = []
        for n in range(args.repeat):
            seconds, summary = change(db, assignment, 1.5 if n % 2 == 0 else 1.0)
            times.append(seconds)
            print(f"  change {n + 1}: {seconds:.3f} s ({summary})")
        kind = url.split(":", 1)[0].split("+", 1)[0]
        figures = {
            "database": kind,
            "answers": args.answers,
            "repeat": args.repeat,
            "median_s": round(statistics.median(times), 4),
            "min_s": round(min(times), 4),
            "max_s": round(max(times), 4),
        }
        print(json.dumps(figures))
        if args.json:
            with args.json.open("a") as out:
                out.write(json.dumps(figures) + "\n")
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            change(db, assignment, 2.0)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        db.dispose()


if __name__ == "__main__":
    main()
