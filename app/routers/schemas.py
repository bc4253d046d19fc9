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
