"""Claims: a grader holds one free-text answer for a short time, renewed on activity.

Taking a claim never reads before it writes: a conditional ``UPDATE`` takes over the row when
it is the caller's or has expired, and otherwise an ``INSERT`` races on the unique
(submission, question) constraint, so of two graders racing on PostgreSQL or SQLite exactly
one holds the answer and the other is told who does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import changed, now
from app.models import GradingClaim, ManualGradingEvent, User
from app.services.errors import Conflict

CLAIM_SECONDS = 300
"""How long a claim holds without activity."""


@dataclass(frozen=True)
class Claim:
    """Who holds an answer, and until when."""

    submission_id: str
    question_id: str
    grader: str
    expires_at: datetime


def _held_by_other(session: Session, submission_id: str, question_id: str, user: User) -> Claim:
    row = session.execute(
        select(GradingClaim, User.name)
        .join(User, User.id == GradingClaim.grader_id)
        .where(
            GradingClaim.submission_id == submission_id,
            GradingClaim.question_id == question_id,
        )
    ).one_or_none()
    if row is None:  # released between our insert and this read: let the caller retry
        raise Conflict("claimed", "Answer claimed", "the answer changed hands: try again")
    claim, name = row
    return Claim(submission_id, question_id, name, claim.expires_at)


def _refuse(claim: Claim) -> Conflict:
    return Conflict(
        "claimed",
        "Answer claimed",
        f"{claim.grader} is grading this answer until {claim.expires_at.isoformat()}",
        holder=claim.grader,
        expires_at=claim.expires_at.isoformat(),
    )


def claim(
    session: Session,
    user: User,
    submission_id: str,
    question_id: str,
    seconds: int = CLAIM_SECONDS,
) -> Claim:
    """Take or renew the caller's claim on an answer; :class:`Conflict` (``claimed``, with
    ``holder``) while another grader's claim holds."""
    moment = now()
    until = moment + timedelta(seconds=seconds)
    taken = changed(
        session,
        update(GradingClaim)
        .where(
            GradingClaim.submission_id == submission_id,
            GradingClaim.question_id == question_id,
            or_(GradingClaim.grader_id == user.id, GradingClaim.expires_at <= moment),
        )
        .values(grader_id=user.id, expires_at=until),
    )
    if not taken:
        try:
            with session.begin_nested():
                session.add(
                    GradingClaim(
                        submission_id=submission_id,
                        question_id=question_id,
                        grader_id=user.id,
                        expires_at=until,
                    )
                )
        except IntegrityError:
            raise _refuse(_held_by_other(session, submission_id, question_id, user)) from None
    session.add(
        ManualGradingEvent(
            submission_id=submission_id,
            question_id=question_id,
            user_id=user.id,
            actor=user.name,
            action="claim",
        )
    )
    return Claim(submission_id, question_id, user.name, until)


def require_free(session: Session, user: User, submission_id: str, question_id: str) -> None:
    """Refuse (:class:`Conflict`, ``claimed``) when another grader's claim holds the answer."""
    row = session.execute(
        select(GradingClaim.id).where(
            GradingClaim.submission_id == submission_id,
            GradingClaim.question_id == question_id,
            GradingClaim.grader_id != user.id,
            GradingClaim.expires_at > now(),
        )
    ).first()
    if row is not None:
        raise _refuse(_held_by_other(session, submission_id, question_id, user))


def release(session: Session, user: User, submission_id: str, question_id: str) -> bool:
    """Give up the caller's claim on an answer; whether there was one."""
    return bool(
        changed(
            session,
            delete(GradingClaim).where(
                GradingClaim.submission_id == submission_id,
                GradingClaim.question_id == question_id,
                GradingClaim.grader_id == user.id,
            ),
        )
    )


def active(session: Session, submission_ids: list[str]) -> list[Claim]:
    """The claims that hold now on answers of these submissions, for every grader to see."""
    if not submission_ids:
        return []
    rows = session.execute(
        select(GradingClaim, User.name)
        .join(User, User.id == GradingClaim.grader_id)
        .where(
            and_(
                GradingClaim.submission_id.in_(submission_ids),
                GradingClaim.expires_at > now(),
            )
        )
        .order_by(GradingClaim.submission_id, GradingClaim.question_id)
    ).all()
    return [Claim(c.submission_id, c.question_id, name, c.expires_at) for c, name in rows]
