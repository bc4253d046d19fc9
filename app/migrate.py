"""``markwell db upgrade|downgrade``: the schema, made and changed only by Alembic."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from graders import shipped_folder

MIGRATIONS = shipped_folder("migrations")
"""Alembic's scripts (the repository's ``migrations/`` folder)."""


def alembic_config(url: str) -> Config:
    """Alembic's configuration for ``url``, with no ``alembic.ini`` needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (an empty database included)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "-1") -> None:
    """Take the database down to ``revision`` (``base`` removes every table)."""
    command.downgrade(alembic_config(url), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at; ``None`` for an empty one."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head() -> str:
    """The newest revision in ``migrations/``."""
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision
