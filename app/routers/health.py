"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from graders import cgroup_problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database reachable, sandbox usable, workers present")
def readyz(request: Request) -> JSONResponse:
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        with state.db.reader() as session:
            session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    checks["sandbox"] = state.sandbox_status
    checks["cgroups"] = _cgroup_status(state)
    workers = state.queue.workers()
    checks["workers"] = "ok" if workers > 0 else "none running"
    # Rlimits alone still grade (weaker), so they keep the service ready unless required.
    required = state.settings.require_cgroups
    ready = all(v == "ok" for k, v in checks.items() if k != "cgroups" or required)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks, "workers": workers},
        status_code=200 if ready else 503,
    )


def _cgroup_status(state: Any) -> str:
    """``ok`` or ``rlimits only: <cause>``, found once per process (it makes a group)."""
    status: str | None = getattr(state, "cgroup_status", None)
    if status is None:
        problem = cgroup_problem()
        status = state.cgroup_status = "ok" if problem is None else f"rlimits only: {problem}"
    return status


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
