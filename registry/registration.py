"""The one write path: validate → sign → store → log, a batch per transaction.

Everything that can reject a record (identifier, prefix, values, template) runs before the
transaction opens, so a rejected line costs nothing and leaves the store as it was. The
transaction then assigns version numbers, signs, appends the versions, their log leaves
and audit rows together: a crash at any point commits the whole batch or none of it.

A submission may arrive pre-signed by a collection terminal (``signature``: the device's
record JWS). Its values are then kept exactly as signed (not re-stamped), the device
signature is checked before the transaction, and the version is stored under it instead of
a node signature, provided the version number it was signed for is the one it becomes.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from glid_core.errors import GlidError
from glid_core.identifiers import Identifier, Prefix, owner_of
from glid_core.layout import SIGNATURE_TYPES
from registry.changes import Change
from registry.errors import NotFound, RecordError
from registry.log_entry import Entry
from registry.prefixes import authoritative, require_authoritative
from registry.records import encode_record, parse_record, utc_timestamp
from registry.store import Store, Tables
from registry.store.versions import NewVersion
from signing.timestamps import numeric_date

DEFAULT_BATCH = 1000


class AlreadyDeleted(NotFound, RecordError):
    """The record is already deleted; its history stays, but it has no current values."""


class RecordSigner(Protocol):
    def refresh(self) -> None:
        """Pick up key changes made by another process; called once per committed batch."""
        ...

    def sign(self, handle: Identifier, version: int, digests: Mapping[str, str], at: int) -> str:
        """Return the GLID_SIGNATURE (compact JWS) over this version's value digests, signed
        at NumericDate ``at``."""
        ...


class TemplateChecker(Protocol):
    def check(self, handle: str, values: Sequence[Mapping[str, Any]]) -> None:
        """Raise a GlidError naming every field that does not follow the record's template."""
        ...


class DeviceChecker(Protocol):
    def check(self, identifier: Identifier, values: list[dict[str, Any]], token: str) -> int:
        """Raise a GlidError unless ``token`` is an acceptable device signature over
        ``values``; return the version number it was signed for."""
        ...


class TransparencyLog(Protocol):
    def append(self, tx: Tables, entries: Sequence[Entry]) -> None:
        """Add the versions' leaves to the log inside the caller's transaction."""
        ...


@dataclass(frozen=True, slots=True)
class Submission:
    line: int
    handle: str
    values: Any
    signature: str | None = None  # a device's record JWS, for a pre-signed reading


