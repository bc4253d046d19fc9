"""Markwell's grading engine: run untrusted notebooks in a sandbox and call their functions.

Usable alone, with no server and no database::

    from graders import run_notebook, Limits
    with run_notebook("student.ipynb", Limits(cell_seconds=10)) as session:
        result = session.call("softmax", x)

Quizzes need no kernel: ``grade_answers(quiz, read_answers(data, quiz))`` (``graders.quiz``).
Free-text answers (``graders.freetext``) are graded by hand against rubrics (``graders.rubric``).
"""

from graders.assignments import Assignment, Catalog, load_catalog, read_assignment
from graders.batch import find_notebooks, grade_folder
from graders.doctor import Finding, cgroup_problem, diagnose, sandbox_problem
from graders.errors import (
    AssignmentError,
    CallError,
    CallTimeout,
    FunctionMissing,
    GraderError,
    KernelDied,
    KernelError,
    KernelStartError,
    RejectedUpload,
    SandboxError,
    StudentException,
    UnknownAssignment,
    UnsupportedValue,
)
from graders.export import score_cell, score_rows, scores_csv, text_cell
from graders.freetext import Answer, Attachment, answer_from_json, extract_answers, image_kind
from graders.grading import Graded, grade, with_answer_tests
from graders.judge.judge import evaluate
from graders.judge.runs import Case, CheckRun
from graders.judge.stored import dump_runs, load_runs
from graders.kernel.calls import CallResult
from graders.kernel.launch import AcquireKernel
from graders.kernel.pool import KernelPool
from graders.limits import Limits
from graders.notebook import read_notebook
from graders.protocol.codec import Opaque
from graders.quiz import (
    ComputedKey,
    Question,
    QuizSettings,
    check_keys,
    compute_keys,
    free_text_answers,
    grade_answers,
    read_answers,
)
from graders.report import CellReport, RunReport
from graders.result import (
    RESULT_STATUSES,
    TEST_STATUSES,
    VERDICT_STATUSES,
    CellVerdict,
    Result,
    ResultStatus,
    TestResult,
    TestStatus,
    VerdictStatus,
)
from graders.rubric import (
    Rubric,
    RubricItem,
    RubricQuestion,
    load_rubrics,
    rubric_change_effect,
    rubric_from_dict,
    rubric_to_toml,
)
from graders.sandbox.config import SandboxConfig
from graders.session import NotebookSession, run_notebook
from graders.shipped import shipped_folder
from graders.validation import diagnosis_summary, junit_xml, validate

# Plainly sorted (tests/test_public_api.py), which puts the status tuples among the classes.
__all__ = [  # noqa: RUF022
    "AcquireKernel",
    "Answer",
    "Assignment",
    "AssignmentError",
    "Attachment",
    "CallError",
    "CallResult",
    "CallTimeout",
    "Case",
    "Catalog",
    "CellReport",
    "CellVerdict",
    "CheckRun",
    "ComputedKey",
    "Finding",
    "FunctionMissing",
    "Graded",
    "GraderError",
    "KernelDied",
    "KernelError",
    "KernelPool",
    "KernelStartError",
    "Limits",
    "NotebookSession",
    "Opaque",
    "Question",
    "QuizSettings",
    "RESULT_STATUSES",
    "RejectedUpload",
    "Result",
    "ResultStatus",
    "Rubric",
    "RubricItem",
    "RubricQuestion",
    "RunReport",
    "SandboxConfig",
    "SandboxError",
    "StudentException",
    "TEST_STATUSES",
    "TestResult",
    "TestStatus",
    "UnknownAssignment",
    "UnsupportedValue",
    "VERDICT_STATUSES",
    "VerdictStatus",
    "answer_from_json",
    "cgroup_problem",
    "check_keys",
    "compute_keys",
    "diagnose",
    "diagnosis_summary",
    "dump_runs",
    "evaluate",
    "extract_answers",
    "find_notebooks",
    "free_text_answers",
    "grade",
    "grade_answers",
    "grade_folder",
    "image_kind",
    "junit_xml",
    "load_catalog",
    "load_rubrics",
    "load_runs",
    "read_answers",
    "read_assignment",
    "read_notebook",
    "rubric_change_effect",
    "rubric_from_dict",
    "rubric_to_toml",
    "run_notebook",
    "sandbox_problem",
    "score_cell",
    "score_rows",
    "scores_csv",
    "shipped_folder",
    "text_cell",
    "validate",
    "with_answer_tests",
]
