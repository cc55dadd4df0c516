"""Connections from the open internet: how many one address may hold, and how long a
connection may stay silent.

aiohttp times out an idle keep-alive connection, but not one that never finishes its first
request: 300 connections that open and send nothing (or a Content-Length and no body) would
each hold a file descriptor forever. :class:`NodeServer` closes a connection that has not
sent a complete request head within ``header_timeout`` seconds, and refuses a connection
beyond ``max_per_address`` from one client address. Bodies are timed by the handlers that
read them (:func:`resolver.wire.read_raw`), header sizes and counts by aiohttp's parser.

A request aiohttp's parser refuses never reaches the application, so the application's
error middleware cannot shape its answer; :class:`NodeRequestHandler` answers it in the
node's JSON error form instead of aiohttp's plain text, with the stable code
``malformed_request`` and a reason chosen by the parser's exception type. The reason never
quotes the request: an over-long header may be someone's credentials.
"""

import asyncio
import logging
from collections import Counter
from typing import Any

import orjson
from aiohttp import web
from aiohttp.http_exceptions import (
    BadStatusLine,
    HttpProcessingError,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
    PayloadEncodingError,
)
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from resolver.errors import CODES
from resolver.settings import ConnectionLimits

log = logging.getLogger("glid.connections")


# Most specific first: BadHttpMethod is a BadStatusLine, every one an HttpProcessingError.
_REFUSALS: tuple[tuple[type[HttpProcessingError], str], ...] = (
    (LineTooLong, "the request line or a header line is longer than this node accepts"),
    (BadStatusLine, "the request line is not an HTTP/1.x request line"),
    (InvalidURLError, "the request target is not a valid URL path"),
    (InvalidHeader, "a header name or value is malformed"),
    (PayloadEncodingError, "the body's chunked framing or length is malformed"),
    (
        HttpProcessingError,
        "the request is not well-formed HTTP/1.1:"
        " too many headers, a bad header or bad body framing",
    ),
)


def refusal_reason(exc: BaseException | None) -> str:
    """What the parser refused, in words that quote nothing of the request."""
    for kind, reason in _REFUSALS:
        if isinstance(exc, kind):
            return reason
    return "the request could not be handled"


class NodeRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering what its parser refuses as JSON."""

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        super().handle_error(request, status, exc, message)  # logs; refuses a begun answer
        if isinstance(exc, HttpProcessingError):
            body = {
                "error": f"{refusal_reason(exc)}; fix the request and send it again",
                "code": "malformed_request",
            }
        else:
            body = {
                "error": "internal error; the node's log has the details",
                "code": CODES.get(status, "internal"),
            }
        response = web.Response(
            status=status, body=orjson.dumps(body), content_type="application/json"
        )
        response.force_close()
        return response


def _address(transport: asyncio.BaseTransport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"


class NodeServer(web.Server):
    """aiohttp's server with a per-address connection cap and a deadline for the first
    request head of every connection."""

    def __init__(self, handler: Any, *, request_factory: Any, limits: ConnectionLimits) -> None:
        super().__init__(
            handler, request_factory=request_factory, access_log=None, **limits.handler_args()
        )
        self.limits = limits
        self.per_address: Counter[str] = Counter()
        self._addresses: dict[RequestHandler, str] = {}

    def __call__(self) -> RequestHandler:
        return NodeRequestHandler(self, loop=self._loop, **self._kwargs)

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        address = _address(transport)
        self._addresses[handler] = address
        self.per_address[address] += 1
        if self.per_address[address] > self.limits.max_per_address:
            log.warning(
                "refused a connection from %s: it already holds %d, the limit",
                address,
                self.limits.max_per_address,
            )
            transport.abort()
            return
        asyncio.get_running_loop().call_later(
            self.limits.header_timeout, self._close_if_silent, handler, transport
        )

    def _close_if_silent(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        # A handler counts a request once its head has been parsed.
        if handler in self._addresses and handler._request_count == 0:
            log.info(
                "closed a connection from %s that sent no complete request in %g s",
                self._addresses[handler],
                self.limits.header_timeout,
            )
            transport.abort()

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        address = self._addresses.pop(handler, None)
        if address is not None:
            self.per_address[address] -= 1
            if not self.per_address[address]:
                del self.per_address[address]
        super().connection_lost(handler, exc)


class NodeRunner(web.AppRunner):
    """An AppRunner whose server is a :class:`NodeServer`."""

    def __init__(self, app: web.Application, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.limits = limits

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # starts and freezes the application
        return NodeServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            limits=self.limits,
        )
