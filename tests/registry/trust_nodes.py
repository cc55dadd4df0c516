"""A top node and an enterprise node it delegated to, for the trust tests."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from registry import delegation
from registry.node import TRUST_ANCHOR_FILE, init_node
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from signing.certificates import TrustAnchor, parse_trust_anchor
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values


@dataclass
class Pair:
    top: Path
    enterprise: Path
    prefix: str

    @property
    def anchor_file(self) -> Path:
        return self.top / TRUST_ANCHOR_FILE

    @property
    def anchor(self) -> TrustAnchor:
        return parse_trust_anchor(json.loads(self.anchor_file.read_text()))


def make_pair(root: Path, prefix: str = "88.7") -> Pair:
    """`glid init` both nodes, then delegate and accept as the operators would."""
    for name, role, own in (("top", "top", "88"), ("ent", "enterprise", prefix)):
        init_node(root / name, role=role, prefix=own, passphrase=PASSPHRASE).store.close()
    delegation.delegate_locally(root / "top", root / "ent", PASSPHRASE)
    return Pair(root / "top", root / "ent", prefix)


def register(directory: Path, handle: str, values: Any, signature: str | None = None) -> str:
    """Register one record; returns the error text, or "" when it was accepted."""
    with Store.open(directory) as store:
        (outcome,) = registrar(store, PASSPHRASE).register(
            [Submission(1, handle, values, signature)], "test"
        )
    return outcome.error or ""


def registered_pair(root: Path) -> Pair:
    """A pair whose enterprise holds three product records, 88.7/p0 to 88.7/p2."""
    made = make_pair(root)
    for n in range(3):
        assert register(made.enterprise, f"88.7/p{n}", product_values(f"p{n}")) == ""
    return made
