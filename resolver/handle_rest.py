"""The Handle.Net REST API on a glid node, so existing Handle clients work unchanged.

    GET    /api/handles/{handle}?index=&type=         resolve (values filtered as Handle does)
    PUT    /api/handles/{handle}?overwrite=&index=    create, replace, or add/replace values
    DELETE /api/handles/{handle}?index=               delete the handle, or some of its values
    GET    /api/handles?prefix=&page=&pageSize=       list the handles under a prefix

Bodies, response codes and HTTP statuses follow the Handle.Net REST API; every answer
echoes the handle exactly as the client sent it (percent-decoded, not normalised), because
Handle clients compare it with what they asked for. Reads come from the :class:`Authority`
and writes go through the node's registrar, as on the native API; a write for a prefix this
node is not authoritative for is refused, never redirected. docs/protocol/handle-rest.md
is the reference.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from enum import IntEnum
from typing import Any
from urllib.parse import unquote_to_bytes

import orjson
from aiohttp import web

from glid_core.errors import GlidError, IdentifierError
from glid_core.identifiers import Identifier, Prefix
from glid_core.layout import SIGNATURE_INDEX, SIGNATURE_TYPES
from registry.access import authorise
from registry.answers import answer_values
from registry.changes import (
    Change,
    HandleExists,
    NoSuchValues,
    RemoveValues,
    Replace,
    SetValues,
    ValueExists,
)
from registry.errors import (
    NotFound,
    OutsidePrefix,
    RecordError,
    StoreUnavailable,
    Unauthenticated,
    Unauthorised,
)
from registry.prefixes import require_authoritative
from registry.records import filter_values
from resolver import params
from resolver.auth import SIGNED_SCHEME, authenticate
from resolver.authority import Found, Missing, Referral
from resolver.errors import status_for
from resolver.limits import RateLimited, too_many
from resolver.state import ANSWERS, AUTHORITY, METRICS, SETTINGS, STORE, WRITER
from resolver.wire import read_raw
from resolver.writer import Writer
from signing.record_signature import is_signature_value

PATH = "/api/handles/"
REVERSE_LOOKUP = "/hrls/"
AREAS = (PATH.rstrip("/"), REVERSE_LOOKUP)
"""Paths Handle clients call; every answer under them is Handle-shaped, even aiohttp's own
404 and 405."""
MAX_PAGE_SIZE = 10_000
DEFAULT_PAGE_SIZE = 10
VARIOUS = "various"

routes = web.RouteTableDef()
log = logging.getLogger("glid.handle")


class Code(IntEnum):
    """Handle protocol response codes used by the REST API."""

    SUCCESS = 1
    ERROR = 2
    SERVER_TOO_BUSY = 3
    HANDLE_NOT_FOUND = 100
    HANDLE_ALREADY_EXISTS = 101
    INVALID_HANDLE = 102
    VALUES_NOT_FOUND = 200
    VALUE_ALREADY_EXISTS = 201
    INVALID_VALUE = 202
    SERVER_NOT_RESPONSIBLE = 301
    INVALID_ADMIN = 400
    AUTHENTICATION_NEEDED = 402


class HandleRestError(GlidError):
    """A Handle REST request cannot be carried out; the code and status say why."""

    def __init__(self, code: Code, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


# First match wins: a subclass before its base (AlreadyDeleted is a NotFound and a
# RecordError, and answers like the former).
_CODES: tuple[tuple[type[GlidError], Code, int], ...] = (
    (Unauthenticated, Code.AUTHENTICATION_NEEDED, 401),
    (Unauthorised, Code.INVALID_ADMIN, 403),
    (OutsidePrefix, Code.SERVER_NOT_RESPONSIBLE, 400),
    (IdentifierError, Code.INVALID_HANDLE, 400),
    (HandleExists, Code.HANDLE_ALREADY_EXISTS, 409),
    (ValueExists, Code.VALUE_ALREADY_EXISTS, 409),
    (NoSuchValues, Code.VALUES_NOT_FOUND, 400),
    (NotFound, Code.HANDLE_NOT_FOUND, 404),
    (RecordError, Code.INVALID_VALUE, 400),
)


def _classify(exc: GlidError) -> tuple[Code, int]:
    """The Handle response code and HTTP status of a library error."""
    if isinstance(exc, HandleRestError):
        return exc.code, exc.status
    for kind, code, status in _CODES:
        if isinstance(exc, kind):
            return code, status
    return Code.ERROR, status_for(exc)


def _json(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def _failure(echo: Mapping[str, str], code: Code, status: int, message: str) -> web.Response:
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": f'Basic realm="glid", {SIGNED_SCHEME} realm="glid"'}
    return _json(status, {"responseCode": int(code), **echo, "message": message}, headers)


def _too_busy(echo: Mapping[str, str], exc: RateLimited) -> web.Response:
    body = {"responseCode": int(Code.SERVER_TOO_BUSY), **echo, "message": str(exc)}
    return too_many(exc, body)


def _echo(request: web.Request) -> dict[str, str]:
    """What an answer about this request names: the handle as sent, or the listed prefix."""
    if request.path.startswith(PATH):
        return {"handle": _path_handle(request).decode("utf-8", "replace")}
    return {"prefix": request.query.get("prefix", "")}


def unrouted(request: web.Request, status: int, reason: str) -> web.Response:
    """aiohttp's own refusal (no such route, 405) under a Handle path, with a responseCode."""
    if request.path.startswith(REVERSE_LOOKUP):
        reason = (
            "reverse lookup (/hrls/handles) is not offered by this node; list the handles"
            " under a prefix with GET /api/handles?prefix=PREFIX"
        )
    elif status == 405:
        reason = f"{request.method} is not allowed on {request.path}; {reason}"
    return _failure(_echo(request), Code.ERROR, status, reason)


