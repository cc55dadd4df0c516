"""Native API endpoints for what a node publishes besides records: templates, enrolment.

- ``GET /glid/v1/templates`` and ``GET /glid/v1/templates/{ref}``: the node's templates
  (published and approved, with their review state), so records can be checked anywhere;
  ``?state=any`` shows one in any state, so a proposer can follow its review;
- ``POST /glid/v1/templates``: an admin identity proposes a template under its prefix to
  this node, its reviewer; ``POST /glid/v1/templates/registrations``: a node registers a
  template at the top node (docs/formats/templates.md §5.2, §9);
- ``POST /glid/v1/delegations``: a child node submits its delegation request, which waits
  for the operator (``glid delegate --pending / --approve / --reject``);
- ``GET /glid/v1/delegations/{prefix}``: the request's state, and the certificate chain
  once approved.
"""

from aiohttp import web

from glid_core.identifiers import Identifier
from registry import enrolment, template_exchange
from registry.access import authorise
from registry.template_catalog import USABLE, TemplateCatalog
from resolver.auth import authenticate
from resolver.errors import json_error
from resolver.limits import LIMITS
from resolver.state import STORE, writer_of
from resolver.wire import read_body, respond
from templates_meta.errors import TemplateImmutable, UnknownTemplate
from templates_meta.model import parse_template
from templates_meta.review import ReviewState

routes = web.RouteTableDef()


@routes.get("/glid/v1/templates")
async def templates(request: web.Request) -> web.Response:
    catalog = TemplateCatalog(request.app[STORE])
    entries = [entry for entry in catalog.entries() if entry.review.state in USABLE]
    return respond(request, {"templates": [entry.to_json() for entry in entries]})


@routes.get("/glid/v1/templates/{ref:.+}")
async def template(request: web.Request) -> web.Response:
    ref = request.match_info["ref"]
    try:
        entry = TemplateCatalog(request.app[STORE]).get(ref)
    except UnknownTemplate as exc:
        return json_error(404, str(exc))
    if entry.review.state not in USABLE and request.query.get("state") != "any":
        return json_error(
            404,
            f"template {entry.ref} is {entry.review.state}, not published; add ?state=any"
            " to see its review",
        )
    return respond(request, {**entry.to_json(), "template": entry.template.to_json()})


@routes.post("/glid/v1/templates")
async def propose_template(request: web.Request) -> web.Response:
    principal = await authenticate(request)
    body = await read_body(request)
    if not isinstance(body, dict):
        return json_error(400, "expected the template document (a JSON object) as the body")
    template = parse_template(body)
    authorise(principal, Identifier.from_text(template.id))
    entry = await writer_of(request.app).write(
        lambda store: template_exchange.accept_proposal(
            TemplateCatalog.open(store), template, principal.identity
        )
    )
    return respond(request, entry.to_json(), 202)


@routes.post("/glid/v1/templates/registrations")
async def register_template(request: web.Request) -> web.Response:
    body = await read_body(request)
    try:
        entry = await writer_of(request.app).write(
            lambda store: template_exchange.accept_registration(
                store, TemplateCatalog.open(store), body
            )
        )
    except TemplateImmutable as exc:
        return json_error(409, str(exc))
    proposed = entry.review.state is ReviewState.PROPOSED
    return respond(request, entry.to_json(), 202 if proposed else 200)


DELEGATION_COST = 50  # a proof to verify and a write: charged as 50 requests


@routes.post("/glid/v1/delegations")
async def submit_delegation(request: web.Request) -> web.Response:
    limits = request.app[LIMITS]
    await limits.charge_client(request.remote or "unknown", DELEGATION_COST, "a delegation request")
    body = await read_body(request)
    if not isinstance(body, dict) or "request" not in body:
        return json_error(400, 'expected {"request": <delegation-request.json>, "site": URL}')
    site = body.get("site")
    if site is not None and not isinstance(site, str):
        return json_error(400, "site must be a URL string")
    pending = await writer_of(request.app).write(
        lambda store: enrolment.submit(store, body["request"], site)
    )
    return respond(request, pending.to_json(), 202)


@routes.get("/glid/v1/delegations/{prefix}")
async def delegation_state(request: web.Request) -> web.Response:
    pending = enrolment.get(request.app[STORE], request.match_info["prefix"].lower())
    return respond(request, pending.to_json())
