"""Quiz attempts: start one, save answers as they come, submit it and grade it at once.

The rules (``docs/api.md`` says the same for clients):

- **Time.** Every "now" is :func:`app.db.now`, the server's clock; a client's clock counts
  for nothing.
- **Start.** A student has at most one ``open`` attempt per quiz: starting again gives back
  the open one. A new attempt needs the quiz to be open (``opens_at``) and an attempt left:
  the course's ``attempt_limit`` when set, else the quiz's ``[quiz] attempts`` (every
  attempt counts, submitted or open). Its ``deadline_at`` is the start plus the time limit
  (the course's ``time_limit_minutes`` when set, ``0`` meaning none, else the quiz's).
- **Save** (``PUT .../answers``) merges: each question given replaces that question's
  answer, ``null`` clears it, questions not given keep theirs. Each save is committed before
  it is answered, so a dropped connection loses at most the save in flight. Answers are kept
  exactly as given (strings as typed, lists as sent); only their shape is checked here
  (known question ids, strings, sizes), and what they mean is the grader's business.
- **Late.** An attempt's deadline is the earlier of its ``deadline_at`` and the course's
  ``due_at``. A save that changes an answer after it is kept and marks the attempt late.
  Past ``deadline_at`` an attempt takes answers for ``late_window_minutes`` more; then it is
  *closed*: submitted with what was saved. A save after that is refused (409).
- **Submit** grades the saved answers at once (``graders.quiz.grade_answers``: no kernel, no
  queue) and records the result as a :class:`~app.models.Submission` of kind ``answers``
  with a finished :class:`~app.models.GradingRun` and its test rows, through
  :func:`app.queue.work.record` itself, in the same transaction that marks the attempt
  submitted: exactly one result per attempt, and submitting twice gives the first back.
- **Closing.** An open attempt past its late window is submitted with what was saved by the
  first request that touches it (reading it, saving to it, starting the quiz again) or by the
  sweep (:func:`close_expired`, every ``SWEEP_SECONDS`` in each API process), whichever
  comes first; the outcome is the same either way, since it depends only on what was saved
  and when.
- **Late policy.** Lateness is measured at the moment the answers became final (the last
  change, or the deadline when nothing changed after it), never at the moment a sweep
  happened to close the attempt; that moment is the submission's ``submitted_at``. The
  gradebook applies the course's late policy to lateness past ``due_at``, as for every
  submission; the recorded result carries the rest (started days past the time limit that
  the due date does not already count), so no day is counted twice. The result then says so
  in a ``late`` member: ``{"days", "policy", "score_before", "note"}``.
- **Keys.** No answer key, and no explanation (they give keys away), leaves the service
  before the course's instructor releases the quiz's keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import Database, is_sqlite, now
from app.deps import course_assignment, plausible, role_in, taught_assignment
from app.errors import Problem, not_found
from app.models import (
    Course,
    CourseAssignment,
    Enrolment,
    GradingRun,
    QuizAttempt,
    Submission,
    SubmissionFile,
    User,
)
from app.queue.work import record
from app.services.gradebook import counted, late_days
from graders import Assignment, Catalog, Graded, RejectedUpload, Result
from graders.quiz import grade_answers, read_answers

log = logging.getLogger(__name__)

WORKER = "api"
"""The name a grading run made by a submitted attempt is recorded under."""

SWEEP_SECONDS = 30.0
"""How often each API process closes the attempts whose late window has passed."""

MAX_ANSWER_CHARS = 2_000
MAX_LIST_ITEMS = 50
MAX_ANSWERS_BYTES = 64 * 1024
"""The saved answers of one attempt, as JSON, at most (a quiz is a page of short answers)."""

Answer = str | list[str]


# -- the quiz and the course's rules for it ---------------------------------------------------


def quiz_of(catalog: Catalog, target: CourseAssignment) -> Assignment:
    """The catalog quiz a course assignment sets; 404 when it is not a quiz."""
    assignment = catalog.assignments.get(target.assignment)
    if assignment is None or assignment.kind != "quiz":
        raise not_found(f"quiz {target.assignment}")
    return assignment


def time_limit_minutes(target: CourseAssignment, assignment: Assignment) -> float | None:
    """Minutes per attempt: the course's setting (``0``: none), else the quiz's; ``None``: none."""
    if target.time_limit_minutes is not None:
        return float(target.time_limit_minutes) or None
    minutes = assignment.quiz.time_limit_minutes
    return float(minutes) if minutes else None


def attempts_allowed(target: CourseAssignment, assignment: Assignment) -> int | None:
    """Attempts a student may start: the course's ``attempt_limit``, else the quiz's."""
    if target.attempt_limit is not None:
        return target.attempt_limit
    return assignment.quiz.attempts


def deadline(attempt: QuizAttempt, target: CourseAssignment) -> datetime | None:
    """When the attempt's answers become late: the earlier of its time limit and the due date."""
    moments = [m for m in (attempt.deadline_at, target.due_at) if m is not None]
    return min(moments) if moments else None


