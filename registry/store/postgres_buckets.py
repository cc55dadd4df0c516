"""Node-wide token buckets in PostgreSQL, so rate limits hold across every serving host.

A host does not ask the database for each request: it takes tokens in leases (up to
``want`` at once, at least the ``need`` of the request at hand) and spends them locally
(resolver.limits.LeasedBuckets). Every admitted request spent a token leased from the one
bucket in ``rate_buckets``, so across all hosts a key is never admitted more than
``burst + rate x seconds`` requests; what a host leased but did not spend is lost to the
others (at most one lease per key per process), so the limit may bite a little early,
never late.

One lease is one statement, ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: a new key
starts with a full bucket, an existing one refills by ``rate`` per second of the
database's own clock (hosts' clocks never enter), and the row lock of the upsert
serialises hosts leasing from the same key. The table is UNLOGGED: rate state is not node
data, is not replicated, not copied by ``glid store copy``, and a server crash empties it
(every bucket full again), which only ever admits what a fresh node would.
"""

import threading

import psycopg

from registry.errors import StoreUnavailable
from registry.store import postgres_schema
from registry.store.backend import Lease
from registry.store.postgres_pool import Lent, Pool

TABLE = "rate_buckets"

_CREATE = f"""
    CREATE UNLOGGED TABLE IF NOT EXISTS {TABLE} (
        key text COLLATE "C" PRIMARY KEY,
        tokens double precision NOT NULL,   -- left after the last lease
        granted double precision NOT NULL,  -- what the last lease took
        at double precision NOT NULL,       -- when, in seconds of the database's clock
        full_at double precision NOT NULL   -- when the bucket is full again (forgettable)
    )
"""

# available = least(burst, tokens + (now - at) * rate); granted = that, capped at want,
# when it covers need, else nothing.
_AVAILABLE = "least(%(burst)s, b.tokens + (excluded.at - b.at) * %(rate)s)"
_GRANTED = f"CASE WHEN {_AVAILABLE} >= %(need)s THEN least({_AVAILABLE}, %(want)s) ELSE 0 END"
_LEASE = f"""
    INSERT INTO {TABLE} AS b (key, tokens, granted, at, full_at)
    SELECT %(key)s, %(burst)s - g, g, t, t + g / %(rate)s
    FROM (SELECT extract(epoch FROM clock_timestamp())::float8 AS t,
                 least(%(want)s, %(burst)s)::float8 AS g) AS fresh
    ON CONFLICT (key) DO UPDATE SET
        granted = {_GRANTED},
        tokens = {_AVAILABLE} - {_GRANTED},
        at = excluded.at,
        full_at = excluded.at + (%(burst)s - ({_AVAILABLE} - {_GRANTED})) / %(rate)s
    RETURNING granted, tokens
"""
_FORGET = f"DELETE FROM {TABLE} WHERE full_at < extract(epoch FROM clock_timestamp())"
FORGET_EVERY = 1000  # leases between sweeps of buckets that have refilled


class PgBuckets:
    """Leases from the node-wide buckets, on the primary's pool."""

    def __init__(self, pool: Pool, location: str) -> None:
        self._pool = pool
        self.location = location
        self._created = False
        self._leases = 0
        self._lock = threading.Lock()

    def lease(self, key: str, need: float, want: float, rate: float, burst: float) -> Lease:
        try:
            with Lent(self._pool) as conn:
                self._create(conn)
                params = {"key": key, "need": need, "want": want, "rate": rate, "burst": burst}
                row = conn.execute(_LEASE, params).fetchone()
                self._leases += 1
                if self._leases % FORGET_EVERY == 0:
                    conn.execute(_FORGET)
        except psycopg.Error as exc:
            raise StoreUnavailable(
                f"the node-wide rate buckets in {self.location} failed: {exc}"
            ) from exc
        assert row is not None  # an upsert with RETURNING returns its row
        granted, left = float(row[0]), float(row[1])
        return Lease(granted, 0.0 if granted else (need - left) / rate)

    def _create(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        with self._lock:
            if self._created:
                return
            with conn.transaction():  # hosts starting together create it once
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (postgres_schema.MIGRATION_LOCK,))
                conn.execute(_CREATE)
            self._created = True
