"""Fixtures for the service: a real database (SQLite file, or PostgreSQL at 127.0.0.1:5432
database ``test``), migrated with Alembic, an app served by httpx, and users with tokens.

Every test that takes ``database_url`` runs on both databases. Tables are emptied after each
test; PostgreSQL's schema is rebuilt from nothing once per run (dropped, then upgraded).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app import migrate
from app.db import Base, Database
from app.main import create_app
from app.services import people
from app.settings import Settings

POSTGRES = os.environ.get(
    "MARKWELL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parents[2]
SOLUTION = REPO / "reference" / "rnn-numpy" / "solution.ipynb"

_migrated: set[str] = set()


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the head, made once per run for tests to copy."""
    path = tmp_path_factory.mktemp("schema") / "migrated.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "markwell.db"
        # Migrated once per run, then copied: the same schema at a tenth of the cost.
        shutil.copyfile(request.getfixturevalue("sqlite_schema"), path)
        yield f"sqlite:///{path}"
        return
    url = POSTGRES
    if url not in _migrated:
        # From nothing, whatever is there: the database may have been left by another
        # checkout's migrations, which ours could not downgrade.
        db = Database(url)
        try:
            with db.session() as session:
                session.execute(text("DROP SCHEMA public CASCADE"))
                session.execute(text("CREATE SCHEMA public"))
        finally:
            db.dispose()
        migrate.upgrade(url)
        _migrated.add(url)
    yield url
    db = Database(url)
    try:
        with db.session() as session:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        workers=1,
        stale_seconds=5,
        grace_seconds=20,
        uploads_per_minute=100,
    )


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database())
    yield database
    database.dispose()


@dataclass
class RecordingQueue:
    """A queue with no workers, for tests about the API rather than about grading: it only
    records what was queued."""

    notified: list[int] = field(default_factory=list)
    running: bool = False

    def start(self) -> None:
        self.running = True

    def stop(self, grace: float | None = None) -> None:
        self.running = False

    def notify(self, run_id: int) -> None:
        self.notified.append(run_id)

    def workers(self) -> int:
        return 1 if self.running else 0


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


@pytest.fixture
def client(settings: Settings, queue: RecordingQueue) -> Iterator[TestClient]:
    """The real app (routers, database, migrations) with a queue that grades nothing."""
    with TestClient(create_app(settings, queue=queue)) as test_client:
        yield test_client


@dataclass
class People:
    """Tokens of the users the tests act as (course ``c1`` unless said)."""

    tokens: dict[str, str]

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}


@pytest.fixture
def people_(db: Database, settings: Settings) -> People:
    catalog = settings.catalog()
    tokens = {}
    for name, role, course in [
        ("alice", "student", "c1"),
        ("bob", "student", "c1"),
        ("carol", "instructor", "c1"),
        ("dave", "instructor", "c2"),
    ]:
        tokens[name] = people.add_user(db, catalog, name, role, course).token
    return People(tokens)
