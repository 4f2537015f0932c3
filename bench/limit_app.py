"""The "limit" reference: the least an ASGI server can do per request.

    uvicorn bench.limit_app:app --loop uvloop --http httptools

GET or POST /bytes/N answers 200 with a fixed JSON body of exactly N bytes
(built once per N), so each Haven case is compared with a body of its own size.
"""

from typing import Any

_bodies: dict[int, bytes] = {}


def body_of(size: int) -> bytes:
    if size not in _bodies:
        filler = max(0, size - len(b'{"x":""}'))
        _bodies[size] = b'{"x":"' + b"a" * filler + b'"}'
    return _bodies[size]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:  # read the whole request, as a real handler would
        more = (await receive()).get("more_body", False)
    tail = scope["path"].rsplit("/", 1)[-1]
    body = body_of(int(tail) if tail.isdigit() else 2)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
