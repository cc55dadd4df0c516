"""The node store: the only code that knows SQL, behind one interface for every backend.

Layout
    :mod:`registry.store.backend`   the seam: ``Session`` (runs SQL) and ``Backend``
                                    (connections, transactions, change notification)
    :mod:`registry.store.sqlite`    the SQLite backend (one WAL file per node), and
    :mod:`registry.store.sqlite_schema` its schema migrations
    :mod:`registry.store.postgres`  the PostgreSQL backend (one database shared by many
                                    hosts), :mod:`~registry.store.postgres_schema` its
                                    migrations, :mod:`~registry.store.postgres_changes` its
                                    LISTEN/NOTIFY change notices,
                                    :mod:`~registry.store.postgres_pool` its connection
                                    pools, :mod:`~registry.store.postgres_replica` reads
                                    from a streaming replica
    :mod:`registry.store.copy`      every row of a store into another backend
    one module per table family     versions, log, prefixes, keys, revocations,
                                    principals, templates, delegations, meta, PACT
                                    clients: written once,
                                    in portable SQL, with intent-named methods

Contract
    - Reads: ``store.versions.get(handle)``, ``store.prefixes.entries()``, ... run outside
      any transaction and each sees a committed state.
    - Writes: ``with store.write() as tx: tx.versions.append(rows); tx.audit.add(...)``.
      ``tx`` holds the same table families, bound to one transaction that is serialised
      against every other writer of the store (any process, any host) before its first
      read, commits when the block ends and rolls back on any exception: a rejected or
      interrupted write leaves the store exactly as it was. Reads through ``tx`` see the
      transaction's own writes, so read-modify-write belongs inside one ``write()`` block.
      Transactions do not nest.
    - Change notification: :meth:`Store.change_mark` differs once another connection or
      process has committed; caches of answers, keys and templates compare it to drop
      what they hold. This process's own writes are the writer's to account for.
    - A store opened with ``read_only=True`` serves every read and refuses ``write()``
      with :class:`~registry.errors.StoreReadOnly`.
    - Methods raise glid errors (NotFound, StoreError, ...), never a driver's exception
      type for a condition the caller is expected to handle.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from registry.errors import NodeExists, NotANode, StoreError
from registry.records import utc_timestamp
from registry.store.backend import Backend, Session
from registry.store.delegations import DelegationRequestTable
from registry.store.keys import KeyTable
from registry.store.log import LogTables
from registry.store.meta import Audit, Meta
from registry.store.pact_clients import PactClientTable
from registry.store.postgres import PostgresBackend
from registry.store.postgres_replica import ReplicaSettings
from registry.store.prefixes import PrefixTable
from registry.store.principals import NonceTable, PrincipalTable
from registry.store.revocations import RevocationTable
from registry.store.sqlite import SqliteBackend
from registry.store.templates import TemplateTable
from registry.store.versions import Versions

DB_NAME = "node.db"
# A node whose data lives in PostgreSQL keeps the database URL in this file of its directory.
STORE_URL_FILE = "store.url"
ROLES = ("top", "secondary", "enterprise")


def store_exists(directory: Path) -> bool:
    """Whether ``directory`` already holds a node (either backend)."""
    return (directory / DB_NAME).exists() or (directory / STORE_URL_FILE).exists()


def open_backend(
    directory: Path,
    url: str | None,
    *,
    read_only: bool = False,
    create: bool = False,
    lock_wait: float | None = None,
    replica: ReplicaSettings | None = None,
) -> Backend:
    """The PostgreSQL database at ``url``, or else the SQLite file of ``directory``;
    ``lock_wait`` bounds a writer's wait for another writer (the backend's default if None);
    reads go to the streaming ``replica`` while it is fresh enough (PostgreSQL only)."""
    if url is not None:
        if lock_wait is None:
            return PostgresBackend(url, read_only=read_only, replica=replica)
        return PostgresBackend(url, read_only=read_only, lock_wait=lock_wait, replica=replica)
    if replica is not None:
        raise StoreError(
            f"{directory} keeps its data in SQLite, which has no streaming replicas; a read"
            " replica needs a node on PostgreSQL (glid store copy moves one there)"
        )
    path = directory / DB_NAME
    if lock_wait is None:
        return SqliteBackend(path, read_only=read_only, create=create)
    return SqliteBackend(path, read_only=read_only, create=create, busy_timeout=lock_wait)


@dataclass(frozen=True, slots=True)
class NodeInfo:
    role: str
    prefix: str
    created_at: str
    directory: Path


class Tables:
    """The table families, bound to one session (the store's reads or one transaction)."""

    def __init__(self, session: Session) -> None:
        self.meta = Meta(session)
        self.audit = Audit(session)
        self.versions = Versions(session)
        self.log = LogTables(session)
        self.prefixes = PrefixTable(session)
        self.keys = KeyTable(session)
        self.revocations = RevocationTable(session)
        self.principals = PrincipalTable(session)
        self.nonces = NonceTable(session)
        self.templates = TemplateTable(session)
        self.delegations = DelegationRequestTable(session)
        self.pact_clients = PactClientTable(session)


class Store(Tables):
    """A node's store. Open one with :meth:`open` or create one with :meth:`create`.

    The data lives in ``DIR/node.db`` (SQLite, the default) or, when ``DIR/store.url``
    exists, in the PostgreSQL database it names; keys and settings stay in ``DIR`` either way.
    """

    def __init__(self, directory: Path, backend: Backend) -> None:
        super().__init__(backend.reads)
        self.directory = directory
        self.backend = backend
        self.node = self._read_node()

    @classmethod
    def create(
        cls, directory: Path | str, *, role: str, prefix: str, url: str | None = None
    ) -> "Store":
        """A new node in ``directory``; its data in PostgreSQL at ``url`` when one is given."""
        directory = Path(directory)
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        if store_exists(directory):
            raise NodeExists(f"{directory} already holds a glid node")
        directory.mkdir(parents=True, exist_ok=True)
        backend = open_backend(directory, url, create=True)
        if Tables(backend.reads).meta.all():
            backend.close()
            raise NodeExists(f"{backend.location} already holds a glid node")
        now = utc_timestamp()
        with backend.transaction() as session:
            tables = Tables(session)
            for key, value in (("role", role), ("prefix", prefix), ("created_at", now)):
                tables.meta.set(key, value)
            tables.prefixes.put(prefix, "own")
        if url is not None:
            url_file = directory / STORE_URL_FILE
            url_file.touch(mode=0o600)
            url_file.write_text(url + "\n")
        return cls(directory, backend)

    @classmethod
    def open(
        cls,
        directory: Path | str,
        *,
        read_only: bool = False,
        lock_wait: float | None = None,
        replica: ReplicaSettings | None = None,
    ) -> "Store":
        """Open a node's store; ``read_only`` opens it for reads only (no migration).

        ``lock_wait`` bounds how long a write waits for another writer's lock before it
        fails with StoreUnavailable (the backend's default when None); ``replica`` names
        a PostgreSQL standby to read from while it is within its staleness bound."""
        directory = Path(directory)
        if not store_exists(directory):
            raise NotANode(
                f"{directory} is not a glid node (no {DB_NAME} or {STORE_URL_FILE});"
                " run `glid init` first"
            )
        url_file = directory / STORE_URL_FILE
        url = url_file.read_text().strip() if url_file.exists() else None
        backend = open_backend(
            directory, url, read_only=read_only, lock_wait=lock_wait, replica=replica
        )
        return cls(directory, backend)

    def _read_node(self) -> NodeInfo:
        # Only the node's facts: meta also holds a statement row per identifier.
        facts = {key: self.meta.get(key) for key in ("role", "prefix", "created_at")}
        meta = {key: value for key, value in facts.items() if value is not None}
        missing = facts.keys() - meta.keys()
        if missing:
            raise NotANode(
                f"{self.backend.location} has a store without {', '.join(sorted(missing))};"
                " it was not made by `glid init`"
            )
        return NodeInfo(meta["role"], meta["prefix"], meta["created_at"], self.directory)

    @property
    def read_only(self) -> bool:
        return self.backend.read_only

    @contextmanager
    def write(self) -> Iterator[Tables]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self.backend.transaction() as session:
            yield Tables(session)

    def change_mark(self) -> int:
        """A value that changes once another connection or process has committed."""
        return self.backend.change_mark()

    def ping(self) -> None:
        """Run a trivial query: raises if the store cannot answer (for /healthz)."""
        self.backend.reads.one("SELECT 1")

    def schema_version(self) -> int:
        return self.backend.schema_version()

    def integrity_check(self) -> str:
        return self.backend.integrity_check()

    def close(self) -> None:
        self.backend.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
