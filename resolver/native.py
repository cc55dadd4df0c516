"""The native API (docs/PROTOCOL.md): resolution, batches, prefixes, logs, writes.

Handlers parse the request, ask the :class:`Authority` or the registrar, and write the
answer with :mod:`resolver.wire`; they hold no business rules of their own.
"""

import io
import logging
from typing import Any

from aiohttp import web

from glid_core.errors import IdentifierError
from glid_core.identifiers import Identifier
from registry.access import authorise
from registry.bulk import parse_item, read_jsonl
from registry.errors import NotFound
from registry.evidence import CheckpointUnavailable, current_checkpoint, proofs
from registry.keyring import active_key, chain_of, decode_chain
from registry.log import NodeLog
from registry.registration import Outcome, Submission
from registry.revocations import carried_lists, published_lists
from resolver import params
from resolver.auth import authenticate
from resolver.authority import Answer, Found, Missing, Referral
from resolver.errors import TooLarge, Unavailable, json_error
from resolver.limits import LIMITS
from resolver.metrics import Metrics
from resolver.pacing import Slices
from resolver.resolution import Resolution
from resolver.settings import IDS_PER_TOKEN
from resolver.state import (
    ANSWERS,
    AUTHORITY,
    BATCH_LANE,
    METRICS,
    RESOLVER,
    SETTINGS,
    STORE,
    WRITER,
)
from resolver.wire import (
    array_header,
    encode_json,
    encode_msgpack,
    read_body,
    read_raw,
    respond,
    respond_encoded,
    wants_msgpack,
)

routes = web.RouteTableDef()
log = logging.getLogger("glid.resolve")

STATUS = {
    "ok": 200,
    "referral": 200,
    "not_found": 404,
    "deleted": 404,
    "outside": 404,
    "bad_identifier": 400,
    "damaged": 500,
}


RECURSIVE_STATUS = {"ok": 200, "not_found": 404, "deleted": 404, "bad_identifier": 400}


def _not_ours(answer: Answer) -> bool:
    return isinstance(answer, Referral) or (
        isinstance(answer, Missing) and answer.code == "outside"
    )


def count_recursive(metrics: Metrics, resolution: Resolution) -> None:
    metrics.cache.add("resolver_hit" if resolution.cached else "resolver_miss")
    if resolution.status == "error" or resolution.stale:
        metrics.upstream_errors.add("stale" if resolution.stale else "unreachable")
        log.warning("recursive resolution of %s: %s", resolution.handle, resolution.error)


def recursive_body(resolution: Resolution) -> dict[str, Any]:
    """A recursive node's answer: the authoritative answer plus how it was verified."""
    body: dict[str, Any] = dict(resolution.answer or {"status": resolution.status})
    body["handle"] = resolution.handle
    if resolution.error is not None:
        body["error"] = resolution.error
    body["recursive"] = {
        "verified": resolution.verified,
        "verdict": None if resolution.verdict is None else resolution.verdict.to_json(),
        "stale": resolution.stale,
        "cached": resolution.cached,
        "path": list(resolution.path),
    }
    return body


def status_of(answer: Answer) -> int:
    if isinstance(answer, Missing):
        return STATUS[answer.code]
    return 200


def _int_param(request: web.Request, name: str) -> int | None:
    text = request.query.get(name)
    return None if text is None else params.number(name, text)


def _moment_param(request: web.Request, name: str) -> str | None:
    text = request.query.get(name)
    return None if text is None else params.moment(name, text)


def _indexes(request: web.Request) -> tuple[int, ...]:
    return tuple(params.number("index", text) for text in request.query.getall("index", []))


def answer_body(
    request: web.Request, answer: Answer, *, bundle: bool, carried: list[str] | None = None
) -> dict[str, Any]:
    """One answer's JSON document. A batch passes the ``carried`` revocation lists it read
    once, rather than reading the same lists again for each of its thousands of ids."""
    body = answer.to_json()
    if isinstance(answer, Found | Referral):
        # The node's current list travels with every answer: with a referral, so a resolver
        # checks the child's answers against what the parent revoked, not what the child
        # admits to; with a record, because a verifier needs a current list from every
        # issuer in its chain.
        body["revocations"] = carried_lists(request.app[STORE]) if carried is None else carried
    if bundle and isinstance(answer, Found):
        body.update(evidence(request, answer))
    return body


