"""Start, save, submit and close quiz attempts (the rules are in :mod:`app.services.quiz`).

Each operation reads and writes in transactions of its own and answers with the attempt as
it then stands; a refusal is a :mod:`app.services.errors` error with the reason.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database, changed, is_sqlite, now
from app.models import (
    CourseAssignment,
    Enrolment,
    GradingRun,
    QuizAttempt,
    Submission,
    SubmissionFile,
    User,
)
from app.services.access import course_assignment, role_in, valid_id
from app.services.admission import check_attempts_left, check_open
from app.services.errors import Conflict, NotFound, ServiceError
from app.services.quiz.answers import (
    Answer,
    answers_cap,
    answers_file,
    invalid,
    merged,
    parse_answers,
)
from app.services.quiz.deadlines import (
    attempts_allowed,
    deadline,
    expired,
    final_moment,
    quiz_of,
    time_limit_minutes,
)
from app.services.quiz.grading import graded_attempt
from app.services.quiz.views import AttemptView, attempt_view
from app.services.results.record import record_result
from graders import Assignment, Catalog, Graded, free_text_answers

log = logging.getLogger(__name__)

WORKER = "api"
"""The name a grading run made by a submitted attempt is recorded under."""


def close(
    session: Session,
    attempt: QuizAttempt,
    target: CourseAssignment,
    assignment: Assignment,
    stamp: datetime,
) -> bool:
    """Submit an open attempt with its saved answers, grade them and record the result (in
    the caller's transaction); ``False`` when it was submitted already."""
    taken = changed(
        session,
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(status="submitted", submitted_at=stamp)
        .execution_options(synchronize_session=False),
    )
    if not taken:
        session.refresh(attempt)
        return False
    answers: dict[str, Answer] = json.loads(attempt.answers)
    final = final_moment(attempt, target, stamp)
    result = graded_attempt(assignment, answers, attempt, target, final)
    content = answers_file(answers)
    submission = Submission(
        course_assignment_id=target.id,
        user_id=attempt.user_id,
        filename="answers.json",
        kind="answers",
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        submitted_at=final,
        late=attempt.late,
        # No idempotency key: that space is the client's, and a key a student chose could
        # collide with one made up here; the attempt's own status update is the guard.
        status="running",
    )
    session.add(submission)
    session.flush()
    session.add(SubmissionFile(submission_id=submission.id, content=content))
    run = GradingRun(
        submission_id=submission.id,
        number=1,
        reason="upload",
        status="running",
        fair_rank=0,
        queued_at=stamp,
        started_at=stamp,
        heartbeat_at=stamp,
        worker=WORKER,
        attempts=1,
        detail="",
    )
    session.add(run)
    session.flush()
    graded = Graded(result, answers=free_text_answers(assignment, answers))
    recorded = record_result(session, run.id, graded, GradingRun.worker == WORKER, WORKER)
    assert recorded, "a run made in this transaction is held by it"
    session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submission_id=submission.id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(attempt)
    log.info(
        "attempt %s submitted as %s: %s %s/%s%s",
        attempt.id,
        submission.id,
        result.status,
        result.score,
        result.max_score,
        " (late)" if attempt.late else "",
    )
    return True


def _lock_student(session: Session, db: Database, user_id: int, course_id: int) -> None:
    """On PostgreSQL, one start at a time per student and course (SQLite's write transaction
    already is one)."""
    if not is_sqlite(db.engine):
        session.execute(
            select(Enrolment.id)
            .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
            .with_for_update()
        )


def _open_attempt(session: Session, user_id: int, target_id: int) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.course_assignment_id == target_id,
            QuizAttempt.user_id == user_id,
            QuizAttempt.status == "open",
        )
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Started:
    view: AttemptView
    created: bool


