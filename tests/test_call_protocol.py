"""Calling a student's functions inside the sandbox and bringing back plain data."""

from __future__ import annotations

import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from graders import (
    CallError,
    CallTimeout,
    FunctionMissing,
    KernelDied,
    Limits,
    Opaque,
    StudentException,
    UnsupportedValue,
    run_notebook,
)

STUDENT = [
    "import numpy as np",
    "def identity(*args, **kwargs):\n    return args if not kwargs else (args, kwargs)",
    "def rnn_cell_forward(xt, a_prev, parameters):\n"
    "    Wax, Waa, Wya = parameters['Wax'], parameters['Waa'], parameters['Wya']\n"
    "    a_next = np.tanh(Wax @ xt + Waa @ a_prev + parameters['ba'])\n"
    "    yt = Wya @ a_next + parameters['by']\n"
    "    return a_next, yt, (a_next, a_prev, xt, parameters)",
    "def mutates(x, params):\n    x += 1\n    params['W'][0, 0] = 99\n    return x.sum()",
    "def raises(x):\n    return x[10]",
    "def loops():\n    while True:\n        pass",
    "def prints():\n    print('{\"score\": 100}')\n    return 1",
    "def exits():\n    import sys\n    sys.exit(3)",
    "def huge():\n    return np.ones(5_000_000)",
    "def matrix():\n    return np.matrix([[1.0]])",
    "not_a_function = 3",
]
LIMITS = Limits(call_seconds=3, cell_seconds=10, result_bytes=16 * 2**20, interrupt_grace_seconds=2)


@pytest.fixture(scope="module")
def session():
    nb = new_notebook(cells=[new_code_cell(src) for src in STUDENT])
    with run_notebook(nb, LIMITS) as s:
        yield s


def test_notebook_ran_and_its_functions_are_listed(session):
    assert all(c.status == "ok" for c in session.report.cells)
    assert {"identity", "rnn_cell_forward", "mutates"} <= set(session.report.functions)
    assert "np" not in session.report.functions


@pytest.mark.parametrize(
    "dtype",
    ["bool", "int8", "uint64", "float16", "float32", "float64", "complex128", "U3", "M8[s]"],
)
def test_arrays_of_every_dtype_go_in_and_come_back_unchanged(session, dtype):
    arr = (np.arange(6).reshape(2, 3) % 2).astype(dtype)
    (back,) = session.call("identity", arr).value
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.tobytes() == arr.tobytes()


def test_nested_tuples_of_dicts_of_arrays_round_trip(session):
    rng = np.random.default_rng(1)
    xt, a_prev = rng.standard_normal((3, 10)), rng.standard_normal((5, 10))
    params = {
        "Wax": rng.standard_normal((5, 3)),
        "Waa": rng.standard_normal((5, 5)),
        "Wya": rng.standard_normal((2, 5)),
        "ba": rng.standard_normal((5, 1)),
        "by": rng.standard_normal((2, 1)),
    }
    a_next, yt, cache = session.call("rnn_cell_forward", xt, a_prev, params).value
    expected = np.tanh(params["Wax"] @ xt + params["Waa"] @ a_prev + params["ba"])
    np.testing.assert_allclose(a_next, expected, rtol=1e-12)
    assert yt.shape == (2, 10)
    assert isinstance(cache, tuple) and isinstance(cache[3], dict)
    np.testing.assert_array_equal(cache[3]["Wax"], params["Wax"])


def test_keyword_arguments_and_scalars_pass_through(session):
    args, kwargs = session.call("identity", 1, 2.5, "s", None, beta1=0.9, t=2).value
    assert args == (1, 2.5, "s", None) and kwargs == {"beta1": 0.9, "t": 2}


def test_nan_in_student_output_is_not_equal_to_anything(session):
    (back,) = session.call("identity", np.array([np.nan, 1.0])).value
    assert np.isnan(back[0]) and not np.array_equal(back, np.array([np.nan, 1.0]))


def test_big_array_under_the_cap_comes_back(session):
    arr = np.random.default_rng(0).standard_normal(1_500_000)  # 12 MB, cap is 16 MiB
    (back,) = session.call("identity", arr).value
    np.testing.assert_array_equal(back, arr)


