"""Schemathesis over Haven's own OpenAPI schema (issue #16).

Every operation of /api/v1/openapi.json gets EXAMPLES generated valid requests
and EXAMPLES invalid ones (schemathesis' positive and negative modes), each sent
as a member and then as a moderator (fresh API tokens per operation, so one that
revokes its token or bans someone spoils nothing for the next). Generating a
request costs far more than answering it, so each is generated once and sent
with both tokens. Each answer must not be a 5xx, its status must be one the
operation declares, and its body must match the schema declared for it.

Deterministic (hypothesis' derandomize): CI sees the same requests every run,
so a failure here is a real regression, never a lucky draw; no shrinking, so a
failure costs no more time than a pass.
"""

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.accounts import service as accounts_service
from app.accounts.models import Role, SessionKind
from tests.conftest import AppFactory
from tests.factories import make_article, make_comment, make_user

EXAMPLES = int(os.environ.get("HAVEN_FUZZ_EXAMPLES", "4"))
# status_code_conformance: each operation declares the errors it gives (#18).
CHECKS: list[Callable[..., Any]] = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
]
ROLES = (Role.MEMBER, Role.MODERATOR)


def _fuzz(
    operation: APIOperation[Any, Any, Any, Any],
    tokens: dict[Role, str],
    mode: GenerationMode,
) -> tuple[int, str | None]:
    """Run one operation's examples with each role's token: how many requests
    were sent, and what failed (or None)."""
    sent = 0

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
        nonlocal sent
        for role, token in tokens.items():
            sent += 1
            try:
                case.call_and_validate(
                    headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
                )
            except (Exception, BaseExceptionGroup) as exc:
                raise AssertionError(f"as a {role}: {exc}") from exc

    try:
        run()
    except Unsatisfiable:
        # Nothing invalid to send: no parameters or body, or a path parameter
        # any string satisfies (GET /api/v1/me, /articles/{slug}).
        assert mode is GenerationMode.NEGATIVE, f"no valid request: {operation.label}"
        return sent, None
    except (Exception, BaseExceptionGroup) as exc:  # every operation's failure
        return sent, str(exc)
    return sent, None


def test_api_answers_fuzzed_requests_as_its_schema_says(
    app_factory: AppFactory, session: Session
) -> None:
    users = {role: make_user(session, role=role) for role in ROLES}
    # Something for the generated ids and slugs to find now and then.
    article = make_article(session, title="Fuzz")
    for user in users.values():
        make_comment(session, article, author=user)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app_factory())

    failures: list[str] = []
    requests = 0
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"an operation the schema breaks: {result}"
        operation = result.ok()
        operations += 1
        tokens = {
            role: accounts_service.start_session(
                session, user, kind=SessionKind.API, lifetime=timedelta(hours=1)
            )
            for role, user in users.items()
        }
        for mode in GenerationMode:  # valid requests, and invalid ones
            sent, failure = _fuzz(operation, tokens, mode)
            requests += sent
            if failure:
                failures.append(f"{operation.label} ({mode}): {failure}")

    print(  # noqa: T201 (the figures the issue asks for, shown with -s)
        f"\nfuzz as {', '.join(ROLES)}: {operations} operations, {requests} requests "
        f"({requests // len(ROLES)} generated examples), {len(failures)} failing"
    )
    assert failures == [], "\n\n".join(failures)
