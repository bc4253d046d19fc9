"""The service's tables (SQLAlchemy 2 typed mappings); the schema itself comes from
``migrations/``. Importing this package registers every table on ``app.db.Base.metadata``."""

from app.models.courses import Course, CourseAssignment
from app.models.manual import (
    AnswerAttachment,
    FreeTextAnswer,
    GradingClaim,
    ManualGrade,
    ManualGradingEvent,
    RubricVersion,
)
from app.models.manual_work import AnswerGroup, AnswerGroupMember, RegradeRequest, SavedComment
from app.models.people import Enrolment, Token, User
from app.models.quizzes import QuizAttempt
from app.models.settings_history import SettingChange
from app.models.submissions import (
    GradingRun,
    Submission,
    SubmissionFile,
    TestRow,
)
from app.models.vocabulary import (
    AttemptStatus,
    LatePolicyName,
    Role,
    RunStatus,
    SubmissionStatus,
)
from app.models.web import SigninLink, WebSession

__all__ = [
    "AnswerAttachment",
    "AnswerGroup",
    "AnswerGroupMember",
    "AttemptStatus",
    "Course",
    "CourseAssignment",
    "Enrolment",
    "FreeTextAnswer",
    "GradingClaim",
    "GradingRun",
    "LatePolicyName",
    "ManualGrade",
    "ManualGradingEvent",
    "QuizAttempt",
    "RegradeRequest",
    "Role",
    "RubricVersion",
    "RunStatus",
    "SavedComment",
    "SettingChange",
    "SigninLink",
    "Submission",
    "SubmissionFile",
    "SubmissionStatus",
    "TestRow",
    "Token",
    "User",
    "WebSession",
]
