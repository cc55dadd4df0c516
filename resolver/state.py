"""Typed application state: what a daemon's handlers share, each under its own AppKey."""

import asyncio

from aiohttp import web

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
