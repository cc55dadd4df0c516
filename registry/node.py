"""Creating a node and describing it.

``glid init`` makes the store, the node's first signing key and the file its parent needs:
a delegation request (prefix, public key, proof of possession) for a secondary or
enterprise node, or the trust anchor that buyers install for the top node.
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glid_core.identifiers import Prefix
from registry import admin_handles, keyring, principals
from registry.errors import NodeExists, StoreError
from registry.store import ROLES, Store, store_exists
from registry.template_catalog import TemplateCatalog
from signing.certificates import make_delegation_request, make_trust_anchor
from signing.keys import SigningKey

TRUST_ANCHOR_FILE = "trust-anchor.json"
REQUEST_FILE = "delegation-request.json"
ADMIN_SECRET_FILE = "admin.secret"


@dataclass(frozen=True, slots=True)
class Created:
    store: Store
    kid: str
    handoff: Path  # the trust anchor (top) or the delegation request (others)
    admin_identity: str
    admin_secret_file: Path


def write_json(path: Path, document: Any, *, mode: int = 0o644) -> None:
    """Write a JSON file atomically so a reader never sees half of it; ``mode`` is set
    whatever the umask (0600 for a file that holds secrets)."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        os.fchmod(out.fileno(), mode)
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)


def init_node(
    directory: Path, *, role: str, prefix: str, passphrase: bytes, url: str | None = None
) -> Created:
    """A new node in ``directory``; its data in PostgreSQL at ``url`` when one is given."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    own = Prefix.from_text(prefix)
    if role == "top" and own.depth != 1:
        raise StoreError(f"a top node holds a one-segment prefix such as 88, not {own}")
    if role != "top" and own.depth < 2:
        raise StoreError(
            f"a {role} node's prefix lies under its parent's, such as 88.118; {own} has no parent"
        )
    if store_exists(directory):
        raise NodeExists(f"{directory} already holds a glid node")
    key = SigningKey.generate()
    store = Store.create(directory, role=role, prefix=str(own), url=url)
    admin_identity = f"300:{own}/admin"
    admin_secret = secrets.token_urlsafe(24)
    with store.write() as tx:
        keyring.add_key(store, tx, key, passphrase, prefix=str(own))
        principals.add(tx, admin_identity, secret=admin_secret)
    TemplateCatalog.open(store)  # installs the built-in templates
    admin_handles.publish(store, passphrase, admin_identity)
    secret_file = directory / ADMIN_SECRET_FILE
    secret_file.touch(mode=0o600)
    secret_file.write_text(admin_secret + "\n")
    if role == "top":
        handoff = directory / TRUST_ANCHOR_FILE
        write_json(handoff, make_trust_anchor(str(own), key.verify_key))
    else:
        handoff = directory / REQUEST_FILE
        write_json(handoff, make_delegation_request(str(own), key))
    return Created(store, key.kid, handoff, admin_identity, secret_file)


def describe(store: Store) -> dict[str, Any]:
    """What an operator wants to see first: role, prefixes, keys, sizes."""
    live, stored = store.versions.count()
    return {
        "directory": str(store.directory),
        "store": store.backend.location,
        "role": store.node.role,
        "prefix": store.node.prefix,
        "created_at": store.node.created_at,
        "schema_version": store.schema_version(),
        "identifiers": live,
        "versions": stored,
        "log_size": store.log.leaf_count(),
        "prefixes": [
            {"prefix": e.prefix, "relation": e.relation, "site": e.site}
            for e in store.prefixes.entries()
        ],
        "keys": [
            {
                "kid": k.kid,
                "purpose": k.purpose,
                "prefix": k.prefix,
                "name": k.name,
                "certified": k.certificate is not None,
                "retired_at": k.retired_at,
            }
            for k in store.keys.all()
        ],
    }
