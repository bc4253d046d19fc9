"""Every status and choice the tables hold, each written once.

Models annotate their columns with these ``Literal`` types, the API's schemas reuse them, and
the database's CHECK constraints are built from the same tuples (:func:`one_of`), so a new
status is added in one place (then in a migration, which copies the tuple as it was).
The result statuses come from the engine: a submission's status is its latest run's.
"""

from __future__ import annotations

from typing import Literal, get_args

from graders import RESULT_STATUSES, TEST_STATUSES, ResultStatus, TestStatus

SubmissionStatus = Literal["queued", "running", "graded", "needs-grading", "rejected", "error"]
"""Where a submission's grading stands: waiting, running, or its latest run's result status."""
SUBMISSION_STATUSES: tuple[str, ...] = get_args(SubmissionStatus)
RunStatus = SubmissionStatus
RUN_STATUSES = SUBMISSION_STATUSES

AttemptStatus = Literal["open", "submitted"]
ATTEMPT_STATUSES: tuple[str, ...] = get_args(AttemptStatus)

RegradeMode = Literal["rejudge", "rerun"]
"""``rejudge``: judge the kept outputs again without a kernel; ``rerun``: run the notebook."""
REGRADE_MODES: tuple[str, ...] = get_args(RegradeMode)

RunReason = Literal["upload", "regrade"]
RUN_REASONS: tuple[str, ...] = get_args(RunReason)

LatePolicyName = Literal["none", "penalty", "cap"]
LATE_POLICIES: tuple[str, ...] = get_args(LatePolicyName)

Role = Literal["instructor", "student"]
ROLES: tuple[str, ...] = get_args(Role)

SubmissionKind = Literal["notebook", "answers"]
SUBMISSION_KINDS: tuple[str, ...] = get_args(SubmissionKind)

__all__ = [
    "ATTEMPT_STATUSES",
    "LATE_POLICIES",
    "REGRADE_MODES",
    "RESULT_STATUSES",
    "ROLES",
    "RUN_REASONS",
    "RUN_STATUSES",
    "SUBMISSION_KINDS",
    "SUBMISSION_STATUSES",
    "TEST_STATUSES",
    "AttemptStatus",
    "LatePolicyName",
    "RegradeMode",
    "ResultStatus",
    "Role",
    "RunReason",
    "RunStatus",
    "SubmissionKind",
    "SubmissionStatus",
    "TestStatus",
    "one_of",
]


def one_of(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK constraint that ``column`` holds one of ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({listed})"
