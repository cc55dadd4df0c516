"""The ``prefixes`` table: the prefixes a node answers for, and the ones it delegated."""

from dataclasses import dataclass

from registry.errors import NotFound
from registry.records import utc_timestamp
from registry.store.backend import Session

_COLUMNS = "prefix, relation, site, certificate, created_at"


@dataclass(frozen=True, slots=True)
class PrefixEntry:
    prefix: str
    relation: str  # own | hosted | delegated | parent
    site: str | None
    certificate: str | None
    created_at: str


class PrefixTable:
    """Reads and upserts prefix entries."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def entries(self) -> list[PrefixEntry]:
        """Every entry, sorted by prefix."""
        rows = self.session.rows(f"SELECT {_COLUMNS} FROM prefixes ORDER BY prefix")
        return [PrefixEntry(*row) for row in rows]

    def find(self, prefix: str) -> PrefixEntry:
        row = self.session.one(f"SELECT {_COLUMNS} FROM prefixes WHERE prefix = ?", (prefix,))
        if row is None:
            raise NotFound(f"prefix {prefix} is not known to this node")
        return PrefixEntry(*row)

    def authoritative(self) -> list[str]:
        """The prefixes this node stores records for (own and hosted)."""
        rows = self.session.rows("SELECT prefix FROM prefixes WHERE relation IN ('own', 'hosted')")
        return [str(row[0]) for row in rows]

    def put(
        self,
        prefix: str,
        relation: str,
        *,
        site: str | None = None,
        certificate: str | None = None,
    ) -> None:
        """Add an entry or change its relation; a None site or certificate keeps the old one."""
        self.session.run(
            f"INSERT INTO prefixes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (prefix) DO UPDATE SET relation = excluded.relation,"
            " site = coalesce(excluded.site, prefixes.site),"
            " certificate = coalesce(excluded.certificate, prefixes.certificate)",
            (prefix, relation, site, certificate, utc_timestamp()),
        )
