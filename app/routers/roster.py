"""A course's roster, for its instructors: who is in it, adding and importing students,
their tokens (404 for everyone else). The rules are :mod:`app.services.roster`'s."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from app.deps import CurrentUser, DbDep, ReadSession, TaughtCourse
from app.errors import Problem, problems
from app.routers.attempts import capped_body
from app.services import roster as service
from app.services.access import taught_course
from app.services.errors import TooLarge

router = APIRouter(prefix="/api/v1", tags=["roster"])

NOT_TAUGHT = "No such course or student (or the caller does not teach the course)"
NO_STORE = {"Cache-Control": "no-store"}
"""A response that carries a token is kept by no cache."""

# A multipart body carries its boundaries and part headers besides the file.
MULTIPART_ENVELOPE = 16 * 1024


class MemberOut(BaseModel):
    name: str
    role: str = Field(description="`instructor` or `student`")
    live_token: bool = Field(description="whether they have a token that is not revoked")
    live_tokens: int


class RosterOut(BaseModel):
    course: str
    members: list[MemberOut]


class StudentIn(BaseModel):
    """A new student: a name no user has yet (1 to 200 characters)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"name": "erin"}]})

    name: str = Field(max_length=service.MAX_NAME)


class TokenOut(BaseModel):
    """A student's new token: shown this once, kept by the server only as a hash."""

    course: str
    name: str
    token: str
    revoked: int = Field(0, description="older tokens revoked (`?revoke_old=true`)")


class RevokedOut(BaseModel):
    course: str
    name: str
    revoked: int = Field(description="tokens revoked now")


class ImportedOut(BaseModel):
    line: int
    name: str
    status: str = Field(description="`added` (with its token) or `enrolled` already")
    token: str | None = Field(description="the new student's token, shown this once")


class ImportOut(BaseModel):
    course: str
    added: int
    students: list[ImportedOut]


@router.get(
    "/courses/{course}/roster",
    response_model=RosterOut,
    responses=problems(401, 404, 422, s404=NOT_TAUGHT),
    summary="The course's roster (instructors)",
)
def get_roster(course: TaughtCourse, user: CurrentUser, session: ReadSession) -> dict[str, Any]:
    """Everyone in the course, instructors first, with whether they hold a live token."""
    found = service.members(session, course, user)
    return {"course": course.slug, "members": [m.to_json() for m in found]}


@router.post(
    "/courses/{course}/roster",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenOut,
    responses=problems(
        401,
        404,
        409,
        422,
        s404=NOT_TAUGHT,
        s409="In the course already, or a user of another course",
    ),
    summary="Add a student (instructors)",
)
def add_student(
    course: str,
    body: Annotated[StudentIn, Body()],
    response: Response,
    user: CurrentUser,
    db: DbDep,
) -> dict[str, Any]:
    """Create a user of that name and enrol them as a student; their token is in the answer,
    and only there. 409 `already-enrolled` for someone in the course (issue a student a new
    token instead), `user-exists` for a user of another course (an operator enrols
    existing users, `markwell users add`)."""
    with db.session() as session:
        taught = taught_course(session, user, course)
        token = service.add_student(session, taught, user, body.name)
    response.headers.update(NO_STORE)
    return {"course": course, "name": body.name, "token": token, "revoked": 0}


IMPORT_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {
                "type": "string",
                # The CLI's format; the columns may come in any order.
                "pattern": "^name,role,course\r?\n",
                "examples": ["name,role,course\nerin,student,seq-2026\n"],
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}


