"""Checking that a stored log is whole and agrees with the stored record versions.

What ``glid store check`` runs after a restore, a failover or ``glid store copy``: every
version has exactly one leaf, every leaf commits to its version's exact record bytes, and
the root recomputed from the leaves alone equals the root the stored tree gives. Checkpoints
signed before and after can then be compared (``glid log audit``) to show nothing changed.
"""

import hashlib
from dataclasses import dataclass

import msgpack

from registry.store import Tables
from signing.merkle import MemoryStorage, MerkleLog


@dataclass(frozen=True, slots=True)
class LogCheck:
    size: int
    root: bytes
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_log(tables: Tables) -> LogCheck:
    """Recompute the log from its leaves and compare it with the versions and stored tree."""
    problems: list[str] = []
    digests = {
        (handle, version): hashlib.sha256(record).digest()
        for handle, version, record in tables.versions.all_records()
    }
    recomputed = MerkleLog(MemoryStorage())
    seen: set[tuple[str, int]] = set()
    for expected, (index, handle, version, leaf) in enumerate(tables.log.all_leaves()):
        key = (handle, version)
        if index != expected:
            problems.append(f"log leaf {expected} is missing (the next stored one is {index})")
            break
        entry = msgpack.unpackb(leaf)
        if (entry.get("id"), entry.get("ver")) != key:
            problems.append(
                f"log leaf {index} names {entry.get('id')} v{entry.get('ver')}, not {key}"
            )
        elif digests.get(key) != entry.get("rec"):
            problems.append(f"log leaf {index} does not commit to the stored bytes of {key}")
        seen.add(key)
        recomputed.append(leaf)
    problems += [f"version {v} of {h} has no log leaf" for h, v in sorted(digests.keys() - seen)]
    stored = MerkleLog(tables.log)
    size = recomputed.size()
    root = recomputed.root(size)
    if stored.size() != size:
        problems.append(f"the stored tree has {stored.size()} leaves, the leaf table {size}")
    elif stored.root(size) != root:
        problems.append("the stored tree's root differs from the root of the leaves")
    return LogCheck(size, root, problems)
