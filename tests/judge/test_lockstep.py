"""Trusted computations asking the sandbox side by side: one round trip per round of calls."""

from __future__ import annotations

from typing import Any

import pytest

from graders import run_notebook
from graders.judge.lockstep import Ask, Finished, side_by_side
from tests.make_notebook import notebook

FUNCTIONS = """
def double(x):
    return 2 * x

def refuse(x):
    raise ValueError("no")
"""


@pytest.fixture(scope="module")
def session():
    with run_notebook(notebook(FUNCTIONS)) as live:
        yield live


def steps(start: int, count: int, name: str = "double"):
    def work(ask: Ask) -> Any:
        value = start
        for _ in range(count):
            value = ask(name, (value,))
        return value

    return work


def test_each_round_of_calls_is_one_round_trip(session):
    before = session.requests
    finished = side_by_side(session, [steps(n, 3) for n in range(1, 6)], 30.0, 10)
    assert [f.value for f in finished] == [8, 16, 24, 32, 40]
    assert all(f.ok and f.asked == ("double",) for f in finished)
    assert session.requests - before == 3


def test_computations_of_different_lengths_share_the_rounds(session):
    before = session.requests
    finished = side_by_side(session, [steps(1, 1), steps(1, 4), lambda ask: "none"], 30.0, 10)
    assert [f.value for f in finished] == [2, 16, "none"]
    assert finished[2] == Finished(True, "none", ())
    assert session.requests - before == 4


def test_a_failed_call_stops_only_its_own_computation(session):
    finished = side_by_side(session, [steps(1, 2, "refuse"), steps(1, 2)], 30.0, 10)
    assert not finished[0].ok
    assert (finished[1].ok, finished[1].value) == (True, 4)


def test_a_computation_past_its_calls_stops(session):
    finished = side_by_side(session, [steps(1, 5), steps(1, 2)], 30.0, 3)
    assert not finished[0].ok
    assert finished[1].value == 4


def test_no_time_left_stops_every_computation_without_a_call(session):
    before = session.requests
    finished = side_by_side(session, [steps(1, 2), steps(2, 2)], 0.0, 10)
    assert not any(f.ok for f in finished)
    assert session.requests == before
