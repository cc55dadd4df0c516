"""The ``delegation_requests`` table: children's requests for a certificate, and decisions."""

from dataclasses import dataclass

from registry.records import utc_timestamp
from registry.store.backend import Session

_COLUMNS = "prefix, request, site, state, received_at, reason, chain"


@dataclass(frozen=True, slots=True)
class RequestRow:
    prefix: str
    request: str  # the delegation-request.json as received
    site: str | None
    state: str  # pending | approved | rejected
    received_at: str
    reason: str | None
    chain: str | None  # JSON array of certificates, once approved


class DelegationRequestTable:
    """One request per prefix; a new request replaces the old one unless it was approved."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def submit(self, prefix: str, request: str, site: str | None) -> None:
        """Store a pending request; inside a write transaction."""
        self.session.run(
            "INSERT INTO delegation_requests (prefix, request, site, state, received_at)"
            " VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (prefix) DO UPDATE SET"
            " request = excluded.request, site = excluded.site, state = 'pending',"
            " received_at = excluded.received_at, reason = NULL, chain = NULL,"
            " decided_at = NULL WHERE delegation_requests.state != 'approved'",
            (prefix, request, site, utc_timestamp()),
        )

    def get(self, prefix: str) -> RequestRow | None:
        row = self.session.one(
            f"SELECT {_COLUMNS} FROM delegation_requests WHERE prefix = ?", (prefix,)
        )
        return None if row is None else RequestRow(*row)

    def all(self) -> list[RequestRow]:
        """Every request, oldest first."""
        rows = self.session.rows(f"SELECT {_COLUMNS} FROM delegation_requests ORDER BY received_at")
        return [RequestRow(*row) for row in rows]

    def decide(self, prefix: str, state: str, reason: str | None, chain: str | None) -> None:
        """Record the operator's decision; inside a write transaction."""
        self.session.run(
            "UPDATE delegation_requests SET state = ?, reason = ?, chain = ?, decided_at = ?"
            " WHERE prefix = ?",
            (state, reason, chain, utc_timestamp(), prefix),
        )
