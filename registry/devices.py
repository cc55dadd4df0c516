"""Collection terminals: device keys, readings they sign at source, and the node's check.

A device key is generated on the node, certified by the node's authority key for the
node's prefix with a template restriction (activity data and device readings only), and
its encrypted private key is written to ``DIR/devices/NAME.key``, the file provisioned
onto the terminal. The terminal signs each reading as a record signature over the values
with ``ver`` = the version the reading will become; the node checks that signature and
stores the version under it instead of signing it itself, so a buyer's verification
reaches the meter, not just the node. docs/formats/devices.md has the formats.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from glid_core.errors import GlidError
from glid_core.identifiers import Identifier, is_within
from registry import keyring, revocations
from registry.errors import NotFound, RecordError, RegistryError
from registry.records import parse_values, values_to_json
from registry.store import Store
from registry.store.keys import KeyEntry
from signing import keyfile
from signing.certificates import (
    DEVICE_TEMPLATES,
    Certificate,
    issue_device_certificate,
    parse_certificate,
)
from signing.jws import check_signature
from signing.keys import SigningKey
from signing.record_signature import (
    check_digests,
    parse_record_signature,
    sign_record,
    template_id,
)
from signing.timestamps import iso, now, numeric_date
from signing.verify import MAX_PRESIGN

DEVICE_DIR = "devices"
CLOCK_SKEW = 300  # seconds a terminal's clock may run ahead of the node's
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class DeviceError(RegistryError, ValueError):
    """A device key cannot be created or used."""


class DeviceSignatureRefused(RecordError):
    """A pre-signed record's device signature is not acceptable on this node."""


def device_key_path(directory: Path, name: str) -> Path:
    """Where ``glid keys device-add`` writes a terminal's encrypted key."""
    if _NAME.fullmatch(name) is None:
        raise DeviceError(
            f"device name {name!r} must be 1-64 characters of A-Z a-z 0-9 . _ -,"
            " starting with a letter or digit"
        )
    return directory / DEVICE_DIR / f"{name}.key"


def add_device(
    store: Store,
    passphrase: bytes,
    name: str,
    *,
    device_passphrase: bytes,
    prefix: str | None = None,
    templates: Sequence[str] = DEVICE_TEMPLATES,
) -> KeyEntry:
    """Create, certify and record a device key; its key file is DIR/devices/NAME.key.

    ``passphrase`` unlocks the node's authority key; the device key is encrypted under
    ``device_passphrase``, which must differ, because the file leaves the node for a
    terminal and whoever guesses its passphrase must learn nothing about the node's.
    """
    if device_passphrase == passphrase:
        raise DeviceError(
            "a device key needs a passphrase of its own: set GLID_DEVICE_PASSPHRASE to"
            " something other than the node's GLID_PASSPHRASE"
        )
    prefix = prefix or store.node.prefix
    path = device_key_path(store.directory, name)
    outside = sorted(set(templates) - set(DEVICE_TEMPLATES))
    if outside or not templates:
        raise DeviceError(
            f"a device may sign only {', '.join(DEVICE_TEMPLATES)}; refusing {outside or '[]'}"
        )
    taken = store.keys.device_named(name)
    if taken is not None:
        raise DeviceError(f"a device named {name} already exists on this node (key {taken})")
    if path.exists():
        raise DeviceError(f"{path} already exists; choose another device name")
    issuer, authority, (start, end) = keyring.certify_own(store, passphrase, prefix)
    key = SigningKey.generate()
    token = issue_device_certificate(
        issuer,
        prefix,
        key.verify_key,
        templates=templates,
        valid_from=start,
        valid_until=end,
    )
    chain = [*keyring.chain_of(authority), token]
    with store.write() as tx:
        keyring.add_key(
            store,
            tx,
            key,
            device_passphrase,
            prefix=prefix,
            purpose="device",
            name=name,
            key_file=path,
        )
        tx.keys.set_certificate(key.kid, json.dumps(chain))
        keyring.record_certificate(tx, token)
        tx.audit.add("cli", "device-add", prefix, {"kid": key.kid, "name": name})
    return store.keys.find(key.kid)


