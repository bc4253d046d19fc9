"""Grading free-text answers from the pages, question by question: an assignment's questions
with where their grading stands, and one answer at a time with its question's rubric.

Opening an answer claims it for the grader (:mod:`app.services.manual.claims`); while another
grader holds it, the page says who and until when and offers no save (the service refuses one
too). Saving grades it (:func:`~app.services.manual.grades.grade_answer`); "Save and next
ungraded" gives up the claim and opens the next answer nobody else holds. Every action is a
plain form post or link; ``static/grading.js`` only adds keys and announcements."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from app.deps import catalog_of
from app.errors import not_found
from app.models import CourseAssignment, Submission, User
from app.services.access import catalog_assignment, valid_id
from app.services.errors import Conflict, Invalid
from app.services.manual import claims
from app.services.manual.comments import add_comment
from app.services.manual.grades import MAX_ADJUSTMENT, grade_answer
from app.services.manual.queue import (
    Queue,
    QueueEntry,
    free_text_question,
    question_counts,
    question_queue,
)
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web import grading_view as views
from app.web.session import PageUser
from app.web.teaching import assignment_of, query, segment
from app.web.templating import render
from graders import Assignment

router = APIRouter(include_in_schema=False)

Id = Annotated[str | None, Query(max_length=64)]
Flag = Annotated[str | None, Query(max_length=8)]
PAGE = "/courses/{course}/assignments/{assignment}/grading"


@dataclass(frozen=True)
class Options:
    """How the grader looks at the queue: names shown or not, random or name order."""

    names: bool = False
    by_name: bool = False

    @classmethod
    def read(cls, names: object, order: object) -> Options:
        return cls(names == "1", order == "name")

    def query(self, **more: object) -> str:
        return query(**more, names="1" if self.names else "", order="name" if self.by_name else "")


def _quiz(request: Request, target: CourseAssignment) -> Assignment:
    return catalog_assignment(catalog_of(request.app), target)


def _title(request: Request, target: CourseAssignment) -> str:
    entry = catalog_of(request.app).get(target.assignment)
    return entry.title if entry is not None else target.assignment


@router.get(PAGE)
def questions_page(request: Request, course: str, assignment: str, user: PageUser) -> Response:
    """The assignment's free-text questions, each with its graded and left counts."""
    with request.app.state.db.session() as session:
        _person, target = assignment_of(session, user, course, assignment)
        counts = question_counts(session, target, _quiz(request, target))
        taught = target.course
    return render(
        "instructor/grading.html",
        user=user,
        csrf=csrf.token_for(request, True),
        course=taught,
        assignment=assignment,
        title=_title(request, target),
        counts=counts,
    )


def _entry(queue: Queue, answer: str | None, options: Options, grader: str) -> QueueEntry | None:
    """The answer asked for (404 when it is not in the queue), else the next ungraded one
    nobody else holds, else the first."""
    if answer:
        found = queue.find(answer) if valid_id(answer) else None
        if found is None:
            raise not_found("answer")
        return found
    upcoming = queue.next_ungraded(None, options.by_name, grader)
    if upcoming is not None:
        return upcoming
    ordered = queue.ordered(options.by_name)
    return ordered[0] if ordered else None


def _page(
    request: Request,
    session: Session,
    user: SignedIn,
    person: User,
    target: CourseAssignment,
    question_id: str,
    answer: str | None,
    options: Options,
    status_code: int = 200,
    typed: views.GradeView | None = None,
    **context: Any,
) -> Response:
    """The page for one answer, claiming it for ``person`` unless another grader holds it."""
    quiz = _quiz(request, target)
    question = free_text_question(quiz, question_id)
    queue = question_queue(session, target, quiz, question_id)
    entry = _entry(queue, answer, options, person.name)
    held: claims.Claim | None = None
    if entry is not None:
        try:
            claims.claim(session, person, entry.submission_id, question_id)
        except Conflict as refused:
            held = _holder(session, entry.submission_id, question_id)
            if held is None:
                raise refused
    grade = views.GradeView()
    shown = views.AnswerView("", empty=True)
    standing = None
    if entry is not None:
        grade = typed or views.saved_grade(session, entry.submission_id, question_id)
        shown = views.answer_view(session, entry.submission_id, question_id)
        standing = views.standing(queue, entry, options.by_name, person.name)
    rubric = views.rubric_items(session, target, quiz, question_id, grade.items, grade.adjustment)
    saved_sid = context.pop("saved", None)
    saved = queue.find(saved_sid) if isinstance(saved_sid, str) and valid_id(saved_sid) else None
    return render(
        "instructor/grading_answer.html",
        status_code=status_code,
        user=user,
        csrf=csrf.token_for(request, True),
        course=target.course,
        assignment=target.assignment,
        title=_title(request, target),
        question=question,
        prompt=views.prompt_html(question),
        queue=queue,
        entry=entry,
        held=held,
        answer=shown,
        grade=grade,
        rubric=rubric,
        comments=views.saved_comments(session, target, quiz, question_id),
        standing=standing,
        options=options,
        query=query,
        saved=saved,
        base=f"/courses/{segment(target.course.slug)}/assignments/{segment(target.assignment)}"
        f"/grading/{segment(question_id)}",
        **{"error": None, "done": False, **context},
    )


