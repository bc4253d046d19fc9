"""``markwell serve`` then ``markwell submit``: the README's service quickstart, end to end,
with real processes, the embedded workers and the real sandbox."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.service.conftest import SOLUTION


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def markwell(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )


def start_server(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``markwell serve`` in a session of its own (so its workers can be killed with it)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "serve.log", "a"),  # noqa: SIM115
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail((tmp_path / "serve.log").read_text())


@pytest.fixture
def service_env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "MARKWELL_DATA_DIR": str(tmp_path / "var"),
        "MARKWELL_WORKERS": "1",
        "MARKWELL_GRACE_SECONDS": "10",
    }
    env.pop("MARKWELL_DATABASE_URL", None)
    return env


@pytest.fixture
def server(tmp_path: Path, service_env) -> Iterator[tuple[str, dict[str, str]]]:
    """A ``markwell serve`` on SQLite in a temporary data directory, and its environment."""
    process, url = start_server(tmp_path, service_env)
    try:
        yield url, service_env
    finally:
        process.terminate()
        process.wait(timeout=30)


def token_of(line: str) -> str:
    return line.strip().splitlines()[-1].split()[-1]


def test_a_student_submits_from_the_cli_and_reads_the_graded_table(server, tmp_path):
    url, env = server
    added = markwell("users", "add", "--role", "student", "--course", "demo", "alice", env=env)
    env = {**env, "MARKWELL_TOKEN": token_of(added.stdout)}
    done = markwell(
        "submit", "rnn-numpy", str(SOLUTION), "--server", url, "--course", "demo", env=env
    )
    assert done.stdout.strip().splitlines()[-1] == "rnn-numpy: 100/100"
    assert "gru_backward" in done.stdout
    as_json = markwell(
        "submit",
        "rnn-numpy",
        str(SOLUTION),
        "--server",
        url,
        "--course",
        "demo",
        "--json",
        env=env,
    )
    body = json.loads(as_json.stdout)
    assert body["status"] == "graded" and body["result"]["score"] == 100


def test_the_cli_reports_a_refused_upload_with_its_reason(server, tmp_path):
    url, env = server
    added = markwell("users", "add", "--role", "student", "--course", "demo", "bob", env=env)
    env = {**env, "MARKWELL_TOKEN": token_of(added.stdout)}
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    refused = markwell(
        "submit",
        "rnn-numpy",
        str(broken),
        "--server",
        url,
        "--course",
        "demo",
        env=env,
        check=False,
    )
    assert refused.returncode == 2
    assert "422" in refused.stderr and "JSON" in refused.stderr
    unknown = markwell(
        "submit",
        "no-such",
        str(SOLUTION),
        "--server",
        url,
        "--course",
        "demo",
        env=env,
        check=False,
    )
    assert unknown.returncode == 2 and "404" in unknown.stderr
    no_token = {k: v for k, v in env.items() if k != "MARKWELL_TOKEN"}
    no_token["MARKWELL_CONFIG"] = str(tmp_path / "none.toml")
    missing = markwell(
        "submit",
        "rnn-numpy",
        str(SOLUTION),
        "--server",
        url,
        "--course",
        "demo",
        env=no_token,
        check=False,
    )
    assert missing.returncode == 2 and "a token" in missing.stderr


def test_a_server_killed_mid_upload_acknowledged_nothing_and_stored_nothing(tmp_path, service_env):
    added = markwell(
        "users", "add", "--role", "student", "--course", "demo", "eve", env=service_env
    )
    token = token_of(added.stdout)
    process, url = start_server(tmp_path, service_env)
    request = httpx.Request(
        "POST",
        f"{url}/api/v1/courses/demo/assignments/rnn-numpy/submissions",
        files={"file": ("s.ipynb", SOLUTION.read_bytes(), "application/x-ipynb+json")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = request.read()
    head = [
        f"POST {request.url.raw_path.decode()} HTTP/1.1",
        f"Host: {request.url.netloc.decode()}",
    ]
    head += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
    with socket.create_connection(("127.0.0.1", request.url.port), timeout=10) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
        time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)  # the API and its workers, at once
        process.wait(timeout=30)
        assert sock.recv(1024) == b""  # no answer: nothing was acknowledged
    process, url = start_server(tmp_path, service_env)
    try:
        mine = httpx.get(
            f"{url}/api/v1/submissions", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert mine["total"] == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
