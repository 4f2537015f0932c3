"""Sign-ups are limited per client address, in the pages and the API alike."""

from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.accounts.service import REGISTER_LIMITED
from app.config import Settings
from app.ratelimit import describe_wait
from tests.conftest import AppFactory
from tests.helpers import csrf_from

PASSWORD = "quiet lantern over the harbour"


def sign_up_page(client: TestClient, name: str) -> httpx2.Response:
    token = csrf_from(client.get("/register").text)
    return client.post(
        "/register",
        data={
            "username": name,
            "email": f"{name}@example.org",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )


def sign_up_api(client: TestClient, name: str) -> httpx2.Response:
    return client.post(
        "/api/v1/auth/register",
        json={"username": name, "email": f"{name}@example.org", "password": PASSWORD},
    )


def test_the_page_shows_the_form_again_past_the_limit(
    app_factory: AppFactory,
) -> None:
    app = app_factory(register_rate_limit="2/hour")

    def visitor(name: str) -> httpx2.Response:
        # A new browser each time (a sign-up signs in), from the same address.
        with TestClient(app, follow_redirects=False) as client:
            return sign_up_page(client, name)

    made = [visitor(f"lim_page_{n}").status_code for n in range(2)]
    refused = visitor("lim_page_late")

    assert made == [303, 303]
    assert refused.status_code == 429
    assert refused.template.name == "accounts/register.html"  # type: ignore[attr-defined]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    wait = describe_wait(int(refused.headers["Retry-After"]))
    assert wait == "60 minutes"
    assert REGISTER_LIMITED.replace("{wait}", wait) in refused.text
    assert 'value="lim_page_late"' in refused.text
    assert PASSWORD not in refused.text


def test_the_api_answers_429_with_retry_after_past_the_limit(
    app_factory: AppFactory,
) -> None:
    with TestClient(app_factory(register_rate_limit="5/hour;1/day")) as client:
        made = sign_up_api(client, "lim_api_1")
        refused = sign_up_api(client, "lim_api_2")

    assert made.status_code == 201
    assert refused.status_code == 429
    assert 3600 < int(refused.headers["Retry-After"]) <= 86400
    assert refused.json() == {"detail": REGISTER_LIMITED.replace("{wait}", "24 hours")}


def test_each_address_has_its_own_allowance(app_factory: AppFactory) -> None:
    app = app_factory(register_rate_limit="1/hour")
    with (
        TestClient(app, client=("203.0.113.7", 1)) as here,
        TestClient(app, client=("198.51.100.2", 1)) as there,
    ):
        codes = [
            sign_up_api(here, "lim_ip_1").status_code,
            sign_up_api(there, "lim_ip_2").status_code,
            sign_up_api(here, "lim_ip_3").status_code,
        ]

    assert codes == [201, 201, 429]


def test_an_empty_limit_turns_it_off(app_factory: AppFactory) -> None:
    with TestClient(app_factory(register_rate_limit="")) as client:
        codes = [sign_up_api(client, f"lim_off_{n}").status_code for n in range(8)]

    assert codes == [201] * 8


def test_the_default_is_five_an_hour_and_twenty_a_day(
    app_factory: AppFactory,
) -> None:
    assert app_factory().state.settings.register_rate_limit == "5/hour;20/day"


@pytest.mark.parametrize(
    "name",
    [
        "register_rate_limit",
        "login_limit_account",
        "login_limit_ip",
        "post_rate_limit",
        "reset_limit",
    ],
)
def test_a_limit_that_does_not_parse_stops_the_start(tmp_path: Path, name: str) -> None:
    """Not a 500 at every sign-in or post later on."""
    with pytest.raises(ValidationError, match="limits"):
        Settings.model_validate(
            {"env": "test", "data_dir": tmp_path, "secret_key": "x" * 40, name: "lots"}
        )
