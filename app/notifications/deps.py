"""The signer of mailed links, for routes that make or read them."""

from typing import Annotated

from fastapi import Depends, Request

from app.notifications.tokens import Signer


def get_signer(request: Request) -> Signer:
    return Signer(request.app.state.settings.secret_key)


SignerDep = Annotated[Signer, Depends(get_signer)]
