"""Which requests are pages (HTML, sessions) and which belong to the JSON API."""

from __future__ import annotations

from urllib.parse import urlsplit

NOT_PAGES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")


def is_page(path: str) -> bool:
    """Whether ``path`` is answered as a page (errors as HTML), not as the API."""
    return not (path == "/api" or path.startswith(NOT_PAGES))


def local_next(value: str | None) -> str:
    """``value`` when it is a path on this site (``/courses/c1``), else ``/``: a sign-in's
    ``next`` never sends anyone to another site (``//evil``, ``https://...``, ``/\\evil``)."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return "/"
    if (
        value.startswith(("//", "/\\"))
        or any(c in value for c in "\\\r\n\t")
        or not value.isprintable()
    ):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return "/"
    return value
