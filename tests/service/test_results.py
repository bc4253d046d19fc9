"""One home for results: recorded in one place, read through one model by every route,
typed in OpenAPI, with the statuses of manual grading allowed by the database."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db import Database
from app.models import Course, GradingRun, TestRow
from app.queue.claim import claim_next, requeue_stale
from app.queue.embedded import grade_held
from app.queue.work import grade_run, record
from app.services import gradebook
from app.services.results import dispatch
from app.settings import Settings
from graders import Graded, Result, TestResult
from tests.service.conftest import People
from tests.service.test_api import notebook, upload
from tests.service.test_queue import (
    CATALOG,
    age_heartbeat,
    regrade,
    run_of,
    submission_of,
    submit,
)


def with_a_pending_part(score: float) -> Graded:
    tests = [
        TestResult("softmax", score, 5.0, "passed" if score else "failed", ""),
        TestResult("q9", 0.0, 5.0, "pending", "waits for a grader"),
    ]
    return Graded(Result("rnn-numpy", "needs-grading", score, 10.0, tuple(tests)))


def test_a_result_waiting_for_a_grader_is_stored_with_its_pending_part(
    db: Database, people_: People
):
    submission_id, run_id = submit(db, "alice")
    assert claim_next(db, "w1") == run_id
    assert record(db, run_id, "w1", with_a_pending_part(5.0))
    run = run_of(db, run_id)
    assert (run.status, run.score) == ("needs-grading", 5.0)
    assert submission_of(db, submission_id).status == "needs-grading"
    with db.reader() as session:
        statuses = set(session.scalars(select(TestRow.status).where(TestRow.run_id == run_id)))
    assert statuses == {"passed", "pending"}


def test_the_gradebook_counts_a_result_waiting_for_a_grader_and_says_so(
    db: Database, people_: People
):
    _, run_id = submit(db, "alice")
    claim_next(db, "w1")
    record(db, run_id, "w1", with_a_pending_part(5.0))
    with db.reader() as session:
        course = session.scalar(select(Course).where(Course.slug == "c1"))
        assert course is not None
        rows = gradebook.gradebook_csv(session, course).splitlines()
    alice = next(row for row in rows if row.startswith("alice,rnn-numpy"))
    assert alice.split(",")[2:5] == ["needs-grading", "5", "10"]


def test_a_run_given_up_is_an_error_out_of_the_assignments_maximum(db: Database, people_: People):
    _, run_id = submit(db, "alice")
    for attempt in range(3):
        assert claim_next(db, f"w{attempt}") == run_id
        age_heartbeat(db, run_id)
        requeue_stale(db, stale_seconds=60, max_attempts=3, catalog=CATALOG)
    run = run_of(db, run_id)
    result = json.loads(run.result or "{}")
    assert (run.status, run.max_score) == ("error", CATALOG["rnn-numpy"].max_score)
    assert result["max_score"] == CATALOG["rnn-numpy"].max_score == 100


def test_kept_outputs_that_cannot_be_read_are_an_error_out_of_the_maximum(
    db: Database, people_: People, settings: Settings
):
    submission_id, first = submit(db, "alice")
    claim_next(db, "w1")
    record(db, first, "w1", with_a_pending_part(5.0))
    with db.session() as session:
        run = session.get(GradingRun, first)
        assert run is not None
        run.outputs = b"not what dump_runs writes"
    second = regrade(db, submission_id)
    with db.session() as session:
        run = session.get(GradingRun, second)
        assert run is not None
        run.rejudge_of = first
    assert claim_next(db, "w1") == second
    status = grade_run(db, second, "w1", CATALOG, settings.limits(), settings.sandbox())
    run = run_of(db, second)
    result = json.loads(run.result or "{}")
    assert status == "error" and "kept outputs" in result["reason"]
    assert run.max_score == result["max_score"] == CATALOG["rnn-numpy"].max_score


def test_a_bug_in_grading_gives_the_run_back_instead_of_grading_it_an_error(
    db: Database, people_: People, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: object, **kwargs: object) -> Graded:
        raise KeyError("a bug, not a verdict")

    monkeypatch.setattr(dispatch, "grade", broken)
    submission_id, run_id = submit(db, "alice")
    assert claim_next(db, "w1") == run_id
    with pytest.raises(KeyError):
        grade_run(db, run_id, "w1", CATALOG, settings.limits(), settings.sandbox())
    # The worker loop gives it back to the queue, the attempt counted, with no result.
    status = grade_held(
        db, settings, run_id, "w1", CATALOG, settings.limits(), settings.sandbox(), None, 60
    )
    assert status is None
    run = run_of(db, run_id)
    assert (run.status, run.result, run.attempts) == ("queued", None, 1)
    assert submission_of(db, submission_id).current_run_id is None


def test_every_route_reads_a_submission_through_the_same_model(
    client: TestClient, db: Database, people_: People
):
    response = upload(client, people_.auth("alice"), notebook("one"))
    sid = response.json()["id"]
    with db.reader() as session:
        run_id = session.scalar(select(GradingRun.id).where(GradingRun.submission_id == sid))
    assert claim_next(db, "w1") == run_id
    tests = [TestResult("softmax", 2.5, 5.0, "failed", "off at [0]", mistake="softmax-axis")]
    record(db, run_id, "w1", Graded(Result("rnn-numpy", "graded", 2.5, 5.0, tuple(tests))))

    one = client.get(f"/api/v1/submissions/{sid}", headers=people_.auth("alice")).json()
    mine = client.get("/api/v1/submissions", headers=people_.auth("alice")).json()["items"]
    listed = client.get(
        "/api/v1/courses/c1/assignments/rnn-numpy/submissions", headers=people_.auth("carol")
    ).json()["items"]
    assert one == mine[0] == listed[0]
    assert one["result"]["tests"][0]["mistake"] == "softmax-axis"
    assert "reason" not in one["result"]  # left out when empty, by every route alike


def test_openapi_describes_the_result_member_by_member(client: TestClient):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    result = schemas["ResultOut"]["properties"]
    assert {"assignment", "status", "score", "max_score", "tests", "reason"} <= set(result)
    assert "needs-grading" in result["status"]["enum"]
    assert "pending" in schemas["TestOut"]["properties"]["status"]["enum"]
    submission = schemas["SubmissionOut"]["properties"]["result"]
    assert {"$ref": "#/components/schemas/ResultOut"} in submission["anyOf"]


@pytest.mark.parametrize("module", ["app.queue.celery_queue", "app.queue.work", "app.services"])
def test_a_grading_worker_never_imports_the_web_framework(module: str):
    code = f"import sys, {module}; sys.exit('fastapi' in sys.modules or 'starlette' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
