"""Many calls, of different functions, in one request to the kernel (``call_batch``)."""

from __future__ import annotations

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from graders import (
    CallTimeout,
    FunctionMissing,
    KernelDied,
    Limits,
    StudentException,
    UnsupportedValue,
    run_notebook,
)

STUDENT = [
    "import numpy as np, os, time",
    "def double(x):\n    return 2 * x",
    "def total(params):\n    return sum(float(v.sum()) for v in params.values())",
    "def bump(params):\n    params['W'] += 1\n    return 0",
    "def raises(x):\n    raise ValueError(f'no {x}')",
    "def sleeps(x):\n    time.sleep(30)\n    return x",
    "def dies(x):\n    os._exit(1)",
    "def huge():\n    return np.ones(5_000_000)",
    "class Scaler:\n    def __init__(self, k):\n        self.k = k\n"
    "    def apply(self, x):\n        return self.k * x",
]
HARNESS = "def scaled(nb, k, x):\n    return nb.Scaler(k).apply(x)\n"
LIMITS = Limits(call_seconds=2, cell_seconds=10, result_bytes=16 * 2**20, interrupt_grace_seconds=2)


@pytest.fixture
def session():
    nb = new_notebook(cells=[new_code_cell(src) for src in STUDENT])
    with run_notebook(nb, LIMITS) as s:
        s.harness = HARNESS
        yield s


def test_calls_of_several_functions_come_back_from_one_request(session):
    before = session.requests
    params = {"W": np.ones((2, 2)), "b": np.zeros(2)}
    out = session.call_batch(
        [("double", (3,)), ("total", (params,)), ("double", (np.arange(3),)), ("bump", (params,))]
    )
    assert session.requests == before + 1
    assert out[0].value == 6
    assert out[1].value == 4.0
    assert out[2].value.tolist() == [0, 2, 4]
    assert out[3].mutated == ("params['W']",)
    assert params["W"].tolist() == [[1.0, 1.0], [1.0, 1.0]]  # the grader's copy is untouched
    assert session.call_batch([]) == []


def test_a_raising_a_missing_and_a_too_large_call_cost_only_themselves(session):
    out = session.call_batch(
        [("raises", (1,)), ("nowhere", (1,)), ("huge", ()), ("not_callable", ()), ("double", (5,))]
    )
    assert isinstance(out[0], StudentException) and "no 1" in out[0].detail
    assert isinstance(out[1], FunctionMissing)
    assert isinstance(out[2], UnsupportedValue) and "limit is" in out[2].detail
    assert isinstance(out[3], FunctionMissing)
    assert out[4].value == 10


def test_a_harness_call_goes_in_the_same_batch_as_the_notebooks_functions(session):
    before = session.requests
    out = session.call_batch([("harness.scaled", (3, 2.0)), ("double", (1,))])
    assert session.requests == before + 1
    assert (out[0].value, out[1].value) == (6.0, 2)


def test_a_call_that_times_out_stops_the_batch_and_the_rest_is_left_to_call_alone(session):
    out = session.call_batch([("double", (1,)), ("sleeps", (1,)), ("double", (2,))])
    assert out[0].value == 2
    assert isinstance(out[1], CallTimeout)
    assert out[2] is None
    assert session.call("double", 2).value == 4  # the same kernel, interrupted, carries on
    assert session.report.restarts == 0


def test_a_call_that_kills_the_kernel_leaves_the_calls_after_it_to_call_alone(session):
    out = session.call_batch([("double", (1,)), ("dies", (1,)), ("harness.scaled", (2, 2))])
    # The first result may or may not have left the kernel before it died.
    assert out[0] is None or out[0].value == 2
    assert out[1:] == [None, None]
    with pytest.raises(KernelDied):
        session.call("dies", 1)
    # A restarted kernel has the notebook's functions again, and the harness.
    assert session.call_batch([("harness.scaled", (2, 2)), ("double", (4,))])[0].value == 4
    assert session.report.restarts == 2


def test_many_results_sent_together_each_keep_their_own_arrays(session):
    calls = [("double", (np.arange(i + 1),)) for i in range(60)]
    calls[30] = ("raises", (7,))
    calls[31] = ("total", ({"W": np.ones((3, 3))},))
    out = session.call_batch(calls)
    for i, result in enumerate(out):
        if i == 30:
            assert isinstance(result, StudentException)
        elif i == 31:
            assert result.value == 9.0
        else:
            assert result.value.tolist() == list(range(0, 2 * (i + 1), 2))
