"""The answers to one free-text question across a course's students, to grade one by one.

One answer per student: the one of the submission that counts in the gradebook (the choice
of :func:`app.services.dashboard.counted.counted_cells`, the gradebook's own query). The
order is pseudo-random but stable: each answer's place comes from the sha256 of the course
assignment, the question and the submission, so it is the same at every visit and for
every grader, differs from one question to the next, and says nothing about who wrote it
or when. Answers are labelled by their place in that order (``Answer 17``), so a grader
need not see names.

Everything a queue holds is read in one query (answers, grades, live claims and names), so
a question with hundreds of answers costs one round trip.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from app.db import now
from app.models import CourseAssignment, FreeTextAnswer, GradingClaim, ManualGrade, User
from app.services.dashboard.counted import counted_cells
from app.services.errors import NotFound
from graders import Assignment, Question


@dataclass(frozen=True)
class QueueEntry:
    """One student's answer to the question."""

    submission_id: str
    student: str
    number: int
    """Its place in the pseudo-random order, from 1: the anonymous label's number."""
    graded: bool
    score: float | None
    claimed_by: str | None = None
    """Who holds a live claim on it now (``None``: nobody)."""
    claimed_until: datetime | None = None

    @property
    def label(self) -> str:
        """``Answer 17``: how the pages name it while names are hidden."""
        return f"Answer {self.number}"


@dataclass(frozen=True)
class Queue:
    """A question's answers in the stable pseudo-random order, with their counts."""

    question_id: str
    entries: tuple[QueueEntry, ...]

    def __iter__(self) -> Iterator[QueueEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def graded(self) -> int:
        return sum(1 for e in self.entries if e.graded)

    @property
    def left(self) -> int:
        return len(self.entries) - self.graded

    @property
    def claimed(self) -> int:
        return sum(1 for e in self.entries if e.claimed_by is not None)

    def ordered(self, by_name: bool = False) -> tuple[QueueEntry, ...]:
        """The entries in the pseudo-random order, or by the students' names."""
        if not by_name:
            return self.entries
        return tuple(sorted(self.entries, key=lambda e: (e.student.casefold(), e.student)))

    def find(self, submission_id: str) -> QueueEntry | None:
        """The entry of ``submission_id``, if it is one of the queue's."""
        return next((e for e in self.entries if e.submission_id == submission_id), None)

    def position(self, submission_id: str, by_name: bool = False) -> int:
        """The 1-based place of ``submission_id`` in the chosen order (0: not in the queue)."""
        for place, entry in enumerate(self.ordered(by_name), start=1):
            if entry.submission_id == submission_id:
                return place
        return 0

    def next_ungraded(
        self, after: str | None = None, by_name: bool = False, grader: str | None = None
    ) -> QueueEntry | None:
        """The first ungraded entry after ``after`` (a submission id) in the chosen order,
        wrapping around to the start (``after`` itself comes last); with ``grader``, answers
        another grader claims are passed over. ``None`` when none is left."""
        entries = self.ordered(by_name)
        start = 0
        for place, entry in enumerate(entries):
            if entry.submission_id == after:
                start = place + 1
                break
        for entry in entries[start:] + entries[:start]:
            if entry.graded:
                continue
            if grader is not None and entry.claimed_by not in (None, grader):
                continue
            return entry
        return None


def free_text_question(assignment: Assignment, question_id: str) -> Question:
    """The assignment's free-text question ``question_id``; :class:`NotFound` otherwise."""
    found = next((q for q in assignment.free_text if q.id == question_id), None)
    if found is None:
        raise NotFound("free-text question")
    return found


def order_key(target_id: int, question_id: str, submission_id: str) -> str:
    """The answer's place-giving key: stable, different per question and course assignment."""
    return hashlib.sha256(f"{target_id}\n{question_id}\n{submission_id}".encode()).hexdigest()


def question_queue(
    session: Session, target: CourseAssignment, assignment: Assignment, question_id: str
) -> Queue:
    """The answers to ``question_id`` of the course's students, one each (the submission that
    counts), in the stable pseudo-random order; unanswered questions are not in it."""
    del assignment  # the question's answers are all in the database; kept for callers' symmetry
    cells = counted_cells(target.course_id, [target.id])
    grader = aliased(User)
    moment = now()
    rows = list(
        session.execute(
            select(
                cells.c.submission_id,
                User.name,
                ManualGrade.id,
                ManualGrade.score,
                grader.name,
                GradingClaim.expires_at,
            )
            .join(User, User.id == cells.c.user_id)
            .join(
                FreeTextAnswer,
                and_(
                    FreeTextAnswer.submission_id == cells.c.submission_id,
                    FreeTextAnswer.question_id == question_id,
                ),
            )
            .outerjoin(
                ManualGrade,
                and_(
                    ManualGrade.submission_id == cells.c.submission_id,
                    ManualGrade.question_id == question_id,
                ),
            )
            .outerjoin(
                GradingClaim,
                and_(
                    GradingClaim.submission_id == cells.c.submission_id,
                    GradingClaim.question_id == question_id,
                    GradingClaim.expires_at > moment,
                ),
            )
            .outerjoin(grader, grader.id == GradingClaim.grader_id)
        ).all()
    )
    rows.sort(key=lambda r: order_key(target.id, question_id, r[0]))
    entries = tuple(
        QueueEntry(
            submission_id=sid,
            student=name,
            number=number,
            graded=grade_id is not None,
            score=score,
            claimed_by=holder,
            claimed_until=until if holder is not None else None,
        )
        for number, (sid, name, grade_id, score, holder, until) in enumerate(rows, start=1)
    )
    return Queue(question_id, entries)


@dataclass(frozen=True)
class QuestionCounts:
    """One free-text question of an assignment, with where its grading stands."""

    question_id: str
    prompt: str
    points: float
    answers: int
    graded: int
    claimed: int

    @property
    def left(self) -> int:
        return self.answers - self.graded


def question_counts(
    session: Session, target: CourseAssignment, assignment: Assignment
) -> list[QuestionCounts]:
    """Every free-text question of the assignment, in its order, with how many counted
    answers it has, how many are graded and how many are claimed now (one query)."""
    questions = assignment.free_text
    if not questions:
        return []
    cells = counted_cells(target.course_id, [target.id])
    moment = now()
    rows = session.execute(
        select(
            FreeTextAnswer.question_id,
            func.count(FreeTextAnswer.id),
            func.count(ManualGrade.id),
            func.count(GradingClaim.id),
        )
        .join(cells, cells.c.submission_id == FreeTextAnswer.submission_id)
        .outerjoin(
            ManualGrade,
            and_(
                ManualGrade.submission_id == FreeTextAnswer.submission_id,
                ManualGrade.question_id == FreeTextAnswer.question_id,
            ),
        )
        .outerjoin(
            GradingClaim,
            and_(
                GradingClaim.submission_id == FreeTextAnswer.submission_id,
                GradingClaim.question_id == FreeTextAnswer.question_id,
                GradingClaim.expires_at > moment,
            ),
        )
        .group_by(FreeTextAnswer.question_id)
    ).all()
    found = {qid: (answers, graded, claimed) for qid, answers, graded, claimed in rows}
    return [
        QuestionCounts(q.id, q.prompt, q.points, *found.get(q.id, (0, 0, 0))) for q in questions
    ]
