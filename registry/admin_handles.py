"""The handle of each admin identity, kept as a Handle server keeps it.

On a Handle server the identity ``300:88.101.7/admin`` is the value at index 300 of the
handle ``88.101.7/admin``, and Handle clients (pyhandle among them) refuse to log in until
that handle resolves. A glid node therefore writes, whenever it creates an identity, an
ordinary signed record at the identity's handle:

* index 100, ``HS_ADMIN``: the identity administers its own handle
  (``{"handle", "index", "permissions"}``, Handle's 12-character permission mask);
* index INDEX, ``HS_PUBKEY``, only for an identity with a public key: its Ed25519 JWK
  (``{"format": "jwk", "value": {...}}``). A secret is never published: on a Handle server
  an ``HS_SECKEY`` value is not publicly readable either.

Values already at that handle are kept; the record is written only when something changes.
docs/protocol/handle-rest.md §"Admin identities" is the reference.
"""

from collections.abc import Mapping
from typing import Any

from registry import principals
from registry.errors import NotFound, RecordError
from registry.prefixes import zone_of
from registry.registration import Outcome
from registry.service import registrar
from registry.store import Store

ADMIN_INDEX = 100
ADMIN_PERMISSIONS = "011111110011"  # Handle's default for a handle's own administrator
ACTOR = "node"


def identity_values(
    identity: str, current: list[dict[str, Any]], public_jwk: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The values of the identity's handle: ``current`` with HS_ADMIN (unless index 100 is
    already taken) and the identity's HS_PUBKEY, ordered by index."""
    index, handle = principals.parse_identity(identity)
    by_index = {int(value["index"]): value for value in current}
    by_index.setdefault(
        ADMIN_INDEX,
        {
            "index": ADMIN_INDEX,
            "type": "HS_ADMIN",
            "data": {
                "format": "admin",
                "value": {"handle": str(handle), "index": index, "permissions": ADMIN_PERMISSIONS},
            },
        },
    )
    if public_jwk is not None:
        by_index[index] = {
            "index": index,
            "type": "HS_PUBKEY",
            "data": {"format": "jwk", "value": dict(public_jwk)},
        }
    return [by_index[key] for key in sorted(by_index)]


def _comparable(values: list[dict[str, Any]]) -> list[tuple[int, str, Any]]:
    return [(int(v["index"]), str(v["type"]), v["data"]) for v in values]


def publish(
    store: Store,
    passphrase: bytes,
    identity: str,
    public_jwk: Mapping[str, Any] | None = None,
) -> Outcome | None:
    """Write the identity's handle record; None when it already says all this, or when
    the handle's prefix is delegated to a child node, which keeps the handle itself."""
    _, handle = principals.parse_identity(identity)
    zone = zone_of(store, handle.prefix)
    if zone is not None and zone.relation == "delegated":
        return None
    try:
        stored = store.versions.get(str(handle))
        current = [] if stored.deleted else stored.values()
    except NotFound:
        current = []
    values = identity_values(identity, current, public_jwk)
    if _comparable(values) == _comparable(current):
        return None
    outcome = registrar(store, passphrase).register_one(str(handle), values, ACTOR)
    if not outcome.accepted:
        raise RecordError(f"the handle of admin identity {identity} was refused: {outcome.error}")
    return outcome
