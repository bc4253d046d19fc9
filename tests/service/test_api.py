"""The HTTP API beyond uploading: errors as problem documents, instructors' routes (listing,
regrading, gradebook, summary), body limits, concurrency, dropped uploads, structured logs,
and a schema-driven fuzz of every operation. Both databases, no sandbox: gradings are
simulated by recording a made-up result for a run, as a worker would."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import nbformat
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app import logs
from app.db import Database
from app.limits import ENVELOPE_BYTES
from app.main import create_app
from app.models import Course, CourseAssignment, GradingRun, Submission, SubmissionFile, TestRow
from app.queue.claim import claim_next
from app.queue.work import grade_run, record
from app.settings import Settings
from graders import CheckRun, Graded, Result, TestResult, UnknownAssignment
from tests.service.conftest import People, RecordingQueue

UPLOAD = "/api/v1/courses/c1/assignments/rnn-numpy/submissions"
LISTING = UPLOAD
PROBLEM = "application/problem+json"


# -- helpers shared with test_auth ------------------------------------------------------


def notebook(tag: object = 0) -> bytes:
    """A small valid notebook, different for each ``tag``."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"x = {tag!r}", id="cell0"))
    return nbformat.writes(nb).encode()


def upload(
    client: TestClient | httpx.Client,
    headers: dict[str, str],
    content: bytes,
    name: str = "s.ipynb",
    path: str = UPLOAD,
    content_type: str = "application/x-ipynb+json",
) -> httpx.Response:
    return client.post(path, files={"file": (name, content, content_type)}, headers=headers)


