"""Changes to a record's values, as Handle clients ask for them, applied inside the write.

A Handle PUT either replaces a record's values or sets some indexes of the current ones;
a DELETE with ``index=`` removes some indexes. Each is a read-modify-write of the current
version, so :meth:`registry.registration.Registrar.update` applies it to the version it
reads inside the write transaction: two writers changing different indexes of one record
both keep their change, whichever process or host they run in.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registry.errors import NotFound, RecordError


class HandleExists(RecordError):
    """The identifier already exists; use overwrite=true to replace its values."""


class ValueExists(RecordError):
    """An index already holds a value; use overwrite=true to replace it."""


class NoSuchValues(RecordError):
    """The record has no value at the indexes named."""


Values = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Replace:
    """Make ``values`` the whole record (creating it if needed)."""

    values: Sequence[Any]
    overwrite: bool = True

    def apply(self, handle: str, current: Values | None) -> tuple[list[Any], bool]:
        if current is not None and not self.overwrite:
            raise HandleExists(f"{handle} already exists; use overwrite=true to replace its values")
        return list(self.values), current is None


@dataclass(frozen=True, slots=True)
class SetValues:
    """Add or replace the submitted values at the indexes in ``named`` (None: every
    submitted value, Handle's ``index=various``)."""

    values: Sequence[Any]
    named: frozenset[int] | None
    overwrite: bool = True

    def apply(self, handle: str, current: Values | None) -> tuple[list[Any], bool]:
        if current is None:
            raise NotFound(f"{handle} does not exist; PUT it without index=")
        by_index: dict[int, Any] = {int(value["index"]): value for value in current}
        added = False
        seen: set[int] = set()
        for position, value in enumerate(self.values):
            index = value.get("index") if isinstance(value, dict) else None
            if not isinstance(index, int) or isinstance(index, bool):
                raise RecordError(f"values[{position}] has no integer index")
            if self.named is not None and index not in self.named:
                raise RecordError(
                    f"values[{position}] has index {index}, which no index= parameter names;"
                    " name every index to change, or use index=various"
                )
            if index in by_index and not self.overwrite:
                raise ValueExists(
                    f"index {index} already holds a value; use overwrite=true to replace it"
                )
            added = added or index not in by_index
            by_index[index] = value
            seen.add(index)
        absent = sorted((self.named or set()) - seen)
        if absent:
            raise RecordError(f"index= names {absent} but the body has no value there")
        return [by_index[index] for index in sorted(by_index)], added


@dataclass(frozen=True, slots=True)
class RemoveValues:
    """Remove the values at ``indexes``; the record must keep at least one value."""

    indexes: frozenset[int]

    def apply(self, handle: str, current: Values | None) -> tuple[list[Any], bool]:
        if current is None:
            raise NotFound(f"{handle} is not on this node")
        remaining = [value for value in current if value["index"] not in self.indexes]
        if len(remaining) == len(current):
            raise NoSuchValues(f"{handle} has no value at the indexes {sorted(self.indexes)}")
        if not remaining:
            raise RecordError(
                f"removing indexes {sorted(self.indexes)} would leave {handle} without values;"
                " DELETE it without index= to delete the handle"
            )
        return remaining, False


Change = Replace | SetValues | RemoveValues
