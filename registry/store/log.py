"""The ``log_leaves`` and ``log_nodes`` tables: the node's transparency log (RFC 9162).

:class:`LogTables` is signing.merkle's storage protocol (size/get/put of perfect-subtree
hashes) plus the leaves themselves, found by (handle, version). Both tables are
append-only; leaves and nodes are written in the transaction that stores their versions.
"""

from collections.abc import Sequence

from registry.errors import NotFound
from registry.store.backend import Session

INSERT_NODES = "INSERT INTO log_nodes (level, node_index, hash) VALUES (?, ?, ?)"
INSERT_LEAVES = "INSERT INTO log_leaves (leaf_index, handle, version, leaf) VALUES (?, ?, ?, ?)"


class LogTables:
    """The log's leaves and subtree hashes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def size(self) -> int:
        """How many leaves the tree has (level-0 nodes)."""
        row = self.session.one("SELECT max(node_index) FROM log_nodes WHERE level = 0")
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def get(self, level: int, index: int) -> bytes:
        row = self.session.one(
            "SELECT hash FROM log_nodes WHERE level = ? AND node_index = ?", (level, index)
        )
        if row is None:
            raise NotFound(f"log node ({level}, {index}) is missing from the store")
        return bytes(row[0])

    def put(self, items: list[tuple[int, int, bytes]]) -> None:
        """Store (level, index, hash) nodes; inside a write transaction."""
        self.session.run_many(INSERT_NODES, items)

    def add_leaves(self, rows: Sequence[tuple[int, str, int, bytes]]) -> None:
        """Store (leaf_index, handle, version, leaf) rows; inside a write transaction."""
        self.session.run_many(INSERT_LEAVES, rows)

    def leaf(self, handle: str, version: int) -> tuple[int, bytes]:
        """The leaf index and leaf bytes of one version."""
        row = self.session.one(
            "SELECT leaf_index, leaf FROM log_leaves WHERE handle = ? AND version = ?",
            (handle, version),
        )
        if row is None:
            raise NotFound(f"version {version} of {handle} is not in this node's log")
        return int(row[0]), bytes(row[1])

    def all_leaves(self) -> list[tuple[int, str, int, bytes]]:
        """Every (leaf_index, handle, version, leaf), in log order (for `glid store check`)."""
        rows = self.session.rows(
            "SELECT leaf_index, handle, version, leaf FROM log_leaves ORDER BY leaf_index"
        )
        return [(int(i), str(h), int(v), bytes(leaf)) for i, h, v, leaf in rows]

    def newest_version(self, handle: str) -> int | None:
        """The highest version of ``handle`` the log holds, or None."""
        row = self.session.one("SELECT max(version) FROM log_leaves WHERE handle = ?", (handle,))
        return None if row is None or row[0] is None else int(row[0])

    def newest_versions(self) -> dict[str, int]:
        """Every logged handle's highest logged version (for a whole-store check)."""
        rows = self.session.rows("SELECT handle, max(version) FROM log_leaves GROUP BY handle")
        return {str(handle): int(version) for handle, version in rows}

    def leaf_count(self) -> int:
        row = self.session.one("SELECT count(*) FROM log_leaves")
        return int(row[0]) if row else 0