def _holder(session: Session, submission_id: str, question_id: str) -> claims.Claim | None:
    found = [c for c in claims.active(session, [submission_id]) if c.question_id == question_id]
    return found[0] if found else None


@router.get(PAGE + "/{question}")
def answer_page(
    request: Request,
    course: str,
    assignment: str,
    question: str,
    user: PageUser,
    answer: Id = None,
    names: Flag = None,
    order: Flag = None,
    saved: Id = None,
    done: Flag = None,
    left: Id = None,
) -> Response:
    """One answer (``answer``: a submission id; else the next ungraded), claimed on opening;
    ``left`` gives up the grader's claim on the answer they moved on from."""
    options = Options.read(names, order)
    with request.app.state.db.session() as session:
        person, target = assignment_of(session, user, course, assignment)
        if left and valid_id(left) and len(question) <= 64:
            claims.release(session, person, left, question)
        return _page(
            request,
            session,
            user,
            person,
            target,
            question,
            answer,
            options,
            saved=saved,
            done=done == "1",
        )


def _typed(form: Any) -> views.GradeView:
    items = tuple(str(v) for v in form.getlist("item") if isinstance(v, str))[:200]
    comment = str(form.get("comment") or "")
    insert = form.get("insert_comment")
    if isinstance(insert, str) and insert.strip():
        comment = f"{comment.rstrip()}\n\n{insert.strip()}" if comment.strip() else insert.strip()
    return views.GradeView(items, str(form.get("adjustment") or "").strip(), comment)


def _adjustment(text: str) -> float:
    """The adjustment field as a number (empty: none); :class:`Invalid` otherwise."""
    if not text:
        return 0.0
    try:
        value = float(text.replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > MAX_ADJUSTMENT:
        raise Invalid(
            "invalid-grade", "Invalid grade", "the adjustment must be a number such as -1 or 0.5"
        )
    return value


@router.post(PAGE + "/{question}")
async def save_grade(
    request: Request, course: str, assignment: str, question: str, user: PageUser
) -> Response:
    """Grade the answer with the items ticked, the adjustment and the comment; back to it
    ("Save"), or on to the next ungraded answer ("Save and next ungraded"). Refused, the
    page comes back with what was typed: 409 when another grader holds the answer, 422 for
    a bad adjustment or item."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    options = Options.read(form.get("names"), form.get("order"))
    typed = _typed(form)
    answer = str(form.get("answer") or "")
    moving_on = form.get("action") == "next"

    def run() -> Response:
        with request.app.state.db.session() as session:
            person, target = assignment_of(session, user, course, assignment)
            quiz = _quiz(request, target)
            free_text_question(quiz, question)
            queue = question_queue(session, target, quiz, question)
            entry = queue.find(answer) if valid_id(answer) else None
            submission = session.get(Submission, answer) if entry is not None else None
            if entry is None or submission is None:
                raise not_found("answer")
            try:
                with session.begin_nested():
                    if form.get("save_comment") == "yes" and typed.comment.strip():
                        add_comment(session, person, target, quiz, question, typed.comment)
                    grade_answer(
                        session,
                        person,
                        submission,
                        quiz,
                        question,
                        typed.items,
                        _adjustment(typed.adjustment),
                        typed.comment,
                    )
            except (Conflict, Invalid) as refused:
                status = 409 if isinstance(refused, Conflict) else 422
                return _page(
                    request, session, user, person, target, question, answer, options,
                    status, typed, error=refused.detail,
                )  # fmt: skip
            base = request.url.path
            if not moving_on:
                return RedirectResponse(
                    base + options.query(answer=answer, saved=answer), status_code=303
                )
            claims.release(session, person, answer, question)
            upcoming = queue.next_ungraded(answer, options.by_name, person.name)
            if upcoming is None or upcoming.submission_id == answer:
                location = base + options.query(answer=answer, saved=answer, done="1")
            else:
                location = base + options.query(answer=upcoming.submission_id, saved=answer)
            return RedirectResponse(location, status_code=303)

    return await run_in_threadpool(run)
