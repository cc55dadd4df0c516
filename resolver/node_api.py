"""Native API endpoints for what a node publishes besides records: templates, enrolment.

- ``GET /glid/v1/templates`` and ``GET /glid/v1/templates/{ref}``: the node's templates
  (published and approved, with their review state), so records can be checked anywhere;
- ``POST /glid/v1/delegations``: a child node submits its delegation request, which waits
  for the operator (``glid delegate --pending / --approve / --reject``);
- ``GET /glid/v1/delegations/{prefix}``: the request's state, and the certificate chain
  once approved.
"""

from aiohttp import web

from registry import enrolment
from registry.template_catalog import USABLE, TemplateCatalog
from resolver.errors import json_error
from resolver.state import STORE
from resolver.wire import read_body, respond

routes = web.RouteTableDef()


@routes.get("/glid/v1/templates")
async def templates(request: web.Request) -> web.Response:
    catalog = TemplateCatalog.open(request.app[STORE])
    entries = [entry for entry in catalog.entries() if entry.review.state in USABLE]
    return respond(request, {"templates": [entry.to_json() for entry in entries]})


@routes.get("/glid/v1/templates/{ref:.+}")
async def template(request: web.Request) -> web.Response:
    entry = TemplateCatalog.open(request.app[STORE]).get(request.match_info["ref"])
    if entry.review.state not in USABLE:
        return json_error(404, f"template {entry.ref} is {entry.review.state}, not published")
    return respond(request, entry.to_json())


@routes.post("/glid/v1/delegations")
async def submit_delegation(request: web.Request) -> web.Response:
    body = await read_body(request)
    if not isinstance(body, dict) or "request" not in body:
        return json_error(400, 'expected {"request": <delegation-request.json>, "site": URL}')
    site = body.get("site")
    if site is not None and not isinstance(site, str):
        return json_error(400, "site must be a URL string")
    pending = enrolment.submit(request.app[STORE], body["request"], site)
    return respond(request, pending.to_json(), 202)


@routes.get("/glid/v1/delegations/{prefix}")
async def delegation_state(request: web.Request) -> web.Response:
    pending = enrolment.get(request.app[STORE], request.match_info["prefix"].lower())
    return respond(request, pending.to_json())