def sign_reading(
    key: SigningKey,
    handle: str,
    values: Any,
    *,
    version: int = 1,
    at: int | datetime | None = None,
) -> dict[str, Any]:
    """What a terminal sends: ``{"handle", "values", "signature"}`` for one reading.

    Values are put in the node's stored form first (sorted, defaults filled, every value
    stamped with the reading time unless it carries its own timestamp), because the
    signature covers exactly the bytes the node will keep.
    """
    moment = numeric_date(at) if at is not None else now()
    stamp = iso(moment)
    if isinstance(values, list):
        values = [
            {**value, "timestamp": value.get("timestamp") or stamp}
            if isinstance(value, Mapping)
            else value
            for value in values
        ]
    normalised = values_to_json(parse_values(values))
    identifier = str(Identifier.from_text(handle))
    return {
        "handle": identifier,
        "values": normalised,
        "signature": sign_record(identifier, version, normalised, key, moment),
    }


def load_device_key(path: Path, passphrase: bytes) -> SigningKey:
    return keyfile.load_signing_key(path, passphrase)


@dataclass(frozen=True, slots=True)
class _Device:
    entry: KeyEntry
    certificate: Certificate


class DeviceVerifier:
    """The write path's check of pre-signed readings against this node's device keys."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._devices: dict[str, _Device] = {}

    def _device(self, kid: str, handle: str) -> _Device:
        device = self._devices.get(kid)
        if device is None:
            try:
                entry: KeyEntry | None = self.store.keys.find(kid)
            except NotFound:
                entry = None
            if entry is None or entry.purpose != "device" or entry.certificate is None:
                raise DeviceSignatureRefused(
                    f"{handle}: signed by key {kid}, which is not a device key of this node;"
                    " provision terminals with `glid keys device-add`"
                )
            device = _Device(entry, parse_certificate(keyring.chain_of(entry)[-1]))
            self._devices[kid] = device
        return device

    def check(self, identifier: Identifier, values: list[dict[str, Any]], token: str) -> int:
        """Check a reading's device signature; returns the version it was signed for.

        Refused: an unreadable token, a signature for another identifier, a key that is not
        one of this node's devices (or is retired or revoked), a template outside the
        device's certificate or outside the device templates, an identifier outside the
        certificate's prefix, a certificate not valid at the signing time, a signature
        that does not verify, and values that differ from the signed digests.
        """
        handle = str(identifier)
        try:
            parsed, claims = parse_record_signature(token)
        except GlidError as exc:
            raise DeviceSignatureRefused(f"{handle}: {exc}") from exc
        if claims.id != handle:
            raise DeviceSignatureRefused(
                f"{handle}: the device signature is for {claims.id}, not this identifier"
            )
        device = self._device(claims.kid, handle)
        label = f"device {device.entry.name} (key {claims.kid})"
        revoked = revocations.revocation_of(self.store, claims.kid, claims.iat)
        if revoked is not None:
            raise DeviceSignatureRefused(f"{handle}: {label} is revoked: {revoked}")
        if device.entry.retired_at is not None:
            raise DeviceSignatureRefused(f"{handle}: {label} was retired {device.entry.retired_at}")
        template = template_id(values)
        cert = device.certificate
        if template not in DEVICE_TEMPLATES or not cert.allows_template(template):
            allowed = cert.tpl or DEVICE_TEMPLATES
            raise DeviceSignatureRefused(
                f"{handle}: {label} may sign only records of {', '.join(allowed)};"
                f" this record follows {template or 'no template'}"
            )
        if not is_within(str(identifier.prefix), cert.pfx):
            raise DeviceSignatureRefused(
                f"{handle}: {label} is certified for prefix {cert.pfx} only"
            )
        moment = now()
        if claims.iat > moment + CLOCK_SKEW:
            raise DeviceSignatureRefused(
                f"{handle}: {label} dated the reading {iso(claims.iat)}, in the future;"
                " check the terminal's clock"
            )
        if moment - claims.iat > MAX_PRESIGN:
            # Buyers refuse a reading signed this long before the log took it (a backdated
            # signature), so the node does not log one.
            raise DeviceSignatureRefused(
                f"{handle}: {label} dated the reading {iso(claims.iat)}, more than"
                f" {MAX_PRESIGN // 86400} days before this node's clock ({iso(moment)});"
                " check the terminal's and the node's clocks"
            )
        if not cert.valid_at(claims.iat):
            raise DeviceSignatureRefused(
                f"{handle}: {label}'s certificate is not valid at the signing time"
                f" {iso(claims.iat)} (valid {iso(cert.nbf)} to {iso(cert.exp)})"
            )
        try:
            check_signature(parsed, cert.key)
            check_digests(claims, values)
        except GlidError as exc:
            raise DeviceSignatureRefused(f"{handle}: {label}: {exc}") from exc
        return claims.ver
