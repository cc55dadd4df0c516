"""The ``templates`` table: every template version a node holds, with its review state."""

from dataclasses import dataclass

from registry.records import utc_timestamp
from registry.store.backend import Session

_COLUMNS = "body, state, reason, created_at, decided_at"


@dataclass(frozen=True, slots=True)
class TemplateRow:
    body: str  # the template's JSON, keys sorted
    state: str
    reason: str | None
    created_at: str
    decided_at: str | None


@dataclass(frozen=True, slots=True)
class NewTemplate:
    id: str
    version: str
    layer: str
    owner_prefix: str
    state: str
    body: str
    reason: str | None
    proposed_by: str
    decided: bool


class TemplateTable:
    """Template versions by id and version."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def refs(self) -> set[tuple[str, str]]:
        """Every (id, version) held."""
        return {(str(i), str(v)) for i, v in self.session.rows("SELECT id, version FROM templates")}

    def versions_of(self, template_id: str) -> list[str]:
        rows = self.session.rows("SELECT version FROM templates WHERE id = ?", (template_id,))
        return [str(row[0]) for row in rows]

    def get(self, template_id: str, version: str) -> TemplateRow | None:
        row = self.session.one(
            f"SELECT {_COLUMNS} FROM templates WHERE id = ? AND version = ?",
            (template_id, version),
        )
        return None if row is None else TemplateRow(*row)

    def all(self, state: str | None = None) -> list[TemplateRow]:
        """Every template, or those in review state ``state``."""
        query = f"SELECT {_COLUMNS} FROM templates"
        rows = (
            self.session.rows(query + " WHERE state = ?", (state,))
            if state is not None
            else self.session.rows(query)
        )
        return [TemplateRow(*row) for row in rows]

    def add(self, template: NewTemplate) -> None:
        """Store a new template version; inside a write transaction."""
        now = utc_timestamp()
        self.session.run(
            "INSERT INTO templates (id, version, layer, owner_prefix, state, body, reason,"
            " proposed_by, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                template.id,
                template.version,
                template.layer,
                template.owner_prefix,
                template.state,
                template.body,
                template.reason,
                template.proposed_by,
                now,
                now if template.decided else None,
            ),
        )

    def decide(
        self, template_id: str, version: str, *, was: str, state: str, reason: str | None
    ) -> bool:
        """Move a template from review state ``was`` to ``state``; False if it was no longer
        in ``was`` (another process decided it first). Inside a write transaction."""
        changed = self.session.run(
            "UPDATE templates SET state = ?, reason = ?, decided_at = ?"
            " WHERE id = ? AND version = ? AND state = ?",
            (state, reason, utc_timestamp(), template_id, version, was),
        )
        return changed == 1
