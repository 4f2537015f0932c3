"""The API's schema and its docs page (#18).

The schema documents the JSON API only, and each operation the errors it can
give. Who must hold a role (403) is read from the permission matrix
(tests/test_permissions.py), not from the routes, so a declaration can't drift
from the behaviour that matrix checks; any request may be 401 (a bad token is
never taken as anonymous). The docs page ships
Swagger UI from Haven's own files (app.apidocs): it must name no other host.
"""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.test_permissions import DENY, EXPECTED

# Path parameters that name no stored thing: a bad one is 422, not 404.
_NOT_IDS = {"token", "decision"}
_ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorRead"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    settings = Settings(
        env="test", database_url="sqlite://", secret_key="openapi-test-secret"
    )
    return create_app(settings).openapi()


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    ]


def required_errors(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The errors an operation must declare, from what it is and who may call it."""
    who = EXPECTED[(method, path)]
    # Any request: an unusable address, or a bad token (never taken as anonymous).
    required = {400, 401}
    if DENY in who:
        required.add(403)
    ids = set(re.findall(r"{(\w+)}", path)) - _NOT_IDS
    if ids:
        required.add(404)
    if "requestBody" in operation:
        required |= {413, 422}
    return required


def test_the_schema_documents_only_the_json_api(schema: dict[str, Any]) -> None:
    paths = list(schema["paths"])

    assert len(paths) > 40
    assert [path for path in paths if not path.startswith("/api/v1/")] == []


def test_every_operation_declares_the_errors_it_can_give(
    schema: dict[str, Any],
) -> None:
    missing = {}
    for method, path, operation in operations(schema):
        declared = {int(status) for status in operation["responses"] if status >= "4"}
        if lacking := required_errors(method, path, operation) - declared:
            missing[f"{method} {path}"] = sorted(lacking)

    assert missing == {}


def test_every_declared_error_is_one_sentence(schema: dict[str, Any]) -> None:
    for method, path, operation in operations(schema):
        for status, response in operation["responses"].items():
            if status >= "4":
                body = response["content"]["application/json"]["schema"]
                assert body == _ERROR_SCHEMA, f"{method} {path} {status}"
    assert schema["components"]["schemas"]["ErrorRead"]["required"] == ["detail"]


def test_only_errors_that_apply_are_declared(schema: dict[str, Any]) -> None:
    search = schema["paths"]["/api/v1/search"]["get"]["responses"]
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]

    assert sorted(status for status in search if status >= "4") == [
        "400",
        "401",
        "422",
    ]
    assert "409" not in schema["paths"]["/api/v1/me/drafts"]["get"]["responses"]
    assert "401" in me


def test_the_docs_page_loads_swagger_ui_from_this_site(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    policy = page.headers["content-security-policy"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)

    assert page.status_code == 200
    assert sorted(sources) == [
        "/static/img/favicon.svg",
        "/static/swagger-ui/swagger-ui-bundle.js",
        "/static/swagger-ui/swagger-ui.css",
    ]
    assert "http" not in policy
    assert '"validatorUrl": null' in page.text  # Swagger's online validator unasked
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200, source


def test_the_swagger_ui_files_are_javascript_and_css(client: TestClient) -> None:
    script = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    style = client.get("/static/swagger-ui/swagger-ui.css")

    assert script.headers["content-type"].startswith(
        ("text/javascript", "application/javascript")
    )
    assert style.headers["content-type"].startswith("text/css")
    assert "SwaggerUIBundle" in script.text
    # /static still serves Haven's own files beside them.
    assert client.get("/static/css/haven.css").status_code == 200
