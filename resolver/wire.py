"""How answers are written on the wire: JSON by default, MessagePack when asked for.

A client asks for MessagePack with ``Accept: application/msgpack`` (or
``application/x-msgpack``). Bodies are built once as plain data and encoded here, so the
two encodings can never disagree.
"""

from typing import Any

import msgpack
import orjson
from aiohttp import web

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


def respond(request: web.Request, body: Any, status: int = 200) -> web.Response:
    if wants_msgpack(request):
        return web.Response(body=encode_msgpack(body), status=status, content_type=MSGPACK)
    return web.Response(body=encode_json(body), status=status, content_type=JSON)


def respond_encoded(request: web.Request, json_body: bytes, msgpack_body: bytes) -> web.Response:
    """Serve bytes encoded once per record version (the hot path)."""
    if wants_msgpack(request):
        return web.Response(body=msgpack_body, content_type=MSGPACK)
    return web.Response(body=json_body, content_type=JSON)


async def read_body(request: web.Request) -> Any:
    """Decode a JSON or MessagePack request body by its Content-Type."""
    raw = await request.read()
    if request.content_type in _MSGPACK_TYPES:
        try:
            return msgpack.unpackb(raw, raw=False, strict_map_key=True)
        except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError) as exc:
            raise web.HTTPBadRequest(
                text=orjson.dumps({"error": f"body is not valid MessagePack: {exc}"}).decode(),
                content_type=JSON,
            ) from exc
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise web.HTTPBadRequest(
            text=orjson.dumps({"error": f"body is not valid JSON: {exc}"}).decode(),
            content_type=JSON,
        ) from exc
