"""The ``meta`` table (node facts and small node-wide values) and the ``audit`` trail."""

import json

from registry.records import utc_timestamp
from registry.store.backend import Session


class Meta:
    """Named values: role, prefix and creation time of the node, its latest checkpoint, and
    one ``latest:<handle>`` row per identifier with the node's statement of its newest
    version (registry.latest)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.session.rows("SELECT key, value FROM meta")}

    def get(self, key: str) -> str | None:
        row = self.session.one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set(self, key: str, value: str) -> None:
        """Insert or replace one value; inside a write transaction."""
        self.set_many([(key, value)])

    def set_many(self, items: list[tuple[str, str]]) -> None:
        """Insert or replace (key, value) pairs; inside a write transaction."""
        self.session.run_many(UPSERT_META, items)


UPSERT_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?)"
    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)


INSERT_AUDIT = "INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)"


class Audit:
    """The append-only audit trail: who changed what, when."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, actor: str, action: str, target: str, detail: object = None) -> None:
        """Append one row; ``detail`` is stored as JSON."""
        self.session.run(
            INSERT_AUDIT,
            (
                utc_timestamp(),
                actor,
                action,
                target,
                None if detail is None else json.dumps(detail),
            ),
        )

    def add_versions(
        self, at: str, actor: str, action: str, versions: list[tuple[str, int]]
    ) -> None:
        """Append one row per (handle, version) written by a batch."""
        self.session.run_many(
            INSERT_AUDIT,
            [
                (at, actor, action, handle, f'{{"version": {number}}}')
                for handle, number in versions
            ],
        )
