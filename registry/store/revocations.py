"""The ``revocations`` table: what this node revoked, and the list it publishes.

Only the newest signed list is kept (in its entry's ``list`` column); entries keep their
insertion order (``id``), which is the order the list carries them in.
"""

from dataclasses import dataclass

from registry.store.backend import Session


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
        """The signed list(s) this node serves, oldest first (normally exactly one)."""
        rows = self.session.rows("SELECT list FROM revocations WHERE list IS NOT NULL ORDER BY id")
        seen: dict[str, None] = dict.fromkeys(str(row[0]) for row in rows)
        return list(seen)

    def add(self, entry: RevocationRow) -> int:
        """Append one entry; returns its id. Inside a write transaction."""
        row = self.session.one(
            "INSERT INTO revocations (kid, prefix, reason, at) VALUES (?, ?, ?, ?) RETURNING id",
            (entry.kid, entry.prefix, entry.reason, entry.at),
        )
        assert row is not None  # RETURNING always yields the inserted row
        return int(row[0])

    def publish(self, entry_id: int, token: str) -> None:
        """Make ``token`` the one published list, kept on entry ``entry_id``."""
        self.session.run("UPDATE revocations SET list = NULL WHERE list IS NOT NULL")
        self.session.run("UPDATE revocations SET list = ? WHERE id = ?", (token, entry_id))