def too_busy(request: web.Request, exc: RateLimited) -> web.Response:
    """A client over its rate, refused before routing, in the Handle REST shape."""
    return _too_busy(_echo(request), exc)


async def _guarded(
    echo: Mapping[str, str], work: Callable[[], Awaitable[web.Response]], request: web.Request
) -> web.Response:
    """Run one operation; every refusal becomes a Handle-shaped body naming the subject."""
    try:
        return await work()
    except RateLimited as exc:
        return _too_busy(echo, exc)
    except StoreUnavailable as exc:
        log.error("%s", exc)  # names the store's file: for the operator, not the client
        response = _failure(
            echo, Code.SERVER_TOO_BUSY, 503, "the node's store is busy; retry in a moment"
        )
        response.headers["Retry-After"] = "1"
        return response
    except GlidError as exc:
        code, status = _classify(exc)
        return _failure(echo, code, status, str(exc))
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[SETTINGS].max_body_bytes
        message = f"request body is larger than the limit of {limit} bytes"
        return _failure(echo, Code.ERROR, 413, message)


def _path_handle(request: web.Request) -> bytes:
    """The handle part of the path as the client sent it, percent-decoded, not normalised."""
    path = request.raw_path.partition("?")[0]
    return unquote_to_bytes(path[len(PATH) :])


Operation = Callable[[web.Request, str], Awaitable[web.Response]]


async def _on_handle(request: web.Request, operation: Operation) -> web.Response:
    raw = _path_handle(request)
    text = raw.decode("utf-8", "replace")

    async def work() -> web.Response:
        if text.encode("utf-8") != raw:
            raise HandleRestError(
                Code.INVALID_HANDLE, 400, "the handle is not valid UTF-8 after percent-decoding"
            )
        return await operation(request, text)

    return await _guarded({"handle": text}, work, request)


# --- query parameters ---------------------------------------------------------------------


def _indexes(request: web.Request) -> tuple[int, ...]:
    return tuple(params.number("index", text) for text in request.query.getall("index", []))


def _flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise HandleRestError(Code.ERROR, 400, f"{name}= must be true or false, got {value!r}")
    return value.lower() == "true"


