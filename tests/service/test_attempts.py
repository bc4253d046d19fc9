"""Quiz attempts over HTTP, on both databases, with the server's clock under the test's
control: time limits, late answers and the late policy, attempt limits, opening and due
dates, autosave, answers refused with a reason, keys that no route shows before their
release, and results equal to the quiz engine's own."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.db import Database, use_clock
from app.main import create_app
from app.models import (
    Course,
    CourseAssignment,
    GradingRun,
    QuizAttempt,
    Submission,
    SubmissionFile,
    TestRow,
    User,
)
from app.queue.claim import claim_next
from app.queue.work import grade_run
from app.services.quiz import attempts as attempts_module
from app.services.quiz.attempts import close_expired
from app.services.quiz.grading import regrade_answers
from app.services.quiz.sweeper import Sweeper
from app.settings import Settings
from graders import load_catalog
from graders.quiz import grade_answers, grade_question, read_answers
from tests.service.conftest import SOLUTION, People, RecordingQueue

QUIZ = "pop-quiz"
START = f"/api/v1/courses/c1/assignments/{QUIZ}/attempts"
RELEASE = f"/api/v1/courses/c1/assignments/{QUIZ}/keys/release"
KEYS = f"/api/v1/courses/c1/assignments/{QUIZ}/keys"
PROBLEM = "application/problem+json"

MANIFEST = textwrap.dedent(
    """
    id = "pop-quiz"
    title = "A quiz for the service's tests"
    kind = "quiz"

    [quiz]
    time_limit_minutes = 10
    attempts = 2

    [[questions]]
    id = "q1"
    type = "single"
    prompt = "Which one?"
    options = ["alpha", "beta", "gamma"]
    answer = "b"
    points = 2
    explanation = "EXPLAINED-q1: beta."

    [[questions]]
    id = "q2"
    type = "multiple"
    prompt = "Which ones?"
    options = ["one", "two", "three", "four"]
    answer = ["a", "c"]
    points = 2
    explanation = "EXPLAINED-q2"

    [[questions]]
    id = "q3"
    type = "exact"
    prompt = "The name?"
    normalize = "identifier"
    answer = "zebra_key_7"
    points = 2
    explanation = "EXPLAINED-q3: zebra_key_7"

    [[questions]]
    id = "q4"
    type = "number"
    prompt = "The value, to 5 decimals without rounding?"
    rule = "truncate"
    decimals = 5
    answer = 0.7351962
    points = 2
    explanation = "EXPLAINED-q4: 0.7351962, cut to 0.73519"

    [[questions]]
    id = "q5"
    type = "integer"
    prompt = "How many?"
    answer = 4817
    points = 1
    explanation = "EXPLAINED-q5"

    [[questions]]
    id = "q6"
    type = "shape"
    prompt = "The shape?"
    answer = [37, 3]
    points = 1
    explanation = "EXPLAINED-q6"
    """
)
RIGHT = {"q1": "b", "q2": ["a", "c"], "q3": "zebra_key_7", "q4": "0.73519", "q5": "4817"}
"""Every answer right but q6's, which is left out: 9 of 10 points."""
SECRETS = ("zebra_key_7", "0.7351962", "0.73519", "4817", "EXPLAINED")
"""Text that only a key or an explanation of the quiz contains."""


@dataclass
class Clock:
    """The server's clock, moved by the test."""

    moment: datetime

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock() -> Iterator[Clock]:
    fake = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with use_clock(fake):
        yield fake


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The service's settings with ``pop-quiz`` on the catalog."""
    folder = tmp_path / "quizzes" / QUIZ
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text(MANIFEST, encoding="utf-8")
    return settings.model_copy(update={"assignments_path": str(folder.parent)})


@pytest.fixture
def quiz(settings: Settings) -> Any:
    return settings.catalog()[QUIZ]


def set_quiz(db: Database, **values: Any) -> None:
    with db.session() as session:
        course_id = session.scalar(select(Course.id).where(Course.slug == "c1"))
        session.execute(
            update(CourseAssignment)
            .where(CourseAssignment.course_id == course_id, CourseAssignment.assignment == QUIZ)
            .values(**values)
        )


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"].endswith("/" + kind), body
    assert body["detail"]
    return body


