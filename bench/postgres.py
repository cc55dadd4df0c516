"""A node on PostgreSQL against the same node on SQLite, and two serving processes against one.

Three figures, each against a baseline measured in the same run on the same machine:

1. Signed registration through the node's one write path (validate, sign, version rows,
   log leaves and nodes, audit rows; batches of 1000 per transaction) into a PostgreSQL
   node, against the same records into a SQLite node. Repetitions alternate the two and
   the ratio is the median of per-pair ratios. Target: PostgreSQL >= 0.7 of SQLite.
2. Hot resolution over HTTP keep-alive from one `glid serve` process on a PostgreSQL node
   (1000 ids round robin, every answer in the encoded-answer cache), against one process
   on the SQLite node it was copied from. Target: >= 0.9.
3. The PostgreSQL node served by two `glid serve` processes sharing the port through
   SO_REUSEPORT, as two hosts behind a load balancer would be, against one process; the
   load generator (wrk when installed, else aiohttp clients) runs on the same two cores.
   Target: >= 1.3x. Each run also splits the machine's CPU between the serving
   processes, the load generator and everything else (/proc/stat), which says whether a
   second process had a core to run on.
4. An uncached read of one record version, CPU and wall time per read: the floor is the
   same SELECT on one bare psycopg connection; then the same statement on a connection
   lent by the pool, the node's whole store read (pool, translation, row to value), and
   the SELECT awaited on psycopg's AsyncConnection, the alternative to the sync pool.
5. One rate-limit charge on a PostgreSQL node (tokens leased node-wide, twenty at a
   time, the lease in a worker thread), against a charge to the worker's own in-memory
   bucket, CPU and wall time per charge.

The PostgreSQL server is a private throwaway cluster with default durability settings
(fsync and synchronous_commit on), on a Unix socket; SQLite runs as the node runs it (WAL,
synchronous=NORMAL). Run from the checkout: .venv/bin/python -m bench.postgres
"""

import asyncio
import os
import resource
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.http_load import PASSPHRASE, base_url, cpu_seconds, free_port, start_node
from bench.registry_signed import product
from bench.resolve_hot import CONNECTIONS, IDS, ROUND_ROBIN, SECONDS, load, setup
from bench.timing import cpu_and_wall, elapsed
from registry.node import init_node
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from registry.store.postgres import translate
from registry.store.postgres_cluster import LocalCluster
from registry.store.postgres_pool import Lent, open_pool
from registry.store.versions import _COLUMNS
from registry.store_copy import copy_node
from resolver.limits import LeasedBuckets, TokenBuckets

N = 5000
REGISTRATION_REPEATS = 5
SERVING_REPEATS = 3
READS = 2000
CHARGES = 20_000