def _count(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    return None if value is None else params.number(name, value)


def _expand_types(types: Sequence[str], values: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Handle's rule: a type ending in '.' also names its period-delimited subtypes."""
    expanded = list(types)
    for wanted in types:
        if wanted.endswith("."):
            expanded.extend(v["type"] for v in values if str(v["type"]).startswith(wanted))
    return tuple(expanded)


# --- shared steps of the operations -------------------------------------------------------


def _writer_of(request: web.Request) -> Writer:
    writer = request.app.get(WRITER)
    if writer is None or not writer.signs:
        raise HandleRestError(
            Code.ERROR,
            503,
            "this node runs without its key passphrase and cannot sign writes;"
            " restart it with GLID_PASSPHRASE set",
        )
    return writer


async def _writer(request: web.Request, text: str) -> tuple[Identifier, str]:
    """Steps every write takes, in this order: a valid handle, a node that holds it (never
    a redirect), a proven identity, and that identity's right to the handle's prefix."""
    identifier = Identifier.from_text(text)
    require_authoritative(request.app[STORE], identifier.prefix, text)
    principal = await authenticate(request)
    authorise(principal, identifier)
    return identifier, principal.identity


def _submitted(raw: bytes) -> list[Any]:
    """A PUT body: a values array, ``{"values": [...]}`` or one value, as Handle accepts.

    The node's own signature value at index 400 (GLID_SIGNATURE, or HS_SIGNATURE as older
    nodes named it), which a client copies back after reading a
    record, is dropped: the node signs every new version itself.
    """
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise HandleRestError(Code.INVALID_VALUE, 400, f"body is not valid JSON: {exc}") from exc
    if isinstance(body, dict):
        body = body.get("values", [body])
    if not isinstance(body, list):
        raise HandleRestError(
            Code.INVALID_VALUE,
            400,
            'body must be {"values": [...]}, an array of values or one value',
        )
    return [value for value in body if not (isinstance(value, dict) and is_signature_value(value))]


async def _changed(
    request: web.Request, identifier: Identifier, change: Change, actor: str
) -> bool:
    """Apply ``change`` through the registrar, in the writer thread; True if the record or an
    index is new."""
    outcome = await _writer_of(request).run(
        lambda registrar: registrar.update(str(identifier), change, actor)
    )
    request.app[METRICS].registrations.add("accepted" if outcome.accepted else "rejected")
    if not outcome.accepted:
        raise HandleRestError(Code.INVALID_VALUE, 400, outcome.error or "the values were refused")
    request.app[ANSWERS].drop([str(identifier)])
    return outcome.created


def _success(text: str, status: int = 200) -> web.Response:
    return _json(status, {"responseCode": int(Code.SUCCESS), "handle": text})


# --- the operations -----------------------------------------------------------------------


async def _get(request: web.Request, text: str) -> web.Response:
    answer = request.app[AUTHORITY].lookup(text)
    if isinstance(answer, Referral):
        raise HandleRestError(
            Code.SERVER_NOT_RESPONSIBLE,
            400,
            f"prefix {answer.prefix} is delegated to the node at {answer.site}; ask that node",
        )
    if isinstance(answer, Missing):
        if answer.code == "bad_identifier":
            raise HandleRestError(Code.INVALID_HANDLE, 400, answer.reason)
        if answer.code == "outside":
            raise HandleRestError(Code.SERVER_NOT_RESPONSIBLE, 400, answer.reason)
        if answer.code == "damaged":
            raise HandleRestError(Code.ERROR, 500, answer.reason)
        raise HandleRestError(Code.HANDLE_NOT_FOUND, 404, answer.reason)
    assert isinstance(answer, Found)
    stored = answer.stored
    indexes = _indexes(request)
    types = _expand_types(request.query.getall("type", []), stored.values())
    values = answer_values(stored, indexes=indexes, types=types)
    filtered = bool(indexes or types)
    asked_signature = SIGNATURE_INDEX in indexes or bool(SIGNATURE_TYPES & set(types))
    if (
        filtered
        and not asked_signature
        and not filter_values(stored.values(), indexes=indexes, types=types)
    ):
        body = {
            "responseCode": int(Code.VALUES_NOT_FOUND),
            "handle": text,
            "values": [],
            "message": f"{stored.handle} has no value at the indexes {list(indexes)} or of the"
            f" types {list(types)} asked for",
        }
        return _json(200, body)
    encoded = orjson.dumps({"responseCode": int(Code.SUCCESS), "handle": text, "values": values})
    if not request.query_string:
        request.app[ANSWERS].put_handle_rest(request.raw_path, encoded)
    return web.Response(body=encoded, content_type="application/json")


async def _put(request: web.Request, text: str) -> web.Response:
    identifier, actor = await _writer(request, text)
    overwrite = _flag(request, "overwrite", default=True)
    named_text = request.query.getall("index", [])
    submitted = _submitted(await read_raw(request))
    change: Change
    if not named_text:
        change = Replace(submitted, overwrite)
    else:
        named = None if named_text == [VARIOUS] else frozenset(_indexes(request))
        change = SetValues(submitted, named, overwrite)
    created = await _changed(request, identifier, change, actor)
    return _success(text, 201 if created else 200)


async def _delete(request: web.Request, text: str) -> web.Response:
    identifier, actor = await _writer(request, text)
    handle = str(identifier)
    indexes = frozenset(_indexes(request))
    if not indexes:
        await _writer_of(request).run(lambda registrar: registrar.delete(handle, actor))
        request.app[ANSWERS].drop([handle])
        return _success(text)
    await _changed(request, identifier, RemoveValues(indexes), actor)
    return _success(text)


async def _list(request: web.Request, text: str) -> web.Response:
    if not text:
        raise HandleRestError(
            Code.ERROR, 400, "prefix= is required, e.g. /api/handles?prefix=88.101.7"
        )
    prefix = Prefix.from_text(text)
    store = request.app[STORE]
    require_authoritative(store, prefix, f"prefix {text}")
    authorise(await authenticate(request), prefix)
    page, size = _count(request, "page"), _count(request, "pageSize")
    paged = page is not None or size is not None
    page = page or 0
    size = DEFAULT_PAGE_SIZE if size is None else size
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise HandleRestError(Code.ERROR, 400, f"pageSize= must be 1 to {MAX_PAGE_SIZE}")
    offset, limit = (page * size, size) if paged else (0, MAX_PAGE_SIZE + 1)
    total, handles = store.versions.list_handles(str(prefix), offset=offset, limit=limit)
    if not paged and total > MAX_PAGE_SIZE:
        raise HandleRestError(
            Code.ERROR,
            400,
            f"prefix {prefix} holds {total} handles; ask for them in pages of at most"
            f" {MAX_PAGE_SIZE} with page= and pageSize=",
        )
    body: dict[str, Any] = {
        "responseCode": int(Code.SUCCESS),
        "prefix": text,
        "totalCount": str(total),
    }
    if paged:
        body.update(page=page, pageSize=size)
    body["handles"] = handles
    return _json(200, body)


@routes.get(PATH + "{handle:.+}")
async def get_handle(request: web.Request) -> web.Response:
    if not request.query_string:  # the hot path: a whole record, encoded once per version
        cached = request.app[ANSWERS].get_handle_rest(request.raw_path)
        if cached is not None:
            return web.Response(body=cached, content_type="application/json")
    return await _on_handle(request, _get)


@routes.put(PATH + "{handle:.+}")
async def put_handle(request: web.Request) -> web.Response:
    return await _on_handle(request, _put)


@routes.delete(PATH + "{handle:.+}")
async def delete_handle(request: web.Request) -> web.Response:
    return await _on_handle(request, _delete)


@routes.get(PATH.rstrip("/"))
async def list_handles(request: web.Request) -> web.Response:
    text = request.query.get("prefix", "")
    return await _guarded({"prefix": text}, lambda: _list(request, text), request)


REFUSALS = {PATH.rstrip("/"): too_busy}