def start(client: TestClient, people_: People, who: str = "alice", status: int = 201) -> dict:
    response = client.post(START, headers=people_.auth(who))
    assert response.status_code == status, response.text
    body = response.json()
    assert response.headers["location"] == f"/api/v1/attempts/{body['id']}"
    return body


def save(
    client: TestClient, people_: People, attempt: str, answers: dict, who: str = "alice"
) -> httpx.Response:
    return client.put(
        f"/api/v1/attempts/{attempt}/answers", json={"answers": answers}, headers=people_.auth(who)
    )


def submit(client: TestClient, people_: People, attempt: str, who: str = "alice") -> dict:
    response = client.post(f"/api/v1/attempts/{attempt}/submit", headers=people_.auth(who))
    assert response.status_code == 200, response.text
    return response.json()


def stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# -- the clock, the time limit, late answers, the late policy ---------------------------------


def test_an_attempt_runs_by_the_server_clock_and_a_late_answer_costs_the_policy(
    client: TestClient, people_: People, db: Database, clock: Clock, quiz: Any
):
    set_quiz(db, late_policy="penalty", late_penalty=0.25)
    attempt = start(client, people_)
    assert attempt["status"] == "open" and attempt["number"] == 1
    assert stamp(attempt["started_at"]) == clock.moment
    assert stamp(attempt["deadline_at"]) == clock.moment + timedelta(minutes=10)
    assert stamp(attempt["closes_at"]) == clock.moment + timedelta(minutes=15)
    assert attempt["time_left_seconds"] == 600
    assert [q["id"] for q in attempt["questions"]] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert attempt["questions"][0]["options"] == ["alpha", "beta", "gamma"]

    clock.advance(minutes=4)
    saved = save(client, people_, attempt["id"], {"q1": "b", "q2": ["a", "c"]})
    assert saved.status_code == 200, saved.text
    assert saved.json()["answers"] == {"q1": "b", "q2": ["a", "c"]}
    assert saved.json()["time_left_seconds"] == 360 and not saved.json()["late"]
    # Starting again gives the open attempt back, unchanged.
    again = start(client, people_, status=200)
    assert again["id"] == attempt["id"] and again["answers"] == {"q1": "b", "q2": ["a", "c"]}

    clock.advance(minutes=7)  # one minute past the time limit, inside the late window
    late = save(client, people_, attempt["id"], {"q3": "zebra_key_7", "q4": "0.73519"})
    assert late.status_code == 200, late.text
    body = late.json()
    assert body["late"] and body["late_days"] == 1 and body["time_left_seconds"] == 0
    assert body["answers"] == {"q1": "b", "q2": ["a", "c"], "q3": "zebra_key_7", "q4": "0.73519"}

    done = submit(client, people_, attempt["id"])
    assert done["status"] == "submitted" and done["late"]
    result = done["result"]
    # 8 of 10 points right, less a quarter of the points for one started day late.
    assert result["status"] == "graded" and result["max_score"] == 10.0
    assert result["score"] == 5.5
    assert result["late"]["days"] == 1 and result["late"]["score_before"] == 8.0
    assert [t["name"] for t in result["tests"]] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert [t["status"] for t in result["tests"]][-2:] == ["missing", "missing"]

    # The submission is a graded one like a notebook's: its result, test rows, gradebook row.
    seen = client.get(f"/api/v1/submissions/{done['submission']}", headers=people_.auth("alice"))
    assert seen.status_code == 200, seen.text
    shown = seen.json()
    assert shown["status"] == "graded" and shown["late"] and shown["result"] == result
    assert stamp(shown["submitted_at"]) == clock.moment  # when the answers last changed
    with db.reader() as session:
        submission = session.get(Submission, done["submission"])
        assert submission is not None and submission.kind == "answers"
        run = session.get(GradingRun, submission.current_run_id)
        assert run is not None and run.status == "graded" and run.score == 5.5
        rows = session.scalars(select(TestRow).where(TestRow.run_id == run.id)).all()
        assert sorted(r.name for r in rows) == ["q1", "q2", "q3", "q4", "q5", "q6"]
        stored = session.get(SubmissionFile, submission.id)
        assert stored is not None
        assert json.loads(stored.content) == {"answers": body["answers"]}
    book = client.get("/api/v1/courses/c1/gradebook.csv", headers=people_.auth("carol")).text
    row = next(line for line in book.splitlines() if line.startswith(f"alice,{QUIZ},"))
    assert ",graded,5.5,10," in row
    # Graded again (a regrade), the same answers give the same result, late policy included.
    assert regrade_answers(db, quiz, done["submission"]).to_json() == result


