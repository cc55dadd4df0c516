"""The SQLite node store's schema, as an ordered list of migrations.

``PRAGMA user_version`` holds how many migrations a store has had. Opening a store applies
the missing ones, each in its own transaction, so the daemon and every command see the
same schema and an interrupted upgrade leaves the previous version intact.
"""

import sqlite3

from registry.errors import StoreError

_APPEND_ONLY = """
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never changed'); END;
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only: rows are never deleted'); END;
"""


_INITIAL = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE prefixes (
        prefix TEXT PRIMARY KEY,
        relation TEXT NOT NULL CHECK (relation IN ('own', 'hosted', 'delegated', 'parent')),
        site TEXT,
        certificate TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE identifiers (
        handle TEXT PRIMARY KEY,
        prefix TEXT NOT NULL,
        current_version INTEGER NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX identifiers_by_prefix ON identifiers (prefix, handle);
    -- A rowid table: a version row is about a kilobyte, too wide for WITHOUT ROWID.
    CREATE TABLE record_versions (
        handle TEXT NOT NULL,
        version INTEGER NOT NULL,
        record BLOB NOT NULL,
        signature TEXT,
        deleted INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        actor TEXT NOT NULL,
        UNIQUE (handle, version)
    );
    CREATE TABLE templates (
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        layer TEXT NOT NULL,
        owner_prefix TEXT NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        reason TEXT,
        proposed_by TEXT,
        created_at TEXT NOT NULL,
        decided_at TEXT,
        PRIMARY KEY (id, version)
    );
    CREATE TABLE keys (
        kid TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('node', 'device')),
    prefix TEXT NOT NULL,
        name TEXT,
        jwk TEXT NOT NULL,
        key_file TEXT,
        certificate TEXT,
        created_at TEXT NOT NULL,
        retired_at TEXT
    );
    CREATE TABLE certificates (
        jti TEXT PRIMARY KEY,
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        kid TEXT NOT NULL,
        token TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE revocations (
        id INTEGER PRIMARY KEY,
        kid TEXT,
        prefix TEXT,
        reason TEXT NOT NULL CHECK (reason IN ('compromised', 'superseded')),
        at TEXT NOT NULL,
        list TEXT
    );
    CREATE TABLE log_leaves (
        leaf_index INTEGER PRIMARY KEY,
        handle TEXT NOT NULL,
        version INTEGER NOT NULL,
        leaf BLOB NOT NULL,
        UNIQUE (handle, version)
    );
    CREATE TABLE log_nodes (
        level INTEGER NOT NULL,
        node_index INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, node_index)
    ) WITHOUT ROWID;
    CREATE TABLE principals (
        identity TEXT PRIMARY KEY,
        prefix TEXT NOT NULL,
        secret_hash TEXT,
        public_jwk TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT
    );
    """ + "".join(
    _APPEND_ONLY.format(table=table)
    for table in ("record_versions", "log_leaves", "log_nodes", "audit")
)

# Nonces of signed write requests (docs/protocol/auth.md), kept until their timestamp
# leaves the accepted window so a replayed request is refused by every worker.
_REQUEST_NONCES = """
    CREATE TABLE request_nonces (
        identity TEXT NOT NULL,
        nonce TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (identity, nonce)
    ) WITHOUT ROWID;
    CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
    """

_DELEGATION_REQUESTS = """
    CREATE TABLE delegation_requests (
        prefix TEXT PRIMARY KEY,
        request TEXT NOT NULL,
        site TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
        chain TEXT,
        reason TEXT,
        received_at TEXT NOT NULL,
        decided_at TEXT
    );
"""

# Key order without rowid: ``seq`` numbers keys in insertion order, so "the newest key"
# means the same on every backend.
_KEY_ORDER = """
    ALTER TABLE keys ADD COLUMN seq INTEGER;
    UPDATE keys SET seq = rowid;
    CREATE INDEX keys_by_prefix ON keys (prefix, purpose, created_at, seq);
"""

# PACT buyers (registry/store/pact_clients.py): credentials the operator hands out, and the
# bearer tokens issued against them (only hashes of secrets and tokens are kept).
_PACT_CLIENTS = """
    CREATE TABLE pact_clients (
        client_id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        secret_hash TEXT NOT NULL,
        callback_url TEXT,
        callback_client_id TEXT,
        callback_secret TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE pact_tokens (
        token_hash TEXT PRIMARY KEY,
        client_id TEXT NOT NULL REFERENCES pact_clients (client_id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX pact_tokens_by_expiry ON pact_tokens (expires_at);
"""

# Each entry is one SQL script; never edit a released entry, append a new one.
MIGRATIONS: list[str] = [
    _INITIAL,
    _REQUEST_NONCES,
    _DELEGATION_REQUESTS,
    _KEY_ORDER,
    _PACT_CLIENTS,
]


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def check_current(conn: sqlite3.Connection) -> None:
    """Refuse a store whose schema differs from this glid's: a read-only open cannot migrate."""
    current = schema_version(conn)
    if current != len(MIGRATIONS):
        raise StoreError(
            f"store schema version {current} differs from this glid's ({len(MIGRATIONS)});"
            " open the store writable once (any glid command) to migrate it"
        )


def apply(conn: sqlite3.Connection) -> int:
    """Bring the schema up to date; returns the number of migrations applied."""
    current = schema_version(conn)
    if current > len(MIGRATIONS):
        raise StoreError(
            f"store schema version {current} is newer than this glid knows"
            f" ({len(MIGRATIONS)}); upgrade glid before opening it"
        )
    for number, migration in enumerate(MIGRATIONS[current:], start=current + 1):
        # executescript commits any open transaction first, so the script carries its own.
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{migration}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return len(MIGRATIONS) - current
