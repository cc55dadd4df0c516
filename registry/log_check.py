"""Checking that a stored log is whole and agrees with the stored record versions.

What ``glid store check`` runs after a restore, a failover or ``glid store copy``: every
version has exactly one leaf, every leaf commits to its version's exact record bytes, and
the root recomputed from the leaves alone equals the root the stored tree gives. Checkpoints
signed before and after can then be compared (``glid log audit``) to show nothing changed.
"""

import hashlib
from dataclasses import dataclass

import msgpack

from registry.connection import Connection
from registry.log import StoreMerkleStorage
from signing.merkle import MemoryStorage, MerkleLog


@dataclass(frozen=True, slots=True)
class LogCheck:
    size: int
    root: bytes
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_log(conn: Connection) -> LogCheck:
    """Recompute the log from its leaves and compare it with the versions and stored tree."""
    problems: list[str] = []
    digests = {
        (str(handle), int(version)): hashlib.sha256(bytes(record)).digest()
        for handle, version, record in conn.execute(
            "SELECT handle, version, record FROM record_versions"
        )
    }
    recomputed = MerkleLog(MemoryStorage())
    seen: set[tuple[str, int]] = set()
    rows = conn.execute(
        "SELECT leaf_index, handle, version, leaf FROM log_leaves ORDER BY leaf_index"
    )
    for expected, (index, handle, version, leaf) in enumerate(rows):
        key = (str(handle), int(version))
        if int(index) != expected:
            problems.append(f"log leaf {expected} is missing (the next stored one is {index})")
            break
        entry = msgpack.unpackb(bytes(leaf))
        if (entry.get("id"), entry.get("ver")) != key:
            problems.append(
                f"log leaf {index} names {entry.get('id')} v{entry.get('ver')}, not {key}"
            )
        elif digests.get(key) != entry.get("rec"):
            problems.append(f"log leaf {index} does not commit to the stored bytes of {key}")
        seen.add(key)
        recomputed.append(bytes(leaf))
    problems += [f"version {v} of {h} has no log leaf" for h, v in sorted(digests.keys() - seen)]
    stored = MerkleLog(StoreMerkleStorage(conn))
    size = recomputed.size()
    root = recomputed.root(size)
    if stored.size() != size:
        problems.append(f"the stored tree has {stored.size()} leaves, the leaf table {size}")
    elif stored.root(size) != root:
        problems.append("the stored tree's root differs from the root of the leaves")
    return LogCheck(size, root, problems)