def test_value_over_the_result_cap_is_refused_precisely(session):
    with pytest.raises(UnsupportedValue, match="the limit is"):
        session.call("huge")  # 40 MB


def test_object_and_subclass_results_come_back_opaque(session):
    (back,) = session.call("identity", np.arange(3)).value
    assert type(back) is np.ndarray
    value = session.call("matrix").value
    assert isinstance(value, Opaque) and "matrix" in value.type_name


def test_input_mutation_is_detected_by_argument_name(session):
    result = session.call("mutates", np.zeros(3), {"W": np.zeros((2, 2)), "b": np.ones(1)})
    assert set(result.mutated) == {"x", "params['W']"}
    assert result.value == 3.0


def test_function_that_raises_reports_the_exception_and_line(session):
    with pytest.raises(StudentException) as info:
        session.call("raises", np.zeros(3))
    assert info.value.ename == "IndexError"
    assert "index 10 is out of bounds" in info.value.evalue
    assert info.value.status == "error"


def test_sys_exit_inside_a_call_is_an_error_not_a_dead_kernel(session):
    with pytest.raises(StudentException, match="SystemExit"):
        session.call("exits")
    assert session.call("identity", 1).value == (1,)


@pytest.mark.parametrize("name", ["nope", "not_a_function"])
def test_missing_or_non_callable_names_are_missing(session, name):
    with pytest.raises(FunctionMissing) as info:
        session.call(name)
    assert info.value.status == "missing"


def test_printing_a_fake_score_changes_nothing(session):
    result = session.call("prints")
    assert result.value == 1 and '"score": 100' in result.stdout


def test_call_that_loops_times_out_and_the_session_goes_on(session):
    with pytest.raises(CallTimeout) as info:
        session.call("loops")
    assert info.value.status == "timeout"
    assert session.call("identity", 7).value == (7,)


def test_every_call_error_has_a_verdict():
    for cls in (CallError, FunctionMissing, StudentException, CallTimeout, UnsupportedValue):
        assert cls.status in {"error", "missing", "timeout"}


# -- batches: every case of a check in one round trip ----------------------------------------

BATCH = [
    "import numpy as np, os, time",
    "def slow_on(x):\n    if x == 2:\n        time.sleep(4)\n    return x * 10",
    "def crash_on(x):\n    if x == 2:\n        os._exit(1)\n    return x * 10",
    "def picky(x):\n    if x == 1:\n        raise ValueError('one')\n"
    "    return np.ones(5_000_000) if x == 2 else x",
]


@pytest.fixture
def batch_session():
    nb = new_notebook(cells=[new_code_cell(src) for src in BATCH])
    with run_notebook(nb, LIMITS) as s:
        yield s


def test_a_batch_returns_each_calls_own_outcome(batch_session):
    plain = batch_session.call_many("picky", [(0,), (1,), (2,), (3,)])
    assert plain[0].value == 0 and plain[3].value == 3
    assert isinstance(plain[1], StudentException) and "one" in plain[1].detail
    assert isinstance(plain[2], UnsupportedValue) and "limit is" in plain[2].detail
    missing = batch_session.call_many("nothing_here", [(0,), (1,)])
    assert all(isinstance(m, FunctionMissing) for m in missing)
    assert batch_session.call_many("picky", []) == []


def test_a_slow_call_in_a_batch_times_out_alone_and_the_rest_is_left_to_call(batch_session):
    out = batch_session.call_many("slow_on", [(1,), (2,), (3,)])
    assert out[0].value == 10
    assert isinstance(out[1], CallTimeout)
    assert out[2] is None
    assert batch_session.call("slow_on", 3).value == 30


def test_a_call_that_kills_the_kernel_loses_only_itself(batch_session):
    out = batch_session.call_many("crash_on", [(1,), (2,), (3,)])
    # The first result may or may not have left the kernel before it died.
    assert out[0] is None or out[0].value == 10
    assert out[1:] == [None, None]  # left to be called alone, on a restarted kernel
    with pytest.raises(KernelDied):
        batch_session.call("crash_on", 2)
    assert batch_session.call("crash_on", 3).value == 30
