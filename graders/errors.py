"""Errors raised by the grading engine.

The whole tree::

    GraderError                      anything the engine raises on purpose
    ├── RejectedUpload               the student's file is not a gradable notebook (``reason``)
    ├── SandboxError                 the sandbox cannot be used here (``fix`` says what to do)
    ├── AssignmentError              an assignment folder is malformed (``path``, ``field``)
    │   └── UnknownAssignment        no assignment has that id (``assignment_id``)
    ├── KernelError                  the sandboxed kernel could not serve a request
    │   ├── KernelStartError         it did not start or answer ``kernel_info``
    │   └── KernelDied               it died while we waited on it (``verdict``)
    └── CallError                    ``session.call`` failed; ``status`` is the test verdict
        ├── FunctionMissing          the notebook does not define that function (``missing``)
        ├── StudentException         the function raised (``ename``, ``evalue``) (``error``)
        ├── CallTimeout              it ran past the call's time limit (``timeout``)
        └── UnsupportedValue         it returned something that is not plain data (``error``)

Every error carries fixed, typed fields so callers never parse messages.
"""

from __future__ import annotations


class GraderError(Exception):
    """Base class of every error the engine raises on purpose."""


class RejectedUpload(GraderError):
    """The uploaded file cannot be graded; ``reason`` is the sentence shown to the student."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SandboxError(GraderError):
    """The sandbox is unusable on this machine; grading refuses to run unsandboxed."""

    def __init__(self, problem: str, fix: str) -> None:
        super().__init__(f"{problem} (fix: {fix})")
        self.problem = problem
        self.fix = fix


class AssignmentError(GraderError):
    """An assignment folder is malformed: ``path`` is the file, ``field`` what in it."""

    def __init__(self, path: str, field: str, problem: str) -> None:
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.field = field
        self.problem = problem


class UnknownAssignment(AssignmentError):
    """No assignment in the catalog has this id."""

    def __init__(self, assignment_id: str, known: list[str]) -> None:
        listing = ", ".join(known) or "none"
        super().__init__(assignment_id, "", f"no such assignment (known: {listing})")
        self.assignment_id = assignment_id


class KernelError(GraderError):
    """The sandboxed kernel could not serve a request."""


class KernelStartError(KernelError):
    """The kernel did not start, or did not answer ``kernel_info`` in time."""


class KernelDied(KernelError):
    """The kernel died; ``verdict`` is one of ``memory``, ``killed``, ``crashed``, ``timeout``."""

    def __init__(self, verdict: str, detail: str) -> None:
        super().__init__(detail)
        self.verdict = verdict
        self.detail = detail


class CallError(GraderError):
    """A call into the student's notebook failed; ``status`` is the verdict for its tests."""

    status = "error"

    def __init__(self, function: str, detail: str) -> None:
        super().__init__(f"{function}: {detail}")
        self.function = function
        self.detail = detail


class FunctionMissing(CallError):
    """The notebook does not define the function (or it is not callable)."""

    status = "missing"


class StudentException(CallError):
    """The student's function raised; ``ename``/``evalue`` are the exception's last line."""

    def __init__(self, function: str, ename: str, evalue: str) -> None:
        super().__init__(function, f"{ename}: {evalue}" if evalue else ename)
        self.ename = ename
        self.evalue = evalue


class CallTimeout(CallError):
    """The function ran past the call's time limit."""

    status = "timeout"


class UnsupportedValue(CallError):
    """The function returned something that is not plain data (object array, subclass, ...)."""
