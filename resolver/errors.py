"""Errors on the wire: every failure is a JSON body with a message an operator can act on."""

import orjson
from aiohttp import web

from glid_core.errors import GlidError
from registry.errors import (
    NotFound,
    OutsidePrefix,
    StoreReadOnly,
    StoreUnavailable,
    Unauthenticated,
    Unauthorised,
)


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
    if isinstance(exc, StoreReadOnly):
        return 405  # this node serves reads only; the write belongs on a writable node
    if isinstance(exc, StoreUnavailable):
        return 500
    return 400
