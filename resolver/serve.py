"""Running the daemon: in-process (tests, the demo) or as `glid serve` with workers.

Workers are whole processes sharing the listening port through SO_REUSEPORT, each with
its own store connection; SQLite's WAL lets them read concurrently while one writes.
SIGTERM and SIGINT begin a graceful shutdown: stop accepting, finish requests in flight,
close the store. Connections are limited per client address and timed
(:mod:`resolver.connections`).
"""

import asyncio
import logging
import multiprocessing
import os
import signal
import ssl
from dataclasses import dataclass

from aiohttp import web

from resolver import logs
from resolver.app import create_app
from resolver.connections import NodeRunner
from resolver.settings import Settings, SettingsError

log = logging.getLogger("glid.serve")


@dataclass
class RunningNode:
    runner: web.AppRunner
    url: str

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(settings: Settings, *, reuse_port: bool = False) -> RunningNode:
    """Start a node on ``settings.host:port`` (port 0 picks a free one); returns its URL."""
    runner = NodeRunner(
        create_app(settings), settings.connections, access_log=None, shutdown_timeout=10
    )
    await runner.setup()
    site = web.TCPSite(
        runner,
        settings.host,
        settings.port,
        ssl_context=tls_context(settings),
        reuse_port=reuse_port,
    )
    await site.start()
    port = runner.addresses[0][1]
    return RunningNode(runner, f"{settings.scheme}://{settings.host}:{port}")


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """The server's TLS context (TLS 1.2 or later), or None for plain HTTP."""
    if settings.tls_cert is None or settings.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise SettingsError(
            f"cannot load the TLS certificate {settings.tls_cert} with key {settings.tls_key}:"
            f" {exc}"
        ) from None
    return context


async def _serve_until_signalled(settings: Settings) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting, finish requests in flight
    (up to 10 s) and close the store."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    node = await start(settings, reuse_port=True)
    await stopping.wait()
    await node.stop()


def _install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _worker(settings: Settings) -> None:
    # A forked worker inherits the parent's forwarding handlers; run_app installs its own.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _install_uvloop()
    asyncio.run(_serve_until_signalled(settings))


def serve(settings: Settings, workers: int = 1) -> None:
    """Serve until SIGTERM/SIGINT; with workers > 1, fork that many processes."""
    logs.configure()
    tls_context(settings)  # a bad certificate fails here, once, not in every worker
    log.info(
        "serving node %s from %s on %s://%s:%s with %d worker(s)",
        settings.directory.name,
        settings.directory,
        settings.scheme,
        settings.host,
        settings.port,
        workers,
    )
    if workers <= 1:
        _worker(settings)
        return
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_worker, args=(settings,)) for _ in range(workers)]

    def forward(signum: int, _frame: object) -> None:
        for process in processes:
            if process.pid is not None:
                os.kill(process.pid, signum)

    # Installed before the workers start, so a signal can never find the parent unprepared.
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    log.info("all workers stopped")
