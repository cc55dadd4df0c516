"""The one middleware every request passes through: errors become JSON, outcomes are counted.

One layer rather than two, because each aiohttp middleware costs a wrapped call on every
request, and on a resolving node the bookkeeping must stay small next to the answer.
Library errors (GlidError) become a JSON body with the right status and code; aiohttp's own
plain-text errors (404 for an unknown path, 405, 413) are rewritten as JSON too, in the
Handle REST shape (with a ``responseCode``) under the paths Handle clients call. A bug
answers a JSON 500 that says nothing of the node's files and is logged with its traceback;
a client that hangs up mid-request is counted (status 499, as nginx does) but is no error.
"""

import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from glid_core.errors import GlidError
from resolver import handle_rest
from resolver.errors import error_response, json_error
from resolver.state import METRICS, SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CLIENT_CLOSED = 499
log = logging.getLogger("glid.node")


@web.middleware
async def envelope(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            _count(request, exc.status, started)
            raise
        response = _as_json(request, exc)
    except GlidError as exc:
        response = error_response(exc)
    except ConnectionError:
        _count(request, CLIENT_CLOSED, started)
        return web.Response(status=CLIENT_CLOSED)  # nobody is left to read it
    except Exception:
        log.exception("%s %s failed inside the node", request.method, request.path)
        response = json_error(
            500, "the node failed while answering; the error is in its log", code="internal"
        )
    _count(request, response.status, started)
    return response


def _count(request: web.Request, status: int, started: float) -> None:
    request.app[METRICS].record(request, status, time.perf_counter() - started)


def _as_json(request: web.Request, exc: web.HTTPException) -> web.Response:
    if exc.status == 413:
        limit = request.app[SETTINGS].max_body_bytes
        return json_error(413, f"request body is larger than the limit of {limit} bytes")
    if request.path.startswith(handle_rest.AREAS):
        return handle_rest.unrouted(request, exc.status, exc.text or exc.reason)
    return json_error(exc.status, exc.text or exc.reason)
