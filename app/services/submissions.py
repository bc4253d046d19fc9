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
from app.services.errors import Conflict, Invalid, RateLimited, TooLarge, Unsupported
from app.settings import Settings
from graders import Assignment, GraderError, RejectedUpload, read_notebook


@dataclass(frozen=True)
class Accepted:
    """The stored submission, and whether this request created it (``False``: a replay)."""

    submission_id: str
    status: SubmissionStatus
    created: bool
    run_id: int | None = None


RESERVED_KEY_PREFIXES = ("attempt:",)
"""Idempotency keys of this form are the system's own (quiz attempts wrote them), never a
client's."""


class QuotaExceeded(TooLarge):
    """The upload would take a student past a storage quota (answered as a size refusal)."""

    def __init__(self, detail: str, limit: int) -> None:
        super().__init__(limit)
        self.kind, self.title, self.detail = "quota-exceeded", "Storage quota exceeded", detail
        self.args = (detail,)


def check_key(key: str | None) -> None:
    """:class:`Invalid` for an ``Idempotency-Key`` in the form the system keeps for itself."""
    if key is not None and key.startswith(RESERVED_KEY_PREFIXES):
        raise Invalid(
            "invalid-idempotency-key",
            "Reserved Idempotency-Key",
            f"an Idempotency-Key may not start with {' or '.join(RESERVED_KEY_PREFIXES)}",
        )


def stored_filename(name: str) -> str:
    """``name`` cut to 255 characters, keeping its extension (``.ipynb``)."""
    if len(name) <= 255:
        return name or "submission.ipynb"
    stem, dot, ext = name.rpartition(".")
    if dot and stem and len(ext) < 32:
        return stem[: 255 - len(ext) - 1] + "." + ext
    return name[:255]


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


def replay_or_admit(
    db: Database,
    settings: Settings,
    user: User,
    target: CourseAssignment,
    content: bytes,
    idempotency_key: str | None = None,
) -> Accepted | None:
    """The first submission if this upload repeats one; else ``None`` once every rule that
    needs no parsing (opening time, attempts, rate, quotas) lets it through.

    Run before the notebook is parsed, so a refused upload costs a hash and a few indexed
    reads, never a parse; :func:`accept` checks again in its transaction."""
    sha = hashlib.sha256(content).hexdigest()
    with db.reader() as session:
        return _replay_or_admit(
            session, settings, user, target, len(content), sha, now(), idempotency_key
        )


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
            existing = _by_key(session, user, target, idempotency_key, sha)
            if existing is None:
                raise
            return Accepted(existing.id, existing.status, created=False)


def take_upload(
    db: Database,
    settings: Settings,
    user: User,
    target: CourseAssignment,
    filename: str,
    content_type: str,
    content: bytes,
    idempotency_key: str | None = None,
    assignment: Assignment | None = None,
) -> Accepted:
    """An upload from start to end, cheapest rule first: an assignment this server cannot
    grade (``assignment``, the catalog's entry, lacks a module) is refused, a repeat gives the
    first submission, the rules that need no parsing (:func:`replay_or_admit`) come before the
    parse (:func:`check_notebook`), and only then is it stored (:func:`accept`). The API's
    route and the upload page both take uploads through it, so both refuse alike."""
    if assignment is not None:
        check_gradable(assignment, settings)
    accepted = replay_or_admit(db, settings, user, target, content, idempotency_key)
    if accepted is not None:
        return accepted
    check_notebook(content, filename, content_type, settings.notebook_bytes, settings.max_cells)
    return accept(db, settings, user, target, filename, content, idempotency_key)


def check_gradable(assignment: Assignment, settings: Settings) -> None:
    """Refuse (:class:`Conflict`) uploads to an assignment whose kernels need a module the
    sandbox's Python lacks (``requires = ["torch"]`` without the torch extra): it could only
    ever be graded ``error``. The answer is cached, so this costs nothing after the first."""
    try:
        why = assignment.unavailable(assignment.sandbox(settings.sandbox()))
    except GraderError as exc:
        why = str(exc)
    if why:
        raise Conflict(
            "assignment-unavailable",
            "Assignment unavailable",
            f"{assignment.id} cannot be graded on this server yet: it {why}; tell your instructor",
        )


def _by_key(
    session: Session, user: User, target: CourseAssignment, key: str | None, sha: str
) -> Submission | None:
    """The submission stored under ``key`` for this student and assignment; :class:`Invalid`
    when it holds other bytes (a key names one upload, not a slot to fill)."""
    if not key:
        return None
    found = session.scalar(
        select(Submission).where(
            Submission.user_id == user.id,
            Submission.course_assignment_id == target.id,
            Submission.idempotency_key == key,
        )
    )
    if found is not None and found.sha256 != sha:
        raise Invalid(
            "idempotency-key-reused",
            "Idempotency-Key reused",
            f"the Idempotency-Key {key!r} was sent with another notebook "
            f"(submission {found.id}); use a new key for a new upload",
        )
    return found


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
    existing = _replay_or_admit(session, settings, user, target, len(content), sha, stamp, key)
    if existing is not None:
        return existing
    submission = Submission(
        course_assignment_id=target.id,
        user_id=user.id,
        filename=stored_filename(filename),
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


def _replay_or_admit(
    session: Session,
    settings: Settings,
    user: User,
    target: CourseAssignment,
    size: int,
    sha: str,
    stamp: datetime,
    key: str | None,
) -> Accepted | None:
    existing = _by_key(session, user, target, key, sha)
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
    check_quotas(session, settings, user, target, size)
    return None


def check_quotas(
    session: Session, settings: Settings, user: User, target: CourseAssignment, size: int
) -> None:
    """:class:`QuotaExceeded` when ``size`` more bytes would take the student past a quota,
    counted from the sizes stored (nothing stored is ever deleted to make room)."""
    quotas = [
        (
            settings.quota_bytes_per_assignment,
            "for this assignment",
            Submission.course_assignment_id == target.id,
        ),
        (settings.quota_bytes_per_student, "in all", None),
    ]
    for quota, where, scope in quotas:
        if not quota:
            continue
        query = select(func.coalesce(func.sum(Submission.size), 0)).where(
            Submission.user_id == user.id
        )
        if scope is not None:
            query = query.where(scope)
        used = int(session.scalar(query) or 0)
        if used + size > quota:
            raise QuotaExceeded(
                f"your uploads {where} use {used:,} bytes of your {quota:,}-byte quota; "
                f"this one ({size:,} bytes) does not fit",
                quota,
            )
