"""The ``keys`` and ``certificates`` tables: the node's public keys and what it certified.

Private keys never enter the store: a row names the key file that holds one. Rows are kept
in insertion order (``seq``), which decides which of two keys made in the same second is
the newer.
"""

import json
from dataclasses import dataclass
from typing import Any

from registry.errors import NotFound
from registry.records import utc_timestamp
from registry.store.backend import Row, Session


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


_COLUMNS = "kid, purpose, prefix, name, jwk, key_file, certificate, created_at, retired_at"


def _entry(row: Row) -> KeyEntry:
    kid, purpose, prefix, name, jwk, key_file, certificate, created_at, retired_at = row
    return KeyEntry(
        kid, purpose, prefix, name, json.loads(jwk), key_file, certificate, created_at, retired_at
    )


class KeyTable:
    """Public keys by kid, prefix and purpose, and the certificates this node issued."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entry: KeyEntry) -> None:
        """Record a new key (without certificate); inside a write transaction."""
        self.session.run(
            "INSERT INTO keys (kid, purpose, prefix, name, jwk, key_file, created_at, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM keys))",
            (
                entry.kid,
                entry.purpose,
                entry.prefix,
                entry.name,
                json.dumps(entry.jwk),
                entry.key_file,
                entry.created_at,
            ),
        )

    def all(self) -> list[KeyEntry]:
        """Every key, oldest first."""
        rows = self.session.rows(f"SELECT {_COLUMNS} FROM keys ORDER BY created_at, seq")
        return [_entry(row) for row in rows]

    def find(self, kid: str) -> KeyEntry:
        row = self.session.one(f"SELECT {_COLUMNS} FROM keys WHERE kid = ?", (kid,))
        if row is None:
            raise NotFound(f"key {kid} is not in this node's keys; see `glid keys list`")
        return _entry(row)

    def of_prefix(self, prefix: str, purpose: str) -> list[KeyEntry]:
        """The keys of one prefix and purpose, newest first, retired ones included."""
        rows = self.session.rows(
            f"SELECT {_COLUMNS} FROM keys WHERE prefix = ? AND purpose = ?"
            " ORDER BY created_at DESC, seq DESC",
            (prefix, purpose),
        )
        return [_entry(row) for row in rows]

    def newest_signing(self, prefix: str) -> KeyEntry | None:
        """The newest node key of ``prefix`` not retired from record signing."""
        row = self.session.one(
            f"SELECT {_COLUMNS} FROM keys WHERE prefix = ? AND purpose = 'node'"
            " AND retired_at IS NULL ORDER BY created_at DESC, seq DESC LIMIT 1",
            (prefix,),
        )
        return None if row is None else _entry(row)

    def signing_prefixes(self) -> list[str]:
        """Every prefix that has a node key still signing records."""
        rows = self.session.rows(
            "SELECT DISTINCT prefix FROM keys WHERE purpose = 'node' AND retired_at IS NULL"
        )
        return [str(row[0]) for row in rows]

    def device_named(self, name: str) -> str | None:
        """The kid of the device key called ``name``, if there is one."""
        row = self.session.one(
            "SELECT kid FROM keys WHERE purpose = 'device' AND name = ?", (name,)
        )
        return None if row is None else str(row[0])

    def set_certificate(self, kid: str, certificate: str) -> None:
        """Attach a key's certificate chain (JSON array); inside a write transaction."""
        self.session.run("UPDATE keys SET certificate = ? WHERE kid = ?", (certificate, kid))

    def retire(self, kid: str) -> None:
        """Stop a key signing records from now; a retired key keeps its first retirement."""
        self.session.run(
            "UPDATE keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL",
            (utc_timestamp(), kid),
        )

    def add_certificate(self, jti: str, issuer: str, subject: str, kid: str, token: str) -> None:
        """Keep a certificate this node issued; inside a write transaction."""
        self.session.run(
            "INSERT INTO certificates (jti, issuer, subject, kid, token, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (jti, issuer, subject, kid, token, utc_timestamp()),
        )

    def knows_kid(self, kid: str) -> bool:
        """Whether ``kid`` is one of this node's keys or a key it certified."""
        return (
            self.session.one("SELECT 1 FROM keys WHERE kid = ?", (kid,)) is not None
            or self.session.one("SELECT 1 FROM certificates WHERE kid = ?", (kid,)) is not None
        )
