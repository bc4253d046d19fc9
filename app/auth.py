"""Bearer tokens: made once, shown once, kept only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from app.models import Token, User

PREFIX = "mw_"


def new_token() -> str:
    """A fresh token: 256 random bits, with a prefix that secret scanners can spot."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, user: User) -> str:
    """Give ``user`` a new token; returns it (the only time it exists in clear)."""
    token = new_token()
    session.add(Token(user_id=user.id, digest=digest(token)))
    session.flush()
    return token


# Built once: every request runs it, and building the statement costs more than running it.
_BY_DIGEST = (
    select(User)
    .join(Token, Token.user_id == User.id)
    .where(Token.digest == bindparam("digest"), Token.revoked_at.is_(None))
)


_CALLER = select(Token.user_id).where(
    Token.digest == bindparam("digest"), Token.revoked_at.is_(None)
)


def _plausible(token: str) -> bool:
    """Whether ``token`` could be one of ours at all (else no query is made)."""
    return token.startswith(PREFIX) and len(token) <= 200


def caller_id(connection: Connection, token: str) -> int | None:
    """The id of the user a token belongs to (as :func:`authenticate`, without loading them)."""
    if not _plausible(token):
        return None
    return connection.execute(_CALLER, {"digest": digest(token)}).scalar()


def authenticate(session: Session, token: str) -> User | None:
    """The user a token belongs to, unless it is unknown or revoked."""
    if not _plausible(token):
        return None
    return session.scalar(_BY_DIGEST, {"digest": digest(token)})
