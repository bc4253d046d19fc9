"""Browser tests: the real service (``markwell serve`` on a free port, SQLite, embedded
workers, real sandboxes) driven by Playwright in Debian's Chromium (``/usr/bin/chromium``;
Playwright's own browser download is never used).

Every page a test visits is saved as a screenshot in ``var/screenshots/<test>/NN-name.png``,
and checked with axe-core: no serious or critical violation on any page.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import axe_playwright_python.sync_playwright as axe_module
import httpx
import playwright.sync_api as playwright
import pytest

from app import migrate
from app.db import Database
from app.services import people
from app.settings import Settings

REPO = Path(__file__).resolve().parents[2]
MARKWELL = REPO / ".venv" / "bin" / "markwell"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "var" / "screenshots"

# A missing part fails the run rather than skip it: scripts/setup installs Playwright, axe
# and Chromium.
if not CHROMIUM.exists():
    raise RuntimeError(f"the browser tests need Debian's Chromium at {CHROMIUM}: run scripts/setup")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    db: Database
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``markwell serve`` with one grading process, and students alice and bob in ``demo``."""
    data = tmp_path_factory.mktemp("serve")
    settings = Settings(data_dir=data, workers=1)
    migrate.upgrade(settings.database())
    db = Database(settings.database())
    catalog = settings.catalog()
    tokens = {
        name: people.add_user(db, catalog, name, "student", "demo").token
        for name in ("alice", "bob")
    }
    port = free_port()
    log = data / "serve.log"
    env = {
        **os.environ,
        "MARKWELL_DATA_DIR": str(data),
        "MARKWELL_WORKERS": "1",
        "MARKWELL_UPLOADS_PER_MINUTE": "100",
        "MARKWELL_GRACE_SECONDS": "5",
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(MARKWELL), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=REPO,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=2).json().get("workers", 0) >= 1:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the service did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.3)
        yield Server(url, tokens, db, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@dataclass
class Visits:
    """Screenshots of every page a test visits, each checked with axe-core."""

    folder: Path
    count: int = 0
    problems: list[str] = field(default_factory=list)
    axe: object = field(default_factory=lambda: axe_module.Axe())

    def snap(self, page: object, name: str, check: bool = True) -> Path:
        """Save a full-page screenshot; unless ``check`` is off, run axe on the page."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        if check:
            results = self.axe.run(page)  # type: ignore[attr-defined]
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [n["target"] for n in violation["nodes"]][:3]
                    self.problems.append(
                        f"{name}: {violation['id']} ({violation['impact']}) {targets}"
                    )
        return path


@pytest.fixture
def visits(request: pytest.FixtureRequest) -> Iterator[Visits]:
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    folder = SCREENSHOTS / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    found = Visits(folder)
    yield found
    assert not found.problems, "axe-core found:\n" + "\n".join(found.problems)


@pytest.fixture
def context(browser: object, server: Server) -> Iterator[object]:
    """A fresh browser profile (no cookies) that reports script errors and CSP refusals."""
    ctx = browser.new_context(base_url=server.url)  # type: ignore[attr-defined]
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: object) -> Iterator[object]:
    tab = context.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    yield tab
    assert not errors, errors
