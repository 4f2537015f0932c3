"""JSON API for the site's settings: the moderation policy, canned rejection
reasons and the community guidelines."""

from fastapi import APIRouter, Response

from app.accounts.deps import AdminUser, ModeratorUser
from app.db import SessionDep
from app.errors import error_responses
from app.moderation import canned, guidelines
from app.moderation.deps import CannedReasonId
from app.moderation.models import CannedReason
from app.moderation.policy import get_policy, update_policy
from app.moderation.schemas import (
    CannedReasonIn,
    CannedReasonRead,
    CannedReasonUpdate,
    GuidelinesRead,
    GuidelinesUpdate,
    PolicyRead,
    PolicyUpdate,
)

router = APIRouter(tags=["settings"], responses=error_responses(403, 404, 413))


@router.get("/settings", name="api.settings.read")
def settings_read(session: SessionDep, admin: AdminUser) -> PolicyRead:
    return PolicyRead.model_validate(get_policy(session, actor=admin))


@router.patch("/settings", name="api.settings.update")
def settings_update(
    data: PolicyUpdate, session: SessionDep, admin: AdminUser
) -> PolicyRead:
    return PolicyRead.model_validate(update_policy(session, data, actor=admin))


@router.get(
    "/canned-reasons",
    name="api.canned_reasons.list",
    response_model=list[CannedReasonRead],
)
def canned_reason_list(
    session: SessionDep, moderator: ModeratorUser
) -> list[CannedReason]:
    return canned.list_canned_reasons(session, actor=moderator)


@router.post(
    "/canned-reasons",
    name="api.canned_reasons.create",
    status_code=201,
    response_model=CannedReasonRead,
)
def canned_reason_create(
    data: CannedReasonIn, session: SessionDep, admin: AdminUser
) -> CannedReason:
    return canned.create_canned_reason(session, data, actor=admin)


@router.patch(
    "/canned-reasons/{reason_id}",
    name="api.canned_reasons.update",
    response_model=CannedReasonRead,
)
def canned_reason_update(
    reason_id: CannedReasonId,
    data: CannedReasonUpdate,
    session: SessionDep,
    admin: AdminUser,
) -> CannedReason:
    reason = canned.get_canned_reason(session, reason_id)
    return canned.update_canned_reason(session, reason, data, actor=admin)


@router.delete(
    "/canned-reasons/{reason_id}",
    name="api.canned_reasons.delete",
    status_code=204,
)
def canned_reason_delete(
    reason_id: CannedReasonId, session: SessionDep, admin: AdminUser
) -> Response:
    reason = canned.get_canned_reason(session, reason_id)
    canned.delete_canned_reason(session, reason, actor=admin)
    return Response(status_code=204)


@router.get("/guidelines", name="api.guidelines.read")
def guidelines_read(session: SessionDep) -> GuidelinesRead:
    return GuidelinesRead.model_validate(guidelines.load_guidelines(session))


@router.put("/guidelines", name="api.guidelines.update")
def guidelines_update(
    data: GuidelinesUpdate, session: SessionDep, admin: AdminUser
) -> GuidelinesRead:
    return GuidelinesRead.model_validate(
        guidelines.update_guidelines(session, data, actor=admin)
    )
