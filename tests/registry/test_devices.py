import json
import stat
from pathlib import Path
from typing import Any

import pytest

from registry import devices, keyring, revocations
from registry.evidence import bundle_for
from registry.store import Store
from registry.store.keys import KeyEntry
from signing.certificates import DEVICE_TEMPLATES, parse_certificate
from signing.record_signature import sign_record
from signing.timestamps import now
from signing.verify import verify_bundle
from tests.conftest import DEVICE_PASSPHRASE, PASSPHRASE
from tests.registry.trust_nodes import Pair, make_pair, register

TEMPLATES = Path(__file__).parents[2] / "templates_meta" / "builtin"


def example(name: str) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = json.loads((TEMPLATES / f"{name}.example.json").read_text())
    for value in values:
        value.pop("timestamp")
    return values


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return make_pair(tmp_path)


def add_meter(pair: Pair, name: str = "meter-1") -> KeyEntry:
    with Store.open(pair.enterprise) as store:
        return devices.add_device(store, PASSPHRASE, name, device_passphrase=DEVICE_PASSPHRASE)


def meter_key(pair: Pair, name: str = "meter-1") -> Any:
    path = devices.device_key_path(pair.enterprise, name)
    return devices.load_device_key(path, DEVICE_PASSPHRASE)


def test_device_add_writes_a_private_key_file_and_a_restricted_certificate(pair: Pair) -> None:
    entry = add_meter(pair)
    path = pair.enterprise / "devices" / "meter-1.key"
    assert entry.key_file == "devices/meter-1.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert meter_key(pair).kid == entry.kid
    assert (entry.purpose, entry.name, entry.prefix) == ("device", "meter-1", "88.7")
    chain = keyring.chain_of(entry)
    with Store.open(pair.enterprise) as store:
        authority = keyring.active_key(store, "88.7")
    # The device's chain is the node's own chain plus the device certificate.
    assert chain[:-1] == keyring.chain_of(authority)
    device_cert = parse_certificate(chain[-1])
    assert (device_cert.iss, device_cert.sub, device_cert.pfx) == ("88.7", "88.7", "88.7")
    assert device_cert.perms == frozenset({"sign"})
    assert device_cert.tpl == DEVICE_TEMPLATES
    assert device_cert.issuer_kid == authority.kid


def test_device_names_are_checked_and_unique(pair: Pair) -> None:
    add_meter(pair)
    with pytest.raises(devices.DeviceError, match="already exists"):
        add_meter(pair)
    with pytest.raises(devices.DeviceError, match="device name"):
        add_meter(pair, "../escape")


def test_a_pre_signed_reading_is_stored_under_the_device_signature(pair: Pair) -> None:
    entry = add_meter(pair)
    reading = devices.sign_reading(meter_key(pair), "88.7/r-1", example("device-reading"))
    assert (
        register(pair.enterprise, reading["handle"], reading["values"], reading["signature"]) == ""
    )
    with Store.open(pair.enterprise) as store:
        stored = store.versions.get("88.7/r-1")
        assert stored.signature == reading["signature"]
        assert stored.values() == reading["values"]  # kept as signed, not re-stamped
        revocations.refresh(store, PASSPHRASE)  # the writer keeps the list current
        bundle = bundle_for(store, stored)
    assert bundle["chain"] == keyring.chain_of(entry)
    verdict = verify_bundle(bundle, pair.anchor)
    assert verdict.valid, verdict.failed
    assert f"key {entry.kid}" in verdict.steps[0].detail


def test_a_device_cannot_sign_a_product_footprint(pair: Pair) -> None:
    entry = add_meter(pair)
    values = example("product-footprint")
    forged = devices.sign_reading(meter_key(pair), "88.7/pcf-1", values)
    error = register(pair.enterprise, forged["handle"], forged["values"], forged["signature"])
    assert "may sign only records of 88/tpl.activity-data, 88/tpl.device-reading" in error
    assert "88/tpl.product-footprint" in error
    with Store.open(pair.enterprise) as store:
        assert store.versions.count() == (1, 1)  # only the admin identity's handle
    # The same forgery handed to a buyer as a bundle fails at the key step.
    bundle = {
        "handle": forged["handle"],
        "version": 1,
        "values": forged["values"],
        "signature": forged["signature"],
        "chain": keyring.chain_of(entry),
    }
    verdict = verify_bundle(bundle, pair.anchor)
    assert not verdict.valid
    assert verdict.failed is not None and verdict.failed.name == "key"
    assert "may sign only records of templates" in verdict.failed.detail


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda r: r["values"][1]["data"].update(value="EM-9999"), "does not match its signed"),
        (lambda r: r.update(handle="88.7/other"), "the device signature is for 88.7/r-1"),
    ],
)
def test_altered_readings_are_refused(pair: Pair, tamper: Any, message: str) -> None:
    add_meter(pair)
    reading = devices.sign_reading(meter_key(pair), "88.7/r-1", example("device-reading"))
    tamper(reading)
    error = register(pair.enterprise, reading["handle"], reading["values"], reading["signature"])
    assert message in error


def test_the_signed_version_must_be_the_version_it_becomes(pair: Pair) -> None:
    add_meter(pair)
    key = meter_key(pair)
    first = devices.sign_reading(key, "88.7/r-1", example("device-reading"))
    again = devices.sign_reading(key, "88.7/r-1", example("device-reading"), version=1)
    assert register(pair.enterprise, first["handle"], first["values"], first["signature"]) == ""
    error = register(pair.enterprise, again["handle"], again["values"], again["signature"])
    assert "signed version 1, but this reading would become version 2" in error
    second = devices.sign_reading(key, "88.7/r-1", example("device-reading"), version=2)
    assert register(pair.enterprise, second["handle"], second["values"], second["signature"]) == ""


def test_keys_that_are_not_devices_of_this_node_are_refused(pair: Pair, tmp_path: Path) -> None:
    with Store.open(pair.enterprise) as store:
        node_key = keyring.load_private(store, keyring.active_key(store, "88.7"), PASSPHRASE)
    values = devices.sign_reading(node_key, "88.7/r-1", example("device-reading"))["values"]
    token = sign_record("88.7/r-1", 1, values, node_key, now())
    error = register(pair.enterprise, "88.7/r-1", values, token)
    assert "which is not a device key of this node" in error


def test_a_revoked_device_is_refused(pair: Pair) -> None:
    entry = add_meter(pair)
    reading = devices.sign_reading(meter_key(pair), "88.7/r-1", example("device-reading"))
    with Store.open(pair.enterprise) as store:
        revocations.revoke(store, PASSPHRASE, kid=entry.kid, reason="compromised")
    error = register(pair.enterprise, reading["handle"], reading["values"], reading["signature"])
    assert f"is revoked: key {entry.kid} revoked as compromised" in error
