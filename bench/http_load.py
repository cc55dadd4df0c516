"""HTTP load for the serving benchmarks: ports, start-up waits, a load generator, server CPU.

Every serving benchmark (bench/resolve_hot.py, bench/pact.py, bench/postgres.py) puts a
node and a floor (a bare aiohttp handler serving the same bytes) under the same load from
a separate process and reads what each server process spent, so both figures come from
one place and cannot drift apart.
"""

import json
import os
import re
import socket
import ssl
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

PASSPHRASE = "bench"  # of the benchmark nodes' keys

BARE_SERVER = """
import asyncio, json, ssl, sys, uvloop
from aiohttp import web
port, routes, tls = int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
def serving(body):
    async def handler(request):
        return web.Response(body=body, content_type="application/json")
    return handler
app = web.Application()
for route, path in routes.items():
    app.router.add_get(route, serving(open(path, "rb").read()))
context = None
if tls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls)
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
web.run_app(app, host="127.0.0.1", port=port, ssl_context=context, access_log=None, print=None)
"""

CLIENT = """
import asyncio, json, sys, time, aiohttp
base, seconds, connections = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
paths, headers = json.loads(sys.argv[4]), json.loads(sys.argv[5])
async def worker(session, deadline, counter, offset):
    n = offset
    while time.monotonic() < deadline:
        async with session.get(base + paths[n % len(paths)]) as r:
            assert r.status == 200, (r.status, paths[n % len(paths)])
            await r.read()
        counter[0] += 1
        n += connections
async def main():
    counter = [0]
    connector = aiohttp.TCPConnector(limit=connections, ssl=False)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as s:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(worker(s, deadline, counter, i) for i in range(connections)))
    print(counter[0] / seconds)
asyncio.run(main())
"""

INSECURE = ssl.create_default_context()  # the benchmarks' servers use self-signed certificates
INSECURE.check_hostname, INSECURE.verify_mode = False, ssl.CERT_NONE


def free_port() -> int:
    """A loopback port free right now, for a server started in another process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_node(
    node: Path, port: int, *options: str, tls: tuple[Path, Path] | None = None
) -> subprocess.Popen[bytes]:
    """``glid serve`` for node directory ``node`` on ``port``, once it answers; without rate
    limits (one load generator is one client: measure serving, not refusing), over HTTPS
    with ``tls`` (certificate, key); ``options`` add to the command."""
    if tls is not None:
        options = (*options, "--tls-cert", str(tls[0]), "--tls-key", str(tls[1]))
    process = subprocess.Popen(
        [sys.executable, "-m", "resolver.cli", "serve", "--dir", str(node),
         "--listen", f"127.0.0.1:{port}", "--rate-limit", "0", *options],
        env={**os.environ, "GLID_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return _once_up(process, f"{base_url(port, tls)}/healthz")


def start_bare(
    port: int, routes: dict[str, Path], tls: tuple[Path, Path] | None = None
) -> subprocess.Popen[bytes]:
    """The floor, once it answers: a bare aiohttp server (uvloop) answering each route with
    the bytes of its file, as the node would answer it; over HTTPS with ``tls``."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            BARE_SERVER,
            str(port),
            json.dumps({route: str(path) for route, path in routes.items()}),
            json.dumps(None if tls is None else [str(part) for part in tls]),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    probe = re.sub(r"\{[^}]*\}", "x", next(iter(routes)))
    return _once_up(process, f"{base_url(port, tls)}{probe}")


def base_url(port: int, tls: tuple[Path, Path] | None = None) -> str:
    return f"{'http' if tls is None else 'https'}://127.0.0.1:{port}"


def _once_up(process: subprocess.Popen[bytes], url: str) -> subprocess.Popen[bytes]:
    """``process`` once ``url`` answers; stopped if it never does."""
    try:
        wait_until_up(url)
    except RuntimeError:
        process.terminate()
        process.wait()
        raise
    return process


def wait_until_up(url: str, seconds: float = 60) -> bytes:
    """The body of ``url`` once it answers (a self-signed certificate is accepted); raise
    after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, context=INSECURE, timeout=2) as answer:
                body: bytes = answer.read()
                return body
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client_rate(
    base: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> float:
    """Requests per second from a pool of aiohttp keep-alive connections in a separate
    process, round robin over ``paths``; any answer but 200 stops the run."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            CLIENT,
            base,
            str(seconds),
            str(connections),
            json.dumps(paths),
            json.dumps(headers or {}),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out)


def with_server_cpu(
    pids: list[int], seconds: float, run: Callable[[], float]
) -> tuple[float, float]:
    """The requests/s ``run`` reports for a ``seconds``-long load, and the CPU seconds the
    serving processes ``pids`` spent per request meanwhile.

    Throughput on a shared 2-core machine swings with whatever else runs; the CPU the
    servers spent per answer does not, so both are reported.
    """
    before = sum(cpu_seconds(pid) for pid in pids)
    rate = run()
    spent = sum(cpu_seconds(pid) for pid in pids) - before
    return rate, spent / (rate * seconds)


def medians(
    runs: dict[str, list[tuple[float, float]]],
) -> tuple[dict[str, float], dict[str, float]]:
    """The median requests/s and the median CPU seconds per request of each named series."""
    rate = {name: statistics.median(r for r, _ in values) for name, values in runs.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in runs.items()}
    return rate, cpu