def test_a_submit_after_the_deadline_with_nothing_changed_late_is_on_time(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    set_quiz(db, late_policy="cap", late_cap=0.5)
    attempt = start(client, people_)
    clock.advance(minutes=2)
    assert save(client, people_, attempt["id"], RIGHT).status_code == 200
    clock.advance(minutes=11)  # past the deadline, inside the late window; nothing changed
    # Saving the same answers again (an autosave timer) changes nothing and is not late.
    same = save(client, people_, attempt["id"], {"q1": "b"})
    assert same.status_code == 200 and not same.json()["late"]
    done = submit(client, people_, attempt["id"])
    assert not done["late"] and done["result"]["score"] == 9.0
    assert "late" not in done["result"]
    with db.reader() as session:
        submission = session.get(Submission, done["submission"])
        assert submission is not None and not submission.late
        # The answers were final at the deadline: that is when it counts as submitted.
        assert submission.submitted_at == stamp(attempt["deadline_at"])


def test_the_cap_policy_caps_a_late_attempt(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    set_quiz(db, late_policy="cap", late_cap=0.5)
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], {"q1": "b", "q2": ["a", "c"]}).status_code == 200
    clock.advance(minutes=12)
    assert save(client, people_, attempt["id"], RIGHT).json()["late"]
    result = submit(client, people_, attempt["id"])["result"]
    assert result["score"] == 5.0 and result["late"]["score_before"] == 9.0


def test_an_attempt_past_its_late_window_is_submitted_as_saved(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], {"q1": "b"}).status_code == 200
    clock.advance(minutes=16)  # past the time limit and the 5-minute late window
    # A save now is refused: the attempt is submitted with what was saved before it.
    refused = save(client, people_, attempt["id"], {"q3": "zebra_key_7"})
    assert_problem(refused, 409, "attempt-submitted")
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=people_.auth("alice")).json()
    assert seen["status"] == "submitted" and seen["answers"] == {"q1": "b"}
    assert seen["result"]["score"] == 2.0 and not seen["late"]
    # Submitting again gives the same attempt and result: one submission.
    assert submit(client, people_, attempt["id"])["submission"] == seen["submission"]


def test_reading_or_starting_again_closes_an_expired_attempt_and_so_does_the_sweep(
    client: TestClient, people_: People, db: Database, clock: Clock, settings: Settings
):
    first = start(client, people_)
    assert save(client, people_, first["id"], {"q1": "b"}).status_code == 200
    clock.advance(minutes=30)
    second = start(client, people_)  # the first is submitted, a second one starts
    assert second["id"] != first["id"] and second["number"] == 2
    gone = client.get(f"/api/v1/attempts/{first['id']}", headers=people_.auth("alice")).json()
    assert gone["status"] == "submitted" and gone["result"]["score"] == 2.0

    bobs = start(client, people_, "bob")
    assert save(client, people_, bobs["id"], {"q5": "4817"}, who="bob").status_code == 200
    clock.advance(minutes=14)
    catalog = load_catalog([settings.assignments_path])
    assert close_expired(db, catalog) == 0  # inside the late window still
    clock.advance(minutes=2)
    sweeper = Sweeper(db, lambda: catalog, every=0.02)
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while open_attempts(db) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert open_attempts(db) == 0  # bob's, and alice's second, submitted by the sweep
    assert close_expired(db, catalog) == 0
    seen = client.get(f"/api/v1/attempts/{bobs['id']}", headers=people_.auth("bob")).json()
    assert seen["status"] == "submitted" and seen["result"]["score"] == 1.0
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 3