def database(cluster: LocalCluster, name: str) -> str:
    with psycopg.connect(cluster.url(), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return cluster.url(name)


def registration(root: Path, cluster: LocalCluster) -> tuple[list[float], list[float]]:
    """Seconds per N signed registrations: (SQLite, PostgreSQL), alternating."""
    secret = PASSPHRASE.encode()
    init_node(root / "reg-sqlite", role="top", prefix="88", passphrase=secret).store.close()
    url = database(cluster, "reg")
    init_node(root / "reg-pg", role="top", prefix="88", passphrase=secret, url=url).store.close()
    records = [product(i) for i in range(N)]
    stores = [Store.open(root / "reg-sqlite"), Store.open(root / "reg-pg")]
    services = [registrar(store, secret) for store in stores]

    def register(index: int, repetition: int) -> Callable[[], None]:
        def run() -> None:
            submissions = (
                Submission(i + 1, f"88/r{repetition}-{i}", values)
                for i, values in enumerate(records)
            )
            for outcome in services[index].register(submissions, "bench"):
                assert outcome.accepted, outcome.error

        return run

    seconds: tuple[list[float], list[float]] = ([], [])
    for repetition in range(REGISTRATION_REPEATS):
        for index in (0, 1):
            seconds[index].append(elapsed(register(index, repetition)))
    for store in stores:
        store.close()
    return seconds


class Server:
    """One `glid serve` process; several may share a port (SO_REUSEPORT)."""

    def __init__(self, node: Path, port: int) -> None:
        self.url = base_url(port)
        self.process = start_node(node, port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


@dataclass(frozen=True, slots=True)
class Run:
    """One load run: requests/s, server CPU per request, and where the cores went."""

    rate: float
    cpu_per_request: float
    servers: float  # cores' worth of CPU, averaged over the run
    generator: float
    others: float
    idle: float


def machine_jiffies() -> tuple[int, int]:
    """(all, idle) CPU ticks of the machine so far (/proc/stat's first line)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def generator_seconds() -> float:
    """CPU seconds used by this process's finished children (the load generator)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def timed_load(url: str, script: Path, servers: list[Server]) -> Run:
    """Requests/s, and the serving processes' CPU seconds per request in the same run
    (throughput swings with the machine's other load; CPU per request much less)."""
    tick = os.sysconf("SC_CLK_TCK")
    before = sum(cpu_seconds(s.process.pid) for s in servers)
    generator, (total, idle) = generator_seconds(), machine_jiffies()
    rate = load(url, script)
    total_after, idle_after = machine_jiffies()
    spent = sum(cpu_seconds(s.process.pid) for s in servers) - before
    generated = generator_seconds() - generator
    wall = (total_after - total) / tick / (os.cpu_count() or 1)
    busy = (total_after - total - (idle_after - idle)) / tick
    return Run(
        rate,
        spent / (rate * SECONDS),
        spent / wall,
        generated / wall,
        max(0.0, busy - spent - generated) / wall,
        (idle_after - idle) / tick / wall,
    )


def serving(root: Path, cluster: LocalCluster) -> dict[str, list[Run]]:
    """Load runs: SQLite one process, PostgreSQL one, PostgreSQL two."""
    sqlite_node = setup(root)
    pg_node = root / "node-pg"
    copy_node(sqlite_node, pg_node, database(cluster, "serve"))
    script = root / "round_robin.lua"
    script.write_text(ROUND_ROBIN.replace("%d", str(IDS)))
    sqlite_server = Server(sqlite_node, free_port())
    pg_port = free_port()
    pg_server = Server(pg_node, pg_port)
    runs: dict[str, list[Run]] = {
        "sqlite": [],
        "postgresql": [],
        "postgresql x2": [],
    }
    try:
        for server in (sqlite_server, pg_server):
            load(server.url, script)  # every answer into the encoded-answer cache
        for _ in range(SERVING_REPEATS):
            runs["sqlite"].append(timed_load(sqlite_server.url, script, [sqlite_server]))
            runs["postgresql"].append(timed_load(pg_server.url, script, [pg_server]))
            second = Server(pg_node, pg_port)
            try:
                load(pg_server.url, script)  # warm the second process's cache too
                both = [pg_server, second]
                runs["postgresql x2"].append(timed_load(pg_server.url, script, both))
            finally:
                second.stop()
    finally:
        sqlite_server.stop()
        pg_server.stop()
    return runs


def reads(root: Path, cluster: LocalCluster) -> dict[str, tuple[float, float]]:
    """(CPU, wall) seconds per uncached read of one version, four ways."""
    url = database(cluster, "reads")
    node = init_node(
        root / "reads", role="top", prefix="88", passphrase=PASSPHRASE.encode(), url=url
    ).store
    sql = translate(f"SELECT {_COLUMNS} FROM record_versions WHERE handle = ? AND version = ?")
    params = ("88/admin", 1)
    pool = open_pool(url)

    def bare() -> None:
        for _ in range(READS):
            conn.execute(sql, params).fetchone()

    def lent() -> None:
        for _ in range(READS):
            with Lent(pool) as borrowed:
                borrowed.execute(sql, params).fetchone()

    def store_read() -> None:
        for _ in range(READS):
            node.versions.get(params[0], version=1)

    def awaited() -> None:
        async def run() -> None:
            aconn = await psycopg.AsyncConnection.connect(url, autocommit=True)
            async with aconn:
                for _ in range(READS):
                    await (await aconn.execute(sql, params)).fetchone()

        asyncio.run(run())

    with psycopg.connect(url, autocommit=True) as conn:
        measured = {
            "bare connection (floor)": cpu_and_wall(bare),
            "pool, one statement lent": cpu_and_wall(lent),
            "the node's store read": cpu_and_wall(store_read),
            "AsyncConnection, awaited": cpu_and_wall(awaited),
        }
    pool.close()
    node.close()
    return {name: (c / READS, w / READS) for name, (c, w) in measured.items()}


def charges(root: Path, cluster: LocalCluster) -> dict[str, tuple[float, float]]:
    """(CPU, wall) seconds per rate-limit charge: in-memory bucket, node-wide leases."""
    with init_node(
        root / "limits", role="top", prefix="88", passphrase=PASSPHRASE.encode(),
        url=database(cluster, "limits"),
    ).store as store:  # fmt: skip
        shared = store.backend.shared_buckets()
        assert shared is not None
        addresses = [f"10.0.0.{n}" for n in range(100)]

        def local() -> None:
            buckets = TokenBuckets(rate=1e9, burst=400)
            for n in range(CHARGES):
                buckets.take(addresses[n % 100])

        def leased() -> None:
            buckets = LeasedBuckets(shared, rate=1e9, burst=400)

            async def run() -> None:
                for n in range(CHARGES):
                    await buckets.charge(addresses[n % 100])

            asyncio.run(run())

        measured = {
            "worker's own bucket (floor)": cpu_and_wall(local, 3),
            "node-wide, leased 20 at a time": cpu_and_wall(leased, 3),
        }
    return {name: (c / CHARGES, w / CHARGES) for name, (c, w) in measured.items()}


def per_call(title: str, measured: dict[str, tuple[float, float]]) -> None:
    print(title)
    floor_cpu, floor_wall = next(iter(measured.values()))
    for name, (cpu, wall) in measured.items():
        print(
            f"  {name:32}: CPU {cpu * 1e6:7.2f} µs ({cpu / floor_cpu:5.2f}x the floor),"
            f" wall {wall * 1e6:7.2f} µs ({wall / floor_wall:5.2f}x)"
        )


def main() -> None:
    cluster = LocalCluster.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            read_s = reads(Path(tmp), cluster)
            charge_s = charges(Path(tmp), cluster)
            sqlite_s, pg_s = registration(Path(tmp), cluster)
            runs = serving(Path(tmp), cluster)
    finally:
        cluster.stop()

    def ratio(work: list[float], baseline: list[float]) -> float:
        return statistics.median(b / w for w, b in zip(work, baseline, strict=True))

    per_call(f"uncached read of one version, {READS} reads, median of 5", read_s)
    per_call(f"rate-limit charge, {CHARGES} charges over 100 clients, burst 400", charge_s)
    print(f"signed registration, {N} records x {REGISTRATION_REPEATS}, batches of 1000")
    print(f"  SQLite node              : {N / statistics.median(sqlite_s):8,.0f} records/s")
    print(f"  PostgreSQL node          : {N / statistics.median(pg_s):8,.0f} records/s")
    print(f"  ratio PostgreSQL / SQLite: {ratio(pg_s, sqlite_s):8.2f}  (target >= 0.7)")
    print(f"hot resolution, {IDS} ids round robin, {CONNECTIONS} connections, {SECONDS}s runs")
    for name, values in runs.items():
        each = ", ".join(f"{r.rate:,.0f}" for r in values)
        per_request = statistics.median(r.cpu_per_request for r in values)
        print(
            f"  {name:24}: {statistics.median(r.rate for r in values):8,.0f} req/s"
            f" (runs: {each}); server CPU {per_request * 1e6:6.1f} µs/request"
        )
        cores = ", ".join(
            f"servers {r.servers:.2f} wrk {r.generator:.2f} others {r.others:.2f} idle {r.idle:.2f}"
            for r in values
        )
        print(f"  {'':24}  cores: {cores}")

    def paired_runs(work: str, baseline: str) -> float:
        pairs = zip(runs[work], runs[baseline], strict=True)
        return statistics.median(w.rate / b.rate for w, b in pairs)

    def cpu(name: str) -> float:
        return statistics.median(r.cpu_per_request for r in runs[name])

    print(
        f"  ratio PostgreSQL / SQLite: {paired_runs('postgresql', 'sqlite'):8.2f} throughput,"
        f" {cpu('sqlite') / cpu('postgresql'):.2f} CPU per request  (target >= 0.9)"
    )
    print(
        f"  ratio two processes / one: {paired_runs('postgresql x2', 'postgresql'):8.2f}"
        "  (target >= 1.3)"
    )


if __name__ == "__main__":
    main()
