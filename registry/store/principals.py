"""The ``principals`` and ``request_nonces`` tables: who may write, and used request nonces."""

import json
from dataclasses import dataclass
from typing import Any

from glid_core.identifiers import Prefix
from registry.records import utc_timestamp
from registry.store.backend import Session


@dataclass(frozen=True, slots=True)
class Principal:
    identity: str
    prefix: str
    secret_hash: str | None
    public_jwk: dict[str, Any] | None

    @property
    def zone(self) -> Prefix:
        return Prefix.from_text(self.prefix)


class PrincipalTable:
    """Admin identities with their password hash or public key."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def put(self, principal: Principal) -> None:
        """Add an identity or replace its credentials; inside a write transaction."""
        self.session.run(
            "INSERT INTO principals (identity, prefix, secret_hash, public_jwk, created_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (identity) DO UPDATE SET"
            " secret_hash = excluded.secret_hash, public_jwk = excluded.public_jwk",
            (
                principal.identity,
                principal.prefix,
                principal.secret_hash,
                None if principal.public_jwk is None else json.dumps(principal.public_jwk),
                utc_timestamp(),
            ),
        )

    def get(self, identity: str) -> Principal | None:
        """The identity written canonically (``300:88.101.7/admin``), or None."""
        row = self.session.one(
            "SELECT identity, prefix, secret_hash, public_jwk FROM principals WHERE identity = ?",
            (identity,),
        )
        if row is None:
            return None
        identity, prefix, secret_hash, jwk = row
        return Principal(identity, prefix, secret_hash, None if jwk is None else json.loads(jwk))


class NonceTable:
    """Nonces of signed requests, kept until their acceptance window has passed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def remember(self, identity: str, nonce: str, *, expires_at: int, now: int) -> bool:
        """Record the pair until ``expires_at``; False if it was already recorded. Drops
        expired nonces first. Inside a write transaction."""
        self.session.run("DELETE FROM request_nonces WHERE expires_at < ?", (now,))
        added = self.session.run(
            "INSERT INTO request_nonces (identity, nonce, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (identity, nonce) DO NOTHING",
            (identity, nonce, expires_at),
        )
        return added == 1

    def count(self) -> int:
        row = self.session.one("SELECT count(*) FROM request_nonces")
        return int(row[0]) if row else 0
