"""Judge a notebook: call the student's functions on fresh inputs, compare with the reference.

Two steps, so a submission can be judged again without running student code:

* :func:`call_checks` (needs a live session) draws the inputs, calls each checked function in
  the sandbox and keeps what came back, with the seed of its inputs, as :class:`CheckRun`;
* :func:`evaluate` (pure, trusted process only) regenerates the inputs from those seeds, runs
  the reference and the mutants, compares, and writes the :class:`~graders.result.Result`.

Inputs a function needs from another (a cache for a backward) come from the reference, so a
mistake costs marks in the function that makes it, not again downstream; a function that calls
the student's own wrong helper is judged against the reference composed with that helper too
(``graders.judge.carried``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from graders.assignments import Assignment, Check
from graders.assignments.manifest import Output
from graders.errors import (
    CallError,
    CallTimeout,
    FunctionMissing,
    GraderError,
    KernelDied,
    StudentException,
    UnsupportedValue,
)
from graders.judge import carried, given, gradient, mistakes, unrun
from graders.judge.batched import CallBatch
from graders.judge.compare import Part, Tolerance, compare, score
from graders.judge.feedback import (
    call_feedback,
    gradient_feedback,
    mutation_note,
    never_ran,
    output_part,
)
from graders.judge.gradient import Probe
from graders.judge.mistakes import FAILED, Judged, Outcome, trusted_value
from graders.judge.runs import Case, CheckRun
from graders.judge.trusted import Trusted, trusted_for
from graders.kernel.calls import CallResult
from graders.result import Result, TestResult, TestStatus
from graders.session import NotebookSession

__all__ = ["call_checks", "evaluate", "grade_session"]


def call_checks(
    assignment: Assignment, session: NotebookSession, trusted: Trusted | None = None
) -> list[CheckRun]:
    """Call every checked function of the notebook on its cases (fresh seeds every run)."""
    trusted = trusted or trusted_for(assignment)
    defined = set(session.report.functions)
    session.harness = trusted.harness_source
    plans = [_plan(check, session, trusted, defined) for check in assignment.checks]
    batch = CallBatch(session, [[(p.name, args) for args in p.arguments] for p in plans])
    called: list[tuple[Check, list[Case]]] = []
    for number, plan in enumerate(plans):
        check, cases = plan.check, plan.cases
        if plan.absent:
            called.append(
                (check, [replace(c, verdict="missing", detail=plan.absent) for c in cases])
            )
            continue
        done: list[Case] = []
        for case, args, outcome in zip(cases, plan.arguments, batch.of(number), strict=True):
            if outcome is None:
                done.append(_call(session, plan.name, case, args))
            else:
                done.append(_outcome(case, outcome))
            if check.gradient and done[-1].verdict is None and case.seed is not None:
                done[-1] = _own_gradient(session, check, done[-1], args, trusted, defined)
            if done[-1].verdict in ("missing", "timeout", "memory"):
                # The same failure on every other input: save the time.
                done += [
                    replace(c, verdict=done[-1].verdict, detail=done[-1].detail)
                    for c in cases[len(done) :]
                ]
                break
        called.append((check, done))
    # Every check's wrong answers against the reference composed with the notebook's own
    # helpers, side by side (``graders.judge.carried``).
    composed = carried.with_composed(session, trusted, called, carried.Budget())
    runs = []
    for plan, cases in zip(plans, composed, strict=True):
        function = plan.check.function
        kept = tuple(cases) if plan.absent else unrun.explained(session, function, cases)
        runs.append(CheckRun(function, kept))
    return runs


@dataclass(frozen=True)
class _Plan:
    """One check's cases, and what to call them with; ``absent`` says why it cannot be."""

    check: Check
    cases: list[Case]
    name: str = ""
    """What is called: the checked function, or ``harness.NAME``."""
    arguments: list[tuple[Any, ...]] = field(default_factory=list)
    absent: str = ""


