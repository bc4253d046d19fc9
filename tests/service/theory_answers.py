"""Students answering the ``rnn-theory`` quiz through the attempts API, as a browser or a
script would, for the grading tests: start, save every answer, submit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[2]
THEORY = REPO / "reference" / "rnn-theory"
SEED = THEORY / "samples" / "seed-004.answers.json"


def seed_answers() -> dict[str, Any]:
    """The seed's answer sheet (q6 with its sketch as a data URL)."""
    return dict(json.loads(SEED.read_text())["answers"])


def answer_theory(
    client: httpx.Client, token: str, answers: dict[str, Any], course: str = "c1"
) -> str:
    """Take one attempt at rnn-theory with ``answers`` and submit it; the submission's id."""
    auth = {"Authorization": f"Bearer {token}"}
    started = client.post(f"/api/v1/courses/{course}/assignments/rnn-theory/attempts", headers=auth)
    assert started.status_code == 201, started.text
    attempt = started.json()["id"]
    saved = client.put(
        f"/api/v1/attempts/{attempt}/answers", json={"answers": answers}, headers=auth
    )
    assert saved.status_code == 200, saved.text
    done = client.post(f"/api/v1/attempts/{attempt}/submit", headers=auth)
    assert done.status_code == 200, done.text
    submission = done.json()["submission"]
    assert isinstance(submission, str)
    return submission