def closes_at(attempt: QuizAttempt, target: CourseAssignment) -> datetime | None:
    """When an open attempt stops taking answers and is submitted as saved (``None``: only
    when the student submits it)."""
    if attempt.deadline_at is None:
        return None
    return attempt.deadline_at + timedelta(minutes=max(0, target.late_window_minutes))


def expired(attempt: QuizAttempt, target: CourseAssignment, moment: datetime) -> bool:
    closing = closes_at(attempt, target)
    return attempt.status == "open" and closing is not None and moment >= closing


# -- the answers -------------------------------------------------------------------------------


def invalid(detail: str) -> Problem:
    return Problem(422, "invalid-answers", "Invalid answers", detail)


def parse_answers(body: bytes, assignment: Assignment) -> dict[str, Answer | None]:
    """The answers of a save's body (``{"answers": {"q1": "b", "q3": ["a", "c"]}}``), read
    as an answer file is (``graders.quiz.read_answers``: JSON of that form, each question at
    most once, only the quiz's questions), each a string, a list of strings or ``null``:
    422 with the reason for anything else."""
    if len(body) > MAX_ANSWERS_BYTES:
        raise invalid(f"the answers are over {MAX_ANSWERS_BYTES:,} bytes")
    try:
        given = read_answers(body, assignment)
    except RejectedUpload as exc:
        raise invalid(exc.reason) from None
    return {key: _checked_answer(key, value) for key, value in given.items()}


def _checked_answer(key: str, value: Any) -> Answer | None:
    where = key if plausible(key) else "an answer"
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise invalid(f"{where}: the answer is over {MAX_ANSWER_CHARS:,} characters")
        return value
    if isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise invalid(f"{where}: more than {MAX_LIST_ITEMS} items")
        if not all(isinstance(item, str) for item in value):
            raise invalid(f"{where}: each item of a list is a string, as typed")
        if sum(len(item) for item in value) > MAX_ANSWER_CHARS:
            raise invalid(f"{where}: the answer is over {MAX_ANSWER_CHARS:,} characters")
        return list(value)
    raise invalid(f"{where}: an answer is a string as typed, a list of strings, or null to clear")


def merged(saved: dict[str, Answer], given: Mapping[str, Answer | None]) -> dict[str, Answer]:
    """The saved answers with ``given`` merged in (``None`` clears a question)."""
    out = dict(saved)
    for key, value in given.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def answers_file(answers: Mapping[str, Answer]) -> bytes:
    """The answers as an answer file (``markwell grade QUIZ FILE`` grades it the same)."""
    return json.dumps({"answers": answers}, ensure_ascii=False, indent=1).encode()


# -- grading -----------------------------------------------------------------------------------