def submit(client: TestClient, people_: People, who: str, tag: object) -> str:
    response = upload(client, people_.auth(who), notebook(tag))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def assert_problem(response: httpx.Response, status: int, kind: str | None = None) -> dict:
    """The response is an RFC 9457 problem document with this status (and type)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status and body["detail"]
    if kind is not None:
        assert body["type"].endswith("/" + kind), body
    return body


def current_run(db: Database, submission_id: str) -> int:
    """The newest run of a submission (the queued one, after an upload or a regrade)."""
    with db.reader() as session:
        return session.scalar(
            select(func.max(GradingRun.id)).where(GradingRun.submission_id == submission_id)
        )


def finish(
    db: Database,
    run_id: int,
    tests: list[TestResult] | None = None,
    status: str = "graded",
    outputs: bool = True,
    assignment: str = "rnn-numpy",
) -> None:
    """Do what a worker does with a run, with a made-up result instead of a grading."""
    assert claim_next(db, "test-worker", run_id=run_id) == run_id
    tests = tests if tests is not None else [TestResult("softmax", 10.0, 10.0, "passed", "")]
    if status == "graded":
        result = Result.graded(assignment, tests)
    else:
        result = Result(assignment, status, 0.0, 100.0, reason="made up")  # type: ignore[arg-type]
    runs = (CheckRun("softmax", ()),) if outputs and status == "graded" else ()
    assert record(db, run_id, "test-worker", Graded(result, runs))


def scored(score: float, max_score: float = 50.0, mistake: str = "") -> list[TestResult]:
    passed = score >= max_score
    return [
        TestResult(
            "softmax", score, max_score, "passed" if passed else "failed", "", mistake=mistake
        )
    ]


def set_assignment(db: Database, course: str = "c1", assignment: str = "rnn-numpy", **values):
    with db.session() as session:
        course_id = session.scalar(select(Course.id).where(Course.slug == course))
        session.execute(
            update(CourseAssignment)
            .where(
                CourseAssignment.course_id == course_id,
                CourseAssignment.assignment == assignment,
            )
            .values(**values)
        )


def set_submission(db: Database, submission_id: str, **values: Any) -> None:
    with db.session() as session:
        session.execute(update(Submission).where(Submission.id == submission_id).values(**values))


@contextmanager
def client_for(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    """The app with some settings changed."""
    changed = settings.model_copy(update=overrides)
    with TestClient(create_app(changed, queue=RecordingQueue())) as test_client:
        yield test_client


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# -- every error is a problem document ---------------------------------------------------


def test_401_without_a_token_or_with_an_unknown_one(client: TestClient, people_: People):
    for headers in ({}, {"Authorization": "Bearer mw_unknown"}, {"Authorization": "Basic x"}):
        response = client.get("/api/v1/submissions", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"


def test_404_for_unknown_courses_assignments_and_submissions(client, people_: People):
    alice = people_.auth("alice")
    for path in (
        "/api/v1/courses/nope/assignments/rnn-numpy/submissions",
        "/api/v1/courses/c1/assignments/nope/submissions",
    ):
        assert_problem(upload(client, alice, notebook(), path=path), 404, "not-found")
    for sid in ("0" * 32, "not-an-id", "x" * 300):
        assert_problem(client.get(f"/api/v1/submissions/{sid}", headers=alice), 404)
    assert_problem(client.get("/api/v1/nothing-here", headers=alice), 404)


def test_409_before_the_assignment_opens(client, people_: People, db: Database):
    set_assignment(db, opens_at=datetime.now(UTC) + timedelta(days=1))
    body = assert_problem(upload(client, people_.auth("alice"), notebook()), 409, "not-open")
    assert "opens at" in body["detail"]


def test_409_past_the_attempt_limit(client, people_: People, db: Database):
    set_assignment(db, attempt_limit=2)
    alice = people_.auth("alice")
    for tag in (1, 2):
        assert upload(client, alice, notebook(tag)).status_code == 202
    body = assert_problem(upload(client, alice, notebook(3)), 409, "attempt-limit")
    assert "allows 2" in body["detail"]
    assert upload(client, people_.auth("bob"), notebook(3)).status_code == 202


def test_413_for_a_notebook_over_the_limit(settings: Settings, people_: People, db: Database):
    with client_for(settings, notebook_bytes=2_000) as small:
        big = notebook("y" * 5_000)
        body = assert_problem(upload(small, people_.auth("alice"), big), 413, "too-large")
        assert "2,000-byte" in body["detail"]
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_413_for_a_streamed_body_past_the_cap(settings: Settings, people_: People):
    """A body with no Content-Length (chunked) is stopped once it passes the cap."""
    with client_for(settings, notebook_bytes=2_000) as small:

        def chunks() -> Iterator[bytes]:
            for _ in range(200):
                yield b"x" * 1024

        response = small.post(
            UPLOAD,
            content=chunks(),
            headers={**people_.auth("alice"), "Content-Type": "multipart/form-data; boundary=b"},
        )
        assert_problem(response, 413, "too-large")


def test_413_from_content_length_alone_without_reading_the_body(settings: Settings):
    """The middleware answers a declared-too-large body before reading any of it (and
    before the route, so even before authentication)."""
    app = create_app(settings.model_copy(update={"notebook_bytes": 1_000}), RecordingQueue())
    sent: list[dict] = []

    async def receive() -> dict:
        raise AssertionError("the body was read")

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": UPLOAD,
        "raw_path": UPLOAD.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-length", str(10**12).encode()), (b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == PROBLEM.encode()
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert body["status"] == 413 and f"{1_000 + ENVELOPE_BYTES:,}" in body["detail"]


def test_415_for_what_is_not_a_notebook(client, people_: People):
    response = upload(
        client, people_.auth("alice"), b"hello", "notes.txt", content_type="text/plain"
    )
    assert_problem(response, 415, "not-a-notebook")


def test_422_for_a_malformed_notebook_and_invalid_parameters(client, people_: People):
    alice, carol = people_.auth("alice"), people_.auth("carol")
    assert_problem(upload(client, alice, b"{not json"), 422, "invalid-notebook")
    assert_problem(upload(client, alice, b'{"cells": 3}'), 422, "invalid-notebook")
    body = assert_problem(client.get("/api/v1/submissions?limit=0", headers=alice), 422)
    assert body["type"].endswith("/invalid-request") and "limit" in body["detail"]
    assert_problem(client.get(f"{LISTING}?status=bogus", headers=carol), 422)
    assert_problem(client.get(f"{LISTING}?since=yesterday", headers=carol), 422)
    missing_file = client.post(UPLOAD, headers=alice, data={"other": "x"})
    assert_problem(missing_file, 422, "invalid-request")


@pytest.mark.parametrize(
    "deep",
    [
        b'{"cells": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        b'{"metadata": ' + b'{"a": ' * 40_000 + b"1" + b"}" * 40_000 + b', "cells": []}',
    ],
    ids=["lists", "objects"],
)
def test_a_notebook_nested_deeper_than_json_can_be_read_is_refused_with_a_reason(
    client, people_: People, deep: bytes
):
    body = assert_problem(upload(client, people_.auth("alice"), deep), 422, "invalid-notebook")
    assert "nest" in body["detail"]
    # The service carries on: the next upload is taken.
    assert upload(client, people_.auth("alice"), notebook("after")).status_code == 202


def test_429_past_the_upload_rate_with_retry_after(settings: Settings, people_: People):
    with client_for(settings, uploads_per_minute=2) as limited:
        alice = people_.auth("alice")
        for tag in (1, 2):
            assert upload(limited, alice, notebook(tag)).status_code == 202
        response = upload(limited, alice, notebook(3))
        assert_problem(response, 429, "rate-limited")
        assert int(response.headers["retry-after"]) > 0


def test_an_unexpected_failure_is_a_500_problem_without_its_details(settings: Settings):
    app = create_app(settings, queue=RecordingQueue())

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/api/v1/boom")
    body = assert_problem(response, 500, "internal-error")
    assert "secret" not in response.text and "RuntimeError" not in body["detail"]


def test_the_openapi_schema_lists_the_problem_responses(client: TestClient):
    schema = client.get("/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if path.startswith("/api/v1/")
    }
    assert len(operations) >= 9
    for (method, path), op in operations.items():
        responses = op["responses"]
        assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                assert list(response["content"]) == [PROBLEM], (method, path, code)
    upload_op = operations[
        ("POST", "/api/v1/courses/{course}/assignments/{assignment}/submissions")
    ]
    assert {"401", "404", "409", "413", "415", "422", "429"} <= set(upload_op["responses"])


# -- instructors: listing ----------------------------------------------------------------


def test_listing_pages_newest_first_with_totals(client, people_: People, db: Database):
    ids = [submit(client, people_, "alice" if i % 2 else "bob", i) for i in range(5)]
    base = datetime(2030, 1, 1, tzinfo=UTC)
    for i, sid in enumerate(ids):
        set_submission(db, sid, submitted_at=base + timedelta(hours=i))
    carol = people_.auth("carol")
    first = client.get(f"{LISTING}?limit=2", headers=carol).json()
    assert first["total"] == 5 and (first["limit"], first["offset"]) == (2, 0)
    assert [s["id"] for s in first["items"]] == [ids[4], ids[3]]
    rest = client.get(f"{LISTING}?limit=2&offset=2", headers=carol).json()
    assert [s["id"] for s in rest["items"]] == [ids[2], ids[1]]
    last = client.get(f"{LISTING}?limit=2&offset=4", headers=carol).json()
    assert [s["id"] for s in last["items"]] == [ids[0]] and last["total"] == 5
    beyond = client.get(f"{LISTING}?offset=50", headers=carol).json()
    assert beyond["items"] == [] and beyond["total"] == 5
    item = first["items"][0]
    assert (item["course"], item["assignment"], item["user"]) == ("c1", "rnn-numpy", "bob")


def test_listing_filters_by_status_user_late_and_since(client, people_: People, db: Database):
    a1, a2, b1 = (
        submit(client, people_, who, i) for i, who in enumerate(["alice", "alice", "bob"])
    )
    finish(db, current_run(db, a1))
    set_submission(db, a2, late=True)
    base = datetime(2030, 6, 1, tzinfo=UTC)
    for hours, sid in enumerate([a1, a2, b1]):
        set_submission(db, sid, submitted_at=base + timedelta(hours=hours))
    carol = people_.auth("carol")

    def ids(query: str) -> set[str]:
        response = client.get(f"{LISTING}?{query}", headers=carol)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == len(body["items"])
        return {s["id"] for s in body["items"]}

    assert ids("status=graded") == {a1}
    assert ids("status=queued") == {a2, b1}
    assert ids("user=alice") == {a1, a2}
    assert ids("user=nobody") == set()
    assert ids("late=true") == {a2}
    assert ids("late=false") == {a1, b1}
    assert ids("since=2030-06-01T01:00:00Z") == {a2, b1}
    assert ids("since=2030-06-01T01:00:00") == {a2, b1}  # no zone: UTC
    assert ids("since=2030-06-01T03:00:00%2B02:00") == {a2, b1}
    assert ids("user=alice&status=queued&late=true") == {a2}
    graded = client.get(f"{LISTING}?status=graded", headers=carol).json()["items"][0]
    assert graded["result"]["score"] == 10.0 and graded["result"]["status"] == "graded"


# -- instructors: regrading --------------------------------------------------------------


def test_a_regrade_rejudges_the_kept_outputs_and_keeps_the_history(
    client, people_: People, db: Database, queue: RecordingQueue
):
    sid = submit(client, people_, "alice", 1)
    first = current_run(db, sid)
    finish(db, first, scored(20.0))
    carol = people_.auth("carol")
    response = client.post(f"/api/v1/submissions/{sid}/regrade", headers=carol)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["mode"] == "rejudge" and queued["number"] == 2 and queued["created"]
    assert queued["status"] == "queued" and queued["submission"] == sid
    assert response.headers["location"] == f"/api/v1/submissions/{sid}"
    assert queue.notified[-1] == queued["run"]
    with db.reader() as session:
        run = session.get(GradingRun, queued["run"])
        assert run.rejudge_of == first and run.reason == "regrade" and run.status == "queued"
    # Until the new run finishes, the first result is still the current one.
    got = client.get(f"/api/v1/submissions/{sid}", headers=people_.auth("alice")).json()
    assert got["status"] == "queued" and got["result"]["score"] == 20.0
    finish(db, queued["run"], scored(35.0))
    got = client.get(f"/api/v1/submissions/{sid}", headers=people_.auth("alice")).json()
    assert got["status"] == "graded" and got["result"]["score"] == 35.0
    with db.reader() as session:
        runs = session.execute(
            select(GradingRun.number, GradingRun.status, GradingRun.score)
            .where(GradingRun.submission_id == sid)
            .order_by(GradingRun.number)
        ).all()
        assert [tuple(r) for r in runs] == [(1, "graded", 20.0), (2, "graded", 35.0)]
        assert session.scalar(select(func.count()).select_from(TestRow)) == 2


def test_a_regrade_runs_again_when_asked_or_when_nothing_was_kept(
    client, people_: People, db: Database
):
    carol = people_.auth("carol")
    sid = submit(client, people_, "alice", 1)
    # Still queued, never graded: nothing kept; the waiting upload run is reused.
    again = client.post(f"/api/v1/submissions/{sid}/regrade", headers=carol).json()
    assert again["mode"] == "rerun" and again["number"] == 1 and not again["created"]
    finish(db, current_run(db, sid), status="error")
    after_error = client.post(f"/api/v1/submissions/{sid}/regrade", headers=carol).json()
    assert after_error["mode"] == "rerun" and after_error["number"] == 2
    finish(db, after_error["run"], scored(10.0))
    rerun = client.post(f"/api/v1/submissions/{sid}/regrade?mode=rerun", headers=carol).json()
    assert rerun["mode"] == "rerun" and rerun["number"] == 3 and rerun["created"]
    by_body = client.post(
        f"/api/v1/submissions/{sid}/regrade", headers=carol, json={"mode": "rejudge"}
    ).json()
    assert by_body["mode"] == "rejudge" and by_body["number"] == 4
    twice = client.post(f"/api/v1/submissions/{sid}/regrade", headers=carol).json()
    assert twice["run"] == by_body["run"] and not twice["created"]
    with db.reader() as session:
        assert session.get(GradingRun, rerun["run"]).rejudge_of is None
        assert session.get(GradingRun, by_body["run"]).rejudge_of == after_error["run"]
    conflict = client.post(
        f"/api/v1/submissions/{sid}/regrade?mode=rerun", headers=carol, json={"mode": "rejudge"}
    )
    assert_problem(conflict, 422, "invalid-request")
    assert_problem(client.post(f"/api/v1/submissions/{sid}/regrade?mode=bogus", headers=carol), 422)


def test_regrading_an_assignment_queues_every_submission_or_each_latest(
    client, people_: People, db: Database, queue: RecordingQueue
):
    a1, a2, b1 = (
        submit(client, people_, who, i) for i, who in enumerate(["alice", "alice", "bob"])
    )
    base = datetime(2030, 1, 1, tzinfo=UTC)
    for hours, sid in enumerate([a1, a2, b1]):
        set_submission(db, sid, submitted_at=base + timedelta(hours=hours))
        finish(db, current_run(db, sid), scored(5.0 * (hours + 1)))
    carol = people_.auth("carol")
    where = "/api/v1/courses/c1/assignments/rnn-numpy/regrade"
    latest = client.post(f"{where}?scope=latest&mode=rerun", headers=carol)
    assert latest.status_code == 202, latest.text
    assert {r["submission"] for r in latest.json()["runs"]} == {a2, b1}
    assert latest.json()["queued"] == 2
    everything = client.post(where, headers=carol).json()
    assert [r["submission"] for r in everything["runs"]] == [a1, a2, b1]  # oldest first
    assert everything["queued"] == 3 and {r["mode"] for r in everything["runs"]} == {"rejudge"}
    assert set(queue.notified[-3:]) == {r["run"] for r in everything["runs"]}
    again = client.post(where, headers=carol).json()
    assert again["queued"] == 0  # the same runs are still waiting
    other = client.post("/api/v1/courses/c1/assignments/lstm-scratch/regrade", headers=carol)
    assert other.status_code == 202 and other.json() == {"runs": [], "queued": 0}


# -- instructors: the gradebook ----------------------------------------------------------


def gradebook(client: TestClient, people_: People) -> dict[tuple[str, str], dict[str, str]]:
    response = client.get("/api/v1/courses/c1/gradebook.csv", headers=people_.auth("carol"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "c1-gradebook.csv" in response.headers["content-disposition"]
    import csv

    rows = list(csv.DictReader(io.StringIO(response.text)))
    return {(r["student"], r["assignment"]): r for r in rows}


@pytest.mark.parametrize(
    ("policy", "expected_score", "expected_from"),
    [
        ("none", "50", "late"),  # the late 50 counts in full
        ("penalty", "40", "late"),  # 50 - 0.1 * 50 * 2 started days = 40 > 35
        ("cap", "35", "on-time"),  # the late 50 is capped at 30 < 35
    ],
)
def test_the_gradebook_counts_each_students_best_after_the_late_policy(
    client, people_: People, db: Database, settings: Settings, policy, expected_score, expected_from
):
    from app.services import people

    people.add_user(db, settings.catalog(), "erin", "student", "c1")
    people.add_user(db, settings.catalog(), "=HYPERLINK(1)", "student", "c1")
    due = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
    set_assignment(db, due_at=due, late_policy=policy, late_penalty=0.1, late_cap=0.6)
    on_time = submit(client, people_, "alice", 1)
    late = submit(client, people_, "alice", 2)
    set_submission(db, on_time, submitted_at=due - timedelta(hours=1))
    set_submission(db, late, submitted_at=due + timedelta(hours=36), late=True)
    finish(db, current_run(db, on_time), scored(35.0))
    finish(db, current_run(db, late), scored(50.0))
    waiting = submit(client, people_, "bob", 3)

    book = gradebook(client, people_)
    alice = book[("alice", "rnn-numpy")]
    assert (alice["status"], alice["score"], alice["max_score"]) == ("graded", expected_score, "50")
    assert alice["submission"] == (late if expected_from == "late" else on_time)
    assert alice["late_days"] == ("2" if expected_from == "late" else "0")
    if policy == "penalty":
        assert "50/50 before" in alice["note"]
    bob = book[("bob", "rnn-numpy")]
    assert (bob["status"], bob["score"], bob["submission"]) == ("queued", "", waiting)
    assert book[("erin", "rnn-numpy")]["status"] == "missing"
    assert book[("erin", "lstm-scratch")]["score"] == ""
    assert ("'=HYPERLINK(1)", "rnn-numpy") in book  # no formula reaches a spreadsheet
    assert not any(student == "carol" for student, _ in book)  # instructors are not graded
    assert len(book) == 4 * len(settings.catalog())


def test_the_gradebook_scales_to_the_course_points_and_scores_rejected_as_zero(
    client, people_: People, db: Database
):
    set_assignment(db, points=20.0)
    finish(db, current_run(db, submit(client, people_, "alice", 1)), scored(25.0))
    finish(db, current_run(db, submit(client, people_, "bob", 2)), status="rejected")
    book = gradebook(client, people_)
    assert (book[("alice", "rnn-numpy")]["score"], book[("alice", "rnn-numpy")]["max_score"]) == (
        "10",
        "20",
    )
    bob = book[("bob", "rnn-numpy")]
    assert (bob["status"], bob["score"], bob["max_score"]) == ("rejected", "0", "20")


# -- instructors: the summary ------------------------------------------------------------


def test_the_summary_counts_each_students_latest_graded_result(
    client, people_: People, db: Database, settings: Settings
):
    from app.services import people

    for name in ("erin", "frank"):
        people_.tokens[name] = people.add_user(db, settings.catalog(), name, "student", "c1").token

    def tests(*outcomes: tuple[str, float, str]) -> list[TestResult]:
        return [
            TestResult(name, score, 10.0, "passed" if score == 10.0 else "failed", "", mistake)
            for name, score, mistake in outcomes
        ]

    base = datetime(2030, 1, 1, tzinfo=UTC)
    plan = [
        # who, outcomes; alice's first submission is superseded by her second
        ("alice", tests(("softmax", 0.0, "softmax-no-shift"), ("sigmoid", 0.0, ""))),
        ("alice", tests(("softmax", 10.0, ""), ("sigmoid", 10.0, ""))),  # 100%
        ("bob", tests(("softmax", 0.0, "softmax-no-shift"), ("sigmoid", 10.0, ""))),  # 50%
        ("erin", tests(("softmax", 0.0, "softmax-axis"), ("sigmoid", 5.0, ""))),  # 25%
    ]
    for i, (who, outcome) in enumerate(plan):
        sid = submit(client, people_, who, i)
        set_submission(db, sid, submitted_at=base + timedelta(hours=i))
        finish(db, current_run(db, sid), outcome)
    submit(client, people_, "frank", 99)  # not graded yet: not counted

    response = client.get(
        "/api/v1/courses/c1/assignments/rnn-numpy/summary", headers=people_.auth("carol")
    )
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["submissions"], summary["students"], summary["graded"]) == (5, 4, 3)
    assert summary["mean_percent"] == pytest.approx((100 + 50 + 25) / 3, abs=0.01)
    counts = {b["low"]: b["count"] for b in summary["distribution"]}
    assert len(counts) == 10 and counts[90] == 1 and counts[50] == 1 and counts[20] == 1
    assert sum(counts.values()) == 3
    assert [(t["name"], t["failed"], t["graded"]) for t in summary["tests"]] == [
        ("softmax", 2, 3),
        ("sigmoid", 1, 3),
    ]
    assert summary["tests"][0]["mean_score"] == pytest.approx(10 / 3, abs=1e-6)
    assert [(m["mistake"], m["students"]) for m in summary["mistakes"]] == [
        ("softmax-axis", 1),
        ("softmax-no-shift", 1),
    ]
    top = client.get(
        "/api/v1/courses/c1/assignments/rnn-numpy/summary?top=1", headers=people_.auth("carol")
    ).json()
    assert len(top["tests"]) == 1 and len(top["mistakes"]) == 1
    empty = client.get(
        "/api/v1/courses/c1/assignments/lstm-scratch/summary", headers=people_.auth("carol")
    ).json()
    assert empty["graded"] == 0 and empty["mean_percent"] is None and empty["tests"] == []


# -- the token ---------------------------------------------------------------------------


def test_a_caller_can_revoke_their_own_token(client, people_: People):
    alice = people_.auth("alice")
    assert client.get("/api/v1/submissions", headers=alice).status_code == 200
    response = client.delete("/api/v1/tokens/current", headers=alice)
    assert response.status_code == 204 and response.content == b""
    assert_problem(client.get("/api/v1/submissions", headers=alice), 401)
    assert_problem(client.delete("/api/v1/tokens/current", headers=alice), 401)
    assert client.get("/api/v1/submissions", headers=people_.auth("bob")).status_code == 200


# -- over a real server: concurrency and dropped connections ------------------------------


def test_fifty_concurrent_uploads_are_each_stored_exactly_once(
    settings: Settings, people_: People, db: Database, queue: RecordingQueue
):
    """25 different notebooks, each sent twice at once with the same Idempotency-Key (a
    client retrying): 25 submissions, one file and one run each, both answers alike."""
    jobs = [(i % 2, i, f"key-{i}") for i in range(25)] * 2

    def send(job: tuple[int, int, str]) -> tuple[int, str]:
        who, tag, key = job
        headers = {**people_.auth(["alice", "bob"][who]), "Idempotency-Key": key}
        with httpx.Client(base_url=base, timeout=60) as http:
            response = upload(http, headers, notebook(tag))
        assert response.status_code == 202, response.text
        return tag, response.json()["id"]

    with served(create_app(settings, queue=queue)) as base, ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(send, jobs))
    by_tag: dict[int, set[str]] = {}
    for tag, sid in answers:
        by_tag.setdefault(tag, set()).add(sid)
    assert all(len(ids) == 1 for ids in by_tag.values()) and len(by_tag) == 25
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 25
        assert session.scalar(select(func.count()).select_from(SubmissionFile)) == 25
        assert session.scalar(select(func.count()).select_from(GradingRun)) == 25
        contents = session.scalars(select(SubmissionFile.content)).all()
    assert sorted(contents) == sorted(notebook(tag) for tag in range(25))
    assert len(queue.notified) == 25


def test_an_upload_cut_off_mid_body_is_not_stored(
    settings: Settings, people_: People, db: Database, queue: RecordingQueue
):
    with served(create_app(settings, queue=queue)) as base:
        request = httpx.Request(
            "POST",
            base + UPLOAD,
            files={"file": ("s.ipynb", notebook("cut") * 1, "application/x-ipynb+json")},
            headers=people_.auth("alice"),
        )
        body = request.read()
        head = [f"POST {UPLOAD} HTTP/1.1", "Host: 127.0.0.1"]
        head += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
            time.sleep(0.3)
        time.sleep(0.5)  # the server sees the disconnect
        with db.reader() as session:
            assert session.scalar(select(func.count()).select_from(Submission)) == 0
        assert queue.notified == []
        # The server is fine, and the whole upload is stored.
        with httpx.Client(base_url=base, timeout=30) as http:
            whole = upload(http, people_.auth("alice"), notebook("cut"))
        assert whole.status_code == 202
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1


# -- structured logs -----------------------------------------------------------------------


def test_log_lines_are_json_with_bound_fields_and_tracebacks():
    stream = io.StringIO()
    logger = logging.getLogger("markwell.test.logs")
    logger.propagate = False
    logger.addHandler(logs.handler(stream))
    logger.setLevel(logging.INFO)
    try:
        logger.info("plain %s", "line", extra={"submission": "s1", "run": 7})
        with logs.bound(course="c1"):
            logger.warning("multi\nline")
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.handlers.clear()
        logger.propagate = True
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    first, second, third = (json.loads(line) for line in lines)
    assert first["message"] == "plain line" and (first["submission"], first["run"]) == ("s1", 7)
    assert first["level"] == "INFO" and first["logger"] == "markwell.test.logs"
    assert second["message"] == "multi\nline" and second["course"] == "c1"
    assert "course" not in third and "ValueError: boom" in third["exc"]


class LoggingCatalog:
    """A catalog whose lookup logs from a module of its own and then fails, as a deeper
    module of the engine would during a grading."""

    def __getitem__(self, name: str) -> Any:
        logging.getLogger("graders.deeper").warning("looking up %s", name)
        raise UnknownAssignment(name, [])


def test_every_line_of_a_grading_carries_its_submission_and_run(
    client, people_: People, db: Database
):
    sid = submit(client, people_, "alice", 1)
    run_id = current_run(db, sid)
    assert claim_next(db, "w1", run_id=run_id) == run_id
    stream = io.StringIO()
    root = logging.getLogger()
    handler = logs.handler(stream)
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        status = grade_run(db, run_id, "w1", LoggingCatalog(), None, None)  # type: ignore[arg-type]
        logging.getLogger("app.queue.embedded").info("after the grading")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert status == "error"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    during = [line for line in lines if line["message"] != "after the grading"]
    assert {line["logger"] for line in during} >= {"app.queue.work", "graders.deeper"}
    for line in during:
        assert (line["submission"], line["run"]) == (sid, run_id), line
    after = next(line for line in lines if line["message"] == "after the grading")
    assert "submission" not in after and "run" not in after


def test_configure_makes_uvicorns_lines_json_too():
    from uvicorn.config import LOGGING_CONFIG

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    formatters = dict(LOGGING_CONFIG["formatters"])
    stream = io.StringIO()
    try:
        logs.configure(logging.INFO, stream)
        logging.getLogger("markwell.test").info("hello")
        assert json.loads(stream.getvalue())["message"] == "hello"
        for name in ("default", "access"):
            spec = LOGGING_CONFIG["formatters"][name]
            assert spec["()"] == "app.logs.JsonFormatter"
        access = logging.makeLogRecord(
            {
                "name": "uvicorn.access",
                "msg": '%s - "%s %s HTTP/%s" %d',
                "args": ("127.0.0.1:5000", "GET", "/healthz", "1.1", 200),
                "color_message": "\x1b[1mcoloured\x1b[0m",
            }
        )
        line = json.loads(logs.JsonFormatter().format(access))
        assert line["message"] == '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200'
        assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
        assert "color_message" not in line
    finally:
        LOGGING_CONFIG["formatters"].clear()
        LOGGING_CONFIG["formatters"].update(formatters)
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in handlers:
            root.addHandler(h)
        root.setLevel(level)


# -- every operation, fuzzed from the schema -------------------------------------------------


def test_no_operation_answers_a_server_error(
    settings: Settings, people_: People, db: Database, queue: RecordingQueue
):
    """Schemathesis generates requests for every operation in ``/openapi.json`` (valid
    ones and invalid ones) as an instructor and as a student: none may answer 5xx."""
    import schemathesis
    from schemathesis import GenerationMode

    real_seen: set[tuple[str, str, int]] = set()
    with served(create_app(settings, queue=queue)) as base:
        with httpx.Client(base_url=base) as http:
            sid = upload(http, people_.auth("alice"), notebook("fuzz")).json()["id"]
            quiz = "/api/v1/courses/c1/assignments/rnn-quiz"
            aid = http.post(quiz + "/attempts", headers=people_.auth("carol")).json()["id"]
            http.post(quiz + "/keys/release", headers=people_.auth("carol"))
            # A save's body may hold free-text answers too, which generated bodies seldom get
            # right for rnn-quiz's questions: one real save, so the route is reached for real.
            saved = http.put(
                f"/api/v1/attempts/{aid}/answers",
                json={"answers": {"q1": "a"}},
                headers=people_.auth("carol"),
            )
        finish(db, current_run(db, sid), scored(20.0))
        with httpx.Client(base_url=base) as http:
            asked = http.post(
                f"/api/v1/submissions/{sid}/regrade-requests",
                json={"question": "softmax", "message": "Why?"},
                headers=people_.auth("alice"),
            )
            assert asked.status_code == 201, asked.text
            by_hand = theory_answered(http, people_, real_seen)
        schema = schemathesis.openapi.from_url(base + "/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        # Revoking the token would leave the rest of the run unauthenticated.
        operations = [op for op in operations if op.path != "/api/v1/tokens/current"]
        assert len(operations) >= 10
        seen: set[tuple[str, str, int]] = {
            ("PUT", "/api/v1/attempts/{attempt_id}/answers", saved.status_code),
            *real_seen,
        }
        known = {
            "course": "c1",
            "assignment": "rnn-numpy",
            "submission_id": sid,
            "quiz": "rnn-quiz",
            "attempt_id": aid,
            "student": "bob",
            "request_id": str(asked.json()["id"]),
        }
        positive, negative = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
        for operation in operations:
            # Grading by hand is reached on a quiz with free-text questions, for real.
            chosen = {**known, **by_hand} if by_hand_route(operation.path) else known
            real = {k: v for k, v in chosen.items() if "{" + k + "}" in operation.path}
            for mode, path, who in [
                (positive, real, "carol"),  # the instructor, on real resources
                (positive, real, "alice"),  # a student, on the same
                (positive, {}, "carol"),  # anything the schema allows
                (negative, {}, "carol"),  # what it does not
            ]:
                fuzz(operation, mode, path, base, people_.auth(who), seen)
    # The instructor's requests reached every operation for real, not only its 401s and 404s.
    answered = {(method, path) for method, path, status in seen if status < 300}
    assert answered >= {(op.method.upper(), op.path) for op in operations} - {
        ("POST", "/api/v1/courses/{course}/assignments/{assignment}/submissions"),
        # A generated question is no test of the result, and the one request is answered or
        # withdrawn by whichever comes first: tests/service/test_manual_release.py.
        ("POST", "/api/v1/submissions/{submission_id}/regrade-requests"),
        ("POST", "/api/v1/regrade-requests/{request_id}/withdraw"),
    }


THEORY = "/api/v1/courses/c1/assignments/rnn-theory"
BY_HAND = ("/questions", "/answers/{question}", "/rubric", "/manual-release")


def by_hand_route(path: str) -> bool:
    """Whether ``path`` is one of grading by hand's, to be called on a free-text quiz."""
    return any(part in path for part in BY_HAND)


