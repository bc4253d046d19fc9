"""The answer groups page: an instructor finds, confirms, grades, splits and merges groups by
forms; every answer is escaped and anonymous unless names are asked for; a refusal says why
on the page; nobody else sees it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import Settings
from tests.service.answered import answer, settings, student
from tests.service.conftest import People
from tests.service.test_web_sessions import csrf_of, sign_in

__all__ = ["settings"]

PAGE = "/courses/c1/assignments/theory/grading/q1/groups"
SAME = "Gradients <b>vanish</b> because the same Jacobian is multiplied at every step."


@pytest.fixture
def answered(db: Database, people_: People, settings: Settings) -> dict[str, str]:
    student(db, settings, "fay")
    texts = {"alice": SAME, "bob": SAME, "fay": "Something else."}
    return {name: answer(db, name, text) for name, text in texts.items()}


@pytest.fixture
def carol(client: TestClient, people_: People, answered) -> TestClient:
    sign_in(client, people_.tokens["carol"])
    return client


def post(client: TestClient, path: str, **data) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    got = client.post(PAGE + path, data={"csrf": token, **data})
    return got.status_code, got.text


def group_ids(text: str) -> list[int]:
    return [int(g) for g in re.findall(r'id="group-(\d+)-heading"', text)]


def test_finding_confirming_and_grading_a_group(carol: TestClient, answered):
    status, text = post(carol, "/find", semantic="no")
    assert status == 200 and "Found 1 new group." in text
    assert "&lt;b&gt;vanish&lt;/b&gt;" in text and "<b>vanish</b>" not in text
    assert "alice" not in text.split("<main", 1)[1] or "Signed in" in text
    (gid,) = group_ids(text)
    status, text = post(carol, f"/{gid}/confirm")
    assert status == 200 and f"Group {gid} confirmed" in text
    status, text = post(carol, f"/{gid}/grade", item="vanishing", comment="Why?", keep="yes")
    assert status == 200 and "Graded 2 answers." in text, text
    assert text.count("Graded 1 / 2 (vanishing) by carol") == 2
    assert '<span class="saved-text">Why?</span>' in text


def test_a_saved_comment_picked_without_scripts_is_the_grades_comment(
    carol: TestClient, people_: People, answered
):
    _, text = post(carol, "/find")
    (gid,) = group_ids(text)
    post(carol, f"/{gid}/confirm")
    _, text = post(carol, "/comments", text="Name the product of Jacobians.")
    (saved,) = re.findall(r'name="delete" value="(\d+)"', text)
    status, text = post(carol, f"/{gid}/grade", item="vanishing", saved=saved, comment="")
    assert status == 200, text
    got = carol.get(
        f"/api/v1/submissions/{answered['alice']}/answers", headers=people_.auth("carol")
    )
    assert got.json()[0]["grade"]["comment"] == "Name the product of Jacobians."


def test_names_are_shown_only_when_asked(carol: TestClient, answered):
    post(carol, "/find")
    hidden = carol.get(PAGE).text.split('id="groups-heading"', 1)[1]
    shown = carol.get(PAGE + "?names=1").text.split('id="groups-heading"', 1)[1]
    assert "(alice)" not in hidden and "(alice)" in shown


def test_split_then_merge_by_forms(carol: TestClient, answered):
    _, text = post(carol, "/find")
    (gid,) = group_ids(text)
    status, text = post(carol, f"/{gid}/split", member=answered["bob"])
    assert status == 200 and f"Split 1 answer off group {gid}" in text
    parts = group_ids(text)
    assert len(parts) == 2
    token = csrf_of(text)
    merged = carol.post(PAGE + "/merge", data={"csrf": token, "group": [str(p) for p in parts]})
    assert merged.status_code == 200 and "Merged 2 groups into group" in merged.text


def test_a_refused_action_says_why_with_its_status(carol: TestClient, answered):
    _, text = post(carol, "/find")
    (gid,) = group_ids(text)
    status, text = post(carol, f"/{gid}/grade", item="vanishing")
    assert status == 409 and "confirm it before grading it" in text
    status, text = post(carol, "/merge", group=str(gid))
    assert status == 422 and "at least two groups" in text
    assert post(carol, "/abc/confirm")[0] == 422
    assert post(carol, "/999999/confirm")[0] == 404
    assert post(carol, f"/{2**31}/confirm")[0] == 422
    assert post(carol, "/\u0661/confirm")[0] == 422  # a digit, but not an ASCII one
    assert post(carol, f"/{gid}/explode")[0] == 404


def test_nobody_else_sees_the_page(client: TestClient, people_: People, answered):
    sign_in(client, people_.tokens["alice"])
    assert client.get(PAGE).status_code == 404
    sign_in(client, people_.tokens["dave"])
    assert client.get(PAGE).status_code == 404


def test_a_question_that_is_not_free_text_is_not_found(carol: TestClient):
    assert carol.get("/courses/c1/assignments/theory/grading/q9/groups").status_code == 404
    assert (
        carol.get("/courses/c1/assignments/theory/grading/" + "q" * 70 + "/groups").status_code
        == 404
    )
