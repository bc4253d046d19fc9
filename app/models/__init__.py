"""The service's tables (SQLAlchemy 2 typed mappings); the schema itself comes from
``migrations/``. Importing this package registers every table on ``app.db.Base.metadata``."""

from app.models.courses import Course, CourseAssignment, LatePolicy
from app.models.people import Enrolment, Role, Token, User
from app.models.quizzes import AttemptStatus, QuizAttempt
from app.models.submissions import (
    GradingRun,
    RunStatus,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    TestRow,
)

__all__ = [
    "AttemptStatus",
    "Course",
    "CourseAssignment",
    "Enrolment",
    "GradingRun",
    "LatePolicy",
    "QuizAttempt",
    "Role",
    "RunStatus",
    "Submission",
    "SubmissionFile",
    "SubmissionStatus",
    "TestRow",
    "Token",
    "User",
]
