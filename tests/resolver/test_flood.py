"""Costly requests are charged what they cost, answered within a size limit, and never
hold the event loop: /healthz from another client stays fast while batches run."""

import asyncio
import contextlib
import http.client
import multiprocessing
import statistics
import time
from collections.abc import Iterator
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import aiohttp
import orjson
import pytest

from registry import delegation
from registry.node import init_node
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from resolver.answer_cache import ENTRY_OVERHEAD, EncodedAnswers
from tests.conftest import PASSPHRASE
from tests.resolver.live_node import LiveNode, ProcessNode

RECORDS = 2000
VALUE = [{"index": 1, "type": "URL", "data": "https://example.com/" + "p" * 200}]


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flood") / "top"
    created = init_node(root, role="top", prefix="88", passphrase=PASSPHRASE)
    items = (Submission(n, f"88/p{n}", VALUE) for n in range(RECORDS))
    assert all(o.accepted for o in registrar(created.store, PASSPHRASE).register(items, "t"))
    created.store.close()
    return root


@pytest.fixture
def node(directory: Path) -> Iterator[LiveNode]:
    """Served from its own thread, so that the clients' work is not the node's."""
    running = LiveNode(directory)
    yield running
    running.stop()


@pytest.fixture
def small_node(directory: Path) -> Iterator[LiveNode]:
    running = LiveNode(directory, max_response_bytes=1 << 18)
    yield running
    running.stop()


def ids(count: int) -> bytes:
    return orjson.dumps({"ids": [f"88/p{n % RECORDS}" for n in range(count)]})


def session(address: str) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address, 0)))


async def post(http: aiohttp.ClientSession, url: str, body: bytes) -> tuple[int, dict[str, str]]:
    async with http.post(f"{url}/glid/v1/resolve", data=body) as response:
        await response.read()
        return response.status, dict(response.headers)


async def test_a_batch_is_charged_by_its_size(node: LiveNode) -> None:
    async with session("127.0.0.2") as http:
        # 200 tokens each, sent at once: two fit the burst of 400, the third waits.
        replies = await asyncio.gather(*(post(http, node.url, ids(5000)) for _ in range(3)))
        statuses = sorted(status for status, _ in replies)
        assert statuses == [200, 200, 429]
        assert all(int(h["Retry-After"]) >= 1 for status, h in replies if status == 429)
    async with session("127.0.0.3") as http:
        bundled = orjson.dumps({"ids": ["88/p1"] * 500, "bundle": True})
        async with http.post(f"{node.url}/glid/v1/resolve", data=bundled) as response:
            body = await response.json()
            assert (response.status, body["code"]) == (413, "too_large")
            assert "split it into smaller batches" in body["error"]


async def test_an_answer_over_the_size_limit_is_refused(small_node: LiveNode) -> None:
    async with session("127.0.0.4") as http:
        body = orjson.dumps({"ids": [f"88/p{n}" for n in range(300)]})
        async with http.post(f"{small_node.url}/glid/v1/resolve", data=body) as response:
            answer = await response.json()
            assert (response.status, answer["code"]) == (413, "too_large")
            assert "limit of 262144 bytes" in answer["error"]


def healthz_latencies(port: int, stop: EventType, out: "Queue[list[float]]") -> None:
    """/healthz timed from another address, in a process of its own (as a monitor is),
    until ``stop``; the latencies go to ``out``."""
    seconds = []
    conn = http.client.HTTPConnection("127.0.0.1", port, source_address=("127.0.0.9", 0))
    conn.request("GET", "/healthz")  # connected before timing, as a monitor stays connected
    conn.getresponse().read()
    while not stop.is_set():
        started = time.perf_counter()
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        seconds.append(time.perf_counter() - started)
        time.sleep(0.005)
    conn.close()
    out.put(seconds)


def spin(seconds: float) -> None:
    """Keep one core busy for ``seconds``: the floor's stand-in for a flooding client."""
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pass


@contextlib.contextmanager
def probed(node: ProcessNode) -> Iterator[list[float]]:
    """/healthz latencies measured from another process while the block runs."""
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    port = int(node.url.rsplit(":", 1)[1])
    probe = context.Process(target=healthz_latencies, args=(port, stop, out))
    probe.start()
    seconds: list[float] = []
    time.sleep(0.2)  # connected and probing before the load starts
    try:
        yield seconds
    finally:
        stop.set()
        seconds.extend(out.get(timeout=30))
        probe.join(timeout=10)