def start(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Started:
    """Start an attempt at ``quiz`` in ``course``, or give back the open one.

    Raises :class:`NotFound` for no such quiz in a course of the caller's, :class:`Conflict`
    before it opens (``not-open``) or with no attempt left (``attempt-limit``)."""
    with db.reader() as session:
        target, _role = course_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        target_id = target.id
        stale = _open_attempt(session, user.id, target_id)
        stale_id = stale.id if stale is not None and expired(stale, target, now()) else None
    if stale_id is not None:
        # Submitted in a transaction of its own: it stays submitted whether or not a new
        # attempt may start.
        with db.session() as session:
            attempt = _attempt(session, db, stale_id, user, lock=True, own=True)
            if expired(attempt, attempt.course_assignment, now()):
                close(session, attempt, attempt.course_assignment, assignment, now())
    try:
        with db.session() as session:
            return _start(session, db, user, target_id, assignment)
    except IntegrityError:
        # Another request started the same attempt number first: that one is the attempt.
        with db.reader() as session:
            found = _open_attempt(session, user.id, target_id)
            if found is None:
                raise
            return Started(attempt_view(session, found, assignment, now()), created=False)


def _start(
    session: Session, db: Database, user: User, target_id: int, assignment: Assignment
) -> Started:
    query = select(CourseAssignment).where(CourseAssignment.id == target_id)
    if not is_sqlite(db.engine):
        # Shared: starts go on side by side, while a release of the keys waits for them.
        query = query.with_for_update(read=True)
    target = session.scalar(query)
    assert target is not None
    _lock_student(session, db, user.id, target.course_id)
    stamp = now()
    found = _open_attempt(session, user.id, target.id)
    if found is not None:
        return Started(attempt_view(session, found, assignment, stamp), created=False)
    if target.keys_released:
        raise Conflict(
            "keys-released",
            "Keys released",
            f"the keys of {target.assignment} are released: no attempt can start",
        )
    check_open(target, stamp)
    used, last = session.execute(
        select(func.count(), func.max(QuizAttempt.number)).where(
            QuizAttempt.course_assignment_id == target.id, QuizAttempt.user_id == user.id
        )
    ).one()
    check_attempts_left(target, attempts_allowed(target, assignment), used)
    minutes = time_limit_minutes(target, assignment)
    attempt = QuizAttempt(
        course_assignment_id=target.id,
        user_id=user.id,
        number=(last or 0) + 1,
        status="open",
        started_at=stamp,
        deadline_at=stamp + timedelta(minutes=minutes) if minutes else None,
        answers="{}",
        late=False,
    )
    session.add(attempt)
    session.flush()
    log.info("attempt %s started: %s, number %d", attempt.id, target.assignment, attempt.number)
    return Started(attempt_view(session, attempt, assignment, stamp), created=True)


def _attempt(
    session: Session, db: Database, attempt_id: str, user: User, lock: bool, own: bool
) -> QuizAttempt:
    """The attempt, if the caller may see it (its author; with ``own=False`` an instructor
    of its course too); 404 otherwise. ``lock`` holds its row on PostgreSQL."""
    if not valid_id(attempt_id):
        raise NotFound("attempt")
    query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if lock and not is_sqlite(db.engine):
        query = query.with_for_update()
    attempt = session.scalar(query)
    if attempt is None:
        raise NotFound("attempt")
    if attempt.user_id != user.id:
        course_id = attempt.course_assignment.course_id
        if own or role_in(session, user, course_id) != "instructor":
            raise NotFound("attempt")
    return attempt


def read(db: Database, catalog: Catalog, user: User, attempt_id: str) -> AttemptView:
    """An attempt as it stands (its author's, or for an instructor of its course); one past
    its late window is submitted first."""
    with db.reader() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=False, own=False)
        assignment = quiz_of(catalog, attempt.course_assignment)
        stamp = now()
        if not expired(attempt, attempt.course_assignment, stamp):
            return attempt_view(session, attempt, assignment, stamp, user.id)
    try:
        with db.session() as session:
            attempt = _attempt(session, db, attempt_id, user, lock=True, own=False)
            stamp = now()
            if expired(attempt, attempt.course_assignment, stamp):
                close(session, attempt, attempt.course_assignment, assignment, stamp)
            return attempt_view(session, attempt, assignment, stamp, user.id)
    except ServiceError:
        raise
    except Exception:
        # A read answers with the attempt as it stands even when closing it failed (the
        # failure is logged; the sweep or a submit tries again).
        log.exception("closing expired attempt %s on a read failed", attempt_id)
    with db.reader() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=False, own=False)
        return attempt_view(session, attempt, assignment, now(), user.id)


