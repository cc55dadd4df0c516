"""Typed application state: what a daemon's handlers share, each under its own AppKey."""

import asyncio

from aiohttp import web

from registry.errors import StoreReadOnly
from registry.store import Store
from resolver.answer_cache import EncodedAnswers
from resolver.authority import Authority
from resolver.client import Resolver
from resolver.footprint import Rollups
from resolver.metrics import Metrics
from resolver.settings import Settings
from resolver.writer import Writer

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
AUTHORITY = web.AppKey("authority", Authority)
ANSWERS = web.AppKey("answers", EncodedAnswers)
METRICS = web.AppKey("metrics", Metrics)
WRITER = web.AppKey("writer", Writer)
RESOLVER = web.AppKey("resolver", Resolver)
ROLLUPS = web.AppKey("rollups", Rollups)
BATCH_LANE = web.AppKey("batch_lane", asyncio.Semaphore)  # batches run one at a time


def writer_of(app: web.Application) -> Writer:
    """The application's writer, or StoreReadOnly for a node serving a read-only store."""
    writer = app.get(WRITER)
    if writer is None:
        raise StoreReadOnly("this node serves a read-only store and accepts no writes")
    return writer
