"""Finding 2: only a secondary's authority key, unrevoked, registers templates at the top.

A compromised device key of the secondary, revoked by it, signs a registration of the
secondary's reviewed template and posts it to the real top node over loopback.
"""

from pathlib import Path

from registry import devices, keyring, revocations
from signing.keyfile import load_signing_key
from signing.revocation import make_revocation_list, revoke_key
from signing.timestamps import now
from templates_meta.model import parse_template
from tests.conftest import DEVICE_PASSPHRASE, PASSPHRASE
from tests.resolver.network import Network
from tests.resolver.test_template_network import (
    approve_locally,
    coil,
    http,
    signed,
    templates_rows,
)


def registrations(network: Network) -> str:
    return f"{network.top.url}/glid/v1/templates/registrations"


async def test_a_revoked_device_key_cannot_publish_at_the_top(network: Network) -> None:
    secondary = network.secondary
    approve_locally(secondary, coil())
    template = parse_template(coil())
    with secondary.store() as store:
        entry = devices.add_device(
            store, PASSPHRASE, "meter-1", device_passphrase=DEVICE_PASSPHRASE
        )
        device = load_signing_key(Path(store.directory, str(entry.key_file)), DEVICE_PASSPHRASE)
        chain = keyring.chain_of(entry)
    before = templates_rows(network.top)
    forged = signed(secondary, template, key=device, chain=chain)
    status, body = await http("POST", registrations(network), forged)
    assert status == 403
    assert f"signed by key {device.kid} of 88.101" in body["error"]
    assert "not a node's authority key" in body["error"]
    with secondary.store() as store:
        revocations.revoke(store, PASSPHRASE, reason="compromised", kid=entry.kid)
    status, body = await http(
        "POST", registrations(network), signed(secondary, template, key=device, chain=chain)
    )
    assert status == 403 and f"key {device.kid} revoked as compromised" in body["error"]
    assert templates_rows(network.top) == before


async def test_an_authority_key_revoked_by_its_own_node_list_is_refused(
    network: Network,
) -> None:
    # The enterprise's authority key, compromised and revoked by its parent 88.101, tries
    # to register while leaving that list out: no current list from 88.101, refused.
    own = network.own
    template = parse_template(coil())
    document = signed(own, template)
    document["revocations"] = []
    status, body = await http("POST", registrations(network), document)
    assert status == 403 and "no revocation list from 88.101" in body["error"]
    # With the parent's list that revokes it, the chain itself is refused.
    with own.store() as store:
        kid = keyring.active_key(store, own.prefix).kid
    with network.secondary.store() as store:
        parent = keyring.load_private(store, keyring.active_key(store, "88.101"), PASSPHRASE)
    document["revocations"] = [
        make_revocation_list(parent, "88.101", 9, [revoke_key(kid, "compromised", now())])
    ]
    status, body = await http("POST", registrations(network), document)
    assert status == 403 and f"key {kid} revoked as compromised" in body["error"]
