"""Fixtures for the discussion's tests: several browsers on the same site."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AppFactory

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def new_client(app_factory: AppFactory) -> Iterator[ClientFactory]:
    """Separate browsers, each with its own cookies and client address (``ip``).

    Browsers opened with the same settings share one app, as visitors share one
    server and its rate-limit counters.
    """
    opened: list[TestClient] = []
    apps: dict[str, FastAPI] = {}

    def factory(*, ip: str = "testclient", **settings: Any) -> TestClient:
        key = repr(sorted(settings.items()))
        if key not in apps:
            apps[key] = app_factory(**settings)
        client = TestClient(apps[key], follow_redirects=False, client=(ip, 50000))
        client.__enter__()
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.__exit__(None, None, None)
