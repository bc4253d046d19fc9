"""Error carried forward: judge a function against the reference composed with the student's
own helpers.

``lstm_forward`` calls ``lstm_cell_forward``; when the student's cell is wrong, their
``lstm_forward`` is wrong too, however right its own loop. To tell the two apart, the
reference's ``lstm_forward`` runs in the trusted process with every call it makes to a graded
helper answered by the student's helper in the sandbox, on the same inputs, through the call
protocol (every wrong case side by side, ``graders.judge.lockstep``, so each round of helper
calls is one round trip). No reference code enters the sandbox:
only the arguments the reference passes to the helper do, and the helper's value comes back as
plain data.

If the student's output equals that composed value, the function is right given its helpers
and the mistake is in a helper. Whether it then keeps its points is the assignment's
``[feedback] carry_forward`` (default: it does, when a helper it called failed its own check,
so that the helper's mistake costs once, where it is made). This generalises what
``graders.judge.gradient`` does for a backward pass against the student's own forward.
"""

from __future__ import annotations

import contextlib
import inspect
import time
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graders.assignments import Check
from graders.assignments.manifest import Output
from graders.judge import diagnosis, lockstep
from graders.judge.compare import Tolerance, matches
from graders.judge.copies import plain_copy
from graders.judge.feedback import output_part
from graders.judge.lockstep import Ask, Stopped
from graders.judge.mistakes import FAILED, Outcome, trusted_value
from graders.judge.runs import Case
from graders.judge.trusted import Trusted
from graders.session import NotebookSession

__all__ = [
    "MAX_CALLS",
    "SECONDS",
    "Budget",
    "blames",
    "composable",
    "compose",
    "compose_all",
    "helpers_first",
    "reconsidered",
    "with_composed",
    "worse",
]

MAX_CALLS = 32
"""Calls to the student's helpers that composing one case may make: each is a round trip to
the kernel, so a training loop calling ``sigmoid`` thousands of times is not composed."""


SECONDS = 5.0
"""Time that composing may take in one grading, all checks together: a helper that takes
seconds per call must not multiply its time by every call the reference makes."""


@dataclass
class Budget:
    """What is left of :data:`SECONDS` for one grading."""

    seconds: float = SECONDS


def composable(trusted: Trusted, check: Check) -> tuple[str, ...]:
    """The graded functions of the notebook that ``check``'s reference calls (directly, or
    that its harness function needs): those whose mistakes show in this function's output."""
    graded = {c.function for c in trusted.assignment.checks}
    return tuple(sorted(diagnosis.helpers(trusted, check) & graded))


def helpers_first(trusted: Trusted) -> list[Check]:
    """The assignment's checks, each after the checks of the helpers it calls (else in the
    manifest's order), so that whose mistake a wrong answer shows is known when it is judged."""
    by_function = {c.function: c for c in trusted.assignment.checks}
    order: list[Check] = []
    seen: set[str] = set()

    def visit(check: Check) -> None:
        if check.function in seen:
            return
        seen.add(check.function)
        for name in composable(trusted, check):
            visit(by_function[name])
        order.append(check)

    for check in trusted.assignment.checks:
        visit(check)
    return order