def open_attempts(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(
            select(func.count()).select_from(QuizAttempt).where(QuizAttempt.status == "open")
        )


def test_a_course_time_limit_overrides_the_quizs(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    set_quiz(db, time_limit_minutes=0)  # none
    attempt = start(client, people_)
    assert attempt["deadline_at"] is None and attempt["time_left_seconds"] is None
    clock.advance(days=30)
    assert not save(client, people_, attempt["id"], RIGHT).json()["late"]
    submit(client, people_, attempt["id"])
    set_quiz(db, time_limit_minutes=3, late_window_minutes=0)
    attempt = start(client, people_)
    assert stamp(attempt["deadline_at"]) - stamp(attempt["started_at"]) == timedelta(minutes=3)
    clock.advance(minutes=3)
    assert_problem(save(client, people_, attempt["id"], {"q1": "a"}), 409, "attempt-submitted")


# -- limits, opening and due dates -------------------------------------------------------------


def test_409_past_the_attempt_limit_of_the_quiz_or_the_course(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    for _ in range(2):  # the quiz allows 2
        submit(client, people_, start(client, people_)["id"])
    body = assert_problem(client.post(START, headers=people_.auth("alice")), 409, "attempt-limit")
    assert "allows 2 attempts" in body["detail"]
    set_quiz(db, attempt_limit=3)  # the course's limit wins
    submit(client, people_, start(client, people_)["id"])
    assert_problem(client.post(START, headers=people_.auth("alice")), 409, "attempt-limit")
    set_quiz(db, attempt_limit=1)
    start(client, people_, "bob")
    # An open attempt counts: bob has used his one, and starting again gives it back.
    start(client, people_, "bob", status=200)


def test_409_before_the_quiz_opens_and_late_after_it_is_due(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    set_quiz(
        db, opens_at=clock.moment + timedelta(hours=1), due_at=clock.moment + timedelta(hours=2)
    )
    body = assert_problem(client.post(START, headers=people_.auth("alice")), 409, "not-open")
    assert "opens at" in body["detail"]
    clock.advance(minutes=115)  # 5 minutes before the due date; 10 minutes allowed
    attempt = start(client, people_)
    clock.advance(minutes=3)
    assert not save(client, people_, attempt["id"], {"q1": "b"}).json()["late"]
    clock.advance(minutes=3)  # past the due date, inside the time limit: late all the same
    body = save(client, people_, attempt["id"], {"q3": "zebra_key_7"}).json()
    assert body["late"] and body["late_days"] == 1
    done = submit(client, people_, attempt["id"])
    # The due date's lateness is the gradebook's to count (as for any submission).
    assert done["result"]["score"] == 4.0 and "late" not in done["result"]


def test_404_for_what_is_not_a_quiz_or_not_the_callers(
    client: TestClient, people_: People, clock: Clock
):
    alice, bob, carol, dave = (people_.auth(n) for n in ("alice", "bob", "carol", "dave"))
    assert_problem(
        client.post("/api/v1/courses/c1/assignments/rnn-numpy/attempts", headers=alice),
        404,
        "not-found",
    )
    assert_problem(client.post(START.replace("c1", "c2"), headers=alice), 404, "not-found")
    attempt = start(client, people_)
    path = f"/api/v1/attempts/{attempt['id']}"
    for who in (bob, dave):
        assert_problem(client.get(path, headers=who), 404, "not-found")
    # The course's instructor may read it, but not answer or submit it.
    assert client.get(path, headers=carol).status_code == 200
    assert_problem(
        client.put(path + "/answers", json={"answers": {}}, headers=carol), 404, "not-found"
    )
    assert_problem(client.post(path + "/submit", headers=carol), 404, "not-found")
    for bad in ("0" * 32, "nope", "x" * 300):
        assert_problem(client.get(f"/api/v1/attempts/{bad}", headers=alice), 404, "not-found")
    assert_problem(client.post(RELEASE, headers=alice), 404, "not-found")


# -- answers: autosave, merging, refusals ----------------------------------------------------


def test_each_save_is_stored_at_once_and_a_new_client_reads_it(
    settings: Settings, people_: People, clock: Clock
):
    with TestClient(create_app(settings, queue=RecordingQueue())) as first:
        attempt = start(first, people_)
        assert save(first, people_, attempt["id"], {"q1": "c", "q4": " 0.7351 "}).status_code == 200
    # A new app and client (the first one is gone, as after a dropped connection).
    with TestClient(create_app(settings, queue=RecordingQueue())) as second:
        path = f"/api/v1/attempts/{attempt['id']}"
        seen = second.get(path, headers=people_.auth("alice")).json()
        assert seen["answers"] == {"q1": "c", "q4": " 0.7351 "}  # as given
        # Merging: a question given replaces its answer, null clears one, others stay.
        merged = save(second, people_, attempt["id"], {"q1": "b", "q4": None, "q2": []}).json()
        assert merged["answers"] == {"q1": "b", "q2": []}
        assert save(second, people_, attempt["id"], {}).json()["answers"] == {"q1": "b", "q2": []}


def test_422_for_answers_that_cannot_be_saved(client: TestClient, people_: People, clock: Clock):
    attempt = start(client, people_)
    path = f"/api/v1/attempts/{attempt['id']}/answers"
    alice = {**people_.auth("alice"), "Content-Type": "application/json"}
    body = assert_problem(
        save(client, people_, attempt["id"], {"q99": "a"}), 422, "invalid-answers"
    )
    assert "q99" in body["detail"] and "q1" in body["detail"]
    twice = b'{"answers": {"q1": "a", "q1": "b"}}'
    body = assert_problem(client.put(path, content=twice, headers=alice), 422, "invalid-answers")
    assert "twice" in body["detail"]
    for wrong in ({"q1": 0.5}, {"q1": {"x": 1}}, {"q1": ["a", 1]}, {"q1": "x" * 25_000}):
        assert_problem(save(client, people_, attempt["id"], wrong), 422, "invalid-request")
    # Over a short answer's 2,000 characters but within a free-text one's: the quiz decides.
    long = save(client, people_, attempt["id"], {"q1": "x" * 5000})
    assert "2,000 characters" in assert_problem(long, 422, "invalid-answers")["detail"]
    for raw in (b"not json", b"[]", b'{"answers": []}', b'{"answers": {}, "more": 1}'):
        response = client.put(path, content=raw, headers=alice)
        assert response.status_code == 422, (raw, response.text)
    # Nothing of it was saved, and the attempt still takes good answers.
    assert save(client, people_, attempt["id"], {"q1": "b"}).json()["answers"] == {"q1": "b"}


def test_answers_a_person_types_are_graded_not_refused(
    client: TestClient, people_: People, clock: Clock
):
    attempt = start(client, people_)
    odd = {"q1": "B", "q4": "0,73519", "q5": "NaN", "q6": "(37,3)", "q3": " "}
    assert save(client, people_, attempt["id"], odd).status_code == 200
    result = submit(client, people_, attempt["id"])["result"]
    status = {t["name"]: t["status"] for t in result["tests"]}
    assert status == {
        "q1": "passed",
        "q2": "missing",
        "q3": "missing",
        "q4": "failed",
        "q5": "failed",
        "q6": "passed",
    }


# -- keys ------------------------------------------------------------------------------------


def walk(value: Any) -> Iterator[Any]:
    """Every value inside a JSON document."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def assert_no_keys(response: httpx.Response, where: str) -> None:
    text = response.text
    for secret in SECRETS:
        assert secret not in text, (where, secret)
    if response.url.path.startswith("/api/") and response.headers.get(
        "content-type", ""
    ).startswith("application/json"):
        for value in walk(response.json()):
            assert value != 4817 and value != [37, 3], (where, value)
            if isinstance(value, dict) and "explanation" in value:
                assert value["explanation"] is None and value.get("answer") is None, where


def every_get(client: TestClient, known: dict[str, str]) -> list[str]:
    """Every GET route of the API, its path filled in with ``known``."""
    schema = client.get("/openapi.json").json()
    paths = []
    for path, item in schema["paths"].items():
        if "get" not in item:
            continue
        filled = path
        for name, value in known.items():
            filled = filled.replace("{" + name + "}", value)
        assert "{" not in filled, path
        paths.append(filled)
    return paths


def test_no_route_shows_a_key_before_the_instructor_releases_them(
    client: TestClient, people_: People, db: Database, clock: Clock, quiz: Any
):
    alice, carol = people_.auth("alice"), people_.auth("carol")
    wrong = {"q1": "a", "q3": "horse", "q4": "0.1", "q5": "12", "q6": "(2, 2)"}
    responses: list[tuple[str, httpx.Response]] = []
    attempt = start(client, people_)
    responses.append(("start", client.post(START, headers=alice)))
    responses.append(("save", save(client, people_, attempt["id"], wrong)))
    responses.append(
        ("submit", client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=alice))
    )
    submission = responses[-1][1].json()["submission"]
    clock.advance(days=3)  # long after the time limit (and any due date)
    set_quiz(db, due_at=clock.moment - timedelta(days=1))
    responses.append(("not released", client.get(KEYS, headers=alice)))
    assert_problem(responses[-1][1], 409, "keys-not-released")
    known = {
        "course": "c1",
        "assignment": QUIZ,
        "quiz": QUIZ,
        "submission_id": submission,
        "attempt_id": attempt["id"],
        "label": "90-100",
        "mistake": "wrong",
        "test": "q1",
        "request_id": "1",
        "question": "q1",
    }
    for path in every_get(client, known):
        for who, headers in (("alice", alice), ("carol", carol)):
            responses.append((f"GET {path} as {who}", client.get(path, headers=headers)))
    for page in ("/openapi.json", "/docs", "/redoc"):
        responses.append((page, client.get(page)))
    for where, response in responses:
        assert response.status_code < 500, where
        assert_no_keys(response, where)
    # Nor do the schema's examples hold a right answer to any quiz of the catalog (an option
    # letter aside: every letter is some question's answer).
    examples = [
        leaf
        for node in walk(client.get("/openapi.json").json())
        if isinstance(node, dict)
        for name in ("example", "examples")
        if name in node
        for leaf in walk(node[name])
        if isinstance(leaf, str | int | float) and not isinstance(leaf, bool)
    ]
    assert "12" in examples  # the answers' example is found
    catalog = client.app.state.settings.catalog()  # type: ignore[attr-defined]
    for assignment in catalog.values():
        for question in assignment.questions:
            if question.type in ("single", "multiple"):
                continue
            for leaf in examples:
                verdict = grade_question(question, str(leaf))
                assert verdict.status != "passed", (assignment.id, question.id, leaf)

    # Released: the student sees each key and explanation, in the attempt and at /keys.
    released = client.post(RELEASE, headers=carol)
    assert released.status_code == 200, released.text
    keys = {q["id"]: q for q in client.get(KEYS, headers=alice).json()["questions"]}
    assert keys["q3"]["answer"] == ["zebra_key_7"] and keys["q5"]["answer"] == 4817
    assert keys["q6"]["answer"] == [37, 3] and keys["q2"]["answer"] == ["a", "c"]
    assert keys["q4"]["explanation"].startswith("EXPLAINED-q4")
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=alice).json()
    assert seen["keys_released"] and seen["questions"][0]["answer"] == "b"


# -- the same result as the engine's, offline --------------------------------------------------


def test_the_api_grades_answers_as_the_engine_does_offline(
    client: TestClient, people_: People, db: Database, clock: Clock, quiz: Any
):
    cases = [
        RIGHT,
        {"q1": "a", "q2": ["b"], "q3": "zebra", "q4": "0.73520", "q5": "4816", "q6": "(3, 37)"},
        {"q2": ["a", "c", "d"], "q4": "7.351962e-1", "q6": "37, 3"},
        {"q1": "", "q3": "zebra_key_7 = 1", "q4": "-0.0", "q5": "٤٨١٧", "q6": "(37, 3, 1)"},
        {},
    ]
    set_quiz(db, attempt_limit=len(cases))
    for answers in cases:
        attempt = start(client, people_)
        assert save(client, people_, attempt["id"], answers).status_code == 200
        online = submit(client, people_, attempt["id"])["result"]
        offline = grade_answers(quiz, read_answers(json.dumps({"answers": answers}), quiz))
        expected = offline.to_json()
        assert online["status"] == expected["status"] == "graded"
        assert (online["score"], online["max_score"]) == (expected["score"], expected["max_score"])
        for got, want in zip(online["tests"], expected["tests"], strict=True):
            explanation = next(q.explanation for q in quiz.questions if q.id == want["name"])
            assert {**got, "feedback": ""} == {**want, "feedback": ""}
            # The same sentence, without the explanation (shown once the keys are released).
            assert got["feedback"] == want["feedback"].removesuffix(explanation).strip()


def test_two_submits_at_once_record_one_result(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], RIGHT).status_code == 200
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(lambda _: submit(client, people_, attempt["id"]), range(4)))
    assert len({d["submission"] for d in done}) == 1
    assert all(d["result"]["score"] == 9.0 for d in done)
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1
        assert session.scalar(select(func.count()).select_from(GradingRun)) == 1
        assert session.scalar(select(QuizAttempt.status)) == "submitted"


def test_a_regrade_of_a_quiz_grades_its_answers_again_and_keeps_the_score(
    client: TestClient, people_: People, db: Database, clock: Clock, settings: Settings
):
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], RIGHT).status_code == 200
    first = submit(client, people_, attempt["id"])
    sid = first["submission"]
    regraded = client.post(f"/api/v1/submissions/{sid}/regrade", headers=people_.auth("carol"))
    assert regraded.status_code == 202, regraded.text
    run_id = claim_next(db, "test-worker")
    assert run_id is not None
    catalog = settings.catalog()
    assert grade_run(db, run_id, "test-worker", catalog, settings.limits(), settings.sandbox())
    again = client.get(f"/api/v1/submissions/{sid}", headers=people_.auth("alice")).json()
    assert again["status"] == "graded"
    assert again["result"]["score"] == first["result"]["score"]


def test_a_notebook_uploaded_to_a_quiz_is_refused_with_the_way_to_answer(
    client: TestClient, people_: People
):
    response = client.post(
        f"/api/v1/courses/c1/assignments/{QUIZ}/submissions",
        files={"file": ("s.ipynb", b"{}", "application/x-ipynb+json")},
        headers=people_.auth("alice"),
    )
    body = assert_problem(response, 422, "quiz")
    assert "/attempts" in body["detail"]


# -- a client's idempotency keys, and a sweep that one bad attempt cannot stop --------------


def test_an_upload_keyed_like_an_attempt_does_not_break_submitting_it(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], RIGHT).status_code == 200
    key = f"attempt:{attempt['id']}"
    upload = client.post(
        "/api/v1/courses/c1/assignments/rnn-numpy/submissions",
        files={"file": ("s.ipynb", SOLUTION.read_bytes(), "application/x-ipynb+json")},
        headers={**people_.auth("alice"), "Idempotency-Key": key},
    )
    assert upload.status_code == 422 and upload.json()["type"].endswith("invalid-idempotency-key")
    # A row of the quiz keyed so (as an older server let a client store it) breaks nothing:
    # the quiz's own submissions use no key at all.
    with db.session() as session:
        alice = session.scalar(select(User.id).where(User.name == "alice"))
        target = session.scalar(
            select(CourseAssignment.id).where(CourseAssignment.assignment == attempt["assignment"])
        )
        session.add(
            Submission(
                course_assignment_id=target,
                user_id=alice,
                filename="s.ipynb",
                sha256="0" * 64,
                size=2,
                status="queued",
                idempotency_key=key,
            )
        )
    done = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=people_.auth("alice"))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "submitted" and done.json()["result"]["score"] == 9.0
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=people_.auth("alice"))
    assert seen.status_code == 200 and seen.json()["result"]["status"] == "graded"


def test_an_attempt_that_fails_to_close_does_not_stop_the_sweep_for_the_others(
    client: TestClient,
    people_: People,
    db: Database,
    clock: Clock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
):
    attempts = {who: start(client, people_, who)["id"] for who in ("alice", "bob")}
    clock.advance(minutes=16)
    real_close = attempts_module.close

    def failing(session: Any, attempt: QuizAttempt, *args: Any) -> bool:
        if attempt.id == attempts["alice"]:
            raise RuntimeError("this attempt cannot be closed")
        return real_close(session, attempt, *args)

    monkeypatch.setattr(attempts_module, "close", failing)
    catalog = settings.catalog()
    assert close_expired(db, catalog) == 1
    with db.reader() as session:
        statuses = dict(session.execute(select(QuizAttempt.user_id, QuizAttempt.status)).all())
    assert sorted(statuses.values()) == ["open", "submitted"]
    # The sweeper, whichever order the rows come in, closes every attempt it can.
    monkeypatch.setattr(attempts_module, "close", real_close)
    third = start(client, people_, "bob")["id"]
    clock.advance(minutes=16)
    monkeypatch.setattr(attempts_module, "close", failing)
    sweeper = Sweeper(db, lambda: catalog, every=0.02)
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while open_attempts(db) > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        sweeper.stop()
    assert open_attempts(db) == 1
    with db.reader() as session:
        third_row = session.get(QuizAttempt, third)
        assert third_row is not None and third_row.status == "submitted"


# -- bounded bodies and bounded errors --------------------------------------------------------


def test_a_save_larger_than_the_answers_may_be_is_refused_before_it_is_parsed(
    client: TestClient, people_: People, clock: Clock
):
    attempt = start(client, people_)
    path = f"/api/v1/attempts/{attempt['id']}/answers"
    alice = {**people_.auth("alice"), "Content-Type": "application/json"}
    many = json.dumps({"answers": {f"k{i}": "a" for i in range(300_000)}}).encode()
    assert len(many) > 4_000_000
    refused = client.put(path, content=many, headers=alice)
    assert_problem(refused, 413, "too-large")
    assert len(refused.content) < 1000
    # Streamed without a length, it is stopped all the same.
    chunks = (many[i : i + 65536] for i in range(0, len(many), 65536))
    streamed = client.put(path, content=chunks, headers=alice)
    assert_problem(streamed, 413, "too-large")
    # Under the cap, many wrong keys make a 422 that lists a few of them, not each one.
    some = json.dumps({"answers": {f"k{i}": 1 for i in range(4000)}}).encode()
    assert len(some) < 64 * 1024
    body = assert_problem(client.put(path, content=some, headers=alice), 422, "invalid-request")
    assert len(body["errors"]) <= 20 and len(json.dumps(body)) < 10_000
    assert save(client, people_, attempt["id"], {"q1": "b"}).json()["answers"] == {"q1": "b"}


# -- releasing the keys ends the quiz ---------------------------------------------------------


def test_keys_are_not_released_while_an_attempt_is_open_or_can_start(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    carol = people_.auth("carol")
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], {"q1": "b"}).status_code == 200
    body = assert_problem(client.post(RELEASE, headers=carol), 409, "attempts-open")
    assert body["open_attempts"] == 1 and body["can_start"] is True
    submit(client, people_, attempt["id"])
    # None open, but bob (and alice, with one attempt left) can still start one.
    body = assert_problem(client.post(RELEASE, headers=carol), 409, "attempts-open")
    assert body["open_attempts"] == 0 and body["can_start"] is True
    assert_problem(client.get(KEYS, headers=people_.auth("alice")), 409, "keys-not-released")
    # Past the due date nobody can start one: with none open, the keys are released.
    set_quiz(db, due_at=clock.moment - timedelta(minutes=1))
    released = client.post(RELEASE, headers=carol)
    assert released.status_code == 200, released.text
    assert released.json()["released"] and released.json()["closed"] == 0


def test_releasing_with_close_submits_the_open_attempts_and_no_more_can_start(
    client: TestClient, people_: People, db: Database, clock: Clock
):
    carol = people_.auth("carol")
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], {"q1": "b"}).status_code == 200
    bobs = start(client, people_, "bob")
    released = client.post(RELEASE, params={"close": "true"}, headers=carol)
    assert released.status_code == 200, released.text
    assert released.json()["closed"] == 2 and released.json()["released"]
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=people_.auth("alice")).json()
    assert seen["status"] == "submitted" and seen["answers"] == {"q1": "b"}
    assert seen["result"]["score"] == 2.0
    # The keys are out: a save to the closed attempt and a new attempt are both refused.
    assert_problem(save(client, people_, attempt["id"], RIGHT), 409, "attempt-submitted")
    assert_problem(client.post(START, headers=people_.auth("alice")), 409, "keys-released")
    assert_problem(client.post(START, headers=people_.auth("bob")), 409, "keys-released")
    gone = client.get(f"/api/v1/attempts/{bobs['id']}", headers=people_.auth("bob")).json()
    assert gone["status"] == "submitted"
    assert client.post(RELEASE, headers=carol).status_code == 200  # released already


def test_a_read_answers_the_attempt_as_it_stands_when_closing_it_fails(
    client: TestClient, people_: People, clock: Clock, monkeypatch: pytest.MonkeyPatch
):
    attempt = start(client, people_)
    assert save(client, people_, attempt["id"], {"q1": "b"}).status_code == 200
    clock.advance(minutes=16)
    real_close = attempts_module.close

    def failing(*args: Any) -> bool:
        raise RuntimeError("this attempt cannot be closed")

    monkeypatch.setattr(attempts_module, "close", failing)
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=people_.auth("alice"))
    assert seen.status_code == 200, seen.text
    assert seen.json()["status"] == "open" and seen.json()["answers"] == {"q1": "b"}
    monkeypatch.setattr(attempts_module, "close", real_close)
    seen = client.get(f"/api/v1/attempts/{attempt['id']}", headers=people_.auth("alice"))
    assert seen.json()["status"] == "submitted" and seen.json()["result"]["score"] == 2.0
