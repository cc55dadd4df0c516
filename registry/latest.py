"""The node's signed statements of each identifier's newest version, kept beside the log.

On every write the authority key signs, for each identifier the write touched, "version N
is the newest of HANDLE in my log of size S" (signing.latest), bound to the checkpoint
signed in the same transaction; before the statements expire, the daemon signs them all
again against the current checkpoint (registry.evidence.refresh_statements). Each is kept
in the ``meta`` row ``latest:<handle>`` as JSON ``{"statement": JWS, "checkpoint": note}``,
so that a read, which never signs, can hand out the statement with a log proof into that
very checkpoint. Versions come from the log, never from the store's current-version
pointer, so a rolled-back pointer cannot make a statement name an older version.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from registry.store import Tables
from signing.checkpoint import parse_checkpoint
from signing.keys import SigningKey
from signing.latest import sign_latest

LATEST_META = "latest:"


@dataclass(frozen=True, slots=True)
class StoredStatement:
    """A statement and the checkpoint note it is bound to."""

    statement: str
    checkpoint: str


def keep_statements(
    tx: Tables, key: SigningKey, issuer: str, newest: Mapping[str, int], note: str, at: int
) -> None:
    """Sign and store the statement of each (handle → newest version) in ``newest``,
    bound to ``note``, the checkpoint ``key`` signed for the log as ``tx`` sees it."""
    checkpoint = parse_checkpoint(note)
    where = (checkpoint.size, checkpoint.root)
    tx.meta.set_many(
        [
            (
                LATEST_META + handle,
                json.dumps(
                    {
                        "statement": sign_latest(key, issuer, handle, version, where, at),
                        "checkpoint": note,
                    }
                ),
            )
            for handle, version in newest.items()
        ]
    )


def stored_statement(tables: Tables, handle: str) -> StoredStatement | None:
    """The statement kept for ``handle``, or None (a store written before statements, or
    by a writer without the key, until the daemon signs them)."""
    raw = tables.meta.get(LATEST_META + handle)
    if raw is None:
        return None
    kept = json.loads(raw)
    return StoredStatement(kept["statement"], kept["checkpoint"])
