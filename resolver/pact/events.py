"""``POST /3/events``: PACT's CloudEvents 1.0 (structured content mode, JSON).

* RequestCreated: a buyer asks for footprints by the ListFootprints criteria. The event is
  accepted at once (200) and answered later, to the buyer's own API, by a
  RequestFulfilled event carrying the matching footprints or a RequestRejected event
  (NotFound) when none of the node's footprints match.
* Published: a data owner tells this node that footprints changed; accepted and logged.
* RequestFulfilled / RequestRejected: answers to requests this node never sends, refused.

A malformed event, an unknown type or malformed criteria is refused with BadRequest and
changes nothing.
"""

import logging
import uuid
from collections.abc import Mapping
from typing import Any, Final

import orjson
from aiohttp import web

from accounting.pact.filters import FilterError, parse_datetime, parse_request
from accounting.pact.mapping import is_footprint_id
from registry.records import utc_timestamp
from registry.store.pact_clients import Client
from resolver.pact.auth import bearer_client
from resolver.pact.delivery import Outbox
from resolver.pact.index import FootprintIndex
from resolver.pact.problems import bad_request
from resolver.pact.state import FOOTPRINTS, OUTBOX
from resolver.wire import read_raw

log = logging.getLogger("glid.pact")

_PREFIX: Final = "org.wbcsd.pact.ProductFootprint."
CREATED: Final = _PREFIX + "RequestCreatedEvent.3"
FULFILLED: Final = _PREFIX + "RequestFulfilledEvent.3"
REJECTED: Final = _PREFIX + "RequestRejectedEvent.3"
PUBLISHED: Final = _PREFIX + "PublishedEvent.3"
_CONTENT_TYPES = ("application/cloudevents+json", "application/json")
MAX_ANSWERED: Final = 1000
"""At most this many footprints in one RequestFulfilled event."""


async def receive(request: web.Request) -> web.Response:
    client = bearer_client(request)
    if request.content_type not in _CONTENT_TYPES:
        raise bad_request(
            f"send the event as application/cloudevents+json, not {request.content_type!r}"
        )
    try:
        event = orjson.loads(await read_raw(request))  # within the node's body timeout
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"the event is not JSON: {exc}") from None
    data = read_envelope(event)
    kind = event["type"]
    if kind == CREATED:
        _answer_later(request, client, event["id"], data)
    elif kind == PUBLISHED:
        _published(client, event["id"], data)
    elif kind in (FULFILLED, REJECTED):
        raise bad_request(
            f"{kind}: this node sends no requests, so it awaits no answer"
            f" (requestEventId {data.get('requestEventId')!r})"
        )
    else:
        raise bad_request(f"unknown event type {kind!r}; this node takes {CREATED} and {PUBLISHED}")
    return web.Response(status=200)


def read_envelope(event: Any) -> Mapping[str, Any]:
    """Check the CloudEvents attributes PACT requires; returns ``data``."""
    if not isinstance(event, dict):
        raise bad_request("the event must be a JSON object")
    if event.get("specversion") != "1.0":
        raise bad_request(f'specversion must be "1.0", got {event.get("specversion")!r}')
    for attribute in ("id", "source", "type"):
        if not isinstance(event.get(attribute), str) or not event[attribute]:
            raise bad_request(f"{attribute}: required, a non-empty string")
    time = event.get("time")
    if not isinstance(time, str):
        raise bad_request("time: required, an RFC 3339 date-time")
    try:
        parse_datetime(time, "time")
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    data = event.get("data")
    if not isinstance(data, dict):
        raise bad_request("data: required, an object")
    return data


def _published(client: Client, event_id: str, data: Mapping[str, Any]) -> None:
    ids = data.get("pfIds")
    if not isinstance(ids, list) or not ids:
        raise bad_request("data.pfIds: required, a non-empty list of footprint ids (UUIDs)")
    for position, text in enumerate(ids):
        if not is_footprint_id(text):
            raise bad_request(f"data.pfIds[{position}]: {text!r} is not a footprint id (a UUID)")
    log.info("client %s published footprints %s (event %s)", client.name, ", ".join(ids), event_id)


def _answer_later(
    request: web.Request, client: Client, event_id: str, data: Mapping[str, Any]
) -> None:
    try:
        filters = parse_request(data)
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    index = request.app[FOOTPRINTS]
    index.refresh()
    answer = answer_event(index, event_id, index.select(filters), f"//{request.host}/3/events")
    if client.callback is None:
        log.warning(
            "client %s registered no callback, so the answer to request %s is not sent;"
            " add the client again with --callback-url and its credentials",
            client.name,
            event_id,
        )
        return
    outbox: Outbox = request.app[OUTBOX]
    outbox.send(client.name, client.callback, answer)


def answer_event(
    index: FootprintIndex, request_id: str, selected: list[int], source: str
) -> dict[str, Any]:
    """The RequestFulfilled event for the selected footprints, or RequestRejected if none."""
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "time": utc_timestamp(),
    }
    if not selected:
        event["type"] = REJECTED
        event["data"] = {
            "requestEventId": request_id,
            "error": {
                "code": "NotFound",
                "message": "no footprint on this node matches the request",
            },
        }
        return event
    event["type"] = FULFILLED
    event["data"] = {
        "requestEventId": request_id,
        "pfs": [index.entries[position].footprint() for position in selected[:MAX_ANSWERED]],
    }
    return event
