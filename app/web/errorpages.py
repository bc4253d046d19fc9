"""Errors on pages are pages: the API's problem documents, turned into HTML for any path
outside the API, and a 401 into a trip to the sign-in page that comes back afterwards.

Done as ASGI middleware around the app, so every problem answered for a page becomes a page,
whoever answered it (a route, a handler, the body limit before any route ran)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.paths import is_page, local_next
from app.web.templating import render

PROBLEM = "application/problem+json"
MOST_BUFFERED = 256 * 1024

TITLES = {
    400: "Bad request",
    401: "Sign in first",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed",
    408: "Too slow",
    409: "Not possible now",
    413: "Too large",
    415: "Not a notebook",
    422: "Not usable",
    429: "Too many requests",
    500: "Something went wrong",
}

SENTENCES = {
    404: "There is no such page, or it is not yours to see.",
    500: "The server failed to answer. The error is logged; try again in a moment.",
}


def error_page(
    status: int, sentence: str = "", headers: dict[str, str] | None = None, title: str = ""
) -> Response:
    """The HTML page for an error of ``status``, saying ``sentence`` (or the usual one)."""
    title = title or TITLES.get(status, "Error")
    sentence = sentence or SENTENCES.get(status) or title
    return render(
        "error.html",
        status_code=status,
        headers=headers,
        title=title,
        status=status,
        sentence=sentence,
    )


def signin_redirect(scope: Scope) -> Response:
    """To the sign-in page, then back to the page asked for (a GET's own address)."""
    target = scope.get("path", "/")
    if scope.get("method") == "GET" and scope.get("query_string"):
        target += "?" + scope["query_string"].decode("latin-1")
    target = local_next(target)
    location = "/signin" if target == "/" else f"/signin?next={quote(target, safe='/')}"
    return RedirectResponse(location, status_code=303, headers={"Cache-Control": "no-store"})


def page_for(
    scope: Scope, status: int, document: dict[str, Any], headers: dict[str, str]
) -> Response:
    if status == 401:
        return signin_redirect(scope)
    kept = {k: v for k, v in headers.items() if k.lower() in ("retry-after", "connection")}
    # A 404 says nothing more (what was looked for, and whether it exists, stays unsaid).
    if status in SENTENCES:
        return error_page(status, headers=kept)
    title = str(document.get("title", ""))[:200]
    return error_page(status, str(document.get("detail", "")), kept, title)


class PageErrors:
    """Pure ASGI middleware: a problem document answered for a page path becomes a page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        answered = False

        async def sending(message: Message) -> None:
            nonlocal start, answered
            if answered:
                return
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if headers.get("content-type", "").startswith(PROBLEM):
                    start = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False) and sum(map(len, chunks)) < MOST_BUFFERED:
                    return
                answered = True
                await self._answer(scope, receive, send, start, b"".join(chunks))
                return
            await send(message)

        await self.app(scope, receive, sending)

    async def _answer(
        self, scope: Scope, receive: Receive, send: Send, start: Message, body: bytes
    ) -> None:
        try:
            document = json.loads(body)
        except ValueError:
            document = {}
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in start["headers"]}
        response = page_for(scope, start["status"], document, headers)
        await response(scope, receive, send)
