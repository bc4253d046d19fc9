"""What running a notebook produced: a verdict per cell, and the run's overall status."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CellStatus = Literal[
    "ok", "error", "timeout", "memory", "output-limit", "killed", "crashed", "skipped"
]
BREACHES: frozenset[str] = frozenset({"timeout", "memory", "output-limit", "killed", "crashed"})


@dataclass
class CellReport:
    """The verdict of one code cell."""

    index: int
    """Position of the cell in the notebook (all cells counted, as nbformat does)."""
    status: CellStatus
    detail: str = ""
    """Why, in a sentence: the exception's last line, the limit hit, the signal."""
    seconds: float = 0.0
    output_bytes: int = 0


@dataclass
class RunReport:
    """The outcome of executing a notebook in the sandbox."""

    status: Literal["ok", "timeout"] = "ok"
    """``timeout`` when the submission's wall clock ran out before every cell had run."""
    cells: list[CellReport] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    """Names of the functions and classes the notebook defines (after the run)."""
    restarts: int = 0
    """How many times a dead or stuck kernel was replaced."""
    seconds: float = 0.0
    limits_hit: list[str] = field(default_factory=list)
    stopped: str = ""
    """Why the run ended before its last cell, when the submission's time limit ended it
    ("the notebook ran past the 120 s submission limit in cell 31")."""
    skipped: int = 0
    """Code cells not run because the submission's time limit ran out (one cell report
    stands for them all)."""

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``markwell run --json``."""
        return asdict(self)
