"""Errors on the wire: every failure is a JSON body with a message an operator can act on."""

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from registry.errors import NotFound, OutsidePrefix, Unauthenticated, Unauthorised
from resolver.state import SETTINGS
from signing.errors import GlidError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, message: str, **extra: object) -> web.Response:
    return web.Response(
        status=status,
        body=orjson.dumps({"error": message, **extra}),
        content_type="application/json",
    )


def status_for(exc: GlidError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, OutsidePrefix | Unauthorised):
        return 403
    return 400


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn library errors and aiohttp's plain-text errors into JSON bodies."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        if exc.status == 413:
            limit = request.app[SETTINGS].max_body_bytes
            return json_error(413, f"request body is larger than the limit of {limit} bytes")
        return json_error(exc.status, exc.reason if not exc.text else exc.text)
    except GlidError as exc:
        return json_error(status_for(exc), str(exc))
