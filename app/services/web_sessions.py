"""Browser sessions and one-time sign-in links: made, looked up, ended, without HTTP.

A session's secret lives only in the browser's cookie; the database keeps its SHA-256, as it
does for tokens. A session ends at its expiry, after an idle spell, when it is signed out, when
the token it was signed in with is revoked (it is checked at every lookup), and when its user
is revoked (``markwell users revoke`` calls :func:`end_all_in`: a session from a sign-in link
has no token to check).

The forms' CSRF token is derived from the session's secret (:func:`csrf_token`): only a page
served to that browser can carry it, and nothing more needs to be stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from app import auth
from app.db import Database, changed, now
from app.models import SigninLink, Token, User, WebSession

SEEN_EVERY = timedelta(minutes=1)
"""A session's ``seen_at`` is written at most this often (not on every page view)."""

LONGEST_SECRET = 200


def new_secret() -> str:
    """256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def csrf_token(secret: str) -> str:
    """The token a form served to the holder of ``secret`` (a session's, or a pre-session
    cookie's) carries back."""
    return hmac.new(secret.encode(), b"markwell-form", hashlib.sha256).hexdigest()


def csrf_ok(secret: str, token: str) -> bool:
    """Whether ``token`` is the one :func:`csrf_token` gives for ``secret``."""
    return bool(secret) and hmac.compare_digest(csrf_token(secret), token)


def _plausible(secret: str) -> bool:
    return 0 < len(secret) <= LONGEST_SECRET and secret.isascii() and secret.isprintable()


@dataclass(frozen=True)
class SignedIn:
    """Who a valid session belongs to."""

    user_id: int
    name: str
    session_id: int


def start(db: Database, user_id: int, hours: float, token_id: int | None = None) -> str:
    """A new session for ``user_id`` lasting ``hours`` (signed in with ``token_id``, or a
    link); returns the cookie's secret."""
    secret = new_secret()
    stamp = now()
    with db.session() as session:
        # Each sign-in sweeps away the sessions that have expired (an indexed delete).
        session.execute(delete(WebSession).where(WebSession.expires_at <= stamp))
        session.add(
            WebSession(
                user_id=user_id,
                token_id=token_id,
                digest=digest(secret),
                created_at=stamp,
                seen_at=stamp,
                expires_at=stamp + timedelta(hours=hours),
            )
        )
    return secret


def sign_in_with_token(db: Database, token: str, hours: float) -> str | None:
    """A new session for the owner of ``token``; ``None`` for an unknown or revoked token."""
    token = token.strip()
    if not token.startswith(auth.PREFIX) or len(token) > LONGEST_SECRET:
        return None
    with db.reader() as session:
        found = session.execute(
            select(Token.id, Token.user_id).where(
                Token.digest == auth.digest(token), Token.revoked_at.is_(None)
            )
        ).first()
    if found is None:
        return None
    return start(db, found.user_id, hours, token_id=found.id)


def lookup(db: Database, secret: str, idle_hours: float) -> SignedIn | None:
    """The owner of a live session, or ``None`` (unknown, expired, idle too long, or its
    user's tokens revoked since it started). Notes the visit for the idle expiry."""
    if not _plausible(secret):
        return None
    stamp = now()
    with db.reader() as session:
        row = session.execute(
            select(WebSession.id, WebSession.user_id, User.name, WebSession.seen_at)
            .join(User, User.id == WebSession.user_id)
            .outerjoin(Token, Token.id == WebSession.token_id)
            .where(
                WebSession.digest == digest(secret),
                WebSession.expires_at > stamp,
                WebSession.seen_at > stamp - timedelta(hours=idle_hours),
                or_(WebSession.token_id.is_(None), Token.revoked_at.is_(None)),
            )
        ).first()
    if row is None:
        return None
    session_id, user_id, name, seen_at = row
    if stamp - seen_at >= SEEN_EVERY:
        with db.session() as session:
            session.execute(
                update(WebSession).where(WebSession.id == session_id).values(seen_at=stamp)
            )
    return SignedIn(user_id, name, session_id)


def end(db: Database, secret: str) -> bool:
    """Sign out: delete the session ``secret`` names; whether there was one."""
    if not _plausible(secret):
        return False
    with db.session() as session:
        return changed(session, delete(WebSession).where(WebSession.digest == digest(secret))) > 0


def end_all_in(session: Session, user_id: int) -> int:
    """Sign every browser of ``user_id`` out, in ``session``'s transaction; how many
    sessions ended."""
    return changed(session, delete(WebSession).where(WebSession.user_id == user_id))


def purge_expired(db: Database) -> int:
    """Delete sessions past their expiry and links past theirs; how many rows went."""
    stamp = now()
    with db.session() as session:
        gone = changed(session, delete(WebSession).where(WebSession.expires_at <= stamp))
        gone += changed(session, delete(SigninLink).where(SigninLink.expires_at <= stamp))
    return gone


def issue_signin_link(db: Database, user: User, hours: float = 72.0) -> str:
    """A one-time sign-in link's secret for ``user``, valid ``hours``
    (``MARKWELL_SIGNIN_LINK_HOURS``): the only time it exists in clear. The link is
    ``/signin/link/{secret}``."""
    with db.session() as session:
        return issue_signin_link_in(session, user, hours)


def issue_signin_link_in(session: Session, user: User, hours: float = 72.0) -> str:
    """:func:`issue_signin_link` inside ``session``'s transaction (a roster import that
    makes users and their links at once)."""
    secret = new_secret()
    stamp = now()
    session.add(
        SigninLink(
            user_id=user.id,
            digest=digest(secret),
            created_at=stamp,
            expires_at=stamp + timedelta(hours=hours),
        )
    )
    session.flush()
    return secret


def link_owner(db: Database, secret: str) -> str | None:
    """The name of the person an unused, unexpired link signs in (nothing is changed: a link
    scanner that only opens the page leaves it usable)."""
    if not _plausible(secret):
        return None
    with db.reader() as session:
        return session.scalar(
            select(User.name)
            .join(SigninLink, SigninLink.user_id == User.id)
            .where(
                SigninLink.digest == digest(secret),
                SigninLink.used_at.is_(None),
                SigninLink.expires_at > now(),
            )
        )


def use_link(db: Database, secret: str, hours: float) -> str | None:
    """Spend the link once and start a session for its owner; ``None`` when it is unknown,
    expired or already used (two requests at once: only one wins)."""
    if not _plausible(secret):
        return None
    stamp = now()
    with db.session() as session:
        link = session.scalar(select(SigninLink).where(SigninLink.digest == digest(secret)))
        if link is None:
            return None
        won = changed(
            session,
            update(SigninLink)
            .where(
                SigninLink.id == link.id,
                SigninLink.used_at.is_(None),
                SigninLink.expires_at > stamp,
            )
            .values(used_at=stamp),
        )
        user_id = link.user_id
    return start(db, user_id, hours) if won else None