def without_explanations(assignment: Assignment) -> Assignment:
    """The quiz with its explanations left out: they give the keys away (``sigmoid(0) = 1 /
    (1 + e^0) = 0.5``), so a result the service stores carries none; they are shown with the
    keys once released."""
    return replace(
        assignment, questions=tuple(replace(q, explanation="") for q in assignment.questions)
    )


def grade(assignment: Assignment, answers: Mapping[str, Answer]) -> Result:
    """The quiz engine's result for ``answers``, without the explanations; never raises for
    what the student gave."""
    try:
        return grade_answers(without_explanations(assignment), dict(answers))
    except RejectedUpload as exc:
        return Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
    except Exception as exc:
        log.exception("grading answers to %s failed", assignment.id)
        return Result(assignment.id, "error", 0.0, assignment.max_score, reason=str(exc))


def final_moment(attempt: QuizAttempt, target: CourseAssignment, stamp: datetime) -> datetime:
    """When an attempt's answers became final: the submission itself when it came in time,
    else the later of its deadline and the last change to its answers."""
    due = deadline(attempt, target)
    if due is None or stamp <= due:
        return stamp
    return max(due, attempt.answered_at or attempt.started_at)


@dataclass(frozen=True)
class LatePart:
    """The late policy as the recorded result carries it (the gradebook counts the rest)."""

    days: int
    policy: str
    score_before: float
    note: str


@dataclass(frozen=True)
class LateResult(Result):
    """A quiz's result after the late policy; its JSON says so in a ``late`` member."""

    late: LatePart | None = None

    def to_json(self) -> dict[str, Any]:
        doc = super().to_json()
        if self.late is not None:
            doc["late"] = {
                "days": self.late.days,
                "policy": self.late.policy,
                "score_before": self.late.score_before,
                "note": self.late.note,
            }
        return doc


def apply_late_policy(
    result: Result, attempt: QuizAttempt, target: CourseAssignment, final: datetime
) -> Result:
    """``result`` after the late policy for the days past the time limit that the due date
    does not already count (the gradebook applies the due date's part)."""
    due = deadline(attempt, target)
    if result.status != "graded" or due is None:
        return result
    days = late_days(final, due) - late_days(final, target.due_at)
    if days <= 0:
        return result
    # The course's policy in the quiz's own points: the gradebook scales them afterwards.
    policy = cast(
        CourseAssignment,
        SimpleNamespace(
            points=None,
            late_policy=target.late_policy,
            late_penalty=target.late_penalty,
            late_cap=target.late_cap,
        ),
    )
    score, _, note = counted(policy, result.score, result.max_score, days)
    late = LatePart(days, target.late_policy, result.score, note)
    return LateResult(
        result.assignment, result.status, score, result.max_score, result.tests, result.reason, late
    )


def graded_attempt(
    assignment: Assignment,
    answers: Mapping[str, Answer],
    attempt: QuizAttempt,
    target: CourseAssignment,
    final: datetime,
) -> Result:
    """An attempt's result: its answers graded, then the late policy."""
    return apply_late_policy(grade(assignment, answers), attempt, target, final)


def regrade_answers(db: Database, assignment: Assignment, submission_id: str) -> Result:
    """The result of an ``answers`` submission graded again (a key, a rule or the late policy
    changed), by the rules it was first graded by: its stored answers, its attempt's
    lateness, the course's late policy as it is now."""
    with db.reader() as session:
        submission = session.get(Submission, submission_id)
        content = session.scalar(
            select(SubmissionFile.content).where(SubmissionFile.submission_id == submission_id)
        )
        attempt = session.scalar(
            select(QuizAttempt).where(QuizAttempt.submission_id == submission_id)
        )
        target = attempt.course_assignment if attempt is not None else None
    if submission is None or content is None:
        return Result(assignment.id, "error", 0.0, assignment.max_score, reason="no answers")
    try:
        answers = read_answers(content, assignment)
    except RejectedUpload as exc:
        return Result(assignment.id, "rejected", 0.0, assignment.max_score, reason=exc.reason)
    if attempt is None or target is None:
        return grade(assignment, answers)
    return graded_attempt(assignment, answers, attempt, target, submission.submitted_at)


