"""Results read for a reader, through :func:`~app.services.manual.student_view.shown_result`:
every route that hands a result to a student (the API's submission and attempt reads, the
student pages, the CLI through the API) reads it here, so no path shows a grade by hand
before its release."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, ManualGrade, Submission, TestRow
from app.services.manual.student_view import grade_views, shown_result
from app.services.results.read import SubmissionRecord, parsed_result
from app.services.results.schema import ResultOut


def _released(reader: Session | Connection, submission_id: str) -> bool:
    at = reader.execute(
        select(CourseAssignment.manual_released_at)
        .join(Submission, Submission.course_assignment_id == CourseAssignment.id)
        .where(Submission.id == submission_id)
    ).scalar()
    return at is not None


def _shown_doc(
    reader: Session | Connection, submission_id: str, text: str | None, instructor: bool
) -> dict[str, Any] | None:
    """The reader's view of result JSON ``text``; ``None`` when it is ``text`` unchanged
    (no part graded by hand: the common case costs one indexed lookup)."""
    if text is None:
        return None
    grades = grade_views(reader, submission_id)
    if not grades and '"pending"' not in text:
        return None
    doc = json.loads(text)
    return shown_result(doc, _released(reader, submission_id), grades, instructor)


def shown_json(
    reader: Session | Connection, submission_id: str, text: str | None, instructor: bool
) -> str | None:
    """Result JSON ``text`` of ``submission_id`` as the reader sees it."""
    doc = _shown_doc(reader, submission_id, text, instructor)
    return text if doc is None else json.dumps(doc)


def shown_record(reader: Session | Connection, record: SubmissionRecord) -> SubmissionRecord:
    """``record`` with its result as its reader (``record.caller_role``) sees it; its status
    says ``needs-grading`` while a part is pending for the reader."""
    instructor = record.caller_role == "instructor"
    doc = _shown_doc(reader, record.id, record.result_json, instructor)
    if doc is None:
        return record
    status = record.status
    if status == "graded" and doc.get("status") == "needs-grading":
        status = "needs-grading"
    return replace(record, result_json=json.dumps(doc), status=status)


def shown_records(
    reader: Session | Connection, records: Iterable[SubmissionRecord]
) -> list[SubmissionRecord]:
    """:func:`shown_record` of each."""
    return [shown_record(reader, r) for r in records]


def shown_current(
    session: Session, submission_id: str, text: str | None, instructor: bool
) -> ResultOut | None:
    """A submission's result JSON as the reader sees it, typed."""
    return parsed_result(shown_json(session, submission_id, text, instructor))


@dataclass(frozen=True)
class Withheld:
    """What a student does not see yet of one submission's score."""

    points: float
    """Points given by hand and not released (taken off the score the student sees)."""
    pending_points: float
    """Points of the parts still pending for the student (graded unreleased, or ungraded)."""


def withheld(session: Session, submission_ids: Iterable[str]) -> dict[str, Withheld]:
    """Per submission with hand-graded parts, what its author does not see yet of its
    current result (nothing withheld once released, but the ungraded parts stay pending)."""
    ids = sorted(set(submission_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(
            Submission.id,
            TestRow.score,
            TestRow.max_score,
            ManualGrade.id,
            CourseAssignment.manual_released_at,
        )
        .join(TestRow, TestRow.run_id == Submission.current_run_id)
        .join(CourseAssignment, CourseAssignment.id == Submission.course_assignment_id)
        .outerjoin(
            ManualGrade,
            and_(
                ManualGrade.submission_id == Submission.id, ManualGrade.question_id == TestRow.name
            ),
        )
        .where(Submission.id.in_(ids), (TestRow.status == "pending") | ManualGrade.id.isnot(None))
    ).all()
    points: dict[str, float] = {}
    pending: dict[str, float] = {}
    for sid, score, most, grade_id, released_at in rows:
        if grade_id is not None and released_at is not None:
            points.setdefault(sid, 0.0)
            pending.setdefault(sid, 0.0)
            continue
        if grade_id is not None:
            points[sid] = points.get(sid, 0.0) + float(score)
        pending[sid] = pending.get(sid, 0.0) + float(most)
        points.setdefault(sid, 0.0)
    return {sid: Withheld(round(points[sid], 6), round(pending[sid], 6)) for sid in points}
