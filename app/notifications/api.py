"""JSON twins of the mail links: unsubscribe, and a guest's confirmation."""

from fastapi import APIRouter, Request
from pydantic import BaseModel

from app.db import SessionDep
from app.notifications import service
from app.notifications.tokens import Signer

router = APIRouter(tags=["mail"])


class Unsubscribed(BaseModel):
    stopped: service.Choice


class GuestConfirmed(BaseModel):
    comment_id: int


@router.post("/unsubscribe/{token}", name="api.notifications.unsubscribe")
def unsubscribe(request: Request, token: str, session: SessionDep) -> Unsubscribed:
    choice = service.unsubscribe(
        session, Signer(request.app.state.settings.secret_key), token
    )
    return Unsubscribed(stopped=choice)


@router.post("/guest-replies/{token}", name="api.notifications.confirm_guest")
def confirm_guest(request: Request, token: str, session: SessionDep) -> GuestConfirmed:
    comment = service.confirm_guest(
        session, Signer(request.app.state.settings.secret_key), token
    )
    return GuestConfirmed(comment_id=comment.id)
