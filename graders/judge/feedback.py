"""The sentences a student reads about a test: why a call failed, what finite differences say
about a wrong gradient, where an update step takes the loss, an argument changed in place."""

from __future__ import annotations

from typing import Any

from graders.assignments import Check
from graders.assignments.manifest import Output
from graders.judge import gradient
from graders.judge.compare import Tolerance
from graders.judge.gradient import Descent
from graders.judge.runs import Case
from graders.judge.trusted import Trusted

NEVER_RAN = "was not defined by the cells that ran"
RESTART_TOO_LATE = (
    "its kernel was restarted after the submission's time limit ran out, with no time left "
    "to run the cells again"
)


def never_ran(name: str, function: str, why: str) -> str:
    """The detail of a function (or the ``name`` it needs) missing because the cell that
    would define it never ran; ``why`` says what ended the run."""
    if name == function:
        return f"{NEVER_RAN}: {why}"
    return f"needs {name}, which was not defined by the cells that ran: {why}"


def stopped_note(stopped: str) -> str:
    """The note on every test of a run the submission's time limit ended early."""
    return f"Note: {stopped}; the functions defined before it were graded."


def call_feedback(function: str, case: Case) -> str:
    """Why a case scored nothing without being compared: its call failed (``case.verdict``)."""
    if case.verdict == "missing":
        what = case.detail or "is not defined"
        if "by the cells that ran" in what:
            # Defining it would not have helped: the notebook did not get that far.
            return f"{function} {what}."
        return f"{function} {what}: define it with the signature of the starter notebook."
    if case.verdict == "timeout":
        return f"{function} {case.detail} (on {case.label})."
    if case.verdict == "memory":
        return f"{function} ran out of memory (on {case.label}): {case.detail}."
    return f"{function} {case.detail} (on {case.label})."


def mutation_note(function: str, case: Case) -> str:
    """A note for a function that changed its arguments in place; ``""`` if it did not."""
    if not case.mutated:
        return ""
    return (
        f"Note: {function} changed its argument {', '.join(case.mutated)} in place; "
        "a caller would see its values change."
    )


def output_part(check: Check, output: Output, value: Any) -> tuple[Any, str]:
    """The output's part of a return value, or why the value has no such part."""
    if len(check.outputs) == 1 and not output.name:
        return value, ""
    names = [o.name for o in check.outputs]
    if not isinstance(value, (tuple, list)) or len(value) != len(names):
        what = (
            f"a {type(value).__name__} of {len(value)} value{'' if len(value) == 1 else 's'}"
            if isinstance(value, (tuple, list))
            else f"a {type(value).__name__}"
        )
        return None, (
            f"{check.function} returned {what}; expected a tuple of {len(names)} values "
            f"({', '.join(names)})"
        )
    return value[names.index(output.name)], ""


def gradient_feedback(
    check: Check,
    output: Output,
    case: Case,
    args: tuple[Any, ...],
    candidates: list[Any],
    trusted: Trusted,
    tol: Tolerance,
) -> str:
    """What centred finite differences say about the first gradient key the student got
    wrong: a right formula off by more than the tolerance, the gradient of their own (wrong)
    forward, or the gradient of no forward at all."""
    probe = trusted.probe(check, args)
    if isinstance(probe, Descent):
        if output.name != probe.output:
            return ""
        return descent_feedback(check, output, probe, case.got, candidates[0])
    reference = trusted.function(trusted.reference, probe.forward, "forward function")
    wrong = gradient.wrong_keys(probe, candidates, case.got, tol)
    seed = case.seed or 0
    for key in wrong:
        mine = gradient.analytic(case.got, probe, key, seed)
        if mine is None:
            continue  # a missing key or a wrong shape: the comparison already says so
        theirs = dict(case.own_gradient).get(key)
        fd = gradient.numeric(lambda inputs: reference(*inputs), probe, key, seed)
        forward = probe.forward
        if gradient.agree(mine, fd):
            return (
                f" Centred finite differences of the reference {forward} agree with your "
                f"{key}, so its formula is right; it is off by more than the tolerance."
            )
        if gradient.agree(mine, theirs):
            return (
                f" Your {key} is the exact gradient of your own {forward}, which differs from "
                f"the reference: fix {forward} first, and {key} should follow."
            )
        fd_words = f"centred finite differences of the reference {forward}"
        if theirs is not None:
            fd_words = f"agrees neither with {fd_words} nor with those of your own {forward}"
        else:
            fd_words = f"disagrees with {fd_words}"
        return (
            f" Your {key} {fd_words}: it is not the gradient of the forward pass, so check "
            "its formula."
        )
    return ""


def descent_feedback(check: Check, output: Output, probe: Descent, got: Any, reference: Any) -> str:
    """Compare where the student's update step and the reference's take the loss."""
    mine = gradient.slope(probe.loss, probe.before, output_part(check, output, got)[0])
    theirs = gradient.slope(probe.loss, probe.before, output_part(check, output, reference)[0])
    if mine is None or theirs is None or theirs >= 0:
        return ""
    loss = "centred finite differences of a loss whose gradient is grads show it"
    if mine >= 0:
        return (
            f" Along your step, {loss} rising by {mine:.3g}, where it falls by {-theirs:.3g} "
            "along the reference's: your step goes uphill, so check the sign of the update."
        )
    ratio = mine / theirs
    if 0.8 <= ratio <= 1.25:
        return ""  # the right direction and size: the comparison's message says the rest
    return (
        f" Along your step, {loss} falling by {-mine:.3g}, against {-theirs:.3g} along the "
        f"reference's: your step goes downhill but {ratio:.2g} times as far as the "
        "reference's; check the step size and any bias correction."
    )
