"""/readyz says whether sandboxes get cgroup limits or rlimits alone, and why."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.routers import health
from app.settings import Settings
from tests.service.conftest import RecordingQueue

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def one_worker(queue: RecordingQueue, monkeypatch: pytest.MonkeyPatch) -> RecordingQueue:
    monkeypatch.setattr(queue, "workers", lambda: 1)
    return queue


def test_readyz_reports_cgroup_limits_on_this_host(
    client: TestClient, one_worker: RecordingQueue
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["cgroups"] == "ok"


def test_readyz_names_the_cause_of_rlimits_only_and_stays_ready(
    settings: Settings, one_worker: RecordingQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "cgroup_problem", lambda: "cgroup v2: memory not available")
    with TestClient(create_app(settings, queue=one_worker)) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["cgroups"] == "rlimits only: cgroup v2: memory not available"


def test_readyz_is_not_ready_on_rlimits_when_cgroups_are_required(
    settings: Settings, one_worker: RecordingQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "cgroup_problem", lambda: "cgroup v2: memory not available")
    required = settings.model_copy(update={"require_cgroups": True})
    with TestClient(create_app(required, queue=one_worker)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cgroups"].startswith("rlimits only: ")
