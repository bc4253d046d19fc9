"""The caller's own token."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from sqlalchemy import update

from app import auth
from app.db import now
from app.deps import CurrentToken, DbDep
from app.errors import problems
from app.models import Token

router = APIRouter(prefix="/api/v1", tags=["tokens"])


@router.delete(
    "/tokens/current",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(401),
    summary="Revoke the token of this request",
)
def revoke_current(token: CurrentToken, db: DbDep) -> Response:
    """Revoke the token the request was made with (logging out); every later request with
    it is 401. The user's other tokens stay valid (`markwell users revoke` ends them all)."""
    with db.session() as session:
        session.execute(
            update(Token)
            .where(Token.digest == auth.digest(token), Token.revoked_at.is_(None))
            .values(revoked_at=now())
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
