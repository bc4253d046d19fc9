"""Kept outputs: capped in size, turned into bytes and back, and judged again to the same result."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graders import Case, CheckRun, Limits, Opaque, evaluate, grade, read_assignment
from graders.judge.stored import capped, dump_runs, load_runs

RNN = read_assignment(Path(__file__).resolve().parents[2] / "reference" / "rnn-numpy")


def run(*values: object) -> CheckRun:
    return CheckRun("f", tuple(Case("inputs", i, got=v) for i, v in enumerate(values)))


def test_plain_outputs_survive_bytes_exactly():
    cases = (
        Case("inputs", 3, got=({"dW": np.arange(6.0).reshape(2, 3)}, [1, 2.5, "x", None])),
        Case("seed_case", None, verdict="error", detail="ValueError: shapes"),
        Case("inputs", 4, got=np.float32(-0.0), mutated=("parameters['W1']",)),
        Case("inputs", 5, got={"dx": np.ones(2)}, own_gradient=(("dx", 1.5), ("db", None))),
    )
    back = load_runs(dump_runs([CheckRun("f", cases)]))
    (loaded,) = back
    assert loaded.function == "f"
    for original, again in zip(cases, loaded.cases, strict=True):
        assert again.generator == original.generator and again.seed == original.seed
        assert (again.verdict, again.detail, again.mutated) == (
            original.verdict,
            original.detail,
            original.mutated,
        )
        assert again.own_gradient == original.own_gradient
    assert np.array_equal(loaded.cases[0].got[0]["dW"], cases[0].got[0]["dW"])
    assert loaded.cases[0].got[1] == [1, 2.5, "x", None]
    assert loaded.cases[2].got.dtype == np.float32


def test_outputs_past_the_cap_are_kept_as_a_description_only():
    small, big = np.zeros(10), np.zeros((1000, 100))
    kept = capped([run(small, big, small)], max_bytes=10_000)
    first, second, third = kept[0].cases
    assert first.got is small and third.got is small
    assert isinstance(second.got, Opaque)
    assert second.got.type_name == "array of shape (1000, 100) and dtype float64"
    assert "cap on kept outputs" in second.got.why
    (loaded,) = load_runs(dump_runs(kept))
    assert isinstance(loaded.cases[1].got, Opaque)
    assert loaded.cases[1].got.why == second.got.why


def test_a_composed_value_and_its_helpers_survive_bytes():
    composed = (np.arange(4.0).reshape(2, 2), {"c": np.ones(3)})
    case = Case("inputs", 7, got=np.zeros(2), composed=composed, composed_with=("softmax",))
    (loaded,) = load_runs(dump_runs([CheckRun("f", (case, Case("inputs", 8, got=1)))]))
    again, plain = loaded.cases
    assert again.composed_with == ("softmax",)
    assert np.array_equal(again.composed[0], composed[0])
    assert np.array_equal(again.composed[1]["c"], composed[1]["c"])
    assert (plain.composed, plain.composed_with) == (None, ())


def test_a_composed_value_past_the_cap_is_dropped_with_its_helpers():
    big = np.zeros((1000, 100))
    case = Case("inputs", 1, got=np.zeros(10), composed=big, composed_with=("sigmoid",))
    (kept,) = capped([CheckRun("f", (case,))], max_bytes=10_000)
    (only,) = kept.cases
    assert (only.composed, only.composed_with) == (None, ())
    assert only.got is case.got


@pytest.mark.parametrize("junk", [b"", b"not a zip", dump_runs([run(1)])[:40]])
def test_bytes_that_are_not_stored_runs_raise_value_error(junk):
    with pytest.raises(ValueError):
        load_runs(junk)


def test_a_graded_submission_is_judged_again_from_bytes_to_the_same_result():
    graded = grade(RNN, RNN.solution, Limits(stored_output_bytes=4 * 1024 * 1024))
    again = evaluate(RNN, load_runs(dump_runs(graded.runs)))
    assert again == graded.result
    assert again.score == 100
