"""PACT's error bodies: ``{"code": CODE, "message": TEXT}`` with the v3 schema's codes.

Every refusal on a PACT route is one of these, so a buyer's software can act on ``code``
(BadRequest, AccessDenied, TokenExpired, NotFound, InternalError, NotImplemented) and an
operator can read ``message``. They are raised as aiohttp HTTP exceptions with a JSON
body, which the node's error middleware passes through unchanged.
"""

from typing import Final

import orjson
from aiohttp import web

_STATUS: Final[dict[str, int]] = {
    "BadRequest": 400,
    "AccessDenied": 403,
    "TokenExpired": 401,
    "NotFound": 404,
    "InternalError": 500,
    "NotImplemented": 501,
}


class PactProblem(web.HTTPException):
    """A refusal with PACT's error body; ``status`` defaults to the code's usual one."""

    def __init__(self, code: str, message: str, *, status: int | None = None, **extra: str) -> None:
        self.status_code = status or _STATUS[code]
        headers = (
            {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            if self.status_code == 401
            else None
        )
        super().__init__(
            headers=headers,
            text=orjson.dumps({"code": code, "message": message, **extra}).decode(),
            content_type="application/json",
        )


def bad_request(message: str) -> PactProblem:
    return PactProblem("BadRequest", message)


def not_found(message: str) -> PactProblem:
    return PactProblem("NotFound", message)
