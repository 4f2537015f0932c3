"""The moderation policy: defaults, admins' changes, and who may make them."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import PermissionDenied
from app.moderation.models import ActionKind, ModerationAction
from app.moderation.policy import Policy, load_policy, update_policy
from app.moderation.schemas import PolicyUpdate
from tests.factories import make_admin, make_user


def test_defaults_apply_until_an_admin_changes_something(session: Session) -> None:
    assert load_policy(session) == Policy()


def test_changes_are_stored_cleaned_and_audited(session: Session) -> None:
    admin = make_admin(session)

    policy = update_policy(
        session,
        PolicyUpdate(max_links=0, hold_words=["  cure ", "", "Cure", "miracle  cure"]),
        actor=admin,
    )
    session.expire_all()
    session.info.clear()

    assert policy.max_links == 0
    assert policy.hold_words == ("cure", "miracle cure")
    assert load_policy(session) == policy
    audit = session.scalars(
        select(ModerationAction).where(
            ModerationAction.action == ActionKind.UPDATE_SETTINGS
        )
    ).all()
    assert [a.reason for a in audit] == ["Changed: hold_words, max_links"]


def test_an_unchanged_save_writes_no_audit_row(session: Session) -> None:
    admin = make_admin(session)

    update_policy(session, PolicyUpdate(trust_threshold=1), actor=admin)

    assert session.scalars(select(ModerationAction)).all() == []


def test_only_admins_change_the_policy(session: Session) -> None:
    with pytest.raises(PermissionDenied):
        update_policy(session, PolicyUpdate(max_links=5), actor=make_user(session))
