"""The API's interactive documentation (Swagger UI), served by Haven itself.

FastAPI's own docs page loads Swagger UI from a CDN, so without internet it
stayed blank. Here the script and stylesheet come from the
``swagger-ui-bundle-v2`` package (Swagger UI 5, which reads OpenAPI 3.1),
mounted under /static/swagger-ui; the page asks no other host for anything
(``validatorUrl: null`` keeps it from calling Swagger's online validator).
ReDoc is not offered.

The two pages are rendered once, when the app is built, so the
Content-Security-Policy can allow their inline start-up scripts by hash
(app.headers.docs_policy) and nothing else.
"""

from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse
from swagger_ui_bundle import swagger_ui_path

from app.paths import API_PREFIX

OPENAPI_PATH = f"{API_PREFIX}/openapi.json"
DOCS_PATH = f"{API_PREFIX}/docs"
OAUTH2_REDIRECT_PATH = f"{DOCS_PATH}/oauth2-redirect"
ASSETS_PATH = "/static/swagger-ui"
ASSETS_DIR = Path(str(swagger_ui_path))
FAVICON_PATH = "/static/img/favicon.svg"


def install(app: FastAPI) -> dict[str, str]:
    """Serve the docs page, its OAuth2 redirect and Swagger UI's files.

    Returns each page's HTML by path, for the security headers. Mount this
    before /static, which would otherwise answer /static/swagger-ui with 404.
    """
    app.mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="swagger-ui")
    pages = {
        DOCS_PATH: get_swagger_ui_html(
            openapi_url=OPENAPI_PATH,
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=FAVICON_PATH,
            oauth2_redirect_url=OAUTH2_REDIRECT_PATH,
            swagger_ui_parameters={"validatorUrl": None},
        ),
        OAUTH2_REDIRECT_PATH: get_swagger_ui_oauth2_redirect_html(),
    }
    html = {path: bytes(page.body) for path, page in pages.items()}
    for path, body in html.items():
        # Plain Starlette routes, as FastAPI's own: nobody needs looking up.
        app.add_route(path, _endpoint(body), include_in_schema=False)
    return {path: body.decode() for path, body in html.items()}


def _endpoint(body: bytes) -> Callable[[Request], Awaitable[HTMLResponse]]:
    async def page(_request: Request) -> HTMLResponse:
        return HTMLResponse(body)

    return page