def _plan(check: Check, session: NotebookSession, trusted: Trusted, defined: set[str]) -> _Plan:
    cases = [Case(name, None) for name in check.seed_cases]
    cases += [Case(check.inputs, secrets.randbits(31)) for _ in range(check.random_cases)]
    absent = [name for name in check.needs if name not in defined]
    if absent:
        detail = (
            "is not defined"
            if absent == [check.function]
            else (f"needs {absent[0]}, which the notebook does not define")
        )
        why = unrun.cut_short(session) or unrun.failed_definer(session, absent[0])
        return _Plan(
            check, cases, absent=never_ran(absent[0], check.function, why) if why else detail
        )
    name = f"harness.{check.call}" if check.call else check.function
    return _Plan(check, cases, name, [trusted.inputs(case) for case in cases])


def _call(session: NotebookSession, function: str, case: Case, args: tuple[Any, ...]) -> Case:
    try:
        result = session.call(function, *args)
    except (CallError, KernelDied) as exc:
        return _outcome(case, exc)
    return _outcome(case, result)


def _outcome(case: Case, result: CallResult | GraderError) -> Case:
    """The case with what its call gave: the value, or the verdict and its detail."""
    # ``detail`` reads after the function's name: "rnn_forward raised ValueError: ...".
    if isinstance(result, CallResult):
        return replace(case, got=result.value, mutated=result.mutated)
    if isinstance(result, StudentException):
        return replace(case, verdict=result.status, detail=f"raised {result.detail}")
    if isinstance(result, UnsupportedValue):
        detail = f"returned a value that cannot be graded: {result.detail}"
        return replace(case, verdict=result.status, detail=detail)
    if isinstance(result, (FunctionMissing, CallTimeout)):
        return replace(case, verdict=result.status, detail=result.detail)
    if isinstance(result, CallError):
        return replace(case, verdict=result.status, detail=f"could not be called: {result.detail}")
    if isinstance(result, KernelDied):
        if result.verdict in ("memory", "timeout"):
            return replace(case, verdict=result.verdict, detail=result.detail)
        return replace(case, verdict="error", detail=f"crashed its kernel: {result.detail}")
    raise result


def _own_gradient(
    session: NotebookSession,
    check: Check,
    case: Case,
    args: tuple[Any, ...],
    trusted: Trusted,
    defined: set[str],
) -> Case:
    """Differentiate the student's own forward along each gradient key their backward got
    wrong: two calls per key, made only when a key is wrong, so a right answer costs nothing."""
    probe = trusted.probe(check, args)
    if not isinstance(probe, Probe) or probe.forward not in defined:
        return case
    tol = Tolerance(rtol=check.rtol, atol=check.atol)
    expected = [trusted_value(fn, args) for fn in trusted.candidates(check)]
    wrong = gradient.wrong_keys(probe, expected, case.got, tol)
    if not wrong:
        return replace(case, own_gradient=())
    # Every shifted forward in one round trip; a batch stops at a timeout or a dead kernel.
    shifts = [x for key in wrong for x in gradient.shifts(probe, key, case.seed or 0)]
    results = session.call_batch([(probe.forward, inputs) for inputs in shifts])
    failed = False

    def replay(pair: list[CallResult | GraderError | None]) -> Callable[[Any], Any]:
        """The forward on a key's two shifts, read from the batch, in the order asked."""
        left = iter(pair)

        def forward(inputs: tuple[Any, ...]) -> Any:
            nonlocal failed
            result = next(left)
            if failed or not isinstance(result, CallResult):
                failed = True  # one failure (a timeout) is enough: the later ones count not
                raise RuntimeError("the forward failed")
            return result.value

        return forward

    own = tuple(
        (key, gradient.numeric(replay(results[2 * i : 2 * i + 2]), probe, key, case.seed or 0))
        for i, key in enumerate(wrong)
    )
    return replace(case, own_gradient=own)


