"""Errors on the wire: every failure is a JSON body with a message an operator can act on.

Each body carries ``error`` (what failed and what to do) and ``code``, a stable word a
program can branch on (docs/PROTOCOL.md, "Errors"); the code is chosen by the error's
type or, for aiohttp's own refusals, by the HTTP status, never by its text.
"""

import logging

import orjson
from aiohttp import web

from glid_core.errors import GlidError, IdentifierError
from registry.errors import (
    Conflict,
    NotFound,
    OutsidePrefix,
    RecordError,
    StoreReadOnly,
    StoreUnavailable,
    Unauthenticated,
    Unauthorised,
)
from signing.errors import KeyFileError

log = logging.getLogger("glid.node")

CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "too_large",
    414: "too_large",
    429: "rate_limited",
    431: "too_large",
    500: "internal",
    503: "unavailable",
}


class BadParameter(GlidError, ValueError):
    """A query parameter is malformed or out of range."""


class BadBody(GlidError, ValueError):
    """The request body cannot be decoded, or nests deeper than any request needs."""


class BodyTimeout(GlidError):
    """The request body did not arrive in time."""


class TooLarge(GlidError):
    """A request asks for more work or a larger answer than this node serves at once."""


class Unavailable(GlidError):
    """The node cannot answer right now; retry after the time given."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def json_error(
    status: int, message: str, *, code: str | None = None, **extra: object
) -> web.Response:
    body = {"error": message, "code": code or CODES.get(status, "error"), **extra}
    return web.Response(status=status, body=orjson.dumps(body), content_type="application/json")


def status_for(exc: GlidError) -> int:
    if isinstance(exc, Unauthenticated):
        return 401
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, OutsidePrefix | Unauthorised):
        return 403
    if isinstance(exc, TooLarge):
        return 413
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, Unavailable | StoreUnavailable):
        return 503  # the store is busy or failing: retry later
    if isinstance(exc, BodyTimeout):
        return 408
    if isinstance(exc, StoreReadOnly):
        return 405  # this node serves reads only; the write belongs on a writable node
    return 400


def code_for(exc: GlidError) -> str:
    """The stable code of a library error: its kind where it names one, else its status's."""
    if isinstance(exc, BadParameter):
        return "bad_parameter"
    if isinstance(exc, BadBody):
        return "bad_body"
    if isinstance(exc, IdentifierError):
        return "bad_identifier"
    if isinstance(exc, RecordError):
        return "bad_record"
    if isinstance(exc, OutsidePrefix):
        return "outside_prefix"
    return CODES[status_for(exc)]


def error_response(exc: GlidError) -> web.Response:
    """The JSON answer for a library error; a 503 tells the client when to retry.

    Key file and store errors name files on the node: the operator reads them in the log,
    the client learns only what failed and when to retry."""
    if isinstance(exc, KeyFileError):
        log.error("the node cannot use its signing key: %s", exc)
        return json_error(
            503, "the node cannot use its signing key; its operator will find why in its log"
        )
    if isinstance(exc, StoreUnavailable):
        log.error("%s", exc)
        response = json_error(503, "the node's store is busy or failing; retry in a moment")
        response.headers["Retry-After"] = "1"
        return response
    response = json_error(status_for(exc), str(exc), code=code_for(exc))
    if isinstance(exc, Unavailable):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response