def p99(seconds: list[float]) -> float:
    return statistics.quantiles(seconds, n=100)[98]


async def test_healthz_stays_fast_while_three_large_batches_run(directory: Path) -> None:
    """The flood: three clients each ask for 5,000 ids at once. The floor, measured in the
    same run: three processes that only spin for as long as the flood took, so the probe
    sees what a machine with that much other work gives any process, with the node idle."""
    node = ProcessNode(directory)

    async def batch(address: str) -> int:
        async with session(address) as http:
            return (await post(http, node.url, ids(5000)))[0]

    try:
        async with session("127.0.1.9") as http:  # a node that has answered once: warm
            assert (await post(http, node.url, ids(10)))[0] == 200
        with probed(node) as flooded:
            started = time.perf_counter()
            statuses = await asyncio.gather(*(batch(f"127.0.1.{n}") for n in range(1, 4)))
            took = time.perf_counter() - started
        context = multiprocessing.get_context("fork")
        with probed(node) as floor:
            spinners = [context.Process(target=spin, args=(took,)) for _ in range(3)]
            for spinner in spinners:
                spinner.start()
            for spinner in spinners:
                spinner.join()
    finally:
        node.stop()
    assert statuses == [200, 200, 200]
    median = statistics.median(flooded)
    print(
        f"healthz during 3 x 5,000-id batches ({took:.2f} s): {len(flooded)} probes,"
        f" median {median * 1000:.1f} ms, p99 {p99(flooded) * 1000:.1f} ms;"
        f" floor (3 spinning processes, node idle): {len(floor)} probes,"
        f" median {statistics.median(floor) * 1000:.1f} ms, p99 {p99(floor) * 1000:.1f} ms;"
        f" ratio {p99(flooded) / p99(floor):.2f}"
    )
    # docs/RELIABILITY.md has the figures. A batch that held the loop for its whole run
    # (seconds) fails both bounds by far; the floor keeps a busy machine from failing them.
    assert len(flooded) >= 10 and median < 0.05
    assert p99(flooded) < max(0.05, 2 * p99(floor))


def test_the_answer_cache_holds_its_byte_budget() -> None:
    answers = EncodedAnswers(lambda: 0, budget=1 << 20)  # a store that never changes
    body = b"x" * 1024
    for n in range(10_000):  # 20 MB of answers offered to a 1 MB cache
        answers.put(f"88.7/id-{n}", body, body)
    assert answers.size <= 1 << 20
    assert len(answers) == (1 << 20) // (2048 + len("88.7/id-9999") + ENTRY_OVERHEAD)
    assert answers.get("88.7/id-9999") == (body, body) and answers.get("88.7/id-0") is None
    answers.drop(["88.7/id-9999"])
    answers.put("88.7/huge", b"y" * (2 << 20), b"")  # larger than the budget: not kept
    assert answers.get("88.7/huge") is None and answers.size <= 1 << 20


def rss_kib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))


def test_a_flood_of_distinct_ids_levels_off(tmp_path: Path) -> None:
    """Every id under a delegated prefix has a referral answer worth caching (its chain and
    the revocation lists, about 1.5 KB): memory follows the cache's byte budget, not the
    number of ids asked for."""
    top, child = tmp_path / "top", tmp_path / "child"
    init_node(top, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    init_node(child, role="secondary", prefix="88.1", passphrase=PASSPHRASE).store.close()
    delegation.delegate_locally(top, child, PASSPHRASE)
    with Store.open(top) as store:
        delegation.set_site(store, "88.1", "http://child.example")
    node = ProcessNode(top, answer_cache_bytes=4 << 20, rate_limit=0)
    port, pid = int(node.url.rsplit(":", 1)[1]), node.pid
    conn = http.client.HTTPConnection("127.0.0.1", port)
    levels = []
    try:
        for n in range(20_000):
            conn.request("GET", f"/glid/v1/resolve/88.1/{'x' * 1000}-{n}")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            if n % 5000 == 4999:
                levels.append(rss_kib(pid))
    finally:
        conn.close()
        node.stop()
    print(f"RSS after each 5,000 distinct ids: {[kib // 1024 for kib in levels]} MiB")
    assert levels[-1] - levels[1] < 8 * 1024  # flat once the 4 MiB budget is full
