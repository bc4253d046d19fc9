"""The automatic diagnosis: edits of the reference function that reproduce a wrong output.

Unit tests run in the trusted process on stored runs built here (the student's values computed
by edited copies of the reference); the last ones grade one-mistake notebooks through the real
sandbox (``graders.grade``).
"""

from __future__ import annotations

import ast
import copy
import shutil
import types
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from graders import (
    AssignmentError,
    KernelPool,
    SandboxConfig,
    evaluate,
    grade,
    read_assignment,
)
from graders.assignments import Assignment, Check
from graders.judge.diagnosis import Budget, diagnose, searched
from graders.judge.diagnosis.base import Scope
from graders.judge.diagnosis.edits import Edit, edits, function_node
from graders.judge.diagnosis.wording import conclude
from graders.judge.runs import Case, CheckRun
from graders.judge.trusted import Trusted
from graders.result import TestResult
from graders.validation import diagnosed
from tests.judge.one_mistake import ONE_MISTAKES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rnn() -> Assignment:
    return read_assignment(ROOT / "reference" / "rnn-numpy")


@pytest.fixture(scope="module")
def lstm() -> Assignment:
    return read_assignment(ROOT / "reference" / "lstm-scratch")


def _check(assignment: Assignment, function: str) -> Check:
    return next(c for c in assignment.checks if c.function == function)


def _student(trusted: Trusted, function: str, old: str, new: str) -> types.ModuleType:
    """The reference module again, with ``old`` replaced by ``new`` in ``function``: its other
    functions call the changed one, as a notebook's functions call one another."""
    path = trusted.assignment.folder / "reference.py"
    source = path.read_text(encoding="utf-8")
    fdef = function_node(source, function)
    assert fdef is not None
    text = ast.get_source_segment(source, fdef)
    assert text is not None and text.count(old) == 1, old
    module = types.ModuleType("student")
    module.__file__ = str(path)
    exec(compile(source.replace(text, text.replace(old, new)), str(path), "exec"), module.__dict__)
    return module


def _run(trusted: Trusted, check: Check, student: types.ModuleType | None, seeds: Any) -> CheckRun:
    """The check's cases as the student's (or, with ``None``, the reference's) code returns them."""
    cases = [Case(name, None) for name in check.seed_cases] + [Case(check.inputs, s) for s in seeds]
    done = []
    for case in cases:
        args = copy.deepcopy(trusted.inputs(case))
        module = student or trusted.reference
        if check.call:
            assert trusted.harness is not None
            got = getattr(trusted.harness, check.call)(module, *args)
        else:
            got = getattr(module, check.function)(*args)
        done.append(replace(case, got=got))
    return CheckRun(check.function, tuple(done))


def _tests(result: Any, function: str) -> dict[str, TestResult]:
    return {t.name: t for t in result.tests if t.name.split("/")[0] == function}


# -- the edits --------------------------------------------------------------------------------

TOY = """
def cell(x, h, W, b):
    z = np.concatenate((h, x), axis=0)
    a = np.tanh(W.dot(z) + b)
    s = np.sum(a, axis=1, keepdims=True)
    return a, s
"""


def test_each_operator_is_one_small_change_in_the_references_own_names():
    fdef = function_node(TOY, "cell")
    assert fdef is not None
    kinds = {"x": "ndarray(4, 3)f", "h": "ndarray(4, 3)f", "z": "ndarray(8, 3)f"}
    kinds |= {"a": "ndarray(4, 3)f", "b": "ndarray(4, 1)f", "W": "ndarray(4, 8)f"}
    found = {e.detail: e for e in edits(fdef, Scope(kinds, {}))}
    expected = {
        "a:np.tanh->sigmoid": ("activation", "`a` is what the reference computes with `sigmoid`"),
        "a:-b": ("drop-term", "`a` is what the reference computes without the term `b`"),
        "z:h<->x": ("swap", "`z` stacks `x` before `h`, where the reference puts `h` first"),
        "s:np.sum:axis=1->0": ("axis", "with `axis=0` in place of `axis=1`"),
        "s:np.sum->np.mean": ("reduction", "with `np.mean` in place of `np.sum`"),
        "a:W->W.T": ("transpose", "`a` uses `W.T` where the reference uses `W`"),
        "a:+b->-b": ("sign", "with `- b` in place of `+ b`"),
        "return:a<->s": ("order", "your cell returns `a` and `s` in swapped places"),
        "z:x->h": ("name", "`z` uses `h` where the reference uses `x`"),
    }
    for detail, (operator, words) in expected.items():
        assert found[detail].operator == operator
        assert words in found[detail].words, found[detail].words
    assert found["a:np.tanh->sigmoid"].line == 3
    # Substitutions keep to names of the same kind: a (4, 1) bias never stands in for z.
    assert not any(d.startswith("z:") and d.endswith("->b") for d in found)


