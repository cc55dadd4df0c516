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
   Target: >= 1.3x.

The PostgreSQL server is a private throwaway cluster with default durability settings
(fsync and synchronous_commit on), on a Unix socket; SQLite runs as the node runs it (WAL,
synchronous=NORMAL). Run from the checkout: .venv/bin/python -m bench.postgres
"""

import statistics
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

import psycopg

from bench.http_load import (
    PASSPHRASE,
    base_url,
    free_port,
    medians,
    start_node,
    with_server_cpu,
)
from bench.registry_signed import product
from bench.resolve_hot import CONNECTIONS, IDS, ROUND_ROBIN, SECONDS, load, setup
from bench.timing import elapsed
from registry.node import init_node
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from registry.store.postgres_cluster import LocalCluster
from registry.store_copy import copy_node

N = 5000
REGISTRATION_REPEATS = 5
SERVING_REPEATS = 3


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


def timed_load(url: str, script: Path, servers: list[Server]) -> tuple[float, float]:
    """Requests/s, and the serving processes' CPU seconds per request in the same run."""
    pids = [server.process.pid for server in servers]
    return with_server_cpu(pids, SECONDS, partial(load, url, script))


def serving(root: Path, cluster: LocalCluster) -> dict[str, list[tuple[float, float]]]:
    """(requests/s, CPU s/request): SQLite one process, PostgreSQL one, PostgreSQL two."""
    sqlite_node = setup(root)
    pg_node = root / "node-pg"
    copy_node(sqlite_node, pg_node, database(cluster, "serve"))
    script = root / "round_robin.lua"
    script.write_text(ROUND_ROBIN.replace("%d", str(IDS)))
    sqlite_server = Server(sqlite_node, free_port())
    pg_port = free_port()
    pg_server = Server(pg_node, pg_port)
    runs: dict[str, list[tuple[float, float]]] = {
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


def main() -> None:
    cluster = LocalCluster.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite_s, pg_s = registration(Path(tmp), cluster)
            runs = serving(Path(tmp), cluster)
    finally:
        cluster.stop()

    def ratio(work: list[float], baseline: list[float]) -> float:
        return statistics.median(b / w for w, b in zip(work, baseline, strict=True))

    rate, cpu = medians(runs)
    print(f"signed registration, {N} records x {REGISTRATION_REPEATS}, batches of 1000")
    print(f"  SQLite node              : {N / statistics.median(sqlite_s):8,.0f} records/s")
    print(f"  PostgreSQL node          : {N / statistics.median(pg_s):8,.0f} records/s")
    print(f"  ratio PostgreSQL / SQLite: {ratio(pg_s, sqlite_s):8.2f}  (target >= 0.7)")
    print(f"hot resolution, {IDS} ids round robin, {CONNECTIONS} connections, {SECONDS}s runs")
    for name, values in runs.items():
        each = ", ".join(f"{r:,.0f}" for r, _ in values)
        print(
            f"  {name:24}: {rate[name]:8,.0f} req/s (runs: {each});"
            f" server CPU {cpu[name] * 1e6:6.1f} µs/request"
        )

    def paired(work: str, baseline: str) -> float:
        pairs = zip(runs[work], runs[baseline], strict=True)
        return statistics.median(w / b for (w, _), (b, _) in pairs)

    print(
        f"  ratio PostgreSQL / SQLite: {paired('postgresql', 'sqlite'):8.2f} throughput,"
        f" {cpu['sqlite'] / cpu['postgresql']:.2f} CPU per request  (target >= 0.9)"
    )
    print(
        f"  ratio two processes / one: {paired('postgresql x2', 'postgresql'):8.2f}"
        "  (target >= 1.3)"
    )


if __name__ == "__main__":
    main()
