"""The PACT face's shared state, each under its own AppKey."""

from aiohttp import web

from resolver.pact.delivery import Outbox
from resolver.pact.index import FootprintIndex

FOOTPRINTS = web.AppKey("pact_footprints", FootprintIndex)
OUTBOX = web.AppKey("pact_outbox", Outbox)
