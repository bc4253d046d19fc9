"""``markwell submit``: a student uploads a notebook, waits for the grade and reads it.

The token comes from ``MARKWELL_TOKEN`` or the config file (``~/.config/markwell/config.toml``,
or ``MARKWELL_CONFIG``), which may also hold ``server`` and ``course``::

    server = "https://markwell.example.edu"
    course = "seq-models-2026"
    token = "mw_..."
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import httpx

from app.cli_output import print_result
from graders import Result

DONE = ("graded", "needs-grading", "rejected", "error")
SHOWN = ("graded", "needs-grading")
"""Results shown as a table (a result waiting for a grader shows the points so far)."""


def config_path() -> Path:
    explicit = os.environ.get("MARKWELL_CONFIG")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "markwell" / "config.toml"


def read_config() -> dict[str, Any]:
    path = config_path()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SystemExit(f"markwell submit: {path} is not valid TOML: {exc}") from None


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{response.status_code} {body.get('title', '')}: {body.get('detail', '')}"
    except ValueError:
        return f"{response.status_code} {response.text[:200]}"


def _wait(client: httpx.Client, location: str, timeout: float, quiet: bool) -> dict[str, Any]:
    """Poll the submission until it has a result (graded, waiting for a grader, rejected or
    in error), showing where it is."""
    spinner = itertools.cycle("|/-\\")
    started = time.monotonic()
    delay = 0.25
    tty = sys.stderr.isatty() and not quiet
    last = ""
    while True:
        response = client.get(location)
        if response.status_code != 200:
            raise SystemExit(f"markwell submit: {_problem(response)}")
        body = response.json()
        state = body["status"]
        if state in DONE:
            if tty:
                print("\r" + " " * 60 + "\r", end="", file=sys.stderr)
            return body
        waited = time.monotonic() - started
        if waited > timeout:
            raise SystemExit(
                f"markwell submit: still {state} after {timeout:g} s; your submission is "
                f"stored ({body['id']}): run again later with --id {body['id']}"
            )
        if tty:
            print(f"\r{next(spinner)} {state} ({waited:.0f} s)", end="", file=sys.stderr)
        elif state != last and not quiet:
            print(f"markwell submit: {state}", file=sys.stderr)
        last = state
        time.sleep(delay)
        delay = min(2.0, delay * 1.5)


def submit(args: argparse.Namespace) -> int:
    """``markwell submit``: upload, wait for the grade, print it; the exit status says how
    it went (0 graded, 2 rejected, 1 otherwise)."""
    config = read_config()
    server = args.server or os.environ.get("MARKWELL_SERVER") or config.get("server")
    course = args.course or config.get("course")
    token = os.environ.get("MARKWELL_TOKEN") or config.get("token")
    missing = [
        what
        for what, value in (("--server", server), ("--course", course), ("a token", token))
        if not value
    ]
    if missing:
        print(
            f"markwell submit: give {', '.join(missing)} (MARKWELL_TOKEN, or {config_path()})",
            file=sys.stderr,
        )
        return 2
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=str(server), headers=headers, timeout=60.0) as client:
        if args.id:
            location = f"/api/v1/submissions/{args.id}"
        else:
            path = Path(args.file)
            if not path.is_file():
                print(f"markwell submit: no such file: {args.file}", file=sys.stderr)
                return 2
            with path.open("rb") as f:
                response = client.post(
                    f"/api/v1/courses/{course}/assignments/{args.assignment}/submissions",
                    files={"file": (path.name, f, "application/x-ipynb+json")},
                )
            if response.status_code != 202:
                print(f"markwell submit: {_problem(response)}", file=sys.stderr)
                return 2
            location = response.headers["location"]
            if not args.json:
                print(f"markwell submit: stored as {response.json()['id']}", file=sys.stderr)
        if args.no_wait:
            return 0
        body = _wait(client, location, args.timeout, args.json)
    result = body.get("result")
    if args.json:
        print(json.dumps(body, indent=2))
    elif result is None or body["status"] not in SHOWN:
        reason = (result or {}).get("reason", "")
        print(f"markwell submit: {body['status']}: {reason}", file=sys.stderr)
    else:
        try:
            graded = Result.from_json(result)
        except ValueError as exc:
            print(f"markwell submit: the server's result cannot be read: {exc}", file=sys.stderr)
            return 1
        print_result(graded)
    return {"graded": 0, "needs-grading": 0, "rejected": 2}.get(body["status"], 1)


def add_command(sub: argparse._SubParsersAction) -> None:
    """Add ``submit`` to the ``markwell`` parser."""
    cmd = sub.add_parser("submit", help="upload a notebook to a Markwell server and get the grade")
    cmd.add_argument("assignment")
    cmd.add_argument("file", nargs="?", default="")
    cmd.add_argument("--server", help="the server's URL (or MARKWELL_SERVER, or the config)")
    cmd.add_argument("--course", help="the course (or the config file's course)")
    cmd.add_argument("--json", action="store_true", help="print the submission as JSON")
    cmd.add_argument("--no-wait", action="store_true", help="upload and return at once")
    cmd.add_argument("--timeout", type=float, default=600.0, help="seconds to wait (600)")
    cmd.add_argument("--id", help="wait for an earlier submission instead of uploading")
    cmd.set_defaults(func=submit)
