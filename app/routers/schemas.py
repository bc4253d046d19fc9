"""Response bodies, documented in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.models.vocabulary import AttemptStatus, RegradeMode, SubmissionStatus
from app.services.results.read import SubmissionRecord
from app.services.results.schema import ResultOut

Status = SubmissionStatus


class Queued(BaseModel):
    """An upload that was stored and queued (or the earlier one it repeats)."""

    id: str
    status: Status


class SubmissionOut(BaseModel):
    """A submission and its current result (the result JSON of the CLI, or null until the
    first grading finishes)."""

    id: str
    course: str
    assignment: str
    user: str
    filename: str
    sha256: str
    size: int
    status: Status
    submitted_at: datetime
    late: bool
    result: ResultOut | None = Field(
        default=None, description="the current result; null until the first grading ends"
    )

    @classmethod
    def of(cls, record: SubmissionRecord) -> SubmissionOut:
        """The read model as the API answers it."""
        return cls(**record.fields(), result=record.result())


class SubmissionPage(BaseModel):
    items: list[SubmissionOut]
    total: int
    limit: int
    offset: int


class RegradeRequest(BaseModel):
    """How to grade again: ``rejudge`` judges the current run's kept outputs again without
    running the notebook (when it has none, the notebook runs again); ``rerun`` runs it."""

    mode: RegradeMode = "rejudge"


class RunQueued(BaseModel):
    """A grading run waiting for a worker."""

    submission: str
    run: int
    number: int = Field(description="1 for the first grading, one more for each regrade")
    mode: RegradeMode
    status: Status = "queued"
    created: bool = Field(
        description="false when a run of the same kind was already waiting and is reused"
    )


class RegradeBatch(BaseModel):
    """The runs a regrade of a whole assignment queued (or found already waiting)."""

    runs: list[RunQueued]
    queued: int = Field(description="how many runs this request added")


class Bucket(BaseModel):
    """Students whose score is at least ``low`` and below ``high`` percent (100 included in
    the last bucket)."""

    low: int
    high: int
    count: int


class TestSummary(BaseModel):
    __test__ = False  # not a pytest class, despite the name

    name: str
    failed: int = Field(description="students whose result did not pass this test")
    graded: int = Field(description="students whose result has this test")
    mean_score: float
    max_score: float


class MistakeSummary(BaseModel):
    mistake: str = Field(
        description=(
            "the named mistake the outputs matched: a mutant id, or auto:<operator>:<detail> "
            "from the automatic diagnosis"
        )
    )
    students: int
    tests: int = Field(description="test results that matched it, across those students")


class AssignmentSummary(BaseModel):
    """Where the class stands on one assignment: each student counts once, by the current
    result of their latest graded submission (raw score, before any late policy)."""

    course: str
    assignment: str
    submissions: int = Field(description="every submission to the assignment")
    students: int = Field(description="students with at least one submission")
    graded: int = Field(description="students with a graded result")
    mean_percent: float | None
    distribution: list[Bucket]
    tests: list[TestSummary] = Field(description="the tests failed most, most first")
    mistakes: list[MistakeSummary] = Field(description="the commonest named mistakes")


# -- quiz attempts ------------------------------------------------------------------------

AnswerText = Annotated[str, StringConstraints(max_length=20_000)]
"""An answer as the student typed it (numbers too: ``"2.5e-1"``); 2,000 characters at most
but for a free-text question's (20,000)."""


class FreeTextIn(BaseModel):
    """A free-text answer with an image: ``data:image/png;base64,...`` (PNG or JPEG)."""

    model_config = ConfigDict(extra="forbid")

    text: AnswerText = ""
    image: Annotated[str, StringConstraints(max_length=800_064)] | None = None


QuestionId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class AnswersIn(BaseModel):
    """Answers to save: each question given replaces its saved answer, ``null`` clears it,
    questions left out keep theirs. Option letters are lower case, in the order shown."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"answers": {"q1": "b", "q2": ["a", "c"], "q3": "12"}}]},
    )

    answers: dict[
        QuestionId,
        AnswerText | Annotated[list[AnswerText], Field(max_length=50)] | FreeTextIn | None,
    ] = Field(max_length=200)


class QuestionOut(BaseModel):
    """A question as the student reads it. ``answer`` (the key) and ``explanation`` are null
    until the course's instructor releases the quiz's keys."""

    id: str
    type: str = Field(description="`single`, `multiple`, `exact`, `integer`, `shape`, `number`")
    prompt: str
    options: list[str] = Field(description="single and multiple: lettered `a`, `b`, ... in order")
    points: float
    answer: Any | None = Field(default=None, description="the key, once released")
    explanation: str | None = Field(default=None, description="shown once the keys are released")


class AttemptOut(BaseModel):
    """A quiz attempt by the server's clock: its questions, the answers saved so far, how
    long it has left and, once submitted, its result (the result JSON of the CLI)."""

    id: str
    course: str
    assignment: str
    user: str
    number: int = Field(description="1 for the student's first attempt at the quiz")
    status: AttemptStatus
    now: datetime = Field(description="the server's time when this was read")
    started_at: datetime
    deadline_at: datetime | None = Field(description="start plus the time limit; null: none")
    closes_at: datetime | None = Field(
        description="until when late answers are taken; then it is submitted as saved"
    )
    due_at: datetime | None = Field(description="the course's due date for the quiz")
    time_left_seconds: int | None = Field(
        description="until `deadline_at` by the server's clock; null without a time limit"
    )
    answers: dict[str, Any] = Field(description="the saved answers, as given")
    answered_at: datetime | None = Field(description="when the answers last changed")
    late: bool = Field(description="an answer changed after the deadline or the due date")
    late_days: int = Field(description="started days late, for the late policy")
    submitted_at: datetime | None
    submission: str | None = Field(description="the submission holding the result")
    result: ResultOut | None = Field(default=None, description="once submitted, its result")
    keys_released: bool
    questions: list[QuestionOut]


class KeysOut(BaseModel):
    """A quiz's keys, per question, once the instructor has released them."""

    course: str
    assignment: str
    released: bool
    closed: int = Field(0, description="open attempts the release submitted (`?close=true`)")
    questions: list[QuestionOut]
