"""The node's signing keys: created at init, encrypted at rest, picked per prefix.

Private keys live as files in ``DIR/keys/`` (signing.keyfile: Argon2id + secretbox, mode
0600); the store holds their public JWK, purpose and prefix, so a node can tell which key
signs for which prefix without decrypting anything.
"""

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from registry.errors import NotFound
from registry.identifiers import Identifier, Prefix, owner_of
from registry.records import utc_timestamp
from registry.store import Store
from signing import keyfile
from signing.keys import SigningKey
from signing.record_signature import sign_record

KEY_DIR = "keys"


@dataclass(frozen=True, slots=True)
class KeyEntry:
    kid: str
    purpose: str
    prefix: str
    name: str | None
    jwk: dict[str, Any]
    key_file: str | None
    certificate: str | None
    created_at: str
    retired_at: str | None


def add_key(
    store: Store,
    conn: sqlite3.Connection,
    key: SigningKey,
    passphrase: bytes,
    *,
    prefix: str,
    purpose: str = "node",
    name: str | None = None,
) -> KeyEntry:
    """Save ``key`` encrypted under DIR/keys and record it; call inside Store.write()."""
    verify_key = key.verify_key
    path = store.directory / KEY_DIR / f"{verify_key.kid}.key"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    keyfile.save_signing_key(path, key, passphrase)
    entry = KeyEntry(
        verify_key.kid,
        purpose,
        prefix,
        name,
        verify_key.to_jwk(),
        str(path.relative_to(store.directory)),
        None,
        utc_timestamp(),
        None,
    )
    conn.execute(
        "INSERT INTO keys (kid, purpose, prefix, name, jwk, key_file, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (entry.kid, purpose, prefix, name, json.dumps(entry.jwk), entry.key_file, entry.created_at),
    )
    return entry


def _entry(row: tuple[Any, ...]) -> KeyEntry:
    kid, purpose, prefix, name, jwk, key_file, certificate, created_at, retired_at = row
    return KeyEntry(
        kid, purpose, prefix, name, json.loads(jwk), key_file, certificate, created_at, retired_at
    )


_KEY_COLUMNS = "kid, purpose, prefix, name, jwk, key_file, certificate, created_at, retired_at"


def list_keys(conn: sqlite3.Connection) -> list[KeyEntry]:
    rows = conn.execute(f"SELECT {_KEY_COLUMNS} FROM keys ORDER BY created_at, kid").fetchall()
    return [_entry(row) for row in rows]


def active_key(conn: sqlite3.Connection, prefix: str, purpose: str = "node") -> KeyEntry:
    row = conn.execute(
        f"SELECT {_KEY_COLUMNS} FROM keys WHERE prefix = ? AND purpose = ? AND retired_at IS NULL"
        " ORDER BY created_at DESC LIMIT 1",
        (prefix, purpose),
    ).fetchone()
    if row is None:
        raise NotFound(f"no active {purpose} key for prefix {prefix}; create one with `glid keys`")
    return _entry(row)


def set_certificate(conn: sqlite3.Connection, kid: str, certificate: str) -> None:
    conn.execute("UPDATE keys SET certificate = ? WHERE kid = ?", (certificate, kid))


def retire(conn: sqlite3.Connection, kid: str) -> None:
    conn.execute("UPDATE keys SET retired_at = ? WHERE kid = ?", (utc_timestamp(), kid))


def load_private(store: Store, entry: KeyEntry, passphrase: bytes) -> SigningKey:
    if entry.key_file is None:
        raise NotFound(f"key {entry.kid} has no private key file on this node")
    return keyfile.load_signing_key(Path(store.directory, entry.key_file), passphrase)


class NodeSigner:
    """Signs each record with the active key of the prefix that holds it."""

    def __init__(self, store: Store, passphrase: bytes) -> None:
        self.store = store
        self.passphrase = passphrase
        self._keys: dict[Prefix, SigningKey] = {}
        self._signing_prefixes = [
            Prefix.from_text(row[0])
            for row in store.conn.execute(
                "SELECT DISTINCT prefix FROM keys WHERE purpose = 'node' AND retired_at IS NULL"
            )
        ]

    def key_for(self, prefix: Prefix) -> SigningKey:
        owner = owner_of(prefix, self._signing_prefixes)
        if owner is None:
            raise NotFound(f"this node holds no signing key for prefix {prefix}")
        key = self._keys.get(owner)
        if key is None:
            entry = active_key(self.store.conn, str(owner))
            key = self._keys[owner] = load_private(self.store, entry, self.passphrase)
        return key

    def sign(
        self, handle: Identifier, version: int, values: list[dict[str, Any]], at: datetime
    ) -> str:
        return sign_record(str(handle), version, values, self.key_for(handle.prefix), at)
