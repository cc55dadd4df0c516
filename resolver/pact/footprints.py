"""``GET /3/footprints`` (ListFootprints) and ``GET /3/footprints/{id}`` (GetFootprint).

A list answers at most ``limit`` footprints (at most :data:`MAX_PAGE`, the default too)
and, when more match, a ``Link: <…>; rel="next"`` whose absolute URL keeps the request's
own host and filters and moves ``offset`` on.
"""

from typing import Final

from aiohttp import web

from accounting.pact.filters import FilterError, parse_query
from accounting.pact.mapping import is_footprint_id
from resolver import params
from resolver.errors import BadParameter
from resolver.pact.auth import bearer_client
from resolver.pact.problems import bad_request, not_found
from resolver.pact.state import FOOTPRINTS

MAX_PAGE: Final = 1000
_PAGING = ("limit", "offset")


def _count(request: web.Request, name: str, default: int, low: int) -> int:
    text = request.query.get(name)
    if text is None:
        return default
    try:
        count = params.number(name, text)
    except BadParameter:  # Unicode digits, 20 digits or more: refused, as everywhere
        count = -1
    if len(request.query.getall(name)) > 1 or count < low:
        raise bad_request(
            f"{name} must be one whole number of at least {low} in ASCII digits, got {text[:40]!r}"
        )
    return count


async def list_footprints(request: web.Request) -> web.Response:
    bearer_client(request)
    limit = min(_count(request, "limit", MAX_PAGE, 1), MAX_PAGE)
    offset = _count(request, "offset", 0, 0)
    try:
        filters = parse_query(
            (name, value) for name, value in request.query.items() if name not in _PAGING
        )
    except FilterError as exc:
        raise bad_request(str(exc)) from None
    index = request.app[FOOTPRINTS]
    index.refresh()
    selected = index.select(filters)
    page = selected[offset : offset + limit]
    headers = {}
    if offset + limit < len(selected):
        following = request.url.update_query(offset=str(offset + limit), limit=str(limit))
        headers["Link"] = f'<{following}>; rel="next"'
    return web.Response(body=index.page(page), content_type="application/json", headers=headers)


async def get_footprint(request: web.Request) -> web.Response:
    bearer_client(request)
    wanted = request.match_info["id"]
    if not is_footprint_id(wanted):
        raise bad_request(f"{wanted!r} is not a footprint id (a UUID)")
    index = request.app[FOOTPRINTS]
    index.refresh()
    entry = index.get(wanted.lower())
    if entry is None:
        raise not_found(f"footprint {wanted} is not on this node")
    return web.Response(body=b'{"data":' + entry.body + b"}", content_type="application/json")
