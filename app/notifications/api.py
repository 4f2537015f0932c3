"""JSON twins of the mail links: unsubscribe, and a guest's confirmation."""

from fastapi import APIRouter
from pydantic import BaseModel

from app.db import SessionDep
from app.notifications import service
from app.notifications.deps import SignerDep

router = APIRouter(tags=["mail"])


class Unsubscribed(BaseModel):
    stopped: service.Choice


class GuestConfirmed(BaseModel):
    comment_id: int


@router.post("/unsubscribe/{token}", name="api.notifications.unsubscribe")
def unsubscribe(token: str, session: SessionDep, signer: SignerDep) -> Unsubscribed:
    choice = service.unsubscribe(session, signer, token)
    return Unsubscribed(stopped=choice)


@router.post("/guest-replies/{token}", name="api.notifications.confirm_guest")
def confirm_guest(token: str, session: SessionDep, signer: SignerDep) -> GuestConfirmed:
    comment = service.confirm_guest(session, signer, token)
    return GuestConfirmed(comment_id=comment.id)
