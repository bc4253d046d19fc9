"""Headers every response carries, whatever answered it (a route, an error handler, a 404)."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
"""Pages load scripts and styles from files of this site only: no inline script or style
attribute runs, so text a student wrote can never become code in another person's page."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}
"""Browsers must take each body as the type it is sent with (an uploaded notebook, a log
shown as text), never guess an HTML or script one; no address of ours (a sign-in link) is
sent to another site as a referrer; and the policy above."""

THIRD_PARTY_PAGES = ("/docs", "/redoc")
"""FastAPI's API explorers (``MARKWELL_API_DOCS``) load their scripts from a CDN: no policy."""


class SecurityHeaders:
    """Pure ASGI middleware: add :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        explorer = scope["path"].startswith(THIRD_PARTY_PAGES)

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if explorer and name == "Content-Security-Policy":
                        continue
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, sending)
