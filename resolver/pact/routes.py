"""Mounting the PACT face on a node's application (``glid serve --pact``)."""

from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from resolver.pact import auth, events, footprints
from resolver.pact.delivery import Outbox
from resolver.pact.index import FootprintIndex
from resolver.pact.problems import not_found
from resolver.pact.state import FOOTPRINTS, OUTBOX
from resolver.state import STORE


def setup(app: web.Application) -> None:
    """Add the PACT routes; call after the store's cleanup context is registered."""
    app.cleanup_ctx.append(_open)
    app.router.add_post("/auth/token", auth.token)
    app.router.add_get("/.well-known/openid-configuration", auth.openid_configuration)
    app.router.add_get("/3/footprints", footprints.list_footprints)
    app.router.add_get("/3/footprints/{id}", footprints.get_footprint)
    app.router.add_post("/3/events", events.receive)
    app.router.add_route("*", "/3/{rest:.*}", _no_such_route)


async def _no_such_route(request: web.Request) -> web.Response:
    """Anything else under /3/ answers in PACT's error shape, not the node's own."""
    raise not_found(
        f"no PACT action {request.method} {request.path}; this node serves GET /3/footprints,"
        " GET /3/footprints/{id} and POST /3/events"
    )


async def _open(app: web.Application) -> AsyncIterator[None]:
    index = FootprintIndex(app[STORE])
    index.refresh()
    app[FOOTPRINTS] = index
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        outbox = Outbox(session)
        app[OUTBOX] = outbox
        yield
        await outbox.close()