def theory_answered(
    http: httpx.Client, people_: People, seen: set[tuple[str, str, int]]
) -> dict[str, str]:
    """alice and bob answer rnn-theory's q1 alike and submit; the instructor groups the
    answers, grades, splits and merges a group, saves the rubric as it is and a comment:
    the path parameters of grading by hand, and the operations whose bodies generated ones
    seldom get right, reached for real (added to ``seen``)."""
    ids = {}
    for who in ("alice", "bob"):
        auth = people_.auth(who)
        attempt = http.post(THEORY + "/attempts", headers=auth).json()["id"]
        answers = {"answers": {"q1": "Translation maps a sentence to a sentence."}}
        assert http.put(f"/api/v1/attempts/{attempt}/answers", json=answers, headers=auth)
        ids[who] = http.post(f"/api/v1/attempts/{attempt}/submit", headers=auth).json()[
            "submission"
        ]
    carol = people_.auth("carol")
    question = THEORY + "/questions/q1"
    made = http.post(question + "/groups/suggestions", json={}, headers=carol)
    assert made.status_code == 200, made.text
    group = http.get(question + "/groups", headers=carol).json()[0]["id"]
    groups = question + "/groups"
    real = [
        ("PUT", THEORY + "/rubric", http.get(THEORY + "/rubric", headers=carol).json()["rubric"]),
        ("POST", f"{groups}/{group}/confirm", None),
        ("POST", f"{groups}/{group}/grade", {"items": ["s2s-app"]}),
        ("POST", f"{groups}/{group}/split", {"submission_ids": [ids["bob"]]}),
    ]
    for method, path, body in real:
        done = http.request(method, path, json=body, headers=carol)
        assert done.status_code < 300, (path, done.text)
        seen.add((method, templated(path), done.status_code))
    parts = [g["id"] for g in http.get(groups, headers=carol).json()]
    merged = http.post(f"{groups}/merge", json={"group_ids": parts}, headers=carol)
    assert merged.status_code < 300, merged.text
    seen.add(("POST", templated(f"{groups}/merge"), merged.status_code))
    merged_id = http.get(groups, headers=carol).json()[0]["id"]
    rejected = http.post(f"{groups}/{merged_id}/reject", headers=carol)
    assert rejected.status_code < 300, rejected.text
    seen.add(("POST", templated(f"{groups}/{merged_id}/reject"), rejected.status_code))
    comment = http.post(question + "/comments", json={"text": "Say why."}, headers=carol)
    assert comment.status_code == 201, comment.text
    return {
        "assignment": "rnn-theory",
        "submission_id": ids["alice"],
        "question": "q1",
        "group_id": str(group),
        "comment_id": str(comment.json()["id"]),
    }


def templated(path: str) -> str:
    """``/api/v1/courses/c1/assignments/rnn-theory/questions/q1/groups/3/grade`` as the
    schema names its operation."""
    path = path.replace(THEORY, "/api/v1/courses/{course}/assignments/{assignment}")
    path = path.replace("/questions/q1", "/questions/{question}")
    return re.sub(r"/groups/\d+/", "/groups/{group_id}/", path)


def fuzz(
    operation: Any,
    mode: Any,
    path: dict[str, str],
    base: str,
    headers: dict[str, str],
    seen: set[tuple[str, str, int]],
) -> None:
    """Fifteen generated requests to one operation; none may answer 5xx."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path or None))
    @hypothesis_settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case: Any) -> None:
        response = case.call_and_validate(
            base_url=base, headers=headers, checks=[not_a_server_error]
        )
        seen.add((operation.method.upper(), operation.path, response.status_code))

    try:
        check()
    except Unsatisfiable:
        # Nothing about the operation can be made invalid (no parameters, no body).
        assert mode == GenerationMode.NEGATIVE
