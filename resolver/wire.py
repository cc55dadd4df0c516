"""How answers are written on the wire: JSON by default, MessagePack when asked for.

A client asks for MessagePack with ``Accept: application/msgpack`` (or
``application/x-msgpack``). Bodies are built once as plain data and encoded here, so the
two encodings can never disagree.
"""

import asyncio
from typing import Any

import msgpack
import orjson
from aiohttp import web

from resolver.errors import BadBody, BodyTimeout
from resolver.state import SETTINGS

JSON = "application/json"
MSGPACK = "application/msgpack"
_MSGPACK_TYPES = (MSGPACK, "application/x-msgpack")


def wants_msgpack(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    return any(kind in accept for kind in _MSGPACK_TYPES)


def encode_json(body: Any) -> bytes:
    return orjson.dumps(body)


def encode_msgpack(body: Any) -> bytes:
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return packed


def array_header(length: int) -> bytes:
    """The MessagePack header of an array of ``length`` items (its items follow it)."""
    header: bytes = msgpack.Packer().pack_array_header(length)
    return header


def respond(request: web.Request, body: Any, status: int = 200) -> web.Response:
    if wants_msgpack(request):
        return web.Response(body=encode_msgpack(body), status=status, content_type=MSGPACK)
    return web.Response(body=encode_json(body), status=status, content_type=JSON)


def respond_encoded(request: web.Request, json_body: bytes, msgpack_body: bytes) -> web.Response:
    """Serve bytes encoded once per record version (the hot path)."""
    if wants_msgpack(request):
        return web.Response(body=msgpack_body, content_type=MSGPACK)
    return web.Response(body=json_body, content_type=JSON)


async def read_raw(request: web.Request) -> bytes:
    """The request body, if it arrives within the node's body timeout.

    A client that declares a Content-Length and never sends it would otherwise hold its
    connection and a handler forever."""
    timeout = request.app[SETTINGS].body_timeout
    try:
        async with asyncio.timeout(timeout):
            return await request.read()
    except TimeoutError:
        raise BodyTimeout(f"the request body did not arrive within {timeout:g} s") from None


MAX_BODY_DEPTH = 32  # arrays and objects inside a request body; records need far fewer


def _depth_within(body: Any, limit: int) -> bool:
    """Whether ``body`` nests at most ``limit`` levels, checked without recursion."""
    level: list[Any] = [body]
    for _ in range(limit + 1):
        level = [
            member
            for item in level
            if type(item) is dict or type(item) is list
            for member in (item.values() if type(item) is dict else item)
        ]
        if not level:
            return True
    return False


async def read_body(request: web.Request) -> Any:
    """Decode a JSON or MessagePack request body by its Content-Type.

    Both decoders stop near 1,000 levels of nesting, which is still deep enough to exhaust
    the stack of the code that walks a body; a body deeper than MAX_BODY_DEPTH is refused
    here, with the other undecodable ones.
    """
    raw = await read_raw(request)
    if request.content_type in _MSGPACK_TYPES:
        try:
            body = msgpack.unpackb(raw, raw=False, strict_map_key=True)
        except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
            raise BadBody(f"body is not valid MessagePack: {exc}") from exc
    else:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadBody(f"body is not valid JSON: {exc}") from exc
    if not _depth_within(body, MAX_BODY_DEPTH):
        raise BadBody(f"body nests deeper than {MAX_BODY_DEPTH} levels")
    return body