def evaluate(
    assignment: Assignment, runs: Sequence[CheckRun], trusted: Trusted | None = None
) -> Result:
    """Judge stored runs against the assignment as it is now (reference, tolerances, points)."""
    trusted = trusted or trusted_for(assignment)
    by_function = {run.function: run for run in runs}
    judged: dict[str, list[TestResult]] = {}
    blamed: dict[str, tuple[str, ...]] = {}
    """Function -> the graded functions whose mistakes its outputs show, for the checks judged
    so far: itself, the helpers it is right given, or none when it is right on its own."""
    for check in carried.helpers_first(trusted):
        run = by_function.get(check.function)
        if run is None or not run.cases:
            judged[check.function] = [
                TestResult(check.test_name(o), 0.0, o.points, "error", "was not run")
                for o in check.outputs
            ]
            blamed[check.function] = (check.function,)
            continue
        judged[check.function] = _judge_check(check, run, trusted, blamed)
    tests = [t for check in assignment.checks for t in judged[check.function]]
    return Result.graded(assignment.id, tests)


def grade_session(
    assignment: Assignment, session: NotebookSession
) -> tuple[Result, list[CheckRun]]:
    """Run and judge every check on a notebook that has run."""
    if not assignment.checks:  # free-text questions only: nothing to call
        return replace(Result.graded(assignment.id, []), notebook=session.report.verdicts()), []
    trusted = trusted_for(assignment)
    runs = call_checks(assignment, session, trusted)
    result = evaluate(assignment, runs, trusted)
    return replace(result, notebook=session.report.verdicts()), runs


# -- one check --------------------------------------------------------------------------------


def _judge_check(
    check: Check,
    run: CheckRun,
    trusted: Trusted,
    blamed: dict[str, tuple[str, ...]] | None = None,
) -> list[TestResult]:
    """The check's tests; records in ``blamed`` whose mistakes its outputs show."""
    tol = Tolerance(rtol=check.rtol, atol=check.atol)
    carry_forward = trusted.assignment.carry_forward
    helpers = carried.composable(trusted, check)
    reference, *accepted = trusted.candidates(check)
    mutants = [
        (m, trusted.caller(check, m.target, trusted.mutants[m.id], m.id))
        for m in trusted.assignment.mutants
        if m.target == check.function or (check.call and m.target in check.needs)
    ]
    names = [check.reference, *check.accept]
    worst: dict[str, Outcome] = {}
    gradient_notes: dict[str, str] = {}
    lenient: dict[str, Outcome] = {}
    judged: list[Judged] = []
    scored = [c for c in run.cases if c.generator not in check.lenient_cases]
    for case in run.cases:
        # A lenient case fails at no cost, unless it is all there is to score.
        into = lenient if scored and case.generator in check.lenient_cases else worst
        if case.verdict is not None:
            outcome = Outcome(0.0, call_feedback(check.function, case), _status(case.verdict))
            for output in check.outputs:
                # The worst case counts: a failed call replaces any better earlier outcome.
                if output.name not in into or into[output.name].fraction > 0.0:
                    into[output.name] = outcome
            continue
        args = trusted.inputs(case)
        # With ``given``, the trusted functions compute on the student's own parameters.
        prepared = given.prepare(check, reference, args, case) if check.given else None
        if prepared is not None:
            case, args = prepared.case, prepared.args
        seen = prepared.value if prepared is not None else _same
        candidates = [seen(trusted_value(fn, args)) for fn in [reference, *accepted]]
        if candidates[0] is FAILED:
            raise GraderError(f"{check.reference} failed on {case.label}")
        # What each mutant makes of these inputs: computed once, and only if an output fails.
        produced = cache(
            lambda args=args, seen=seen: [(m, seen(trusted_value(fn, args))) for m, fn in mutants]
        )
        judged.append(Judged(case, args, candidates[0], produced))
        for output in check.outputs:
            unchecked = prepared.unchecked(output, candidates[0]) if prepared else None
            outcome = unchecked or _judge_output(check, output, case, candidates, names, tol)
            outcome.case = len(judged) - 1
            if outcome.fraction < 1.0:
                outcome = carried.reconsidered(
                    check, output, case, outcome, tol, blamed or {}, carry_forward, helpers
                )
            if outcome.fraction < 1.0 and check.gradient and case.seed is not None:
                # Random cases only: a seed document's case may be inconsistent on purpose.
                found = gradient_feedback(check, output, case, args, candidates, trusted, tol)
                if found:
                    gradient_notes.setdefault(output.name, found)
            if output.name not in into or carried.worse(outcome, into[output.name]):
                into[output.name] = outcome
    wrong = [o for o in (*worst.values(), *lenient.values()) if o.status == "failed"]
    if wrong:
        mistakes.name_mistakes(check, judged, wrong, tol)
        if not any(o.mistake for o in wrong) and mistakes.diagnosable(check, run, trusted, blamed):
            mistakes.diagnose(check, judged, wrong, trusted)
    if blamed is not None:
        blamed[check.function] = carried.blames(check.function, list(worst.values()))
    results = []
    stopped = next((c.note for c in run.cases if c.note), "")
    for output in check.outputs:
        outcome = worst[output.name]
        suspect = "" if outcome.mistake else outcome.suspect
        feedback = " ".join(x for x in (outcome.feedback, outcome.note, suspect) if x)
        note = gradient_notes.get(output.name, "")
        if outcome.status == "failed" and note:
            feedback += note
        spared = lenient.get(output.name)
        if spared is not None and spared.fraction < 1.0 and spared.feedback != outcome.feedback:
            feedback = f"{feedback} Not scored: {spared.feedback}".strip()
        if stopped:
            feedback = f"{feedback} {stopped}".strip()
        results.append(
            TestResult(
                name=check.test_name(output),
                score=round(output.points * outcome.fraction, 6),
                max_score=output.points,
                status=outcome.status,
                feedback=feedback,
                mistake=outcome.mistake,
            )
        )
    return results


