"""What running a notebook produced: a verdict per cell, and the run's overall status."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from graders.result import MAX_CELL_VERDICTS, CellVerdict

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

    def verdicts(self) -> tuple[CellVerdict, ...]:
        """The cells that did not run cleanly, for the result: numbered from 1, each with
        its one-line reason; past :data:`MAX_CELL_VERDICTS`, the first ones and the last
        (which says where the run stopped)."""
        found = [
            CellVerdict(c.index + 1, c.status, c.detail or c.status)
            for c in self.cells
            if c.status != "ok"
        ]
        if len(found) > MAX_CELL_VERDICTS:
            found = [*found[: MAX_CELL_VERDICTS - 1], found[-1]]
        return tuple(found)

    def breach_defining(self, cell_sources: list[str], name: str) -> CellReport | None:
        """The cell that failed on a limit or an error before it could define ``name``
        (its source holds ``def name(`` or ``class name``), if one did."""
        pattern = re.compile(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", re.M)
        for cell in self.cells:
            if cell.status in ("ok", "skipped") or not 0 <= cell.index < len(cell_sources):
                continue
            if pattern.search(cell_sources[cell.index]):
                return cell
        return None
