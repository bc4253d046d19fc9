"""What an upload is refused for before it costs the service much: malformed or oversized
notebooks, limits checked before parsing, names, parts, reused keys and storage quotas. Both
databases, no sandbox."""

from __future__ import annotations

import argparse
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db import Database
from app.main import create_app
from app.models import Submission
from app.server import GuardedProtocol
from app.services import submissions
from app.settings import Settings
from tests.service.conftest import People, RecordingQueue
from tests.service.test_api import (
    UPLOAD,
    assert_problem,
    client_for,
    notebook,
    served,
    set_assignment,
    upload,
)
from tests.test_notebook_input import empty_cells, huge_integer_notebook


def test_an_integer_too_long_to_read_answers_422_with_the_reason(
    client: TestClient, people_: People
):
    body = assert_problem(
        upload(client, people_.auth("alice"), huge_integer_notebook()), 422, "invalid-notebook"
    )
    assert "4,300 digits" in body["detail"]


def test_a_notebook_over_the_cell_cap_answers_422_naming_the_cap(client, people_: People):
    body = assert_problem(
        upload(client, people_.auth("alice"), empty_cells(5_001)), 422, "invalid-notebook"
    )
    assert "the limit is 5,000 cells" in body["detail"]


# -- the limits that need no parsing come before the parse --------------------------------


