"""Hearing about commits from other hosts: PostgreSQL's LISTEN/NOTIFY.

Every write transaction on a PostgreSQL node ends with ``NOTIFY glid_changes``; the
server delivers it when, and only when, the transaction commits. :class:`Changes` keeps
one listening connection per process and counts what it hears: that count is the store's
change mark, the PostgreSQL counterpart of SQLite's ``data_version``. A cache that sees
the mark move drops what it holds, so another host's write shows here as soon as the
notification arrives (a millisecond or two on one network), with no polling query.

If the listening connection breaks, notifications sent meanwhile are lost, so the mark
moves (everything cached is dropped) and the thread reconnects, retrying every second.
"""

import logging
import threading

import psycopg

CHANNEL = "glid_changes"
RECONNECT_SECONDS = 1.0
POLL_SECONDS = 0.5  # how often the thread looks at its stop flag

log = logging.getLogger("glid.store")


class Changes:
    """A thread that moves :attr:`mark` on every commit to the node's database."""

    def __init__(self, url: str, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self.url = url
        self.mark = 0
        self._conn: psycopg.Connection[tuple[object, ...]] | None = conn
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="glid-store-changes", daemon=True)

    @classmethod
    def listen(cls, url: str) -> "Changes":
        """Start listening; commits after this returns always move the mark."""
        changes = cls(url, _listening(url))
        changes._thread.start()
        return changes

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._conn is None:
                    self._conn = _listening(self.url)
                for _ in self._conn.notifies(timeout=POLL_SECONDS):
                    self.mark += 1
            except psycopg.Error as exc:
                self.mark += 1
                log.warning(
                    "lost the change notifications of the node's PostgreSQL database (%s);"
                    " caches are dropped and listening resumes when the server answers",
                    exc,
                )
                self._close()
                self._stopping.wait(RECONNECT_SECONDS)
        self._close()

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _listening(url: str) -> psycopg.Connection[tuple[object, ...]]:
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn
