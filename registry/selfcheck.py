"""A node checks what it serves against its own transparency log.

The log is append-only and every accepted version has a leaf committing to the SHA-256 of
its record bytes (docs/formats/signing.md). The store's other tables can be edited behind
the node's back: a value byte patched (SQLite's integrity check still passes), or an
identifier's current-version pointer set back to an older version (a rollback). So before a
version is served it must match its leaf, and a current answer must be the newest version
the log holds for that id. A version that fails either check is DamagedRecord: it fails
alone, with its reason, and ``glid check`` lists every such version of a store, and every
identifier whose signed statement of its newest version (registry.latest) is missing or
names another version than the log's newest.
"""

import hashlib
from collections.abc import Iterator

from glid_core import canonical
from glid_core.errors import EncodingError, GlidError
from registry.errors import DamagedRecord, NotFound
from registry.latest import stored_statement
from registry.store import Store
from registry.store.versions import StoredVersion
from signing.latest import parse_latest


def check_served(store: Store, stored: StoredVersion, *, current: bool) -> None:
    """Raise DamagedRecord unless ``stored`` matches its log leaf and, when it is served as
    the current version, no newer version of its id is logged."""
    reason = _leaf_mismatch(store, stored)
    if reason is None and current:
        newest = store.log.newest_version(stored.handle)
        if newest is not None and newest != stored.version:
            reason = (
                f"the store points at version {stored.version} but the log holds version"
                f" {newest}: the store was rolled back"
            )
    if reason is not None:
        raise DamagedRecord(f"version {stored.version} of {stored.handle}: {reason}")


def _leaf_mismatch(store: Store, stored: StoredVersion) -> str | None:
    try:
        _, leaf = store.log.leaf(stored.handle, stored.version)
    except NotFound:
        return "it is not in the node's log"
    try:
        fields = canonical.decode(leaf)
    except EncodingError:
        return "its log leaf is not canonical MessagePack"
    if not isinstance(fields, dict) or fields.get("rec") != hashlib.sha256(stored.record).digest():
        return "its stored bytes differ from those its log leaf commits to"
    if fields.get("id") != stored.handle or fields.get("ver") != stored.version:
        return "its log leaf is for another id or version"
    return None


def check_store(store: Store) -> Iterator[str]:
    """Every mismatch between a store and its log, one sentence each naming the id and
    version; nothing when they agree."""
    newest = store.log.newest_versions()
    for stored in store.versions.all():
        reason = _leaf_mismatch(store, stored)
        if reason is not None:
            yield f"{stored.handle} version {stored.version}: {reason}"
    for handle, pointer in sorted(store.versions.current().items()):
        logged = newest.get(handle)
        if logged is None:
            yield f"{handle}: no version of it is in the node's log"
        elif logged != pointer:
            yield (
                f"{handle}: the store serves version {pointer} but the log holds version"
                f" {logged} (rolled back)"
            )
    for handle, logged in sorted(newest.items()):
        reason = _statement_mismatch(store, handle, logged)
        if reason is not None:
            yield f"{handle}: {reason}"


def _statement_mismatch(store: Store, handle: str, logged: int) -> str | None:
    """Why the node's statement of ``handle``'s newest version would let buyers down."""
    kept = stored_statement(store, handle)
    if kept is None:
        return (
            "no signed statement of its newest version, so buyers refuse its answers; start"
            " `glid serve` with GLID_PASSPHRASE set to sign one"
        )
    try:
        statement = parse_latest(kept.statement)
    except GlidError as exc:
        return f"its newest-version statement is unreadable: {exc}"
    if statement.id != handle:
        return f"its newest-version statement is about {statement.id}"
    if statement.ver != logged:
        return (
            f"the node's statement names version {statement.ver} but the log holds version {logged}"
        )
    return None
