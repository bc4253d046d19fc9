"""Taking an upload: every rule a submission must pass, then its bytes stored and queued.

The bytes and their SHA-256 are in the database, with a queued run, when the transaction
commits, and the upload is acknowledged only after that: a crash before the commit leaves
nothing half-stored, and a crash after it leaves a queued run some worker will grade.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database, is_sqlite, now
from app.models import CourseAssignment, Enrolment, Submission, SubmissionFile, User
from app.models.vocabulary import SubmissionStatus
from app.queue.claim import enqueue
from app.services.admission import check_attempts_left, check_open
from app.services.errors import Invalid, RateLimited, Unsupported
from app.settings import Settings
from graders import RejectedUpload, read_notebook


@dataclass(frozen=True)
class Accepted:
    """The stored submission, and whether this request created it (``False``: a replay)."""

    submission_id: str
    status: SubmissionStatus
    created: bool
    run_id: int | None = None


def check_notebook(
    content: bytes, filename: str, content_type: str, limit: int, max_cells: int
) -> None:
    """:class:`Unsupported` for what is not even claimed to be a notebook, :class:`Invalid`
    for what does not parse as one."""
    claimed = filename.lower().endswith(".ipynb") or content_type.split(";")[0].strip() in (
        "application/x-ipynb+json",
        "application/json",
    )
    if not claimed:
        raise Unsupported(
            "not-a-notebook",
            "Unsupported media type",
            f"{filename or 'the upload'} is not a Jupyter notebook (.ipynb)",
        )
    try:
        read_notebook(content, limit, max_cells)
    except RejectedUpload as exc:
        raise Invalid("invalid-notebook", "Not a usable notebook", exc.reason) from None


def accept(
    db: Database,
    settings: Settings,
    user: User,
    target: CourseAssignment,
    filename: str,
    content: bytes,
    idempotency_key: str | None = None,
) -> Accepted:
    """Store ``content`` as ``user``'s submission to ``target`` and queue its grading.

    Raises :class:`~app.services.errors.Conflict` before the assignment opens or past the
    attempt limit, :class:`RateLimited` past the upload rate. The same ``Idempotency-Key``,
    or the same bytes from the same student within ``duplicate_seconds``, give back the
    first submission.
    """
    sha = hashlib.sha256(content).hexdigest()
    stamp = now()
    try:
        with db.session() as session:
            return _accept(
                session, db, settings, user, target, filename, content, sha, stamp, idempotency_key
            )
    except IntegrityError:
        # Two requests with one Idempotency-Key raced; the other one stored it.
        with db.reader() as session:
            existing = _by_key(session, user, idempotency_key)
            if existing is None:
                raise
            return Accepted(existing.id, existing.status, created=False)


def _by_key(session: Session, user: User, key: str | None) -> Submission | None:
    if not key:
        return None
    return session.scalar(
        select(Submission).where(Submission.user_id == user.id, Submission.idempotency_key == key)
    )


def _accept(
    session: Session,
    db: Database,
    settings: Settings,
    user: User,
    target: CourseAssignment,
    filename: str,
    content: bytes,
    sha: str,
    stamp: datetime,
    key: str | None,
) -> Accepted:
    if not is_sqlite(db.engine):
        # One upload at a time per student and course: the attempt count cannot race.
        session.execute(
            select(Enrolment.id)
            .where(Enrolment.user_id == user.id, Enrolment.course_id == target.course_id)
            .with_for_update()
        )
    existing = _by_key(session, user, key)
    if existing is not None:
        return Accepted(existing.id, existing.status, created=False)
    recent = session.scalar(
        select(Submission)
        .where(
            Submission.user_id == user.id,
            Submission.course_assignment_id == target.id,
            Submission.sha256 == sha,
            Submission.submitted_at >= stamp - timedelta(seconds=settings.duplicate_seconds),
        )
        .order_by(Submission.submitted_at.desc())
        .limit(1)
    )
    if recent is not None:
        return Accepted(recent.id, recent.status, created=False)
    check_open(target, stamp)
    if target.attempt_limit is not None:
        used = session.scalar(
            select(func.count())
            .select_from(Submission)
            .where(Submission.user_id == user.id, Submission.course_assignment_id == target.id)
        )
        check_attempts_left(target, target.attempt_limit, used or 0, "submission")
    last_minute = session.scalar(
        select(func.count())
        .select_from(Submission)
        .where(
            Submission.user_id == user.id,
            Submission.submitted_at >= stamp - timedelta(seconds=60),
        )
    )
    if (last_minute or 0) >= settings.uploads_per_minute:
        raise RateLimited(f"at most {settings.uploads_per_minute} uploads a minute", 60)
    submission = Submission(
        course_assignment_id=target.id,
        user_id=user.id,
        filename=filename[:255] or "submission.ipynb",
        kind="notebook",
        sha256=sha,
        size=len(content),
        submitted_at=stamp,
        late=target.due_at is not None and stamp > target.due_at,
        status="queued",
        idempotency_key=key,
    )
    session.add(submission)
    session.flush()
    session.add(SubmissionFile(submission_id=submission.id, content=content))
    run = enqueue(session, submission, "upload")
    return Accepted(submission.id, "queued", created=True, run_id=run.id)