def evidence(request: web.Request, found: Found) -> dict[str, Any]:
    """What turns an answer into a full evidence bundle: revocations and a log proof."""
    try:
        return proofs(request.app[STORE], found.stored.handle, found.stored.version)
    except CheckpointUnavailable as exc:
        raise Unavailable(str(exc), retry_after=60) from exc


@routes.get("/glid/v1/resolve/{handle:.+}")
async def resolve(request: web.Request) -> web.Response:
    app = request.app
    handle = request.match_info["handle"]
    plain = not request.query_string  # the raw string: no parsing on the hot path
    if plain:
        cached = app[ANSWERS].get(handle)
        if cached is not None:
            app[METRICS].cache.add("answer_hit")
            return respond_encoded(request, *cached)
        app[METRICS].cache.add("answer_miss")
    answer = app[AUTHORITY].lookup(
        handle,
        version=_int_param(request, "version"),
        at=_moment_param(request, "at"),
        indexes=_indexes(request),
        types=tuple(request.query.getall("type", [])),
    )
    bundle = request.query.get("bundle") in ("1", "true")
    resolver = app.get(RESOLVER)
    if resolver is not None and _not_ours(answer):
        resolution = await resolver.resolve(handle, bundle=bundle)
        count_recursive(app[METRICS], resolution)
        return respond(
            request, recursive_body(resolution), RECURSIVE_STATUS.get(resolution.status, 502)
        )
    body = answer_body(request, answer, bundle=bundle)
    if plain and isinstance(answer, Found | Referral):
        json_body, msgpack_body = encode_json(body), encode_msgpack(body)
        app[ANSWERS].put(handle, json_body, msgpack_body)
        return respond_encoded(request, json_body, msgpack_body)
    return respond(request, body, status_of(answer))


@routes.post("/glid/v1/resolve")
async def resolve_batch(request: web.Request) -> web.Response:
    """Many ids in one request, charged by their number, answered within a size limit,
    and worked through in slices so that other clients are served meanwhile."""
    body = await read_body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return json_error(400, 'expected {"ids": [identifier, ...]}', code="bad_body")
    most = request.app[SETTINGS].max_batch_ids
    if len(ids) > most:
        raise TooLarge(f"{len(ids)} ids in one batch; this node's limit is {most}")
    bundle = body.get("bundle", False)
    if not isinstance(bundle, bool):
        return json_error(400, "bundle must be true or false", code="bad_body")
    app = request.app
    cost = len(ids) / IDS_PER_TOKEN + (len(ids) if bundle else 0)
    what = f"a batch of {len(ids)} ids{' with bundles' if bundle else ''}"
    await app[LIMITS].charge_client(request.remote or "unknown", cost, what)
    encode = encode_msgpack if wants_msgpack(request) else encode_json
    limit, size, parts = app[SETTINGS].max_response_bytes, 0, []
    authority, slices = app[AUTHORITY], Slices()
    async with app[BATCH_LANE]:  # one batch at a time per worker; single lookups pass by
        carried = carried_lists(app[STORE])  # read once the lane is ours: current for all ids
        for position, handle in enumerate(ids):
            answer = authority.lookup(handle)
            part = encode(answer_body(request, answer, bundle=bundle, carried=carried))
            size += len(part)
            if size > limit:
                raise TooLarge(
                    f"the answer to {what} passes this node's limit of {limit} bytes at id"
                    f" {position + 1}; ask for fewer ids{' or without bundles' if bundle else ''}"
                )
            parts.append(part)
            await slices.tick()
    return respond_encoded(request, *_answers_document(parts, msgpack=encode is encode_msgpack))


def _answers_document(parts: list[bytes], *, msgpack: bool) -> tuple[bytes, bytes]:
    """``{"answers": [...]}`` from answers already encoded one by one, in the encoding asked
    for; the other slot is never read (respond_encoded picks by the same Accept header)."""
    if msgpack:
        head = encode_msgpack({"answers": []})[:-1]  # map header, key; drop the empty array
        return b"", head + array_header(len(parts)) + b"".join(parts)
    return b'{"answers":[' + b",".join(parts) + b"]}", b""


