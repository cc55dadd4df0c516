"""A node's templates: the built-ins, proposals and their review, stored in the node store.

The catalog is where templates meet the store; the rules themselves (inheritance, review
transitions, validation) live in templates_meta and are only applied here. A template
body never changes once stored under its ID@VERSION: a corrected proposal is a new
version. Records and extensions may use approved and published templates only, and the
catalog doubles as the registrar's template checker.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from glid_core.layout import FIRST_ITEM_INDEX, TEMPLATE_INDEX
from registry.store import Store, Tables
from registry.store.templates import NewTemplate, TemplateRow
from templates_meta import review as rules
from templates_meta.builtin import builtin_templates
from templates_meta.errors import (
    AlreadyDecided,
    InvalidTemplate,
    InvalidTransition,
    RecordInvalid,
    TemplateImmutable,
    UnknownTemplate,
)
from templates_meta.inherit import EffectiveTemplate, effective_template
from templates_meta.model import Template, is_identifier, normalise_id, parse_template, split_ref
from templates_meta.review import Review, ReviewState
from templates_meta.validate import FieldError, check_values, referenced_template

BUILTIN_ACTOR = "builtin"
_BUILTIN_REFS = frozenset(template.ref for template in builtin_templates())
USABLE = frozenset({ReviewState.APPROVED, ReviewState.PUBLISHED})
"""States in which records may follow a template and other templates may extend it."""


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    template: Template
    review: Review
    created_at: str
    decided_at: str | None

    @property
    def ref(self) -> str:
        return self.template.ref

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "id": self.template.id,
            "version": self.template.version,
            "layer": str(self.template.layer),
            "extends": self.template.extends,
            "title": self.template.title.model_dump(),
            "state": str(self.review.state),
            "owner": self.review.proposer,
            "reviewer": self.review.reviewer,
            "reason": self.review.reason,
            "created_at": self.created_at,
            "decided_at": self.decided_at,
        }


def _version_key(version: str) -> tuple[int, int, int, int, str]:
    """Semantic-version order: a pre-release sorts before its release."""
    core, _, _build = version.partition("+")
    numbers, dash, pre = core.partition("-")
    major, minor, patch = (int(part) for part in numbers.split("."))
    return major, minor, patch, 0 if dash else 1, pre


class TemplateCatalog:
    """The templates of one node. Open it with :meth:`open`, which installs the built-ins."""

    def __init__(self, store: Store) -> None:
        self.store = store
        node = store.node
        self.prefix = node.prefix
        self.top = node.prefix if node.role == "top" else node.prefix.split(".")[0]
        self._usable: dict[str, Template] = {}
        self._effective: dict[str, EffectiveTemplate] = {}

    @classmethod
    def open(cls, store: Store) -> "TemplateCatalog":
        catalog = cls(store)
        catalog.install_builtins()
        return catalog

    # -- reading --------------------------------------------------------------------------

    def install_builtins(self) -> int:
        """Store the built-in templates as published, once; returns how many were added.

        Several worker processes may open the same store at once, so what is missing is
        decided again inside the write transaction, which only one of them holds at a time.
        """
        if not self._missing_builtins(self.store):
            return 0
        with self.store.write() as tx:
            missing = self._missing_builtins(tx)
            for template in missing:
                published = self._review(template, ReviewState.PUBLISHED, None)
                self._insert(tx, template, published, BUILTIN_ACTOR, decided=True)
        return len(missing)

    @staticmethod
    def _missing_builtins(tables: Tables) -> list[Template]:
        present = tables.templates.refs()
        return [t for t in builtin_templates() if (t.id, t.version) not in present]

    def get(self, ref: str) -> CatalogEntry:
        """The entry for ID@VERSION, or for a bare ID its highest version."""
        template_id, version = self._resolve(ref)
        row = self.store.templates.get(template_id, version)
        if row is None:
            raise UnknownTemplate(
                f"template {template_id}@{version} is not known on node {self.prefix};"
                " see `glid template list`"
            )
        return self._entry(row)

    def entries(self, state: ReviewState | None = None) -> list[CatalogEntry]:
        """Every template this node holds (or those in ``state``), by id and version."""
        rows = self.store.templates.all(None if state is None else str(state))
        found = [self._entry(row) for row in rows]
        found.sort(key=lambda entry: (entry.template.id, _version_key(entry.template.version)))
        return found

    def lookup(self, ref: str) -> Template:
        """The template under ID@VERSION if records may follow it: a lookup for inheritance."""
        cached = self._usable.get(ref)
        if cached is not None:
            return cached
        entry = self.get(ref)
        if entry.review.state not in USABLE:
            raise UnknownTemplate(
                f"template {entry.ref} is {entry.review.state}; records and extensions can use"
                " it once it is approved"
            )
        self._usable[ref] = entry.template
        return entry.template

    def effective(self, ref: str) -> EffectiveTemplate:
        """The merged template for ID@VERSION, kept for the life of the catalog."""
        merged = self._effective.get(ref)
        if merged is None:
            merged = effective_template(ref, self.lookup)
            self._effective[ref] = merged
        return merged

    def effective_of(self, template: Template) -> EffectiveTemplate:
        """The merged form of a template in any state, over usable ancestors only."""

        def with_candidate(ref: str) -> Template:
            return template if ref == template.ref else self.lookup(ref)

        return effective_template(template.ref, with_candidate)

    def check(self, handle: str, values: Sequence[Mapping[str, Any]]) -> None:
        """The registrar's template check: raise RecordInvalid naming every bad field.

        ``values`` are the record's values in their JSON form, as the registrar holds them.
        """
        ref = referenced_template(values)
        if ref is not None:
            check_values(self.effective(ref), values)
            return
        items = [value for value in values if value["index"] >= FIRST_ITEM_INDEX]
        if items:
            reason = (
                f"{handle} has template items but no TEMPLATE value (index {TEMPLATE_INDEX},"
                ' a string "ID@VERSION") naming the template they follow'
            )
            first = items[0]
            raise RecordInvalid([FieldError(first["type"], first["index"], reason, "template")])

    # -- review ---------------------------------------------------------------------------

    def propose(self, template: Template, actor: str) -> CatalogEntry:
        """Store a proposal after checking its place in the hierarchy and its inheritance.

        Proposing the same body again changes nothing; a different body under a stored
        ID@VERSION is refused, whatever that version's state.
        """
        review = rules.propose(template, self.top)
        existing = self._existing(template)
        if existing is not None:
            return existing
        self.effective_of(template)
        with self.store.write() as tx:
            self._insert(tx, template, review, actor, decided=False)
        return self.get(template.ref)

    def approve(self, ref: str, actor: str) -> CatalogEntry:
        """Approve as this node; the top node's approval also publishes the template."""
        entry = self.get(ref)
        decided = rules.approve(entry.review, self.prefix)
        if self.prefix == decided.top:
            decided = rules.publish(decided, self.prefix)
        return self._decide(entry, decided, actor)

    def reject(self, ref: str, reason: str, actor: str) -> CatalogEntry:
        entry = self.get(ref)
        return self._decide(entry, rules.reject(entry.review, self.prefix, reason), actor)

    def record_published(self, template: Template, actor: str) -> CatalogEntry:
        """Hold ``template`` as published: the top node has published it, or this is the top
        node taking a registration signed by the template's reviewer.

        A stored proposed or approved copy of the same body moves to published; a different
        body is TemplateImmutable, and a rejected copy stays rejected.
        """
        existing = self._existing(template)
        if existing is None:
            rules.propose(template, self.top)
            self.effective_of(template)
            with self.store.write() as tx:
                published = self._review(template, ReviewState.PUBLISHED, None)
                self._insert(tx, template, published, actor, decided=True)
            return self.get(template.ref)
        if existing.review.state is ReviewState.PUBLISHED:
            return existing
        if existing.review.state is ReviewState.REJECTED:
            raise InvalidTransition(
                f"{template.ref} was rejected on node {self.prefix}"
                f" ({existing.review.reason}); a rejected template is never used here,"
                " so publish the corrected template as a new version"
            )
        published = replace(
            existing.review,
            state=ReviewState.PUBLISHED,
            decided_by=existing.review.reviewer,
            reason=None,
        )
        return self._decide(existing, published, actor)

    # -- the store ------------------------------------------------------------------------

    def _resolve(self, text: str) -> tuple[str, str]:
        """ID@VERSION as given, or a bare ID's highest stored version."""
        if "@" in text:
            return split_ref(text)
        if not is_identifier(text):
            raise InvalidTemplate(
                f"{text!r} is neither a template ID (PREFIX/SUFFIX) nor an ID@VERSION"
            )
        template_id = normalise_id(text)
        versions = self.store.templates.versions_of(template_id)
        if not versions:
            raise UnknownTemplate(
                f"no version of template {template_id} is known on node {self.prefix};"
                " see `glid template list`"
            )
        return template_id, max(versions, key=_version_key)

    def _existing(self, template: Template) -> CatalogEntry | None:
        try:
            entry = self.get(template.ref)
        except UnknownTemplate:
            return None
        if entry.template.canonical_bytes() != template.canonical_bytes():
            raise TemplateImmutable(
                f"template {template.ref} is already stored ({entry.review.state}) with a"
                " different body; a stored template never changes, so propose it as a new"
                " version"
            )
        return entry

    def _entry(self, row: TemplateRow) -> CatalogEntry:
        template = parse_template(row.body)
        review = self._review(template, ReviewState(row.state), row.reason)
        return CatalogEntry(template, review, row.created_at, row.decided_at)

    def _review(self, template: Template, state: ReviewState, reason: str | None) -> Review:
        """The review of a stored template; only its reviewer can have decided it.

        Built-ins carry ids under 88/, the prefix of the network they were written for;
        a node in a network with another top keeps them under their own root.
        """
        root = template.prefix.split(".")[0]
        top = root if template.ref in _BUILTIN_REFS else self.top
        proposed = rules.propose(template, top)
        if state is ReviewState.PROPOSED:
            return proposed
        return replace(proposed, state=state, decided_by=proposed.reviewer, reason=reason)

    def _insert(
        self,
        tx: Tables,
        template: Template,
        review: Review,
        actor: str,
        *,
        decided: bool,
    ) -> None:
        tx.templates.add(
            NewTemplate(
                template.id,
                template.version,
                str(template.layer),
                template.prefix,
                str(review.state),
                json.dumps(template.to_json(), ensure_ascii=False, sort_keys=True),
                review.reason,
                actor,
                decided,
            )
        )
        tx.audit.add(actor, f"template {review.state}", template.ref)

    def _decide(self, entry: CatalogEntry, decided: Review, actor: str) -> CatalogEntry:
        with self.store.write() as tx:
            changed = tx.templates.decide(
                entry.template.id,
                entry.template.version,
                was=str(entry.review.state),
                state=str(decided.state),
                reason=decided.reason,
            )
            if not changed:
                raise AlreadyDecided(f"{entry.ref} was decided by another process meanwhile")
            tx.audit.add(actor, f"template {decided.state}", entry.ref, {"by": self.prefix})
        return self.get(entry.ref)