class _InTransaction:
    """A :class:`Database` whose ``session()`` is a transaction already open, so
    :func:`app.queue.work.record` writes a run's result inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @contextmanager
    def session(self) -> Iterator[Session]:
        yield self._session


def close(
    session: Session,
    attempt: QuizAttempt,
    target: CourseAssignment,
    assignment: Assignment,
    stamp: datetime,
) -> bool:
    """Submit an open attempt with its saved answers, grade them and record the result (in
    the caller's transaction); ``False`` when it was submitted already."""
    taken = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(status="submitted", submitted_at=stamp)
        .execution_options(synchronize_session=False)
    ).rowcount
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
        status="running",
        idempotency_key=f"attempt:{attempt.id}",
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
    recorded = record(cast(Database, _InTransaction(session)), run.id, WORKER, Graded(result))
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


# -- the view ----------------------------------------------------------------------------------


def key_json(key: Any) -> Any:
    """A key as JSON: tuples (letters, items, a shape, a range) as lists."""
    return list(key) if isinstance(key, tuple) else key


def question_views(assignment: Assignment, released: bool) -> list[dict[str, Any]]:
    """The quiz's questions as a student reads them; the keys and explanations only once
    ``released``."""
    out = []
    for q in assignment.questions:
        shown: dict[str, Any] = {
            "id": q.id,
            "type": q.type,
            "prompt": q.prompt,
            "options": list(q.options),
            "points": q.points,
            "answer": None,
            "explanation": None,
        }
        if released:
            shown["answer"] = key_json(q.answer)
            shown["explanation"] = q.explanation
        out.append(shown)
    return out


@dataclass(frozen=True)
class View:
    """An attempt as its author (or an instructor of the course) reads it."""

    attempt: QuizAttempt
    course: str
    user: str
    target: CourseAssignment
    assignment: Assignment
    result: dict[str, Any] | None
    moment: datetime

    def time_left_seconds(self) -> int | None:
        if self.attempt.deadline_at is None:
            return None
        if self.attempt.status != "open":
            return 0
        return max(0, int((self.attempt.deadline_at - self.moment).total_seconds()))

    def late_days(self) -> int:
        due = deadline(self.attempt, self.target)
        if not self.attempt.late or due is None or self.attempt.answered_at is None:
            return 0
        return late_days(self.attempt.answered_at, due)

    def to_json(self) -> dict[str, Any]:
        """The body of ``AttemptOut``."""
        attempt = self.attempt
        return {
            "id": attempt.id,
            "course": self.course,
            "assignment": self.target.assignment,
            "user": self.user,
            "number": attempt.number,
            "status": attempt.status,
            "now": self.moment,
            "started_at": attempt.started_at,
            "deadline_at": attempt.deadline_at,
            "closes_at": closes_at(attempt, self.target),
            "due_at": self.target.due_at,
            "time_left_seconds": self.time_left_seconds(),
            "answers": json.loads(attempt.answers),
            "answered_at": attempt.answered_at,
            "late": attempt.late,
            "late_days": self.late_days(),
            "submitted_at": attempt.submitted_at,
            "submission": attempt.submission_id,
            "result": self.result,
            "keys_released": self.target.keys_released,
            "questions": question_views(self.assignment, self.target.keys_released),
        }


def view(session: Session, attempt: QuizAttempt, assignment: Assignment, moment: datetime) -> View:
    target = attempt.course_assignment
    course = session.scalar(select(Course.slug).where(Course.id == target.course_id)) or ""
    user = session.scalar(select(User.name).where(User.id == attempt.user_id)) or ""
    result = None
    if attempt.submission_id is not None:
        text = session.scalar(
            select(GradingRun.result)
            .join(Submission, Submission.current_run_id == GradingRun.id)
            .where(Submission.id == attempt.submission_id)
        )
        result = json.loads(text) if text else None
    return View(attempt, course, user, target, assignment, result, moment)