# -- the search ---------------------------------------------------------------------------------


def test_an_edit_matches_only_when_it_reproduces_every_case_of_the_check(rnn):
    trusted = Trusted(rnn)
    check = _check(rnn, "rnn_cell_forward")
    student = _student(trusted, "rnn_cell_forward", " + ba)", ")")
    run = _run(trusted, check, student, (3, 4))
    pairs = [(trusted.inputs(c), c.got) for c in run.cases]
    found = diagnose(check, trusted, pairs)
    assert found is not None and found.mistake == "auto:drop-term:a_next:-ba"
    # Right on one case, wrong on the others: no single edit explains that.
    right = _run(trusted, check, None, (5,)).cases[-1]
    mixed = [*pairs, (trusted.inputs(right), right.got)]
    assert diagnose(check, trusted, mixed) is None


def test_the_budget_is_a_hard_cap_that_stops_the_search_and_names_nothing(rnn):
    trusted = Trusted(rnn)
    check = _check(rnn, "lstm_cell_forward")
    student = _student(trusted, "lstm_cell_forward", "ft = sigmoid(", "ft = np.tanh(")
    pairs = [(trusted.inputs(c), c.got) for c in _run(trusted, check, student, (3,)).cases]
    for budget in (Budget(runs=5), Budget(seconds=0.0)):
        found = searched(check, trusted, pairs, budget)
        assert found is not None and not found.complete
        assert found.runs <= max(budget.runs, 8)
        assert diagnose(check, trusted, pairs, budget=budget) is None
    full = searched(check, trusted, pairs)
    assert full is not None and full.complete and full.seconds < Budget().seconds


def _edit(operator: str, detail: str, target: str, line: int) -> Edit:
    return Edit(operator, detail, target, line, f"{operator} of {target}", 0, lambda n: n)


def test_edits_that_mean_different_things_say_only_what_they_share():
    one = _edit("activation", "ft:sigmoid->tanh", "ft", 12)
    other = _edit("drop-term", "ft:-bf", "ft", 12)
    elsewhere = _edit("name", "it:Wi->Wf", "it", 13)
    assert conclude("lstm_cell_forward", [(one,)], "name") is not None
    shared = conclude("lstm_cell_forward", [(one,), (other,)], "name")
    assert shared is not None and shared.mistake == "auto:line:ft"
    assert shared.sentence == "look at line 12 of your lstm_cell_forward: the computation of `ft`"
    assert conclude("lstm_cell_forward", [(one,), (elsewhere,)], "name") is None
    # Two activations matching alike mean different things; two axes of a matrix do not.
    relu = _edit("activation", "ft:sigmoid->relu", "ft", 12)
    alike = conclude("lstm_cell_forward", [(one,), (relu,)], "name")
    assert alike is not None and alike.mistake == "auto:line:ft"
    axes = [(_edit("axis", f"dba:np.sum:axis=0->{k}", "dba", 9),) for k in (1, -1)]
    found = conclude("rnn_cell_backward", axes, "name")
    assert found is not None and found.mistake == "auto:axis:dba:np.sum:axis=0->1"
    assert conclude("lstm_cell_forward", [(one,)], "line") == shared
    assert conclude("lstm_cell_forward", [(one,)], "off") is None


# -- in the judge -----------------------------------------------------------------------------