def _rebound(fn: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    copy = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__ = fn.__qualname__
    return copy


def _namespace(reference: types.ModuleType) -> types.ModuleType:
    """A copy of ``reference`` whose functions, and the methods of its classes, look their
    globals up in the copy, so a helper replaced there is the one every reference function
    calls (a private ``_step``, ``Layer.forward``)."""
    ns = types.ModuleType(reference.__name__)
    ns.__dict__.update(reference.__dict__)
    home = reference.__dict__
    for key, value in home.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is home:
            ns.__dict__[key] = _rebound(value, ns.__dict__)
        elif isinstance(value, type) and value.__module__ == reference.__name__:
            members = {
                k: _rebound(v, ns.__dict__)
                if isinstance(v, types.FunctionType) and v.__globals__ is home
                else v
                for k, v in vars(value).items()
                if k not in ("__dict__", "__weakref__")
            }
            # A class that cannot be remade keeps calling the reference's own helpers.
            with contextlib.suppress(TypeError):
                ns.__dict__[key] = type(value)(value.__name__, value.__bases__, members)
    return ns


def _form(value: Any) -> Any:
    """The structure of a value: container types and keys, array shapes and kinds of dtype."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.kind)
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(_form(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _form(v)) for k, v in value.items())))
    return type(value).__name__


def _work(trusted: Trusted, check: Check, args: tuple[Any, ...]) -> Callable[[Ask], Any]:
    """The reference's computation of ``check`` on ``args`` with each graded helper answered
    through ``ask``, as :func:`graders.judge.lockstep.side_by_side` runs it.

    A helper's value is used only when it has the form (containers, shapes, kinds of dtype)
    the reference's own helper gives on the same arguments: the reference then computes on
    the sizes it was written for, whatever the sandbox sends back.
    """
    own = {c.function: c.reference for c in trusted.assignment.checks}

    def answered_by(name: str, ask: Ask) -> Callable[..., Any]:
        reference = trusted.function(trusted.reference, own[name], "reference function")
        signature = inspect.signature(reference)

        def helper(*a: Any, **kw: Any) -> Any:
            bound = signature.bind(*a, **kw)  # the call protocol passes arguments by position
            if bound.kwargs:
                raise Stopped
            expected = reference(*plain_copy(bound.args))
            value = ask(name, tuple(bound.args))
            if _form(value) != _form(expected):
                raise Stopped
            return value

        return helper

    def work(ask: Ask) -> Any:
        ns = _namespace(trusted.reference)
        for name in composable(trusted, check):
            setattr(ns, name, answered_by(name, ask))
        return diagnosis.runner(trusted, check)(ns, plain_copy(args))

    return work


def compose_all(
    session: NotebookSession,
    trusted: Trusted,
    jobs: Sequence[tuple[Check, tuple[Any, ...]]],
    budget: Budget | None = None,
) -> list[tuple[Any, tuple[str, ...]]]:
    """For each ``(check, args)``: what the reference gives on ``args`` with every graded
    helper answered by the student's own, and the helpers it called; ``(None, ())`` when a
    helper failed (raised, timed out, returned a value of another form), the calls ran past
    :data:`MAX_CALLS`, or the ``budget`` ran out (it is charged the time taken). The
    computations run side by side: one round trip per round of helper calls."""
    budget = budget or Budget()
    if not jobs or budget.seconds <= 0:
        return [(None, ())] * len(jobs)
    started = time.monotonic()
    works = [_work(trusted, check, args) for check, args in jobs]
    try:
        finished = lockstep.side_by_side(session, works, budget.seconds, MAX_CALLS)
    finally:
        budget.seconds -= time.monotonic() - started
    return [(f.value, f.asked) if f.ok and f.asked else (None, ()) for f in finished]


def compose(
    session: NotebookSession,
    trusted: Trusted,
    check: Check,
    args: tuple[Any, ...],
    budget: Budget | None = None,
) -> tuple[Any, tuple[str, ...]]:
    """:func:`compose_all` for one computation."""
    return compose_all(session, trusted, [(check, args)], budget)[0]


def _wrong(check: Check, expected: Sequence[Any], got: Any, tol: Tolerance) -> bool:
    """Whether some output of ``got`` matches none of the expected values."""
    for output in check.outputs:
        mine, problem = output_part(check, output, got)
        if problem:
            return True
        if not any(
            e is not FAILED and matches(output_part(check, output, e)[0], mine, tol)
            for e in expected
        ):
            return True
    return False


def with_composed(
    session: NotebookSession,
    trusted: Trusted,
    runs: Sequence[tuple[Check, Sequence[Case]]],
    budget: Budget | None = None,
) -> list[list[Case]]:
    """Each check's cases, with the composed value added to every case whose answer is
    wrong, for a check whose function calls the student's other graded functions; all of
    them composed side by side. A right answer costs nothing."""
    out = [list(cases) for _, cases in runs]
    todo: list[tuple[int, int]] = []
    jobs: list[tuple[Check, tuple[Any, ...]]] = []
    for r, (check, cases) in enumerate(runs):
        if not composable(trusted, check) or check.given:
            # A reference that needs the student's parameters cannot be composed call by call.
            continue
        tol = Tolerance(rtol=check.rtol, atol=check.atol)
        candidates = trusted.candidates(check)
        for k, case in enumerate(cases):
            if case.verdict is not None:
                continue
            args = trusted.inputs(case)
            if _wrong(check, [trusted_value(fn, args) for fn in candidates], case.got, tol):
                todo.append((r, k))
                jobs.append((check, args))
    for (r, k), (value, called) in zip(
        todo, compose_all(session, trusted, jobs, budget), strict=True
    ):
        if called:
            out[r][k] = replace(out[r][k], composed=value, composed_with=called)
    return out


def worse(outcome: Outcome, than: Outcome) -> bool:
    """Whether ``outcome`` is the one an output's test reports over ``than``: the lower score,
    or at the same score the one right only given the student's helpers (it says so)."""
    if outcome.fraction != than.fraction:
        return outcome.fraction < than.fraction
    return bool(outcome.blames) and not than.blames


def blames(function: str, outcomes: list[Outcome]) -> tuple[str, ...]:
    """Whose mistakes these outcomes of ``function``'s outputs show: the helpers an output is
    right given, and ``function`` itself for any other output that lost marks."""
    names: set[str] = set()
    for outcome in outcomes:
        if outcome.blames:
            names.update(outcome.blames)
        elif outcome.fraction < 1.0:
            names.add(function)
    return tuple(sorted(names))


def _names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def reconsidered(
    check: Check,
    output: Output,
    case: Case,
    outcome: Outcome,
    tol: Tolerance,
    blamed: dict[str, tuple[str, ...]],
    carry_forward: bool,
    helpers: Sequence[str] = (),
) -> Outcome:
    """``outcome`` (a wrong output on ``case``) judged again against the reference composed
    with the student's helpers. When the two agree, the sentence says where the mistake is,
    and the points come back if the assignment carries errors forward and a helper it called
    lost marks of its own (``blamed``: whose mistakes each judged function shows, so a mistake
    in ``softmax`` is carried through ``rnn_cell_forward`` into ``rnn_forward``). Unchanged
    when the composed value is wrong too. Without a composed value (its helper calls ran past
    :data:`MAX_CALLS`), a wrong ``helpers`` entry is pointed at, at the same score."""
    if not case.composed_with:
        wrong = sorted({c for h in helpers for c in blamed.get(h, ())})
        if not wrong:
            return outcome
        which = (
            "which loses marks of its own" if len(wrong) == 1 else "which lose marks of their own"
        )
        sentence = (
            f"{check.function} uses your {_names(wrong)}, {which}: "
            "fix that first, as it may be all that is wrong here."
        )
        return replace(outcome, suspect=sentence)
    got, problem = output_part(check, output, case.got)
    composed, composed_problem = output_part(check, output, case.composed)
    if problem or composed_problem or not matches(composed, got, tol):
        return outcome
    given = _names(case.composed_with)
    culprits = sorted({c for h in case.composed_with for c in blamed.get(h, ())})
    fn = check.function
    if culprits and carry_forward:
        sentence = (
            f"{fn} is right given your {given}; the mistake is in {_names(culprits)}, "
            "so it costs marks there only."
        )
        return replace(
            outcome,
            fraction=1.0,
            feedback=sentence,
            status="passed",
            blames=tuple(culprits),
        )
    if culprits:
        sentence = f"{fn} is right given your {given}: fix the mistake in {_names(culprits)} first."
    else:
        # The helpers passed their own checks, yet give other values here than the reference.
        verb = "gives" if len(case.composed_with) == 1 else "give"
        sentence = (
            f"{fn} is right given your {given}, which on these inputs {verb} other values "
            f"than the reference: the mistake is in {given}."
        )
        culprits = list(case.composed_with)
    return replace(outcome, note=f"{outcome.note} {sentence}".strip(), blames=tuple(culprits))
