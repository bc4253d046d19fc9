"""Resource limits for one grading run."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Defaults are what a course would use."""

    submission_seconds: float = 120.0
    """Wall clock for the notebook's cells and restarts. When it runs out the later cells are
    not run, and the functions defined by then are graded (each call has ``call_seconds``)."""
    cell_seconds: float = 30.0
    """Wall clock for one cell."""
    call_seconds: float = 10.0
    """Wall clock for one ``session.call``."""
    memory_bytes: int = 2 * GiB
    """Memory of the whole sandbox (cgroup), and the basis of the address-space limit."""
    processes: int = 64
    """Tasks (processes and threads) in the sandbox; an idle kernel has about 13."""
    file_bytes: int = 100 * 1000 * 1000
    """Largest file the sandbox may write; also the size of its private /tmp."""
    open_files: int = 256
    """Open file descriptors per process."""
    output_bytes_per_cell: int = 1 * MiB
    """Captured output of one cell; past it the cell is stopped with ``output-limit``."""
    output_bytes_per_notebook: int = 8 * MiB
    """Captured output of the whole notebook."""
    message_bytes: int = 64 * MiB
    """Largest single message the kernel may send; a bigger one drops the channel."""
    result_bytes: int = 32 * MiB
    """Largest value a ``session.call`` may bring back."""
    notebook_bytes: int = 20 * 1000 * 1000
    """Largest notebook file accepted."""
    max_cells: int = 5000
    """Most cells a notebook accepted may have."""
    stored_output_bytes: int = 4 * MiB
    """Raw outputs kept for re-judging, all checks together; past it a value is kept only as
    a description (its type and shape)."""
    interrupt_grace_seconds: float = 3.0
    """How long a timed-out cell gets to honour an interrupt before its kernel is killed."""

    def with_overrides(self, **overrides: Any) -> Limits:
        """Return a copy with the given fields replaced (``None`` values are ignored)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def human_bytes(n: int) -> str:
    """``2 GiB``, ``512 MiB``: a memory limit as a verdict names it."""
    return f"{n / GiB:g} GiB" if n >= GiB else f"{n / MiB:g} MiB"