# -- the operations ----------------------------------------------------------------------------


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
    view: View
    created: bool


def start(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Started:
    """Start an attempt at ``quiz`` in ``course``, or give back the open one.

    Raises :class:`Problem`: 404 for no such quiz in a course of the caller's, 409 before it
    opens (``not-open``) or with no attempt left (``attempt-limit``)."""
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
            return Started(view(session, found, assignment, now()), created=False)


def _start(
    session: Session, db: Database, user: User, target_id: int, assignment: Assignment
) -> Started:
    target = session.get(CourseAssignment, target_id)
    assert target is not None
    _lock_student(session, db, user.id, target.course_id)
    stamp = now()
    found = _open_attempt(session, user.id, target.id)
    if found is not None:
        return Started(view(session, found, assignment, stamp), created=False)
    if target.opens_at is not None and stamp < target.opens_at:
        raise Problem(
            409,
            "not-open",
            "Not open yet",
            f"{target.assignment} opens at {target.opens_at.isoformat()}",
        )
    used, last = session.execute(
        select(func.count(), func.max(QuizAttempt.number)).where(
            QuizAttempt.course_assignment_id == target.id, QuizAttempt.user_id == user.id
        )
    ).one()
    allowed = attempts_allowed(target, assignment)
    if allowed is not None and used >= allowed:
        plural = "s" if allowed != 1 else ""
        raise Problem(
            409,
            "attempt-limit",
            "Attempt limit reached",
            f"{target.assignment} allows {allowed} attempt{plural}; you have made {used}",
        )
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
    return Started(view(session, attempt, assignment, stamp), created=True)


def valid_attempt_id(attempt_id: str) -> bool:
    """Whether ``attempt_id`` could name an attempt at all (else 404 without a query)."""
    return len(attempt_id) == 32 and all(c in "0123456789abcdef" for c in attempt_id)


def _attempt(
    session: Session, db: Database, attempt_id: str, user: User, lock: bool, own: bool
) -> QuizAttempt:
    """The attempt, if the caller may see it (its author; with ``own=False`` an instructor
    of its course too); 404 otherwise. ``lock`` holds its row on PostgreSQL."""
    if not valid_attempt_id(attempt_id):
        raise not_found("attempt")
    query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if lock and not is_sqlite(db.engine):
        query = query.with_for_update()
    attempt = session.scalar(query)
    if attempt is None:
        raise not_found("attempt")
    if attempt.user_id != user.id:
        course_id = attempt.course_assignment.course_id
        if own or role_in(session, user, course_id) != "instructor":
            raise not_found("attempt")
    return attempt


def read(db: Database, catalog: Catalog, user: User, attempt_id: str) -> View:
    """An attempt as it stands (its author's, or for an instructor of its course); one past
    its late window is submitted first."""
    with db.reader() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=False, own=False)
        assignment = quiz_of(catalog, attempt.course_assignment)
        stamp = now()
        if not expired(attempt, attempt.course_assignment, stamp):
            return view(session, attempt, assignment, stamp)
    with db.session() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=True, own=False)
        stamp = now()
        if expired(attempt, attempt.course_assignment, stamp):
            close(session, attempt, attempt.course_assignment, assignment, stamp)
        return view(session, attempt, assignment, stamp)


