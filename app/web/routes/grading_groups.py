"""The answer groups page of one free-text question: find groups, confirm or reject them,
split and merge them, grade a confirmed group at once; the integrity flags, the consistency
audit and the question's saved comments. The rules are :mod:`app.services.manual.groups`'
(and ``groups_view``, ``comments``); each action answers with the page saying its outcome."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from app.deps import catalog_of
from app.errors import Problem, from_service
from app.models import CourseAssignment, User
from app.services.access import catalog_assignment
from app.services.errors import NotFound, ServiceError
from app.services.manual import comments, groups, groups_view
from app.services.manual.groups_data import row_id
from app.services.manual.queue import free_text_question
from app.services.manual.rubrics import current_rubric
from app.services.web_sessions import SignedIn
from app.web import csrf
from app.web.session import PageUser
from app.web.teaching import assignment_for, reader
from app.web.templating import render
from graders import Assignment
from graders.freetext.groups import embeddings_available

router = APIRouter(include_in_schema=False)

PAGE = "/courses/{course}/assignments/{assignment}/grading/{question}/groups"
Names = Annotated[str | None, Query(max_length=3)]


def _assignment(request: Request, target: CourseAssignment, question: str) -> Assignment:
    found = catalog_assignment(catalog_of(request.app), target)
    free_text_question(found, question)
    return found


def groups_page(
    request: Request,
    user: SignedIn,
    course: str,
    assignment: str,
    question: str,
    *,
    names: bool = False,
    done: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    """The page, with ``done`` (an action's outcome) or ``error`` (why it was refused)."""
    with request.app.state.db.session() as session:
        taught, target = assignment_for(session, user, course, assignment)
        setting = _assignment(request, target, question)
        prompt = next(q for q in setting.free_text if q.id == question)
        rubric = current_rubric(session, target, setting).rubric.get(question)
        ctx = groups_view.context(session, target, setting, question)
        context: dict[str, Any] = {
            "groups": groups_view.list_groups(session, target, setting, question, ctx=ctx),
            "shared": groups_view.integrity_flags(session, target, setting, question, ctx),
            "findings": groups_view.audit(session, target, setting, question, ctx),
            "saved": comments.list_comments(session, target, setting, question),
        }
        page = render(
            "instructor/grading_groups.html",
            status_code=status_code,
            user=user,
            csrf=csrf.token_for(request, True),
            course=taught,
            assignment=assignment,
            title=setting.title,
            question=prompt,
            questions=setting.free_text,
            items=rubric.items if rubric is not None else (),
            names=names,
            semantic=embeddings_available(),
            done=done,
            error=error,
            **context,
        )
    return page


@router.get(PAGE)
def show_groups(
    request: Request,
    course: str,
    assignment: str,
    question: str,
    user: PageUser,
    names: Names = None,
) -> Response:
    """The question's live groups (anonymous unless ``names=1``), flags and audit."""
    if len(question) > 64:
        raise NotFound("free-text question")
    return groups_page(request, user, course, assignment, question, names=names == "1")


def _int(value: object, what: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
        if row_id(number):
            return number
    raise Problem(422, "invalid-request", "Invalid request", f"{what} must be a group's number")


def _number(value: object) -> float:
    if value in (None, ""):
        return 0.0
    try:
        number = float(str(value))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise Problem(422, "invalid-request", "Invalid request", "the adjustment must be a number")
    return number


Action = Callable[[Session, User, CourseAssignment, Assignment, FormData], str]


async def _act(
    request: Request, user: SignedIn, course: str, assignment: str, question: str, act: Action
) -> Response:
    """Check the form, run ``act`` in a transaction and answer with the page saying what it
    did, or, when the service refused, why (with the refusal's status)."""
    form = await request.form()
    csrf.check(request, form, signed_in=True)
    names = form.get("names") == "1"
    if len(question) > 64:
        raise NotFound("free-text question")

    def run() -> str:
        with request.app.state.db.session() as session:
            person = reader(session, user)
            _course, target = assignment_for(session, user, course, assignment)
            setting = _assignment(request, target, question)
            return act(session, person, target, setting, form)

    def page(**outcome: Any) -> Response:
        return groups_page(request, user, course, assignment, question, names=names, **outcome)

    try:
        done = await run_in_threadpool(run)
    except NotFound:
        raise
    except ServiceError as refused:
        problem = from_service(refused)
        return await run_in_threadpool(
            lambda: page(error=problem.detail or problem.title, status_code=problem.status)
        )
    return await run_in_threadpool(lambda: page(done=done))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@router.post(f"{PAGE}/find")
async def find_groups(
    request: Request, course: str, assignment: str, question: str, user: PageUser
) -> Response:
    """Ask the engine for groups (``semantic=yes``: by meaning too)."""

    def act(session: Session, person: User, target: Any, setting: Assignment, form: Any) -> str:
        semantic = form.get("semantic") == "yes"
        made = groups.suggest_groups(session, target, setting, question, semantic, actor=person)
        text = f"Found {_plural(len(made.stored), 'new group')}"
        if made.known:
            text += f"; {made.known} already known"
        return text + "."

    return await _act(request, user, course, assignment, question, act)


@router.post(f"{PAGE}/{{group_id}}/{{verb}}")
async def decide_group(
    request: Request,
    course: str,
    assignment: str,
    question: str,
    group_id: str,
    verb: str,
    user: PageUser,
) -> Response:
    """``confirm``, ``reject``, ``split`` (the chosen ``member`` answers) or ``grade`` (the
    chosen ``item`` boxes, ``adjustment``, ``comment``) one group."""
    gid = _int(group_id, "the group")
    if verb not in ("confirm", "reject", "split", "grade"):
        raise NotFound("action")

    def act(session: Session, person: User, target: Any, setting: Assignment, form: Any) -> str:
        if verb == "confirm":
            groups.confirm_group(session, person, target, question, gid)
            return f"Group {gid} confirmed: it can be graded now."
        if verb == "reject":
            groups.reject_group(session, person, target, question, gid)
            return f"Group {gid} rejected."
        if verb == "split":
            chosen = [str(v) for v in form.getlist("member")]
            off, rest = groups.split_group(session, person, target, question, gid, chosen)
            return (
                f"Split {_plural(len(off.members), 'answer')} off group {gid} into group "
                f"{off.id}; group {rest.id} holds the other {len(rest.members)}."
            )
        groups.group_of(session, target, question, gid)
        comment = str(form.get("comment") or "").strip()
        if not comment and form.get("saved"):
            picked = [c for c in comments.list_comments(session, target, setting, question)]
            comment = next((c.text for c in picked if str(c.id) == form.get("saved")), "")
        if comment and form.get("keep") == "yes":
            comments.add_comment(session, person, target, setting, question, comment)
        items = [str(v) for v in form.getlist("item")]
        adjustment = _number(form.get("adjustment"))
        done = groups.apply_to_group(session, person, gid, setting, items, adjustment, comment)
        return done.sentence() + "."

    return await _act(request, user, course, assignment, question, act)


@router.post(f"{PAGE}/merge")
async def merge_groups(
    request: Request, course: str, assignment: str, question: str, user: PageUser
) -> Response:
    """Merge the chosen ``group`` boxes into one group."""

    def act(session: Session, person: User, target: Any, setting: Assignment, form: Any) -> str:
        chosen = [_int(v, "a group") for v in form.getlist("group")]
        merged = groups.merge_groups(session, person, target, question, chosen)
        return f"Merged {_plural(len(set(chosen)), 'group')} into group {merged.id}."

    return await _act(request, user, course, assignment, question, act)


@router.post(f"{PAGE}/comments")
async def save_comment(
    request: Request, course: str, assignment: str, question: str, user: PageUser
) -> Response:
    """Save a comment for the question (``delete``: delete the saved comment of that id)."""

    def act(session: Session, person: User, target: Any, setting: Assignment, form: Any) -> str:
        doomed = form.get("delete")
        if doomed:
            comments.delete_comment(session, target, setting, question, _int(doomed, "a comment"))
            return "Saved comment deleted."
        _row, new = comments.add_comment(
            session, person, target, setting, question, str(form.get("text") or "")
        )
        return "Comment saved." if new else "That comment was saved already."

    return await _act(request, user, course, assignment, question, act)