@routes.get("/glid/v1/prefixes/{prefix}")
async def prefix_record(request: web.Request) -> web.Response:
    store = request.app[STORE]
    try:
        entry = store.prefixes.find(request.match_info["prefix"].lower())
    except NotFound as exc:
        return json_error(404, str(exc), prefix=request.match_info["prefix"])
    body: dict[str, Any] = {"prefix": entry.prefix, "relation": entry.relation, "site": entry.site}
    if entry.relation == "delegated":
        body["chain"] = decode_chain(entry.certificate)
    elif entry.relation in ("own", "hosted"):
        key = active_key(store, entry.prefix)
        body["chain"] = chain_of(key)
        body["jwk"] = key.jwk
    return respond(request, body)


@routes.get("/glid/v1/node")
async def node(request: web.Request) -> web.Response:
    store = request.app[STORE]
    key = active_key(store, store.node.prefix)
    return respond(
        request,
        {
            "role": store.node.role,
            "prefix": store.node.prefix,
            "jwk": key.jwk,
            "chain": chain_of(key),
            "log_origin": NodeLog(store).origin,
        },
    )


@routes.get("/glid/v1/log/checkpoint")
async def checkpoint(request: web.Request) -> web.Response:
    try:
        note = current_checkpoint(request.app[STORE])
    except CheckpointUnavailable as exc:
        raise Unavailable(str(exc), retry_after=60) from exc
    return web.Response(text=note, content_type="text/plain")


@routes.get("/glid/v1/log/proof/{handle:.+}")
async def inclusion_proof(request: web.Request) -> web.Response:
    store = request.app[STORE]
    handle = str(Identifier.from_text(request.match_info["handle"]))
    version = _int_param(request, "version")
    if version is None:
        version = store.versions.current_number(handle)
        if version is None:
            raise NotFound(f"{handle} is not on this node")
    return respond(request, NodeLog(store).inclusion(handle, version, _int_param(request, "size")))


@routes.get("/glid/v1/log/consistency")
async def consistency_proof(request: web.Request) -> web.Response:
    old = _int_param(request, "old")
    if old is None:
        return json_error(400, "old= (the tree size a client already trusts) is required")
    return respond(
        request, NodeLog(request.app[STORE]).consistency(old, _int_param(request, "new"))
    )


@routes.get("/glid/v1/revocations")
async def revocations(request: web.Request) -> web.Response:
    lists = published_lists(request.app[STORE])
    return respond(request, {"lists": lists})


@routes.post("/glid/v1/records")
async def register_batch(request: web.Request) -> web.Response:
    """Batch registration: JSON Lines, or a MessagePack array of {handle, values}."""
    principal = await authenticate(request)
    writer = request.app.get(WRITER)
    if writer is None or not writer.signs:
        return json_error(503, "this node runs without its key passphrase and cannot sign writes")
    if request.content_type in ("application/msgpack", "application/x-msgpack"):
        items = await read_body(request)
        if not isinstance(items, list):
            return json_error(400, "a MessagePack batch is an array of {handle, values} maps")
        parsed = [parse_item(number, item) for number, item in enumerate(items, start=1)]
    else:
        parsed = list(read_jsonl(io.BytesIO(await read_raw(request))))
    results: list[Outcome] = []
    accepted: list[Submission] = []
    for item in parsed:
        if isinstance(item, Outcome):
            results.append(item)
            continue
        try:
            authorise(principal, Identifier.from_text(item.handle))
        except (IdentifierError, PermissionError) as exc:
            results.append(Outcome(item.line, item.handle, error=str(exc)))
            continue
        accepted.append(item)
    results.extend(
        await writer.run(lambda registrar: list(registrar.register(accepted, principal.identity)))
    )
    request.app[ANSWERS].drop([o.handle for o in results if o.accepted])
    metrics = request.app[METRICS]
    results.sort(key=lambda outcome: outcome.line)
    ok = sum(1 for o in results if o.accepted)
    metrics.registrations.add("accepted", amount=ok)
    metrics.registrations.add("rejected", amount=len(results) - ok)
    log.info(
        "batch registration by %s: %d accepted, %d rejected",
        principal.identity,
        ok,
        len(results) - ok,
        extra={"actor": principal.identity, "accepted": ok, "rejected": len(results) - ok},
    )
    return respond(
        request,
        {"accepted": ok, "rejected": len(results) - ok, "results": [o.to_json() for o in results]},
    )