def _same(value: Any) -> Any:
    return value


def _judge_output(
    check: Check,
    output: Output,
    case: Case,
    candidates: list[Any],
    names: list[str],
    tol: Tolerance,
) -> Outcome:
    got, shape_problem = output_part(check, output, case.got)
    if shape_problem:
        return Outcome(0.0, f"{shape_problem} (on {case.label}).", "failed", output=output.name)
    best: list[Part] | None = None
    full: list[str] = []
    for expected, reference in zip(candidates, names, strict=True):
        if expected is FAILED:
            continue
        parts = compare(
            output_part(check, output, expected)[0],
            got,
            output.name or check.function,
            tol,
        )
        if score(parts) >= 1.0:
            full.append(reference)
        if best is None or score(parts) > score(best):
            best = parts
    assert best is not None
    fraction = score(best)
    note = "" if check.in_place else mutation_note(check.function, case)
    if fraction >= 1.0:
        # Say which accepted reading the answer follows, when only one of them fits it.
        which = dict(check.notes).get(full[0], "") if len(full) == 1 else ""
        return Outcome(1.0, " ".join(x for x in (which, note) if x), "passed", output=output.name)
    first = next(p for p in best if not p.ok)
    message = first.message.rstrip(".")
    if first.problem == "type" and isinstance(got, str) and got.startswith(given.RAISED):
        # A harness that reports, for one output, the exception its computation raised.
        message = f"{output.name or check.function} {got}"
    if not message.startswith(check.function):
        message = f"{check.function}: {message}"
    feedback = f"{message} (on {case.label})."
    return Outcome(fraction, feedback, "failed", note=note, output=output.name)


def _status(verdict: str) -> TestStatus:
    return verdict if verdict in ("error", "timeout", "memory", "missing") else "error"  # type: ignore[return-value]
