"""Pages behind the links in Haven's mail: unsubscribe, and a guest's confirmation.

Unsubscribing needs no sign-in: the signed link is the permission. Its page
asks for one press (mail scanners open links, and opening must change
nothing); the same address takes the RFC 8058 one-click POST that mail
programs send, which carries no CSRF token, so none is asked for.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import paths
from app.db import SessionDep
from app.errors import Invalid
from app.notifications import service
from app.notifications.deps import SignerDep
from app.web import render

router = APIRouter()

WHAT_STOPS = {
    service.Choice.REPLIES: "emails about replies to your comments",
    service.Choice.DECISIONS: "emails about moderators' decisions on your comments",
    service.Choice.DIGEST: "the moderation digest",
}


def _bad_link(request: Request, exc: Invalid) -> Response:
    return render(
        request,
        "errors/error.html",
        {"status_code": 400, "message": exc.message},
        status_code=400,
    )


@router.get("/unsubscribe/{token}", name="notifications.unsubscribe")
def unsubscribe_page(request: Request, token: str, signer: SignerDep) -> Response:
    try:
        choice = service.describe_unsubscribe(signer, token)
    except Invalid as exc:
        return _bad_link(request, exc)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"token": token, "what": WHAT_STOPS[choice], "done": False},
    )


@router.post("/unsubscribe/{token}", name="notifications.unsubscribe_submit")
def unsubscribe_submit(
    request: Request, token: str, session: SessionDep, signer: SignerDep
) -> Response:
    try:
        choice = service.unsubscribe(session, signer, token)
    except Invalid as exc:
        return _bad_link(request, exc)
    return render(
        request,
        "notifications/unsubscribe.html",
        {"token": token, "what": WHAT_STOPS[choice], "done": True},
    )


@router.get("/guest-replies/{token}", name="notifications.confirm_guest")
def confirm_guest(
    request: Request, token: str, session: SessionDep, signer: SignerDep
) -> Response:
    try:
        comment = service.confirm_guest(session, signer, token)
    except Invalid as exc:
        return _bad_link(request, exc)
    return render(
        request,
        "notifications/guest_confirmed.html",
        {"article_url": paths.fill(paths.ARTICLE, slug=comment.article.slug)},
    )