def save(db: Database, catalog: Catalog, user: User, attempt_id: str, body: bytes) -> View:
    """Merge the answers of ``body`` into the attempt's saved ones (``null`` clears one) and
    commit before answering.

    Raises :class:`Problem`: 404 for no such attempt of the caller's, 422 for answers that
    cannot be saved (a question the quiz does not have, one answered twice, not a string),
    409 once the attempt is submitted (by the student, or because its late window passed:
    then it is submitted with what was saved before this save)."""
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
                if len(text.encode()) > MAX_ANSWERS_BYTES:
                    raise invalid(f"the answers are over {MAX_ANSWERS_BYTES:,} bytes")
                due = deadline(attempt, target)
                attempt.answers = text
                attempt.answered_at = stamp
                attempt.late = attempt.late or (due is not None and stamp > due)
                session.flush()
            return view(session, attempt, assignment, stamp)
        closed = attempt.submitted_at
    when = closed.isoformat() if closed else "earlier"
    raise Problem(
        409,
        "attempt-submitted",
        "Attempt submitted",
        f"this attempt was submitted at {when} and takes no more answers",
    )


def submit(db: Database, catalog: Catalog, user: User, attempt_id: str) -> View:
    """Submit the attempt with its saved answers and grade it; an attempt submitted already
    is given back as it is (a retried request submits once)."""
    with db.session() as session:
        attempt = _attempt(session, db, attempt_id, user, lock=True, own=True)
        target = attempt.course_assignment
        assignment = quiz_of(catalog, target)
        stamp = now()
        if attempt.status == "open":
            close(session, attempt, target, assignment, stamp)
        return view(session, attempt, assignment, stamp)


def close_expired(db: Database, catalog: Catalog, limit: int = 100) -> int:
    """Submit the open attempts whose late window has passed (the sweep); how many."""
    with db.reader() as session:
        rows = session.scalars(
            select(QuizAttempt.id)
            .where(QuizAttempt.status == "open", QuizAttempt.deadline_at <= now())
            .order_by(QuizAttempt.deadline_at)
            .limit(limit)
        ).all()
    closed = 0
    for attempt_id in rows:
        with db.session() as session:
            query = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
            if not is_sqlite(db.engine):
                query = query.with_for_update()
            attempt = session.scalar(query)
            if attempt is None or not expired(attempt, attempt.course_assignment, now()):
                continue
            try:
                assignment = quiz_of(catalog, attempt.course_assignment)
            except Problem:
                continue  # the quiz left the catalog: its attempts wait until it is back
            closed += close(session, attempt, attempt.course_assignment, assignment, now())
    return closed


# -- keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    course: str
    assignment: Assignment
    released: bool

    def to_json(self) -> dict[str, Any]:
        """The body of ``KeysOut``."""
        return {
            "course": self.course,
            "assignment": self.assignment.id,
            "released": self.released,
            "questions": question_views(self.assignment, self.released),
        }


def release_keys(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Keys:
    """Release a quiz's keys to the course (its instructors only; 404 for anyone else)."""
    with db.session() as session:
        target = taught_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        if not target.keys_released:
            target.keys_released = True
            log.info("keys of %s released in %s", quiz, course)
        return Keys(course, assignment, True)


def released_keys(db: Database, catalog: Catalog, user: User, course: str, quiz: str) -> Keys:
    """A quiz's keys for anyone in the course, once released; 409 before."""
    with db.reader() as session:
        target, _role = course_assignment(session, user, course, quiz)
        assignment = quiz_of(catalog, target)
        if not target.keys_released:
            raise Problem(
                409,
                "keys-not-released",
                "Keys not released",
                f"the keys of {quiz} have not been released",
            )
        return Keys(course, assignment, True)


# -- the sweep ---------------------------------------------------------------------------------


class Sweeper:
    """A thread that runs :func:`close_expired` every ``every`` seconds until stopped."""

    def __init__(self, db: Database, catalog: Any, every: float = SWEEP_SECONDS) -> None:
        self.db, self.catalog, self.every = db, catalog, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="attempt-sweeper", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                catalog = self.catalog()
                while close_expired(self.db, catalog) and not self.stopping.is_set():
                    pass
            except Exception:
                log.exception("closing expired quiz attempts failed")
