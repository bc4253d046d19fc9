"""The service's commands: ``serve``, ``worker``, ``db``, ``users``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from app import migrate
from app.db import Database
from app.services import people
from app.settings import get_settings


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.logs import configure as configure_logs
    from app.main import create_app
    from app.server import uvicorn_options

    configure_logs(logging.INFO)
    settings = get_settings()
    # uvicorn turns SIGTERM and SIGINT into a graceful shutdown, which runs the lifespan's
    # exit: the queue stops taking work and running gradings get their grace period.
    # Slow or oversized request heads and connection floods are refused by app.server's
    # protocol; slow bodies and uploads without a token by app.limits.
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        **uvicorn_options(settings),
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from app.logs import configure as configure_logs
    from app.queue.celery_queue import run_worker

    configure_logs(logging.INFO)
    settings = get_settings()
    if settings.queue != "celery":
        logging.getLogger(__name__).warning(
            "MARKWELL_QUEUE is %r: the service sends work to workers only with 'celery'",
            settings.queue,
        )
    # Runs in the foreground until SIGTERM (warm shutdown: running gradings finish).
    return run_worker(settings)


def _db(args: argparse.Namespace) -> int:
    url = get_settings().database()
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    else:
        migrate.downgrade(url, args.revision or "-1")
    db = Database(url)
    try:
        print(f"markwell db: at revision {migrate.current(db.engine) or 'base (empty)'}")
    finally:
        db.dispose()
    return 0


def _open() -> tuple[Database, object]:
    settings = get_settings()
    migrate.upgrade(settings.database())
    return Database(settings.database()), settings.catalog()


def _users(args: argparse.Namespace) -> int:
    db, catalog = _open()
    try:
        if args.action == "add":
            added = people.add_user(db, catalog, args.name, args.role, args.course)  # type: ignore[arg-type]
            print(f"{added.role} {added.name} in {added.course}; token (shown once): {added.token}")
        elif args.action == "import":
            text = Path(args.roster).read_text(encoding="utf-8")
            for added in people.import_roster(db, catalog, text):  # type: ignore[arg-type]
                print(f"{added.name},{added.role},{added.course},{added.token}")
        else:
            count = people.revoke(db, args.name)
            print(f"markwell users: revoked {count} token(s) of {args.name}")
    except (ValueError, LookupError, OSError) as exc:
        print(f"markwell users: {exc}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``serve``, ``worker``, ``db`` and ``users`` to the ``markwell`` parser."""
    serve = sub.add_parser("serve", help="run the web service with its embedded workers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=_serve)

    worker = sub.add_parser(
        "worker",
        help="grade from the Celery queue (MARKWELL_QUEUE=celery, MARKWELL_REDIS_URL)",
        description="Run a Celery worker in the foreground with MARKWELL_WORKERS grading "
        "processes (default: one per core). SIGTERM lets running gradings finish "
        "(at most MARKWELL_GRACE_SECONDS).",
    )
    worker.set_defaults(func=_worker)

    db = sub.add_parser("db", help="migrate the database (MARKWELL_DATABASE_URL)")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?", help="default: head (upgrade), -1 (downgrade)")
    db.set_defaults(func=_db)

    users = sub.add_parser("users", help="add, import or revoke users")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="enrol a user and print a new token")
    add.add_argument("--role", choices=["instructor", "student"], required=True)
    add.add_argument("--course", required=True)
    add.add_argument("name")
    roster = actions.add_parser("import", help="add every row of a CSV: name, role, course")
    roster.add_argument("roster")
    revoke = actions.add_parser("revoke", help="revoke every token of a user")
    revoke.add_argument("name")
    users.set_defaults(func=_users)
