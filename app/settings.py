"""Service and CLI configuration: environment variables prefixed ``MARKWELL_``."""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graders import Catalog, Limits, SandboxConfig, load_catalog


class Settings(BaseSettings):
    """Every knob of Markwell; defaults are what a course would use."""

    model_config = SettingsConfigDict(env_prefix="MARKWELL_", extra="ignore")

    submission_seconds: float = Field(120.0, gt=0)
    cell_seconds: float = Field(30.0, gt=0)
    call_seconds: float = Field(10.0, gt=0)
    memory_bytes: int = Field(2 * 1024**3, gt=64 * 1024**2)
    processes: int = Field(64, ge=16)
    file_bytes: int = Field(100_000_000, gt=0)
    open_files: int = Field(256, ge=64)
    output_bytes_per_cell: int = Field(1024**2, gt=0)
    output_bytes_per_notebook: int = Field(8 * 1024**2, gt=0)
    notebook_bytes: int = Field(20_000_000, gt=0)
    max_cells: int = Field(5000, ge=1)
    """Most cells a notebook may have (checked before it is parsed into cells)."""
    message_bytes: int = Field(64 * 1024**2, gt=0)
    result_bytes: int = Field(32 * 1024**2, gt=0)
    stored_output_bytes: int = Field(4 * 1024**2, ge=0)
    interrupt_grace_seconds: float = Field(3.0, gt=0)

    runtime_dir: Path = Path(tempfile.gettempdir()) / "markwell-runtime"
    sandbox_first_uid: int = Field(62000, ge=1000)
    sandbox_uid_count: int = Field(512, ge=1)
    require_cgroups: bool = False
    preload: str = ""
    """Comma-separated modules imported in warm kernels besides NumPy (e.g. ``matplotlib``)."""
    pool_size: int = Field(2, ge=0)
    assignments_path: str = ""
    """Extra assignment folders (or folders of them), separated by ``:``."""
    launcher: Literal["fork", "bwrap"] = "fork"
    """``fork``: kernels forked from a pre-imported fork server (fast); ``bwrap``: a fresh
    bubblewrap and interpreter per kernel. Both give the same sandbox."""

    # -- the service --------------------------------------------------------------------
    data_dir: Path = Path("var")
    """Where ``markwell serve`` keeps its SQLite database (and nothing else of value)."""
    database_url: str = ""
    """SQLAlchemy URL; empty means SQLite in ``data_dir``. PostgreSQL:
    ``postgresql+psycopg://user@host:5432/markwell``."""
    queue: Literal["embedded", "celery"] = "embedded"
    """``embedded``: grading processes inside ``markwell serve``; ``celery``: ``markwell
    worker`` processes on any machine, fed through Redis."""
    redis_url: str = "redis://127.0.0.1:6379/0"
    workers: int = Field(0, ge=0)
    """Grading processes of the embedded pool or of one ``markwell worker``; 0: one per core."""
    grace_seconds: float = Field(150.0, ge=0)
    """On SIGTERM, how long running gradings may take to finish before the process exits."""
    stale_seconds: float = Field(60.0, gt=0)
    """A running grading whose worker has not reported for this long is queued again."""
    max_grading_attempts: int = Field(3, ge=1)
    """Times a submission is taken up again after its worker died before it is an error."""
    uploads_per_minute: int = Field(10, ge=1)
    """Uploads one student may make per minute (per course); past it, 429."""
    quota_bytes_per_assignment: int = Field(200_000_000, ge=0)
    """Bytes of uploads one student may store for one assignment; 0: no quota. Past it, 413."""
    quota_bytes_per_student: int = Field(1_000_000_000, ge=0)
    """Bytes of uploads one student may store in all; 0: no quota."""
    body_seconds: float = Field(300.0, gt=0)
    """Longest a request body may take to arrive; past it, 408 and the connection closed."""
    body_bytes_per_second: float = Field(10_000.0, gt=0)
    """Slowest average pace of a request body (after a 5-second grace); slower is 408."""
    keep_alive_seconds: int = Field(5, ge=1)
    """How long ``serve`` keeps an idle connection open between requests."""
    max_connections: int = Field(200, ge=1)
    """Concurrent connections (and requests) ``serve`` takes; past it, 429 at once."""
    header_bytes: int = Field(64 * 1024, ge=4096)
    """Largest request head (request line and headers) ``serve`` reads; past it, 431."""
    header_seconds: float = Field(10.0, gt=0)
    """Longest a request head may take to arrive; past it, 408 and the connection closed (an
    idle new connection is closed)."""
    access_log: bool = True
    """One JSON line per HTTP request (off when a proxy in front already logs them)."""
    api_docs: bool = False
    """Serve ``/docs`` and ``/redoc`` (their pages load scripts from a CDN); ``/openapi.json``
    is served either way."""
    session_hours: float = Field(12.0, gt=0)
    """How long a browser stays signed in after signing in."""
    session_idle_hours: float = Field(2.0, gt=0)
    """A browser session unused for this long ends (sign in again)."""
    signin_link_hours: float = Field(72.0, gt=0)
    """How long a one-time sign-in link can be used."""
    trust_proxy: bool = False
    """Believe ``X-Forwarded-Proto`` (set by a TLS proxy in front) when deciding whether the
    session cookie is ``Secure``; without it, only the request's own scheme counts."""
    duplicate_seconds: float = Field(60.0, ge=0)
    """The same bytes uploaded again by the same student this soon give the first submission."""

    def limits(self) -> Limits:
        """The sandbox limits these settings describe."""
        return Limits(
            submission_seconds=self.submission_seconds,
            cell_seconds=self.cell_seconds,
            call_seconds=self.call_seconds,
            memory_bytes=self.memory_bytes,
            processes=self.processes,
            file_bytes=self.file_bytes,
            open_files=self.open_files,
            output_bytes_per_cell=self.output_bytes_per_cell,
            output_bytes_per_notebook=self.output_bytes_per_notebook,
            notebook_bytes=self.notebook_bytes,
            max_cells=self.max_cells,
            message_bytes=self.message_bytes,
            result_bytes=self.result_bytes,
            stored_output_bytes=self.stored_output_bytes,
            interrupt_grace_seconds=self.interrupt_grace_seconds,
        )

    def database(self) -> str:
        """The database URL, SQLite in ``data_dir`` unless ``MARKWELL_DATABASE_URL`` says."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'markwell.db').resolve()}"

    def worker_count(self) -> int:
        """Grading processes to run: ``workers``, or one per core."""
        return self.workers or max(1, len(os.sched_getaffinity(0)))

    def catalog(self) -> Catalog:
        """The built-in assignments and those on ``MARKWELL_ASSIGNMENTS_PATH``."""
        return load_catalog(p for p in self.assignments_path.split(os.pathsep) if p.strip())

    def sandbox(self) -> SandboxConfig:
        """Where and as whom sandboxes run."""
        return SandboxConfig(
            runtime_dir=self.runtime_dir,
            first_uid=self.sandbox_first_uid,
            uid_count=self.sandbox_uid_count,
            preload=tuple(m.strip() for m in self.preload.split(",") if m.strip()),
            require_cgroups=self.require_cgroups,
            launcher=self.launcher,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (tests clear the cache after changing the environment)."""
    return Settings()
