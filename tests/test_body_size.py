"""Oversized requests get a clear 413 in the site's own words, and store nothing."""

from fastapi.testclient import TestClient

TEN_MB = b"x" * (10 * 1024 * 1024)


def test_oversized_api_request_is_413_json(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        content=TEN_MB,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "That is too large: at most 2 MB can be sent."}


def test_oversized_form_is_413_page(client: TestClient) -> None:
    response = client.post(
        "/login",
        content=TEN_MB,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert "too large" in response.text
    assert "<html" in response.text
