"""Response bodies, documented in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

Status = Literal["queued", "running", "graded", "rejected", "error"]


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
    result: dict[str, Any] | None = Field(
        default=None, description="`{assignment, status, score, max_score, tests: [...]}`"
    )


class SubmissionPage(BaseModel):
    items: list[SubmissionOut]
    total: int
    limit: int
    offset: int


RegradeMode = Literal["rejudge", "rerun"]


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
    mistake: str = Field(description="the named mistake (mutant id) the outputs matched")
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
