"""Browser sign-ins: server-side sessions and one-time sign-in links, kept as SHA-256 digests
only, so a leaked database holds nothing a browser could present."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, now


class WebSession(Base):
    """A signed-in browser: the cookie's digest, whose it is, and until when it holds."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("tokens.id", ondelete="CASCADE"), default=None, index=True
    )
    """The token it was signed in with (``None``: a sign-in link); revoking it ends it."""
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    """Last request made with it (updated at most once a minute), for the idle expiry."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SigninLink(Base):
    """A link that signs its holder in once, before it expires."""

    __tablename__ = "signin_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
