"""Schemathesis over Haven's own OpenAPI schema (issue #16).

Every operation of /api/v1/openapi.json gets EXAMPLES generated valid requests
and EXAMPLES invalid ones (schemathesis' positive and negative modes), as a member
and as a moderator (a fresh API token per operation, so one that revokes its
token or bans someone spoils nothing for the next). Each answer must not be a
5xx and its body must match the schema the operation declares for its status.

Deterministic (hypothesis' derandomize): CI sees the same requests every run,
so a failure here is a real regression, never a lucky draw; no shrinking, so a
failure costs no more time than a pass.
"""

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, SessionKind
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user

EXAMPLES = int(os.environ.get("HAVEN_FUZZ_EXAMPLES", "4"))
CHECKS: list[Callable[..., Any]] = [not_a_server_error, response_schema_conformance]


def _fuzz(
    operation: APIOperation[Any, Any, Any, Any],
    headers: dict[str, str],
    mode: GenerationMode,
) -> tuple[int, str | None]:
    """Run one operation's examples: how many ran, and what failed (or None)."""
    ran = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case[Any]) -> None:
        nonlocal ran
        ran += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing invalid to send: no parameters or body, or a path parameter
        # any string satisfies (GET /api/v1/me, /articles/{slug}).
        assert mode is GenerationMode.NEGATIVE, f"no valid request: {operation.label}"
        return ran, None
    except (Exception, BaseExceptionGroup) as exc:  # every operation's failure
        return ran, str(exc)
    return ran, None


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR])
def test_api_answers_fuzzed_requests_as_its_schema_says(
    app_factory: AppFactory, session: Session, role: Role
) -> None:
    user = make_user(session, role=role)
    # Something for the generated ids and slugs to find now and then.
    article = make_article(session, title="Fuzz")
    make_comment(session, article, author=user)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app_factory())

    failures: list[str] = []
    examples = 0
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation the schema breaks: {result}"
        operation = result.ok()
        operations += 1
        token = accounts_service.start_session(
            session, user, kind=SessionKind.API, lifetime=timedelta(hours=1)
        )
        for mode in GenerationMode:  # valid requests, and invalid ones
            ran, failure = _fuzz(operation, {"Authorization": f"Bearer {token}"}, mode)
            examples += ran
            if failure:
                failures.append(f"{operation.label} ({mode}): {failure}")

    print(  # noqa: T201 (the figures the issue asks for, shown with -s)
        f"\nfuzz as {role}: {operations} operations, {examples} examples, "
        f"{len(failures)} failing"
    )
    assert failures == [], "\n\n".join(failures)
