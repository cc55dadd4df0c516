"""The node daemon's application factory.

``create_app(settings)`` builds one aiohttp application for every role: the store, the
authority that answers from it, the write path and the metrics are opened in cleanup
contexts (closed in reverse order on shutdown) and shared through typed AppKeys.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from glid_core.errors import GlidError
from registry.errors import StoreUnavailable
from registry.keyring import require_unlockable
from registry.service import keep_current, prepare
from registry.store import Store
from resolver import gs1_face, handle_rest, native, node_api, page
from resolver.answer_cache import EncodedAnswers
from resolver.authority import Authority
from resolver.client import Resolver, load_trust_anchor
from resolver.envelope import envelope
from resolver.footprint import Rollups
from resolver.limits import LIMITS, Limits, rate_limit_middleware
from resolver.metrics import Metrics
from resolver.pact import routes as pact_routes
from resolver.settings import LOOP_LOCK_WAIT, Settings
from resolver.state import (
    ANSWERS,
    AUTHORITY,
    BATCH_LANE,
    METRICS,
    RESOLVER,
    ROLLUPS,
    SETTINGS,
    STORE,
    WRITER,
)
from resolver.writer import Writer

log = logging.getLogger("glid.node")
# A list lives LIST_LIFETIME (7 days) and newest-version statements LATEST_LIFETIME (1 day);
# each is re-issued past half its life, so an hourly check keeps them current with hours
# to spare even if several checks find the lock held.
REVOCATION_REFRESH_SECONDS = 3600


def create_app(settings: Settings) -> web.Application:
    metrics = Metrics()
    middlewares = [envelope]
    if settings.rate_limit > 0:  # each middleware is a coroutine call on the hot path
        middlewares.append(rate_limit_middleware)
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=middlewares)
    app[SETTINGS] = settings
    app[METRICS] = metrics
    app[BATCH_LANE] = asyncio.Semaphore(1)
    app.cleanup_ctx.append(_open_store)
    app.cleanup_ctx.append(_refresh_revocations)
    if settings.recursive:
        app.cleanup_ctx.append(_open_resolver)
        app.router.add_routes(page.routes)  # the buyer's page resolves through the network
        app.router.add_routes(gs1_face.routes)
        if settings.pact:
            app.router.add_routes(page.pact_routes)
    app.router.add_routes(native.routes)
    app.router.add_routes(node_api.routes)
    app.router.add_routes(handle_rest.routes)
    if settings.pact:
        pact_routes.setup(app)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_endpoint)
    return app


async def _open_store(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    store = Store.open(
        settings.directory,
        read_only=settings.read_only,
        lock_wait=LOOP_LOCK_WAIT,
        replica=settings.read_replica,
    )
    if not store.read_only:
        try:
            await asyncio.to_thread(_prepare, settings)
        except GlidError:
            store.close()
            raise
    app[STORE] = store
    # Rate limits per node when the store can share buckets between hosts, else per worker.
    shared = store.backend.shared_buckets() if settings.rate_limit > 0 else None
    app[LIMITS] = Limits.from_settings(settings, handle_rest.REFUSALS, shared=shared)
    app[AUTHORITY] = Authority(store)
    app[ANSWERS] = EncodedAnswers(store.change_mark, settings.answer_cache_bytes)
    if not store.read_only:
        app[WRITER] = Writer(settings.directory, settings.passphrase, settings.lock_wait)
    node = {"prefix": store.node.prefix, "role": store.node.role}
    log.info("node %s (%s) opened its store", node["prefix"], node["role"], extra=node)
    yield
    if WRITER in app:
        app[WRITER].close()
    store.close()
    log.info("node %s stopped and closed its store", node["prefix"], extra=node)


def _prepare(settings: Settings) -> None:
    """Check the passphrase opens the node's key (a wrong one refuses to start, naming the
    key file, instead of failing on the first write), then bring the store up to date
    (:func:`registry.service.prepare`). Runs in a thread, on a connection that waits for
    another worker's lock as long as a write would."""
    with Store.open(settings.directory, lock_wait=settings.lock_wait) as store:
        if settings.passphrase is not None:
            require_unlockable(store, settings.passphrase)
        prepare(store, settings.passphrase)


async def _refresh_revocations(app: web.Application) -> AsyncIterator[None]:
    """Keep this node's revocation list and newest-version statements current from the
    writer thread: once before the node answers anything, then every
    REVOCATION_REFRESH_SECONDS. Reads only serve the
    stored list, so they never wait for the write lock this takes."""
    writer = app.get(WRITER)
    if writer is None or not writer.signs:  # without the key, the node serves the list it has
        yield
        return
    await _refresh_once(writer, app[SETTINGS].passphrase)
    task = asyncio.create_task(_refresh_forever(writer, app[SETTINGS].passphrase))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _refresh_forever(writer: Writer, passphrase: bytes | None) -> None:
    while True:
        await asyncio.sleep(REVOCATION_REFRESH_SECONDS)
        await _refresh_once(writer, passphrase)


async def _refresh_once(writer: Writer, passphrase: bytes | None) -> None:
    try:
        await writer.run(lambda registrar: keep_current(registrar.store, passphrase))
    except StoreUnavailable as exc:  # another process holds the lock: the next tick retries
        log.warning(
            "could not re-issue the revocation list or newest-version statements of node %s"
            " (%s); retrying in %d s",
            writer.store.node.prefix,
            exc,
            REVOCATION_REFRESH_SECONDS,
        )


async def _open_resolver(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    if settings.root_url is None or settings.trust_anchor is None:
        raise ValueError("a recursive node needs root_url and trust_anchor")
    anchor = load_trust_anchor(settings.trust_anchor)
    rollups = Rollups(settings.root_url, anchor)
    async with Resolver(
        settings.root_url, anchor, cache_bytes=settings.resolver_cache_bytes
    ) as resolver:
        app[RESOLVER], app[ROLLUPS] = resolver, rollups
        yield
    rollups.close()


async def healthz(request: web.Request) -> web.Response:
    store = request.app[STORE]
    store.ping()
    return web.json_response({"status": "ok", "prefix": store.node.prefix, "role": store.node.role})


async def metrics_endpoint(request: web.Request) -> web.Response:
    body, content_type = request.app[METRICS].render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
