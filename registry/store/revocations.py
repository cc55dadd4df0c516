"""The ``revocations`` table: what this node revoked, and the lists it publishes and carries.

Only the newest signed list is kept, in the ``meta`` row ``revocation_list`` (it is
re-issued while no entry changes, so it cannot live on an entry row; stores from before
kept it in the newest entry's ``list`` column, which is still read). The lists of the
issuers above this node, as its parent handed them over, are the ``meta`` row
``issuer_lists`` (a JSON array). Entries keep their insertion order (``id``), which is the
order the list carries them in.
"""

import json
from dataclasses import dataclass

from registry.store.backend import Session

LIST_META = "revocation_list"
ISSUER_LISTS_META = "issuer_lists"


@dataclass(frozen=True, slots=True)
class RevocationRow:
    kid: str | None
    prefix: str | None
    reason: str  # compromised | superseded
    at: str  # ISO UTC


class RevocationTable:
    """Entries and the published list."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self) -> list[RevocationRow]:
        """Every entry, in the order they were added."""
        rows = self.session.rows("SELECT kid, prefix, reason, at FROM revocations ORDER BY id")
        return [RevocationRow(*row) for row in rows]

    def of_kid(self, kid: str) -> list[RevocationRow]:
        rows = self.session.rows(
            "SELECT kid, prefix, reason, at FROM revocations WHERE kid = ? ORDER BY id", (kid,)
        )
        return [RevocationRow(*row) for row in rows]

    def published(self) -> list[str]:
        """The signed list this node last issued, as a list of at most one JWS."""
        row = self.session.one("SELECT value FROM meta WHERE key = ?", (LIST_META,))
        if row is None:  # a store from before lists were kept in meta
            row = self.session.one(
                "SELECT list FROM revocations WHERE list IS NOT NULL ORDER BY id DESC LIMIT 1"
            )
        return [] if row is None else [str(row[0])]

    def issuer_lists(self) -> list[str]:
        """The lists of the nodes above this one, as last handed over by the parent."""
        row = self.session.one("SELECT value FROM meta WHERE key = ?", (ISSUER_LISTS_META,))
        return [] if row is None else [str(token) for token in json.loads(row[0])]

    def add(self, entry: RevocationRow) -> None:
        """Append one entry; inside a write transaction."""
        self.session.run(
            "INSERT INTO revocations (kid, prefix, reason, at) VALUES (?, ?, ?, ?)",
            (entry.kid, entry.prefix, entry.reason, entry.at),
        )

    def publish(self, token: str) -> None:
        """Make ``token`` the one published list; inside a write transaction."""
        self._set(LIST_META, token)

    def keep_issuer_lists(self, tokens: list[str]) -> None:
        """Replace the issuer lists; inside a write transaction."""
        self._set(ISSUER_LISTS_META, json.dumps(tokens))

    def _set(self, key: str, value: str) -> None:
        self.session.run(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
