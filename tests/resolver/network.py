"""A real network of nodes on loopback ports, for the resolver tests.

top 88 ─┬─ secondary 88.101 ─┬─ 88.101.7 hosted on the secondary
        │                    └─ 88.101.9 an enterprise running its own node
        └─ (nothing else)
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from glid_core import canonical
from registry import delegation
from registry.node import init_node
from registry.records import decode_values
from registry.service import registrar
from registry.store import Store
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from signing.merkle import log_leaf
from tests.conftest import PASSPHRASE
from tests.store_file import raw_connection


@dataclass
class Node:
    directory: Path
    prefix: str
    running: RunningNode | None = None
    admin: tuple[str, str] = ("", "")

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    def store(self) -> Store:
        return Store.open(self.directory)


@dataclass
class Network:
    top: Node
    secondary: Node
    own: Node  # enterprise with its own node, 88.101.9
    hosted_prefix: str = "88.101.7"
    hosted_admin: tuple[str, str] = ("", "")
    anchor: Path = field(default_factory=Path)

    def nodes(self) -> list[Node]:
        return [self.top, self.secondary, self.own]

    async def stop(self) -> None:
        for node in self.nodes():
            if node.running is not None:
                await node.running.stop()
                node.running = None


def _init(root: Path, name: str, role: str, prefix: str) -> Node:
    created = init_node(root / name, role=role, prefix=prefix, passphrase=PASSPHRASE)
    created.store.close()
    secret = created.admin_secret_file.read_text().strip()
    return Node(root / name, prefix, admin=(created.admin_identity, secret))


def _delegate(parent: Node, child: Node) -> None:
    delegation.delegate_locally(parent.directory, child.directory, PASSPHRASE)


async def serve(node: Node) -> None:
    node.running = await start(Settings(node.directory, passphrase=PASSPHRASE))


async def build_network(root: Path) -> Network:
    top = _init(root, "top", "top", "88")
    secondary = _init(root, "steel", "secondary", "88.101")
    own = _init(root, "mill", "enterprise", "88.101.9")
    _delegate(top, secondary)
    _delegate(secondary, own)
    with secondary.store() as store:
        hosted = delegation.host(store, PASSPHRASE, "88.101.7")
    network = Network(
        top, secondary, own, hosted_admin=(hosted.admin_identity, hosted.admin_secret)
    )
    network.anchor = top.directory / "trust-anchor.json"
    for node in network.nodes():
        await serve(node)
    with top.store() as store:
        delegation.set_site(store, "88.101", secondary.url)
    with secondary.store() as store:
        delegation.set_site(store, "88.101.9", own.url)
    return network


def register(node: Node, handle: str, values: list[dict[str, object]]) -> int:
    with node.store() as store:
        outcome = registrar(store, PASSPHRASE).register_one(handle, values, "test")
    assert outcome.accepted, outcome.error
    assert outcome.version is not None
    return outcome.version


def forge(directory: Path, handle: str, index: int, value: object) -> None:
    """Rewrite one value of ``handle``'s stored record in the node's file, leaving its
    signature as it was: what a compromised disk or database would serve. The log leaf is
    rewritten to match (the node refuses bytes its leaf does not commit to, see
    registry.selfcheck), so only the buyer's own checks stand between the forgery and a
    verified answer."""
    conn = raw_connection(directory)
    try:
        (blob,) = conn.execute(
            "SELECT record FROM record_versions WHERE handle = ?", (handle,)
        ).fetchone()
        values = decode_values(blob)
        next(v for v in values if v["index"] == index)["data"]["value"] = value
        forged = canonical.encode(values)
        conn.execute("DROP TRIGGER record_versions_no_update")
        conn.execute("UPDATE record_versions SET record = ? WHERE handle = ?", (forged, handle))
        (leaf,) = conn.execute("SELECT leaf FROM log_leaves WHERE handle = ?", (handle,)).fetchone()
        fields = canonical.decode(leaf)
        digest = hashlib.sha256(forged).digest()
        forged_leaf = log_leaf(fields["id"], fields["ver"], digest, fields["at"])
        conn.execute("DROP TRIGGER log_leaves_no_update")
        conn.execute("UPDATE log_leaves SET leaf = ? WHERE handle = ?", (forged_leaf, handle))
    finally:
        conn.close()
