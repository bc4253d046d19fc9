"""Saved comments: a grader writes a comment once and picks it again for other answers to
the same question. The same text (spacing at either end aside) is kept once per question."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import CourseAssignment, SavedComment, User
from app.services.errors import Invalid, NotFound
from app.services.manual.groups_data import row_id
from graders import Assignment

MAX_COMMENT_CHARS = 2_000
"""A saved comment is a reusable sentence or two, not a whole feedback."""
MAX_PER_QUESTION = 200
"""Enough for any rubric; a list longer than this is no help to pick from."""


def _question(assignment: Assignment, question_id: str) -> None:
    if not any(q.id == question_id for q in assignment.free_text):
        raise NotFound("free-text question")


def list_comments(
    session: Session, target: CourseAssignment, assignment: Assignment, question_id: str
) -> list[SavedComment]:
    """The question's saved comments, oldest first."""
    _question(assignment, question_id)
    return list(
        session.scalars(
            select(SavedComment)
            .where(
                SavedComment.course_assignment_id == target.id,
                SavedComment.question_id == question_id,
            )
            .order_by(SavedComment.id)
        )
    )


def add_comment(
    session: Session,
    user: User,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    text: str,
) -> tuple[SavedComment, bool]:
    """Save ``text`` for the question; the row and whether it is new (the same text saved
    before is given back, not stored twice). :class:`Invalid` for an empty or long text."""
    _question(assignment, question_id)
    cleaned = text.strip()
    if not cleaned:
        raise Invalid("invalid-comment", "Invalid comment", "the comment is empty")
    if len(cleaned) > MAX_COMMENT_CHARS:
        raise Invalid(
            "invalid-comment",
            "Invalid comment",
            f"a saved comment has at most {MAX_COMMENT_CHARS:,} characters",
        )
    if "\x00" in cleaned:
        raise Invalid("invalid-comment", "Invalid comment", "the comment holds a NUL character")
    where = (
        SavedComment.course_assignment_id == target.id,
        SavedComment.question_id == question_id,
    )
    same = session.scalars(select(SavedComment).where(*where, SavedComment.text == cleaned)).first()
    if same is not None:
        return same, False
    count = session.scalar(select(func.count()).select_from(SavedComment).where(*where)) or 0
    if count >= MAX_PER_QUESTION:
        raise Invalid(
            "too-many-comments",
            "Too many saved comments",
            f"a question keeps at most {MAX_PER_QUESTION} saved comments: delete one first",
        )
    row = SavedComment(
        course_assignment_id=target.id, question_id=question_id, text=cleaned, created_by=user.id
    )
    session.add(row)
    session.flush()
    return row, True


def delete_comment(
    session: Session,
    target: CourseAssignment,
    assignment: Assignment,
    question_id: str,
    comment_id: int,
) -> None:
    """Delete a saved comment of the question; :class:`NotFound` for any other id. Grades
    that used its text keep it (a grade holds its own copy)."""
    _question(assignment, question_id)
    row = session.get(SavedComment, comment_id) if row_id(comment_id) else None
    if row is None or row.course_assignment_id != target.id or row.question_id != question_id:
        raise NotFound("saved comment")
    session.delete(row)
    session.flush()