def save(db: Database, catalog: Catalog, user: User, attempt_id: str, body: bytes) -> AttemptView:
    """Merge the answers of ``body`` into the attempt's saved ones (``null`` clears one) and
    commit before answering.

    Raises :class:`NotFound` for no such attempt of the caller's, :class:`Invalid` for
    answers that cannot be saved (a question the quiz does not have, one answered twice, not
    a string), :class:`Conflict` once the attempt is submitted (by the student, or because
    its late window passed: then it is submitted with what was saved before this save)."""
    with db.session() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=True, own=True)
        target = attempt.course_assignment
        assignment = quiz_of(catalog, target)
        given = parse_answers(body, assignment)
        stamp = now()
        if expired(attempt, target, stamp):
            close(session, attempt, target, assignment, stamp)
        if attempt.status == "open":
            saved = json.loads(attempt.answers)
            answers = merged(saved, given)
            if answers != saved:
                text = json.dumps(answers, ensure_ascii=False)
                cap = answers_cap(assignment)
                if len(text.encode()) > cap:
                    raise invalid(f"the answers are over {cap:,} bytes")
                due = deadline(attempt, target)
                attempt.answers = text
                attempt.answered_at = stamp
                attempt.late = attempt.late or (due is not None and stamp > due)
                session.flush()
            return attempt_view(session, attempt, assignment, stamp)
        closed = attempt.submitted_at
    when = closed.isoformat() if closed else "earlier"
    raise Conflict(
        "attempt-submitted",
        "Attempt submitted",
        f"this attempt was submitted at {when} and takes no more answers",
    )


def submit(db: Database, catalog: Catalog, user: User, attempt_id: str) -> AttemptView:
    """Submit the attempt with its saved answers and grade it; an attempt submitted already
    is given back as it is (a retried request submits once)."""
    with db.session() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=True, own=True)
        target = attempt.course_assignment
        assignment = quiz_of(catalog, target)
        stamp = now()
        if attempt.status == "open":
            close(session, attempt, target, assignment, stamp)
        return attempt_view(session, attempt, assignment, stamp)


def close_expired(
    db: Database, catalog: Catalog, limit: int = 100, skip: set[str] | None = None
) -> int:
    """Submit the open attempts whose late window has passed (the sweep); how many.

    An attempt that fails to close is logged, added to ``skip`` (when given: the caller's
    next batch passes it over) and left open; the others are closed all the same."""
    skipped = skip if skip is not None else set()
    with db.reader() as session:
        query = (
            select(QuizAttempt.id)
            .where(QuizAttempt.status == "open", QuizAttempt.deadline_at <= now())
            .order_by(QuizAttempt.deadline_at)
            .limit(limit)
        )
        if skipped:
            query = query.where(QuizAttempt.id.not_in(skipped))
        rows = session.scalars(query).all()
    closed = 0
    for attempt_id in rows:
        try:
            closed += _close_one(db, catalog, attempt_id)
        except Exception:
            skipped.add(attempt_id)
            log.exception("closing expired attempt %s failed; it stays open", attempt_id)
    return closed


def _close_one(db: Database, catalog: Catalog, attempt_id: str) -> bool:
    """Submit one attempt if it is still open past its late window (its own transaction)."""
    with db.session() as session:
        query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
        if not is_sqlite(db.engine):
            query = query.with_for_update()
        attempt = session.scalar(query)
        if attempt is None or not expired(attempt, attempt.course_assignment, now()):
            return False
        try:
            assignment = quiz_of(catalog, attempt.course_assignment)
        except NotFound:
            return False  # the quiz left the catalog: its attempts wait until it is back
        return close(session, attempt, attempt.course_assignment, assignment, now())
