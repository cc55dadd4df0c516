"""The seam a storage engine plugs into: a session that runs portable SQL, and transactions.

The table families (:mod:`registry.store.versions`, :mod:`registry.store.log`, ...) are
written once, in SQL that SQLite and PostgreSQL both accept, against :class:`Session`. A
backend supplies sessions and everything that is engine-specific: connecting, the schema
and its migrations, how a write transaction serialises against other writers, and how a
process learns that another one has committed. Nothing engine-specific (sqlite3 types or
exceptions, PRAGMA, rowid, ``INSERT OR IGNORE``) is visible above this module's
implementations.

SQL text handed to a session uses ``?`` placeholders, no engine-specific functions, and
``ON CONFLICT (...) DO UPDATE/NOTHING`` for upserts; a backend whose driver spells
placeholders differently translates them (our statements hold no literal ``?``).
"""

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple, Protocol

from registry.errors import StoreReadOnly

Row = tuple[Any, ...]
Params = Sequence[object]


class Session(Protocol):
    """Runs statements on one connection, inside whatever transaction it is in."""

    def rows(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row a query returns."""
        ...

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row a query returns, or None."""
        ...

    def run(self, sql: str, params: Params = ()) -> int:
        """Execute one statement; return how many rows it changed."""
        ...

    def run_many(self, sql: str, params: Iterable[Params]) -> None:
        """Execute one statement once per parameter tuple."""
        ...


class Lease(NamedTuple):
    """Tokens taken from a node-wide bucket, or else how long until ``need`` would be."""

    granted: float
    wait: float


class SharedBuckets(Protocol):
    """Token buckets every process and host of a node draws from (rate limits per node)."""

    def lease(self, key: str, need: float, want: float, rate: float, burst: float) -> Lease:
        """Take between ``need`` and ``want`` tokens from bucket ``key`` (full when new,
        refilled at ``rate`` per second up to ``burst``); none if fewer than ``need`` are
        left, with the seconds until there will be."""
        ...


class Backend(ABC):
    """One open store on one storage engine.

    Contract (every backend, checked by tests/registry/test_store.py):

    - :attr:`reads` answers queries outside any write transaction, each statement seeing
      a committed state (SQLite: autocommit on a WAL connection).
    - :meth:`transaction` opens one write transaction and yields the session to write
      through. It is serialised against every other writer of the same store, in this
      process or any other, *before* the first read inside it (SQLite ``BEGIN IMMEDIATE``;
      PostgreSQL: a transaction-level advisory lock), so a read-modify-write inside it
      cannot lose another writer's change, and the transparency log gets one total order.
      It commits when the block ends and rolls back on any exception, leaving the store
      exactly as it was. Transactions do not nest.
    - :meth:`change_mark` returns an opaque value that differs once another connection or
      process has committed since it was last read; caches compare it for equality to
      drop what they hold (SQLite ``PRAGMA data_version``; PostgreSQL: a counter bumped
      by LISTEN/NOTIFY). It must be cheap: caches call it up to every 10 ms.
    - A backend opened read-only refuses :meth:`transaction` with StoreReadOnly and
      serves every read.
    """

    read_only: bool
    location: str  # the file or database, as an operator names it (never a password)
    _session: Session

    @property
    def reads(self) -> Session:
        """The session for reads outside a write transaction."""
        return self._session

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Session]:
        """One serialised write transaction (see the class docstring)."""

    def check_writable(self) -> None:
        """Raise StoreReadOnly when this backend was opened read-only."""
        if self.read_only:
            raise StoreReadOnly(
                f"the store {self.location} is open read-only; run the write on the node's"
                " writable instance"
            )

    @abstractmethod
    def change_mark(self) -> int:
        """A value that changes when another connection has committed."""

    @abstractmethod
    def schema_version(self) -> int:
        """How many of the backend's migrations the store has had."""

    @abstractmethod
    def integrity_check(self) -> str:
        """'ok', or the engine's description of what is damaged."""

    @abstractmethod
    def table_names(self) -> list[str]:
        """The node's tables, sorted (the engine's own bookkeeping tables left out)."""

    @abstractmethod
    def column_names(self, table: str) -> list[str]:
        """The columns of ``table`` in their order (``glid store copy`` lists them)."""

    @abstractmethod
    def after_copy(self, session: Session) -> None:
        """Bring generated numbering past rows copied in with their numbers (store copy)."""

    def shared_buckets(self) -> SharedBuckets | None:
        """Node-wide rate buckets, or None where each process keeps its own (SQLite: a
        write per lease would queue behind the node's one writer)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release the connection(s)."""


def in_chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """Split a long ``IN (...)`` list: engines bound the number of parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
