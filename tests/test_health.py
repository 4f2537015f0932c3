"""/healthz answers for the database."""

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


def test_health_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_503_when_database_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(
        update={"database_url": "sqlite:////nonexistent-dir/for/haven/test.db"}
    )
    with TestClient(create_app(broken)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down"}
