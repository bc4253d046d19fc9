"""The result JSON as typed documents (the contract of ``docs/assignments.md``), so the API's
``result`` field is described member by member in OpenAPI and read back with its types.

Members the engine leaves out when empty (``reason``, ``mistake``, ``late``) are left out
here too, so a result read back and written again is the document that was stored.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from graders import ResultStatus, TestStatus, VerdictStatus


def _absent(value: Any) -> bool:
    return value is None


class AppliedItemOut(BaseModel):
    """A rubric item a grader applied, as the rubric version of the grade words it."""

    id: str
    text: str
    points: float


class ManualPartOut(BaseModel):
    """A part graded by hand, as the reader may see it: until the instructor releases the
    grades by hand, a student sees it `pending` with `graded` false and no items or comment."""

    graded: bool = Field(description="whether its grade is shown (graded and released)")
    items: list[AppliedItemOut] = Field(default_factory=list)
    adjustment: float | None = None
    comment: str | None = Field(default=None, description="the grader's comment")
    rubric_version: int | None = None


class ManualSummaryOut(BaseModel):
    """The parts of a result graded by hand, as the reader sees them."""

    released: bool = Field(description="whether the instructor released the grades by hand")
    pending: int = Field(description="hand-graded parts not shown yet (not graded or released)")
    pending_points: float = Field(
        description="their points, not in `score`: they are to come, not lost"
    )


class TestOut(BaseModel):
    """One test: a function's output (``lstm_cell_forward/c_next``) or a question (``q3``)."""

    __test__ = False  # not a pytest class, despite the name
    model_config = ConfigDict(extra="ignore")

    name: str = Field(description="starts with the function or question it checks")
    score: float
    max_score: float
    status: TestStatus = Field(description="`pending`: waits for a grader (0 until graded)")
    feedback: str = Field(description="a sentence the student can act on")
    mistake: str | None = Field(
        default=None,
        exclude_if=_absent,
        description="the known mistake the output matched, when one did",
    )
    manual: ManualPartOut | None = Field(
        default=None, exclude_if=_absent, description="a part graded by hand (absent: automatic)"
    )


class CellVerdictOut(BaseModel):
    """A cell of the notebook that failed, hit a limit, or was not run."""

    model_config = ConfigDict(extra="ignore")

    cell: int = Field(description="the cell's number, every cell counted from 1")
    status: VerdictStatus
    detail: str = Field(description="one line: the limit it hit, or its error")


class LateOut(BaseModel):
    """A quiz attempt's late policy, applied to the days past its time limit."""

    days: int
    policy: str
    score_before: float
    note: str


class ResultOut(BaseModel):
    """The grade of one submission."""

    model_config = ConfigDict(extra="ignore")

    assignment: str
    status: ResultStatus = Field(
        description="`needs-grading`: some tests wait for a grader; `rejected`: not gradable "
        "(the reason says why); `error`: the grader failed"
    )
    score: float
    max_score: float
    tests: list[TestOut] = Field(default_factory=list)
    reason: str | None = Field(
        default=None, exclude_if=_absent, description="why it was rejected or the grader failed"
    )
    late: LateOut | None = Field(default=None, exclude_if=_absent)
    notebook: list[CellVerdictOut] | None = Field(
        default=None,
        exclude_if=_absent,
        description="the cells that failed, hit a limit or were not run (absent: none)",
    )
    manual: ManualSummaryOut | None = Field(
        default=None, exclude_if=_absent, description="the parts graded by hand (absent: none)"
    )