def test_the_diagnosis_is_shown_after_the_comparison_with_its_id(rnn):
    trusted = Trusted(rnn)
    check = _check(rnn, "lstm_cell_forward")
    student = _student(trusted, "lstm_cell_forward", "ft = sigmoid(", "ft = np.tanh(")
    helpers = [_run(trusted, _check(rnn, name), None, (1, 2)) for name in ("softmax", "sigmoid")]
    runs = [*helpers, _run(trusted, check, student, (3, 4))]
    tests = _tests(evaluate(rnn, runs, trusted), "lstm_cell_forward")
    c_next = tests["lstm_cell_forward/c_next"]
    assert c_next.status == "failed" and c_next.mistake == "auto:activation:ft:sigmoid->tanh"
    comparison, said = c_next.feedback.split(" This looks like: ")
    assert comparison.startswith("lstm_cell_forward")
    assert said == "`ft` is what the reference computes with `tanh` in place of `sigmoid`."
    assert tests["lstm_cell_forward/a_next"].mistake == c_next.mistake
    line = evaluate(replace(rnn, diagnosis="line"), runs, Trusted(replace(rnn, diagnosis="line")))
    assert "look at line 19 of your lstm_cell_forward: the computation of `ft`" in (
        _tests(line, "lstm_cell_forward")["lstm_cell_forward/c_next"].feedback
    )
    off = evaluate(replace(rnn, diagnosis="off"), runs, Trusted(replace(rnn, diagnosis="off")))
    assert not _tests(off, "lstm_cell_forward")["lstm_cell_forward/c_next"].mistake


def test_a_wrong_helper_keeps_its_caller_from_being_diagnosed(rnn):
    trusted = Trusted(rnn)
    flipped = _student(trusted, "sigmoid", "np.exp(-x)", "np.exp(x)")
    runs = [
        _run(trusted, _check(rnn, "softmax"), None, (1, 2)),
        _run(trusted, _check(rnn, "sigmoid"), flipped, (1, 2)),
        _run(trusted, _check(rnn, "lstm_cell_forward"), flipped, (3, 4)),
    ]
    alone = replace(rnn, mutants=())
    result = evaluate(alone, runs, Trusted(alone))
    assert _tests(result, "sigmoid")["sigmoid"].mistake == "auto:sign::-x->x"
    forward = _tests(result, "lstm_cell_forward")
    assert any(t.status == "failed" for t in forward.values())
    assert not any(t.mistake for t in forward.values())


def test_a_mutant_is_named_only_when_it_matches_every_output_it_changes(lstm):
    trusted = Trusted(lstm)
    helpers = [_run(trusted, _check(lstm, name), None, (1, 2)) for name in ("sigmoid", "tanh")]
    check = _check(lstm, "forward")
    one_bias = _student(
        trusted, "forward", "o = sigmoid(p.W_o.v @ z + p.b_o.v)", "o = sigmoid(p.W_o.v @ z)"
    )
    result = evaluate(lstm, [*helpers, _run(trusted, check, one_bias, (3, 4))], trusted)
    tests = _tests(result, "forward")
    assert all("leave out their biases" not in t.feedback for t in tests.values())
    assert tests["forward/o"].mistake == "auto:drop-term:o:-p.b_o.v"
    assert tests["forward/f"].status == "passed"
    # The mutant itself still matches: every output it changes is the notebook's.
    mutant = next(m for m in lstm.mutants if m.id == "forward-missing-bias")
    every = types.ModuleType("student")
    every.__dict__.update(trusted.reference.__dict__)
    every.forward = trusted.mutants[mutant.id]
    result = evaluate(lstm, [*helpers, _run(trusted, check, every, (3, 4))], trusted)
    named = {t.mistake for t in _tests(result, "forward").values() if t.status == "failed"}
    assert named == {mutant.id}


def test_validate_says_whether_the_diagnosis_alone_names_a_mutant_in_its_words(rnn):
    trusted = Trusted(rnn)
    softmax = _run(trusted, _check(rnn, "softmax"), None, (1, 2))
    for mutant_id, expected in (
        ("rnn-cell-missing-bias", "agrees"),
        ("adam-no-bias-correction", "silent"),
    ):
        mutant = next(m for m in rnn.mutants if m.id == mutant_id)
        module = types.ModuleType("student")
        module.__dict__.update(trusted.reference.__dict__)
        setattr(module, mutant.target, trusted.mutants[mutant.id])
        runs = (softmax, _run(trusted, _check(rnn, mutant.target), module, (3, 4)))
        assert diagnosed(rnn, mutant, runs) == expected