@dataclass(frozen=True, slots=True)
class Outcome:
    line: int
    handle: str
    version: int | None = None
    error: str | None = None
    created: bool = False  # an update made the record, or one of its indexes, new

    @property
    def accepted(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        if self.error is None:
            return {"line": self.line, "handle": self.handle, "version": self.version}
        return {"line": self.line, "handle": self.handle, "error": self.error}


@dataclass(frozen=True, slots=True)
class _Prepared:
    line: int
    identifier: Identifier
    record: bytes
    digests: dict[str, str]
    deleted: bool
    signature: str | None = None  # pre-signed by a device
    version: int | None = None  # the version the device signed for


class Registrar:
    """Registers, updates and deletes records on one node."""

    def __init__(
        self,
        store: Store,
        *,
        signer: RecordSigner,
        templates: TemplateChecker | None = None,
        log: TransparencyLog | None = None,
        devices: DeviceChecker | None = None,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self.store = store
        self.signer = signer
        self.templates = templates
        self.log = log
        self.devices = devices
        self.batch_size = batch_size

    def register(self, submissions: Iterable[Submission], actor: str) -> Iterator[Outcome]:
        """Yield one outcome per submission, committing a batch at a time."""
        serves = self._server()
        batch: list[_Prepared] = []
        for submission in submissions:
            try:
                batch.append(self._prepare(submission, serves))
            except GlidError as exc:
                yield Outcome(submission.line, submission.handle, error=str(exc))
                continue
            if len(batch) >= self.batch_size:
                yield from self._commit(batch, actor)
                batch = []
        if batch:
            yield from self._commit(batch, actor)

    def _server(self) -> Callable[[Prefix], bool]:
        """Whether this node stores records under a prefix: one of its zones, and not cut
        off by a delegation to a child node. Decided once per prefix per batch."""
        zones = authoritative(self.store)
        cuts = [
            Prefix.from_text(entry.prefix)
            for entry in self.store.prefixes.entries()
            if entry.relation == "delegated"
        ]
        # A prefix delegated to a child node is the child's, though it lies under ours.
        served: dict[Prefix, bool] = {}

        def serves(prefix: Prefix) -> bool:
            answer = served.get(prefix)
            if answer is None:
                answer = served[prefix] = (
                    owner_of(prefix, zones) is not None and owner_of(prefix, cuts) is None
                )
            return answer

        return serves

    def register_one(self, handle: str, values: Any, actor: str) -> Outcome:
        (outcome,) = self.register([Submission(1, handle, values)], actor)
        return outcome

    def update(self, handle: str, change: Change, actor: str) -> Outcome:
        """Apply a Handle-style change to the current values, reading them inside the
        write transaction, so concurrent changes to one record never drop each other.

        Raises what the change refuses (NotFound, HandleExists, ValueExists, NoSuchValues,
        RecordError) before anything is written; values the result fails to validate give
        an outcome with an error, as :meth:`register_one` does. ``created`` tells whether
        the record or one of its indexes is new.
        """
        identifier = Identifier.from_text(handle)
        text = str(identifier)
        require_authoritative(self.store, identifier.prefix, text)
        self.signer.refresh()
        with self.store.write() as tx:
            values, created = change.apply(text, _live_values(tx, text))
            try:
                item = self._prepare(Submission(1, text, values), self._server())
            except GlidError as exc:
                return Outcome(1, text, error=str(exc))
            (outcome,) = self._write(tx, [item], actor, "register")
        return replace(outcome, created=created)

    def delete(self, handle: str, actor: str) -> Outcome:
        """Append a tombstone version; the history stays, resolution answers not found."""
        identifier = Identifier.from_text(handle)
        require_authoritative(self.store, identifier.prefix, str(identifier))
        empty = encode_record([])
        tombstone = _Prepared(1, identifier, empty.record, empty.digests, deleted=True)
        self.signer.refresh()
        with self.store.write() as tx:
            current = tx.versions.get(str(identifier))
            if current.deleted:
                raise AlreadyDeleted(f"{identifier} is already deleted (version {current.version})")
            (outcome,) = self._write(tx, [tombstone], actor, "delete")
        return outcome

    def _prepare(self, submission: Submission, serves: Callable[[Prefix], bool]) -> _Prepared:
        identifier = Identifier.from_text(submission.handle)
        if not serves(identifier.prefix):
            # Slow path only for the error: it names the prefixes served and the referral.
            require_authoritative(self.store, identifier.prefix, str(identifier))
        presigned = submission.signature is not None
        as_json = parse_record(submission.values, stamp=None if presigned else utc_timestamp())
        signed = [value["index"] for value in as_json if value["type"] in SIGNATURE_TYPES]
        if signed:
            raise RecordError(
                f"{identifier}: index {signed[0]} is a signature value; signatures are made by"
                " the node at registration, remove it from the submitted values"
            )
        if self.templates is not None:
            self.templates.check(str(identifier), as_json)
        version = None
        if submission.signature is not None:
            if self.devices is None:
                raise RecordError(f"{identifier}: this node does not accept pre-signed records")
            version = self.devices.check(identifier, as_json, submission.signature)
        encoded = encode_record(as_json)
        return _Prepared(
            submission.line,
            identifier,
            encoded.record,
            encoded.digests,
            deleted=False,
            signature=submission.signature,
            version=version,
        )

    def _commit(self, batch: list[_Prepared], actor: str) -> list[Outcome]:
        self.signer.refresh()
        with self.store.write() as tx:
            return self._write(tx, batch, actor, "register")

    def _write(self, tx: Tables, batch: list[_Prepared], actor: str, action: str) -> list[Outcome]:
        """Number, sign and append ``batch`` inside ``tx``, with log leaves and audit rows."""
        moment = datetime.now(UTC).replace(microsecond=0)
        now = utc_timestamp(moment)
        signed_at = numeric_date(moment)
        rows: list[NewVersion] = []
        outcomes: list[Outcome] = []
        sign = self.signer.sign
        latest = tx.versions.current_numbers([str(item.identifier) for item in batch])
        for item in batch:
            handle = str(item.identifier)
            number = latest.get(handle, 0) + 1
            if item.signature is not None and item.version != number:
                outcomes.append(
                    Outcome(
                        item.line,
                        handle,
                        error=f"the device signed version {item.version}, but this reading"
                        f" would become version {number}; re-sign it with that version",
                    )
                )
                continue
            latest[handle] = number
            signature = item.signature or sign(item.identifier, number, item.digests, signed_at)
            outcomes.append(Outcome(item.line, handle, number))
            rows.append(
                NewVersion(
                    handle,
                    str(item.identifier.prefix),
                    number,
                    item.record,
                    signature,
                    item.deleted,
                    now,
                    actor,
                )
            )
        tx.versions.append(rows)
        if self.log is not None:
            self.log.append(
                tx, [Entry(row.handle, row.version, row.record, signed_at) for row in rows]
            )
        tx.audit.add_versions(now, actor, action, [(row.handle, row.version) for row in rows])
        return outcomes


def _live_values(tables: Tables, handle: str) -> list[dict[str, Any]] | None:
    """The current values of ``handle``, or None if it does not exist or was deleted."""
    try:
        stored = tables.versions.get(handle)
    except NotFound:
        return None
    return None if stored.deleted else stored.values()
