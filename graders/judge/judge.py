"""Judge a notebook: call the student's functions on fresh inputs, compare with the reference.

Two steps, so a submission can be judged again without running student code:

* :func:`run_checks` (needs a live session) draws the inputs, calls each checked function in
  the sandbox and keeps what came back, with the seed of its inputs, as :class:`CheckRun`;
* :func:`evaluate` (pure, trusted process only) regenerates the inputs from those seeds, runs
  the reference and the mutants, compares, and writes the :class:`~graders.result.Result`.

Inputs a function needs from another (a cache for a backward) come from the reference, so a
mistake costs marks in the function that makes it, not again downstream.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType
from typing import Any

import numpy as np

from graders.assignments import Assignment, Check, load_module, load_mutant
from graders.assignments.manifest import HARNESS, Mutant, Output
from graders.errors import (
    CallError,
    CallTimeout,
    FunctionMissing,
    GraderError,
    KernelDied,
    StudentException,
    UnsupportedValue,
)
from graders.judge import gradient
from graders.judge.compare import Part, Tolerance, compare, matches, score
from graders.judge.gradient import Descent, Probe
from graders.kernel.calls import CallResult
from graders.result import Result, TestResult, TestStatus
from graders.session import NotebookSession


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


class Trusted:
    """An assignment's trusted code, loaded once: reference, input generators, mutants."""

    def __init__(self, assignment: Assignment) -> None:
        self.assignment = assignment
        self.reference: ModuleType = load_module(assignment, "reference.py")
        self.checks: ModuleType = load_module(assignment, "checks.py")
        self.mutants = {m.id: load_mutant(m) for m in assignment.mutants}
        harness = assignment.folder / HARNESS
        self.harness_source = harness.read_text(encoding="utf-8") if harness.is_file() else ""
        self.harness: ModuleType | None = (
            load_module(assignment, HARNESS) if self.harness_source else None
        )
        self._variants: dict[tuple[str, str], ModuleType] = {}

    def variant(self, name: str, replacement: str, fn: Callable[..., Any]) -> ModuleType:
        """A fresh copy of the reference module whose ``name`` is ``fn``.

        Every function of the copy looks ``name`` up at call time, so a harness that trains
        with the reference's loop trains with a mutant's ``dsigmoid`` too.
        """
        key = (name, replacement)
        if key not in self._variants:
            module = load_module(self.assignment, "reference.py", fresh=True)
            setattr(module, name, fn)
            self._variants[key] = module
        return self._variants[key]

    def caller(
        self,
        check: Check,
        name: str = "",
        fn: Callable[..., Any] | None = None,
        replacement: str = "",
    ) -> Callable[..., Any]:
        """How the trusted process computes ``check``'s output with ``fn`` standing in for
        ``name`` (the reference itself when ``fn`` is ``None``)."""
        if not check.call:
            return (
                fn
                if fn is not None
                else self.function(self.reference, check.reference, "reference function")
            )
        assert self.harness is not None
        adapter = self.function(self.harness, check.call, "harness function")
        if fn is None and check.reference != check.function:
            name, replacement = check.function, check.reference
            fn = self.function(self.reference, check.reference, "reference function")
        namespace = self.reference if fn is None else self.variant(name, replacement, fn)
        return lambda *args: adapter(namespace, *args)

    def function(self, module: ModuleType, name: str, what: str) -> Callable[..., Any]:
        fn = getattr(module, name, None)
        if not callable(fn):
            raise GraderError(f"{self.assignment.id}: {what} {name} is not defined")
        return fn

    def probe(self, check: Check, args: tuple[Any, ...]) -> Probe | Descent:
        """The check's gradient probe for these backward arguments."""
        fn = self.function(self.checks, check.gradient, "gradient probe")
        try:
            probe = fn(*copy.deepcopy(args))
        except Exception as exc:  # the assignment's bug, never the student's
            raise GraderError(
                f"{self.assignment.id}: gradient probe {check.gradient} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(probe, (Probe, Descent)):
            raise GraderError(
                f"{self.assignment.id}: {check.gradient} must return a Probe or a Descent "
                "(graders.judge.gradient)"
            )
        return probe

    def candidates(self, check: Check) -> list[Callable[..., Any]]:
        """How to compute the check's expected output: the reference, then each accepted
        variant standing in for the checked function."""
        accepted = [
            self.caller(
                check, check.function, self.function(self.reference, a, "accepted variant"), a
            )
            for a in check.accept
        ]
        return [self.caller(check), *accepted]

    def inputs(self, case: Case) -> tuple[Any, ...]:
        """The case's arguments, regenerated: the same seed always gives the same inputs."""
        gen = self.function(self.checks, case.generator, "input generator")
        try:
            if case.seed is None:
                args = gen(self.reference)
            else:
                args = gen(np.random.default_rng(case.seed), self.reference)
        except Exception as exc:  # the assignment's bug, never the student's
            raise GraderError(
                f"{self.assignment.id}: input generator {case.generator} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        return tuple(args) if isinstance(args, (tuple, list)) else (args,)


def run_checks(
    assignment: Assignment, session: NotebookSession, trusted: Trusted | None = None
) -> list[CheckRun]:
    """Call every checked function of the notebook on its cases (fresh seeds every run)."""
    trusted = trusted or Trusted(assignment)
    defined = set(session.report.functions)
    runs = []
    for check in assignment.checks:
        cases = [Case(name, None) for name in check.seed_cases]
        cases += [Case(check.inputs, secrets.randbits(31)) for _ in range(check.random_cases)]
        absent = [name for name in check.needs if name not in defined]
        if absent:
            detail = (
                "is not defined"
                if absent == [check.function]
                else (f"needs {absent[0]}, which the notebook does not define")
            )
            done = [replace(c, verdict="missing", detail=detail) for c in cases]
            runs.append(CheckRun(check.function, tuple(done)))
            continue
        name = f"harness.{check.call}" if check.call else check.function
        session.harness = trusted.harness_source
        arguments = [trusted.inputs(case) for case in cases]
        # Every case in one round trip; a case the batch did not reach is called alone.
        batch = session.call_many(name, arguments)
        done = []
        for case, args, outcome in zip(cases, arguments, batch, strict=True):
            if outcome is None:
                done.append(_call(session, name, case, args))
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
        runs.append(CheckRun(check.function, tuple(done)))
    return runs


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
    expected = [_safe(fn, args) for fn in trusted.candidates(check)]
    wrong = _wrong_keys(probe, expected, case.got, tol)
    failed = False

    def forward(inputs: tuple[Any, ...]) -> Any:
        nonlocal failed
        if failed:
            raise RuntimeError("the forward already failed")
        try:
            return session.call(probe.forward, *inputs).value
        except (CallError, KernelDied):
            failed = True  # one failure (a timeout) is enough: do not wait for the others
            raise

    own = tuple((key, gradient.numeric(forward, probe, key, case.seed or 0)) for key in wrong)
    return replace(case, own_gradient=own)


def _wrong_keys(probe: Probe, candidates: list[Any], got: Any, tol: Tolerance) -> list[str]:
    """The gradient keys of ``got`` that match no candidate output (reference or accepted)."""
    return [k for k in probe.wrt if not any(_key_matches(e, got, k, tol) for e in candidates)]


def _key_matches(expected: Any, got: Any, key: str, tol: Tolerance) -> bool:
    if not isinstance(expected, dict) or not isinstance(got, dict) or key not in got:
        return False
    return key in expected and matches(expected[key], got[key], tol)


def evaluate(
    assignment: Assignment, runs: Sequence[CheckRun], trusted: Trusted | None = None
) -> Result:
    """Judge stored runs against the assignment as it is now (reference, tolerances, points)."""
    trusted = trusted or Trusted(assignment)
    by_function = {run.function: run for run in runs}
    tests: list[TestResult] = []
    for check in assignment.checks:
        run = by_function.get(check.function)
        if run is None or not run.cases:
            tests += [
                TestResult(check.test_name(o), 0.0, o.points, "error", "was not run")
                for o in check.outputs
            ]
            continue
        tests += _judge_check(check, run, trusted)
    return Result.graded(assignment.id, tests)


def grade_session(
    assignment: Assignment, session: NotebookSession
) -> tuple[Result, list[CheckRun]]:
    """Run and judge every check on a notebook that has run."""
    trusted = Trusted(assignment)
    runs = run_checks(assignment, session, trusted)
    return evaluate(assignment, runs, trusted), runs


# -- one check --------------------------------------------------------------------------------


@dataclass
class _Outcome:
    fraction: float
    feedback: str
    status: TestStatus
    mistake: str = ""


def _judge_check(check: Check, run: CheckRun, trusted: Trusted) -> list[TestResult]:
    tol = Tolerance(rtol=check.rtol, atol=check.atol)
    reference, *accepted = trusted.candidates(check)
    mutants = [
        (m, trusted.caller(check, m.target, trusted.mutants[m.id], m.id))
        for m in trusted.assignment.mutants
        if m.target == check.function or (check.call and m.target in check.needs)
    ]
    names = [check.reference, *check.accept]
    worst: dict[str, _Outcome] = {}
    gradient_notes: dict[str, str] = {}
    lenient: dict[str, _Outcome] = {}
    scored = [c for c in run.cases if c.generator not in check.lenient_cases]
    for case in run.cases:
        # A lenient case fails at no cost, unless it is all there is to score.
        into = lenient if scored and case.generator in check.lenient_cases else worst
        if case.verdict is not None:
            outcome = _Outcome(0.0, _call_feedback(check.function, case), _status(case.verdict))
            for output in check.outputs:
                # The worst case counts: a failed call replaces any better earlier outcome.
                if output.name not in into or into[output.name].fraction > 0.0:
                    into[output.name] = outcome
            continue
        args = trusted.inputs(case)
        candidates = [_safe(fn, args) for fn in [reference, *accepted]]
        if candidates[0] is _FAILED:
            raise GraderError(f"{check.reference} failed on {case.label}")
        # What each mutant makes of these inputs: computed once, and only if an output fails.
        produced = cache(lambda args=args: [(m, _safe(fn, args)) for m, fn in mutants])
        for output in check.outputs:
            outcome = _judge_output(check, output, case, candidates, names, produced, tol)
            if outcome.fraction < 1.0 and check.gradient and case.seed is not None:
                # Random cases only: a seed document's case may be inconsistent on purpose.
                found = _gradient_feedback(check, output, case, args, candidates, trusted, tol)
                if found:
                    gradient_notes.setdefault(output.name, found)
            if output.name not in into or outcome.fraction < into[output.name].fraction:
                into[output.name] = outcome
    results = []
    for output in check.outputs:
        outcome = worst[output.name]
        note = gradient_notes.get(output.name, "")
        if outcome.status == "failed" and note:
            outcome = replace(outcome, feedback=outcome.feedback + note)
        spared = lenient.get(output.name)
        if spared is not None and spared.fraction < 1.0 and spared.feedback != outcome.feedback:
            feedback = f"{outcome.feedback} Not scored: {spared.feedback}".strip()
            outcome = replace(outcome, feedback=feedback)
        results.append(
            TestResult(
                name=check.test_name(output),
                score=round(output.points * outcome.fraction, 6),
                max_score=output.points,
                status=outcome.status,
                feedback=outcome.feedback,
                mistake=outcome.mistake,
            )
        )
    return results


_FAILED = object()


def _safe(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        return fn(*copy.deepcopy(args))
    except Exception:
        return _FAILED


def _judge_output(
    check: Check,
    output: Output,
    case: Case,
    candidates: list[Any],
    names: list[str],
    produced: Callable[[], list[tuple[Mutant, Any]]],
    tol: Tolerance,
) -> _Outcome:
    got, shape_problem = _part(check, output, case.got)
    if shape_problem:
        return _Outcome(0.0, f"{shape_problem} (on {case.label}).", "failed")
    best: list[Part] | None = None
    full: list[str] = []
    for expected, reference in zip(candidates, names, strict=True):
        if expected is _FAILED:
            continue
        parts = compare(_part(check, output, expected)[0], got, output.name or check.function, tol)
        if score(parts) >= 1.0:
            full.append(reference)
        if best is None or score(parts) > score(best):
            best = parts
    assert best is not None
    fraction = score(best)
    note = "" if check.in_place else _mutation_note(check.function, case)
    if fraction >= 1.0:
        # Say which accepted reading the answer follows, when only one of them fits it.
        which = dict(check.notes).get(full[0], "") if len(full) == 1 else ""
        return _Outcome(1.0, " ".join(x for x in (which, note) if x), "passed")
    first = next(p for p in best if not p.ok)
    message = first.message.rstrip(".")
    if not message.startswith(check.function):
        message = f"{check.function}: {message}"
    feedback = f"{message} (on {case.label})."
    mistake = _named_mistake(check, output, got, produced(), tol)
    if mistake is not None:
        feedback += f" This matches a known mistake: {mistake.description}"
    if note:
        feedback += f" {note}"
    return _Outcome(fraction, feedback, "failed", mistake.id if mistake is not None else "")


def _gradient_feedback(
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
        return _descent_feedback(check, output, probe, case.got, candidates[0])
    reference = trusted.function(trusted.reference, probe.forward, "forward function")
    wrong = _wrong_keys(probe, candidates, case.got, tol)
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


def _descent_feedback(
    check: Check, output: Output, probe: Descent, got: Any, reference: Any
) -> str:
    """Compare where the student's update step and the reference's take the loss."""
    mine = gradient.slope(probe.loss, probe.before, _part(check, output, got)[0])
    theirs = gradient.slope(probe.loss, probe.before, _part(check, output, reference)[0])
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


def _part(check: Check, output: Output, value: Any) -> tuple[Any, str]:
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


def _named_mistake(
    check: Check,
    output: Output,
    got: Any,
    produced: list[tuple[Mutant, Any]],
    tol: Tolerance,
) -> Mutant | None:
    for mutant, value in produced:
        if value is _FAILED:
            continue
        part, problem = _part(check, output, value)
        if not problem and matches(part, got, tol):
            return mutant
    return None


def _mutation_note(function: str, case: Case) -> str:
    if not case.mutated:
        return ""
    return (
        f"Note: {function} changed its argument {', '.join(case.mutated)} in place; "
        "a caller would see its values change."
    )


def _status(verdict: str) -> TestStatus:
    return verdict if verdict in ("error", "timeout", "memory", "missing") else "error"  # type: ignore[return-value]


def _call_feedback(function: str, case: Case) -> str:
    if case.verdict == "missing":
        what = case.detail or "is not defined"
        return f"{function} {what}: define it with the signature of the starter notebook."
    if case.verdict == "timeout":
        return f"{function} {case.detail} (on {case.label})."
    if case.verdict == "memory":
        return f"{function} ran out of memory (on {case.label}): {case.detail}."
    return f"{function} {case.detail} (on {case.label})."
