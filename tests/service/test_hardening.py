"""What every response and every log line of the service holds, whatever the request:
no token written to a log, the same security headers on every answer, and no page that
loads scripts from elsewhere unless asked for."""

from __future__ import annotations

import io
import json
import logging
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from app import logs
from app.main import create_app
from app.settings import Settings
from tests.service.conftest import People, RecordingQueue
from tests.service.test_api import served


def test_a_token_in_a_query_string_never_reaches_the_access_log(
    settings: Settings, people_: People, queue: RecordingQueue
):
    token = people_.tokens["alice"]
    stream = io.StringIO()
    access = logging.getLogger("uvicorn.access")
    capture = logs.handler(stream)
    with served(create_app(settings, queue=queue)) as base:
        access.addHandler(capture)
        old_level = access.level
        access.setLevel(logging.INFO)
        try:
            with httpx.Client(base_url=base) as http:
                http.get(f"/api/v1/submissions?token={token}&x=1")
                http.get("/healthz", params={"key": "mw_other-Token_2"})
            deadline = time.monotonic() + 10
            while stream.getvalue().count("\n") < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            access.removeHandler(capture)
            access.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) >= 2
    text = stream.getvalue()
    assert token not in text and token[3:] not in text and "other-Token" not in text
    paths = [line["path"] for line in lines]
    assert "/api/v1/submissions?token=mw_…redacted&x=1" in paths
    assert "/healthz?key=mw_…redacted" in paths


def test_a_token_in_any_log_record_is_redacted():
    stream = io.StringIO()
    capture = logs.handler(stream)
    logger = logging.getLogger("markwell.test.redact")
    logger.addHandler(capture)
    logger.propagate = False
    try:
        logger.warning("token %s in %r", "mw_abc-DEF_123", {"t": "mw_zzz"})
        logger.warning("inline mw_qqq9 and args", extra={"token": "mw_extra1"})
        try:
            raise ValueError("bad mw_trace77")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(capture)
        logger.propagate = True
    text = stream.getvalue()
    for secret in ("abc-DEF_123", "zzz", "qqq9", "extra1", "trace77"):
        assert secret not in text, secret
    first = json.loads(text.splitlines()[0])
    assert first["message"] == "token mw_…redacted in {'t': 'mw_…redacted'}"
    # A record passed through the filter holds no token for any other handler either.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "a %s", ("mw_secret",), None)
    logs.RedactFilter().filter(record)
    assert record.getMessage() == "a mw_…redacted"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/healthz", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/api/v1/submissions", 401),
        ("GET", "/api/v1/submissions?limit=nope", 422),
        ("DELETE", "/healthz", 405),
    ],
)
def test_every_response_says_nosniff(
    client: TestClient, people_: People, method: str, path: str, status: int
):
    headers = people_.auth("alice") if status == 422 else {}
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_refused_before_any_route_says_nosniff(client: TestClient, people_: People):
    big = b"x" * 100
    response = client.post(
        "/api/v1/courses/c1/assignments/rnn-numpy/submissions",
        content=big,
        headers={**people_.auth("alice"), "Content-Length": str(10**10)},
    )
    assert response.status_code == 413, response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_docs_pages_are_off_unless_asked_for(
    settings: Settings, queue: RecordingQueue, client: TestClient
):
    for page in ("/docs", "/redoc"):
        assert client.get(page).status_code == 404, page
    assert client.get("/openapi.json").status_code == 200
    assert Settings().api_docs is False
    with TestClient(create_app(settings.model_copy(update={"api_docs": True}), queue)) as docs:
        for page in ("/docs", "/redoc"):
            response = docs.get(page)
            assert response.status_code == 200, page
            assert response.headers["x-content-type-options"] == "nosniff"
