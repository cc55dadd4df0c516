"""The node's side of findings 4 and 7: a backdated reading is not logged, and a device key
file never shares the node's passphrase."""

from pathlib import Path

import pytest

from registry import devices
from registry.store import Store
from signing.errors import WrongPassphraseError
from signing.keyfile import load_signing_key
from signing.timestamps import now
from signing.verify import MAX_PRESIGN
from tests.conftest import DEVICE_PASSPHRASE, PASSPHRASE
from tests.registry.test_devices import example
from tests.registry.trust_nodes import Pair, make_pair, register


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return make_pair(tmp_path)


def test_a_reading_signed_long_before_it_arrives_is_refused(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        entry = devices.add_device(
            store, PASSPHRASE, "meter-1", device_passphrase=DEVICE_PASSPHRASE
        )
    key = load_signing_key(pair.enterprise / str(entry.key_file), DEVICE_PASSPHRASE)
    stale = devices.sign_reading(
        key, "88.7/r-1", example("device-reading"), at=now() - MAX_PRESIGN - 3600
    )
    error = register(pair.enterprise, stale["handle"], stale["values"], stale["signature"])
    assert "more than 30 days before this node's clock" in error
    fresh = devices.sign_reading(key, "88.7/r-2", example("device-reading"), at=now() - 60)
    assert register(pair.enterprise, fresh["handle"], fresh["values"], fresh["signature"]) == ""


def test_a_device_key_is_not_encrypted_under_the_node_passphrase(pair: Pair) -> None:
    with Store.open(pair.enterprise) as store:
        with pytest.raises(devices.DeviceError, match="passphrase of its own"):
            devices.add_device(store, PASSPHRASE, "meter-1", device_passphrase=PASSPHRASE)
        entry = devices.add_device(
            store, PASSPHRASE, "meter-2", device_passphrase=DEVICE_PASSPHRASE
        )
    path = pair.enterprise / str(entry.key_file)
    with pytest.raises(WrongPassphraseError):
        load_signing_key(path, PASSPHRASE)
    assert load_signing_key(path, DEVICE_PASSPHRASE).kid == entry.kid