def test_over_the_rate_limit_a_huge_notebook_answers_429_without_being_parsed(
    settings: Settings, people_: People, monkeypatch: pytest.MonkeyPatch
):
    parsed: list[int] = []
    real = submissions.read_notebook

    def spy(content: bytes, *args: object) -> object:
        parsed.append(len(content))
        return real(content, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(submissions, "read_notebook", spy)
    with client_for(settings, uploads_per_minute=1) as limited:
        alice = people_.auth("alice")
        assert upload(limited, alice, notebook(1)).status_code == 202
        assert len(parsed) == 1
        huge = empty_cells(330_000)
        assert_problem(upload(limited, alice, huge), 429, "rate-limited")
        assert len(parsed) == 1, "the refused upload was parsed"


def test_before_opening_and_past_the_attempt_limit_nothing_is_parsed(
    client: TestClient, people_: People, db: Database, monkeypatch: pytest.MonkeyPatch
):
    set_assignment(db, attempt_limit=1)
    alice = people_.auth("alice")
    assert upload(client, alice, notebook(1)).status_code == 202

    def never(*args: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(submissions, "read_notebook", never)
    assert_problem(upload(client, alice, empty_cells(6_000)), 409, "attempt-limit")
    set_assignment(db, opens_at=datetime.now(UTC) + timedelta(days=1))
    assert_problem(upload(client, people_.auth("bob"), empty_cells(6_000)), 409, "not-open")


# -- names and parts ----------------------------------------------------------------------


def test_a_long_name_ending_in_ipynb_is_a_notebook_stored_shortened_with_its_extension(
    client: TestClient, people_: People
):
    name = "a" * 250 + ".ipynb"
    alice = people_.auth("alice")
    response = upload(client, alice, notebook(1), name, content_type="application/octet-stream")
    assert response.status_code == 202, response.text
    stored = client.get(response.headers["location"], headers=alice).json()["filename"]
    assert len(stored) == 255 and stored.endswith(".ipynb") and stored.startswith("aaa")


def multipart(*parts: tuple[str, bytes], end: bool = True) -> bytes:
    body = b""
    for name, content in parts:
        body += (
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="'
            + name.encode()
            + b'"\r\nContent-Type: application/x-ipynb+json\r\n\r\n'
            + content
            + b"\r\n"
        )
    return body + (b"--b--\r\n" if end else b"")


def post_raw(client: TestClient, people_: People, body: bytes):
    return client.post(
        UPLOAD,
        content=body,
        headers={**people_.auth("alice"), "Content-Type": "multipart/form-data; boundary=b"},
    )


def test_two_file_parts_answer_422_and_store_nothing(client, people_: People, db: Database):
    body = multipart(("a.ipynb", notebook(1)), ("b.ipynb", notebook(2)))
    detail = assert_problem(post_raw(client, people_, body), 422, "invalid-request")["detail"]
    assert "one file" in detail
    assert stored_count(db) == 0
    assert post_raw(client, people_, multipart(("a.ipynb", notebook(1)))).status_code == 202


def test_a_multipart_body_cut_before_its_closing_boundary_answers_400(
    client, people_: People, db: Database
):
    whole = multipart(("a.ipynb", notebook(1)))
    for cut in (whole[: len(whole) // 2], multipart(("a.ipynb", notebook(1)), end=False)):
        assert_problem(post_raw(client, people_, cut), 400, "bad-request")
    assert stored_count(db) == 0


def stored_count(db: Database) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(Submission)) or 0


# -- Idempotency-Key ------------------------------------------------------------------------


def test_an_idempotency_key_reused_with_other_bytes_answers_422(client, people_: People):
    headers = {**people_.auth("alice"), "Idempotency-Key": "k-1"}
    first = upload(client, headers, notebook(1))
    assert first.status_code == 202
    body = assert_problem(upload(client, headers, notebook(2)), 422, "idempotency-key-reused")
    assert first.json()["id"] in body["detail"]
    again = upload(client, headers, notebook(1))
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]


def test_an_idempotency_key_is_scoped_to_the_assignment(client, people_: People, db: Database):
    headers = {**people_.auth("alice"), "Idempotency-Key": "k-1"}
    rnn = upload(client, headers, notebook(1))
    lstm = upload(client, headers, notebook(1), path=UPLOAD.replace("rnn-numpy", "lstm-scratch"))
    assert rnn.status_code == lstm.status_code == 202, lstm.text
    assert rnn.json()["id"] != lstm.json()["id"]
    got = client.get(lstm.headers["location"], headers=people_.auth("alice")).json()
    assert got["assignment"] == "lstm-scratch"
    # Another student's same key is theirs.
    bob = upload(client, {**people_.auth("bob"), "Idempotency-Key": "k-1"}, notebook(1))
    assert bob.status_code == 202 and bob.json()["id"] not in (rnn.json()["id"], lstm.json()["id"])
    assert stored_count(db) == 3


def test_an_idempotency_key_in_the_systems_own_form_is_refused(client, people_: People):
    headers = {**people_.auth("alice"), "Idempotency-Key": "attempt:1"}
    body = assert_problem(upload(client, headers, notebook(1)), 422, "invalid-idempotency-key")
    assert "attempt:" in body["detail"]


# -- storage quotas -------------------------------------------------------------------------


def test_the_per_assignment_quota_refuses_the_next_upload_with_413(
    settings: Settings, people_: People, db: Database
):
    size = len(notebook(1))
    with client_for(settings, quota_bytes_per_assignment=2 * size + 10) as small:
        alice = people_.auth("alice")
        assert upload(small, alice, notebook(1)).status_code == 202
        assert upload(small, alice, notebook(2)).status_code == 202
        body = assert_problem(upload(small, alice, notebook(3)), 413, "quota-exceeded")
        assert f"{2 * size + 10:,}-byte quota" in body["detail"]
        assert f"use {2 * size:,} bytes" in body["detail"]
        # Another assignment, and another student, still have room; nothing was deleted.
        other = UPLOAD.replace("rnn-numpy", "lstm-scratch")
        assert upload(small, alice, notebook(3), path=other).status_code == 202
        assert upload(small, people_.auth("bob"), notebook(3)).status_code == 202
    assert stored_count(db) == 4


def test_the_per_student_quota_counts_every_assignment(
    settings: Settings, people_: People, db: Database
):
    size = len(notebook(1))
    with client_for(settings, quota_bytes_per_student=2 * size) as small:
        alice = people_.auth("alice")
        other = UPLOAD.replace("rnn-numpy", "lstm-scratch")
        assert upload(small, alice, notebook(1)).status_code == 202
        assert upload(small, alice, notebook(2), path=other).status_code == 202
        body = assert_problem(upload(small, alice, notebook(3)), 413, "quota-exceeded")
        assert "in all" in body["detail"] and f"{2 * size:,}-byte quota" in body["detail"]
        assert upload(small, people_.auth("bob"), notebook(3)).status_code == 202
    assert stored_count(db) == 3
    with client_for(settings, quota_bytes_per_student=0, quota_bytes_per_assignment=0) as free:
        assert upload(free, people_.auth("alice"), notebook(4)).status_code == 202


# -- over a real server: the caller before the body, and slow bodies -----------------------


def raw_upload_head(port: int, length: int, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {UPLOAD} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: multipart/form-data; boundary=b",
        f"Content-Length: {length}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def test_an_upload_without_a_known_token_is_refused_from_its_headers(
    settings: Settings, people_: People, db: Database, queue: RecordingQueue
):
    """Headers announcing 10 MB, and no body ever: 401 at once, the connection closed."""
    with served(create_app(settings, queue=queue)) as base:
        port = int(base.rsplit(":", 1)[1])
        for headers in ({}, {"Authorization": "Bearer mw_unknown"}, {"Authorization": "Basic x"}):
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                sock.sendall(raw_upload_head(port, 10_000_000, headers))
                reply = answer(sock)
            assert reply.startswith(b"HTTP/1.1 401"), reply[:200]
            head, _, body = reply.partition(b"\r\n\r\n")
            assert b"www-authenticate: Bearer" in head.lower().replace(b"bearer", b"Bearer")
            problem = json.loads(body)
            assert problem["type"].endswith("/unauthorized") and problem["status"] == 401
        # The token is checked before the body, and a known one still uploads.
        with httpx.Client(base_url=base, timeout=30) as http:
            assert upload(http, people_.auth("alice"), notebook(1)).status_code == 202
    assert stored_count(db) == 1


@pytest.mark.parametrize(
    ("seconds", "rate", "sent"),
    [(1.0, 1e6, 10), (60.0, 1000.0, 10)],
    ids=["past the total time", "slower than the pace"],
)
def test_a_body_arriving_too_slowly_is_answered_408_and_closed(
    settings: Settings,
    people_: People,
    db: Database,
    queue: RecordingQueue,
    seconds: float,
    rate: float,
    sent: int,
):
    slow = settings.model_copy(update={"body_seconds": seconds, "body_bytes_per_second": rate})
    with served(create_app(slow, queue=queue)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            start = multipart(("s.ipynb", b" " * sent), end=False)[: 80 + sent]
            sock.sendall(raw_upload_head(port, 5_000, people_.auth("alice")) + start)
            reply = answer(sock)  # nothing more is sent: the server must end it
        assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
        problem = json.loads(reply.partition(b"\r\n\r\n")[2])
        assert problem["type"].endswith("/request-timeout")
        with httpx.Client(base_url=base, timeout=30) as http:
            assert upload(http, people_.auth("alice"), notebook(1)).status_code == 202
    assert stored_count(db) == 1


def test_serve_gives_uvicorn_the_connection_limits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import uvicorn

    import app.logs
    import app.main
    from app import cli_service
    from app.settings import get_settings

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    monkeypatch.setattr(app.main, "create_app", lambda settings: None)
    monkeypatch.setattr(app.logs, "configure", lambda level: None)
    for name, value in [("KEEP_ALIVE_SECONDS", "7"), ("MAX_CONNECTIONS", "33")]:
        monkeypatch.setenv(f"MARKWELL_{name}", value)
    monkeypatch.setenv("MARKWELL_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        parser = argparse.ArgumentParser()
        cli_service.add_commands(parser.add_subparsers())
        args = parser.parse_args(["serve"])
        assert args.func(args) == 0
    finally:
        get_settings.cache_clear()
    assert seen["timeout_keep_alive"] == 7
    protocol = seen["http"]
    assert isinstance(protocol, type) and issubclass(protocol, GuardedProtocol)
    assert protocol.max_connections == 33 and protocol.head_bytes == 64 * 1024
    assert "limit_concurrency" not in seen  # its plain-text 503 is not how a flood is answered
