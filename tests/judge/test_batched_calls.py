"""The judge calls every check's cases in one round trip, and still gives each failing
call its own verdict: a timeout or a dead kernel costs the checks after it nothing."""

from __future__ import annotations

import pytest

from graders import Limits, load_catalog, run_notebook
from graders.assignments import Assignment
from graders.judge.judge import grade_session
from tests.judge.test_judge import SOLUTION, write_assignment
from tests.make_notebook import notebook


@pytest.fixture(scope="module")
def affine(tmp_path_factory) -> Assignment:
    root = tmp_path_factory.mktemp("course")
    write_assignment(root)
    return load_catalog([root])["affine"]


def judged(assignment: Assignment, nb, limits: Limits | None = None):
    """The result, and how many requests the judge made of the kernel's call helper."""
    with run_notebook(nb, assignment.limits(limits)) as session:
        before = session.requests
        result, _ = grade_session(assignment, session)
        return {t.name: t for t in result.tests}, session.requests - before


def test_a_grade_makes_one_round_trip_for_every_check(affine):
    tests, requests = judged(affine, affine.solution)
    assert all(t.status == "passed" for t in tests.values())
    assert len(affine.checks) == 2
    assert requests == 1


def test_rnn_numpy_is_judged_in_fewer_round_trips_than_it_has_checks():
    rnn = load_catalog()["rnn-numpy"]
    tests, requests = judged(rnn, rnn.solution)
    assert sum(t.score for t in tests.values()) == rnn.max_score
    assert requests < len(rnn.checks)
    assert requests == 1


def test_a_check_that_times_out_leaves_the_next_ones_called_in_one_batch(affine):
    slow = SOLUTION.replace("return W @ x + b, (x, W, b)", "import time; time.sleep(60)")
    tests, requests = judged(affine, notebook(slow), Limits(call_seconds=1))
    assert tests["affine_forward/out"].status == "timeout"
    assert tests["relu"].status == "passed"
    # The batch, stopped at the timeout; then the next check's calls, in one batch.
    assert requests == 2


def test_a_call_that_kills_the_kernel_is_called_alone_and_the_next_check_still_passes(affine):
    dies = SOLUTION.replace("return W @ x + b, (x, W, b)", "import os; os._exit(1)")
    tests, requests = judged(affine, notebook(dies))
    assert tests["affine_forward/out"].status == "error"
    assert tests["affine_forward/out"].feedback.startswith("affine_forward crashed its kernel")
    assert tests["relu"].status == "passed"
    # The batch; each of the 3 cases alone (each kills its kernel); the next check's batch.
    assert requests == 5
