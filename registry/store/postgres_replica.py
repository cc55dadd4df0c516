"""Reads from a PostgreSQL streaming replica, never staler than a stated bound.

A hot standby replays the primary's WAL some time after the primary wrote it; how long
depends on the network, the standby's load and any replay conflict, so a node that reads
from one must know how far behind it is. :class:`Replica` measures that by LSN, which
holds whether the primary is busy or idle (``pg_last_xact_replay_timestamp`` tells when
the last replayed transaction committed, which on an idle primary is long ago however
current the standby is):

every ``interval`` seconds a thread reads the primary's ``pg_current_wal_lsn()`` and notes
the time it read it; it then reads the standby's ``pg_last_wal_replay_lsn()``. The standby
has replayed everything the primary had committed at the newest noted time whose LSN it
has reached: that time is :attr:`caught_up_at`. A read sent to the standby at time *t*
therefore misses at most the commits of the last ``t - caught_up_at`` seconds, and
:meth:`fresh` sends reads there only while that is at most ``max_staleness``; past it
(the standby lags, replay is paused, the standby or the thread stopped answering) reads
go to the primary until the standby catches up again. Writes never go to the standby.

Each time the standby's replay position moves, :attr:`advances` grows: the backend adds
it to its change mark, so an answer cached from a standby that had not yet replayed a
write the primary announced is dropped once the standby has.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from registry.errors import StoreError
from registry.store.postgres_pool import Connection, Lent, Pool, open_pool, redacted

MAX_STALENESS_SECONDS = 1.0
SAMPLES_KEPT = 1000  # dropping the oldest only ever makes caught_up_at older: still a bound
NEVER = float("-inf")

log = logging.getLogger("glid.store")


@dataclass(frozen=True, slots=True)
class ReplicaSettings:
    """Where the standby is and how stale a read from it may be."""

    url: str
    max_staleness: float = MAX_STALENESS_SECONDS

    @property
    def interval(self) -> float:
        """How often the lag is measured: a quarter of the bound, so a standby that keeps
        up is seen to within a quarter of the bound and is not left for a slow sample."""
        return self.max_staleness / 4


class NotAReplica(StoreError):
    """The database named as a read replica is not a PostgreSQL standby."""


class Replica:
    """A standby's connection pool and the thread that measures its lag."""

    def __init__(self, settings: ReplicaSettings, primary: Pool) -> None:
        self.settings = settings
        self.location = redacted(settings.url)
        self.caught_up_at = NEVER
        self.advances = 0
        self._primary = primary
        self._pool = open_pool(settings.url)
        self._samples: deque[tuple[float, int]] = deque(maxlen=SAMPLES_KEPT)
        self._replayed: int | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glid-replica-lag", daemon=True)

    @classmethod
    def follow(cls, settings: ReplicaSettings, primary: Pool) -> "Replica":
        """Check the standby is one, measure its lag once, and keep measuring it."""
        replica = cls(settings, primary)
        try:
            with Lent(replica._pool) as conn:
                row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
            if row is None or not row[0]:
                raise NotAReplica(
                    f"{replica.location} is not in recovery, so not a streaming replica of"
                    " the node's database; name a standby (pg_basebackup -R) as the read"
                    " replica"
                )
            replica.measure()
        except psycopg.Error as exc:
            replica._pool.close()
            raise StoreError(f"cannot use the read replica {replica.location}: {exc}") from exc
        except NotAReplica:
            replica._pool.close()
            raise
        replica._thread.start()
        return replica

    def fresh(self) -> bool:
        """Whether a read sent now misses at most ``max_staleness`` seconds of commits."""
        return time.monotonic() - self.caught_up_at <= self.settings.max_staleness

    @property
    def lag(self) -> float:
        """Seconds of commits the standby may be missing now (inf before it ever caught up)."""
        return time.monotonic() - self.caught_up_at

    @contextmanager
    def borrow(self) -> Iterator[Connection]:
        """A standby connection for one statement; a broken one counts the standby stale,
        so the statement's retry, and every read after it, goes to the primary."""
        try:
            with Lent(self._pool) as conn:
                yield conn
        except psycopg.OperationalError:
            self.caught_up_at = NEVER
            raise

    def measure(self) -> None:
        """Note the primary's WAL position now; move caught_up_at to the newest noted time
        the standby has replayed past."""
        noted = time.monotonic()
        with Lent(self._primary) as conn:
            self._samples.append((noted, _lsn(conn, "pg_current_wal_lsn()")))
        with Lent(self._pool) as conn:
            replayed = _lsn(conn, "pg_last_wal_replay_lsn()")
        if replayed != self._replayed:
            self._replayed = replayed
            self.advances += 1
        while self._samples and self._samples[0][1] <= replayed:
            self.caught_up_at = self._samples.popleft()[0]

    def _run(self) -> None:
        while not self._stopping.wait(self.settings.interval):
            try:
                self.measure()
            except psycopg.Error as exc:
                if self.fresh():
                    log.warning(
                        "cannot measure the lag of read replica %s (%s); reads go to the"
                        " primary until it answers and has caught up",
                        self.location,
                        exc,
                    )
                self.caught_up_at = NEVER

    def close(self) -> None:
        self._stopping.set()
        self._thread.join()
        self._pool.close()


def _lsn(conn: Connection, position: str) -> int:
    """A WAL position as a byte offset (``pg_lsn - '0/0'`` is numeric)."""
    row = conn.execute(f"SELECT ({position} - '0/0'::pg_lsn)::bigint").fetchone()
    if row is None or row[0] is None:
        raise psycopg.OperationalError(f"{position} is null: the server is not replaying WAL")
    return int(row[0])
