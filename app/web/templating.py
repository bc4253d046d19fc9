"""Jinja2 for the pages: autoescaped everywhere (every value from a person is text, never
markup), with the filters the templates share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"


def utc_text(moment: datetime | None) -> str:
    """``2026-12-01 23:59 UTC`` (what the page shows before its script runs, and without it)."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else ""


def iso(moment: datetime | None) -> str:
    """The machine-readable form for ``<time datetime>``."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else ""


def points(value: float | None) -> str:
    """A score as people write it: ``7.5``, ``10``."""
    if value is None:
        return ""
    return f"{round(value, 2):g}"


env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    # Every template, whatever its name: a page never renders a value as markup.
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.filters.update(utc_text=utc_text, iso=iso, points=points)


def render(
    template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """The page ``template`` with ``context``; ``Cache-Control: no-store`` (pages show one
    person's data)."""
    context.setdefault("user", None)
    context.setdefault("csrf", "")
    body = env.get_template(template).render(**context)
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
