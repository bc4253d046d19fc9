"""Floods of connections and slow or oversized request heads, against ``serve``'s protocol:
each gets a precise 4xx (or its idle connection closed), never a 5xx, and the service answers
the next client. Real uvicorn on a loopback port, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import uvicorn

from app.main import create_app
from app.server import uvicorn_options
from app.settings import Settings
from tests.service.conftest import RecordingQueue

GET = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@contextmanager
def serving(settings: Settings, **overrides: Any) -> Iterator[int]:
    """The app served as ``markwell serve`` serves it, with some settings changed; yields
    its port."""
    changed = settings.model_copy(update=overrides)
    options = uvicorn_options(changed)
    options.pop("timeout_graceful_shutdown")
    config = uvicorn.Config(
        create_app(changed, queue=RecordingQueue()),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
        **options,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-flood", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=15)


def everything(sock: socket.socket) -> bytes:
    """All the server sends until it closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def problem_of(reply: bytes, status: int, kind: str) -> dict[str, Any]:
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), reply[:300]
    assert b"content-type: application/problem+json" in head.lower()
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].endswith("/" + kind)
    return problem


def healthy(port: int) -> bool:
    return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=15).status_code == 200


def test_a_connection_that_sends_nothing_is_closed_after_the_head_time(settings: Settings):
    with serving(settings, header_seconds=1.0) as port, connect(port) as sock:
        started = time.monotonic()
        assert everything(sock) == b""  # closed, with nothing to answer
        assert time.monotonic() - started < 14
        assert healthy(port)


def test_a_head_sent_a_byte_at_a_time_is_answered_408_and_closed(settings: Settings):
    with serving(settings, header_seconds=1.0) as port, connect(port) as sock:
        for byte in GET[:8]:  # part of a request line, then nothing more
            sock.sendall(bytes([byte]))
            time.sleep(0.1)
        problem = problem_of(everything(sock), 408, "request-timeout")
        assert "1 s" in problem["detail"]
        assert healthy(port)


def test_a_head_over_the_size_limit_is_answered_431(settings: Settings):
    with serving(settings, header_bytes=4096) as port, connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            for _ in range(100):
                sock.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending: the answer is already waiting
        problem = problem_of(everything(sock), 431, "headers-too-large")
        assert "4096 bytes" in problem["detail"]
        assert healthy(port)


def test_a_head_within_the_limits_keeps_its_connection_alive(settings: Settings):
    with serving(settings, header_seconds=1.0) as port, connect(port) as sock:
        for _ in range(3):  # three requests on one connection, each head in time
            sock.sendall(GET)
            reply = sock.recv(65536)
            assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
            time.sleep(0.5)


def test_past_the_connection_cap_a_request_gets_429_with_retry_after(settings: Settings):
    with serving(settings, max_connections=3, header_seconds=30.0) as port, ExitStack() as held:
        for _ in range(3):
            held.enter_context(connect(port))
        time.sleep(0.3)  # the server has taken them
        with connect(port) as sock:
            sock.sendall(GET)
            reply = everything(sock)
        problem = problem_of(reply, 429, "too-many-connections")
        assert "3 connections" in problem["detail"]
        assert b"retry-after: 1" in reply.partition(b"\r\n\r\n")[0].lower()
        held.close()
        time.sleep(0.3)
        assert healthy(port)