async def roster_text(request: Request) -> str:
    """The CSV a request carries: its body (``text/csv`` or ``text/plain``) or the
    ``file`` of a multipart form; 413 past the roster limit, 415 for anything else."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    limit = service.MAX_ROSTER_BYTES
    if kind in ("text/csv", "text/plain"):
        raw = await capped_body(request, limit)
    elif kind == "multipart/form-data":
        raw = await _form_file(request, limit)
    else:
        raise Problem(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "send the roster as text/csv, or as the file of a multipart form",
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(
            422, "invalid-roster", "Invalid roster", f"not UTF-8 text (byte {exc.start})"
        ) from None


async def _form_file(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_ENVELOPE:
        raise TooLarge(limit, "the roster")
    async with request.form(max_files=1, max_fields=1, max_part_size=limit) as form:
        files = form.getlist("file")
        upload = files[0] if len(files) == 1 else None
        if upload is None or isinstance(upload, str):
            raise Problem(
                422, "invalid-roster", "Invalid roster", "send the roster as one `file` part"
            )
        raw = await upload.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(limit, "the roster")
    return raw


@router.post(
    "/courses/{course}/roster/import",
    response_model=ImportOut,
    responses=problems(
        400,
        401,
        404,
        413,
        415,
        422,
        s400="A multipart body that cannot be parsed, or with more than one part",
        s404=NOT_TAUGHT,
        s413=f"The roster is over {service.MAX_ROSTER_BYTES:,} bytes",
        s415="Neither text/csv nor a multipart form",
        s422="A row refused (the detail names its line); nobody is added",
    ),
    summary="Import students from a roster CSV (instructors)",
    openapi_extra={"requestBody": IMPORT_BODY},
)
async def import_roster(
    course: str, request: Request, response: Response, user: CurrentUser, db: DbDep
) -> dict[str, Any]:
    """Add every student of a CSV in the format of `markwell users import` (columns `name,
    role, course`; every row a `student` of this course), as `text/csv` or the `file` of
    a multipart form. All or nothing: a row refused answers 422 `invalid-roster` naming
    its line, and nobody is added. A student in the course already is left as they are
    (`enrolled`, no token); each new one's token is in the answer, and only there."""

    def check() -> None:
        with db.reader() as session:
            taught_course(session, user, course)

    await run_in_threadpool(check)  # a 404 before the body is read
    text = await roster_text(request)

    def run() -> list[service.Imported]:
        with db.session() as session:
            taught = taught_course(session, user, course)
            return service.import_students(session, taught, user, text)

    rows = await run_in_threadpool(run)
    response.headers.update(NO_STORE)
    return {
        "course": course,
        "added": sum(r.status == "added" for r in rows),
        "students": [r.to_json() for r in rows],
    }


@router.post(
    "/courses/{course}/roster/{student}/token",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenOut,
    responses=problems(
        401, 404, 409, 422, s404=NOT_TAUGHT, s409="Not a student (they teach a course)"
    ),
    summary="Issue a student a new token (instructors)",
)
def issue_token(
    course: str,
    student: str,
    response: Response,
    user: CurrentUser,
    db: DbDep,
    revoke_old: bool = False,
) -> dict[str, Any]:
    """A new token for a student of the course, shown only in this answer. Their other
    tokens keep working unless `?revoke_old=true`. A token is the student's in every
    course they are in."""
    with db.session() as session:
        taught = taught_course(session, user, course)
        revoked = 0
        if revoke_old:
            revoked = service.revoke_tokens(session, taught, user, student)
        token = service.issue_token(session, taught, user, student)
    response.headers.update(NO_STORE)
    return {"course": course, "name": student, "token": token, "revoked": revoked}


@router.post(
    "/courses/{course}/roster/{student}/revoke",
    response_model=RevokedOut,
    responses=problems(
        401, 404, 409, 422, s404=NOT_TAUGHT, s409="Not a student (they teach a course)"
    ),
    summary="Revoke a student's tokens (instructors)",
)
def revoke_tokens(course: str, student: str, user: CurrentUser, db: DbDep) -> dict[str, Any]:
    """Revoke every token of a student of the course (in every course they are in): their
    requests answer 401 from now on, until they are issued a new one."""
    with db.session() as session:
        taught = taught_course(session, user, course)
        revoked = service.revoke_tokens(session, taught, user, student)
    return {"course": course, "name": student, "revoked": revoked}
