"""What the student's code produced for each check: the inputs' seeds and the values returned,
enough to judge a submission again without running it (``graders.judge.stored`` keeps them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    """One set of inputs a check ran on, and what the student's function gave back."""

    generator: str
    seed: int | None
    """Seed of the random generator the inputs came from; ``None`` for a seed-document case."""
    got: Any = None
    verdict: str | None = None
    """``None`` when the function returned; else ``error``, ``missing``, ``timeout``,
    ``memory``."""
    detail: str = ""
    mutated: tuple[str, ...] = ()
    own_gradient: tuple[tuple[str, float | None], ...] = ()
    """For a backward whose gradient keys were wrong: the centred-difference derivative of the
    student's own forward along each wrong key's direction (``graders.judge.gradient``)."""
    composed: Any = None
    """For a wrong answer of a function that calls the student's other graded functions: what
    the reference gives with each of those calls answered by the student's own function in the
    sandbox (``graders.judge.carried``); meaningful only when ``composed_with`` is not empty."""
    composed_with: tuple[str, ...] = ()
    """The student's functions ``composed`` called; ``()`` when it was not computed."""
    note: str = ""
    """What the student should know about how the case was run (the submission's time limit
    ended the notebook early); added to the feedback of every test of the check."""

    @property
    def label(self) -> str:
        if self.seed is None:
            return "the assignment's own test case"
        return f"random inputs (seed {self.seed})"


@dataclass(frozen=True)
class CheckRun:
    """Everything the student's code produced for one check: enough to judge it again."""

    function: str
    cases: tuple[Case, ...]