def test_feedback_diagnosis_is_read_from_assignment_toml(tmp_path):
    folder = tmp_path / "rnn-numpy"
    shutil.copytree(ROOT / "reference" / "rnn-numpy", folder)
    manifest = folder / "assignment.toml"
    text = manifest.read_text(encoding="utf-8")
    assert read_assignment(folder).diagnosis == "name"
    assert text.rstrip().endswith("[feedback]\ncarry_forward = true")  # the last table
    manifest.write_text(text + 'diagnosis = "line"\n', encoding="utf-8")
    assert read_assignment(folder).diagnosis == "line"
    manifest.write_text(text + 'diagnosis = "loud"\n', encoding="utf-8")
    with pytest.raises(AssignmentError, match="diagnosis"):
        read_assignment(folder)


def test_feedback_carry_forward_is_a_boolean_read_from_assignment_toml(tmp_path):
    folder = tmp_path / "rnn-numpy"
    shutil.copytree(ROOT / "reference" / "rnn-numpy", folder)
    manifest = folder / "assignment.toml"
    text = manifest.read_text(encoding="utf-8")
    assert read_assignment(folder).carry_forward is True
    manifest.write_text(text.replace("carry_forward = true", "carry_forward = false"))
    assert read_assignment(folder).carry_forward is False
    manifest.write_text(text.replace("carry_forward = true", 'carry_forward = "yes"'))
    with pytest.raises(AssignmentError, match="carry_forward"):
        read_assignment(folder)


# -- through the real sandbox -------------------------------------------------------------------

THROUGH_THE_SANDBOX = {
    "forget gate through tanh",
    "cache with a_prev and c_prev swapped",
    "da_prev with Waa not transposed",
    "output gate without its bias",
    "logits from C, not h",
    "tanh as 2 sigmoid(x) - 1",
}


@pytest.fixture(scope="module")
def graded() -> Iterator[Callable[[str, Any], Any]]:
    pools: dict[str, KernelPool] = {}
    try:

        def run(name: str, notebook: Any) -> Any:
            assignment = read_assignment(ROOT / "reference" / name)
            if name not in pools:
                pools[name] = KernelPool(2, assignment.limits(), SandboxConfig()).__enter__()
            return grade(assignment, notebook, kernels=pools[name].acquire)

        yield run
    finally:
        for pool in pools.values():
            pool.__exit__(None, None, None)


@pytest.mark.parametrize(
    "mistake",
    [m for m in ONE_MISTAKES if m.label in THROUGH_THE_SANDBOX],
    ids=lambda m: f"{m.assignment}: {m.label}",
)
def test_one_mistake_notebooks_are_named_through_the_sandbox(graded, mistake):
    assignment = read_assignment(ROOT / "reference" / mistake.assignment)
    result = graded(mistake.assignment, mistake.notebook(assignment)).result
    assert result.status == "graded"
    assert mistake.verdict(result) in ("named", "mutant"), [t.mistake for t in result.tests]
    failed = [
        t for t in result.tests if t.name.split("/")[0] == mistake.function and t.status == "failed"
    ]
    assert failed
    assert all("leave out their biases" not in t.feedback for t in failed)
    if mistake.verdict(result) == "named":
        assert all("This looks like: " in t.feedback for t in failed)
    # Functions calling the wrong one lose marks too; none is diagnosed with a made-up mistake.
    others = [t for t in result.tests if t.name.split("/")[0] != mistake.function]
    assert not any(t.mistake.startswith("auto:") for t in others)


def test_a_long_mistake_id_keeps_its_start_and_a_digest_of_the_whole():
    long = _edit("unreduced", "dba:" + "np.sum(dz, axis=1)" * 20, "dba", 9)
    other = _edit("unreduced", "dba:" + "np.sum(dz, axis=1)" * 21, "dba", 9)
    first = conclude("rnn_cell_backward", [(long,)], "name")
    second = conclude("rnn_cell_backward", [(other,)], "name")
    assert first is not None and second is not None
    assert len(first.mistake) == 120 and first.mistake.startswith("auto:unreduced:dba:np.sum")
    assert first.mistake != second.mistake
