"""The real pyhandle client (a synchronous Handle REST client) against a glid node.

pyhandle uses ``requests``, so the loopback network runs its event loop in a background
thread while the tests call pyhandle from the main thread.
"""

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyhandle.handleclient import PyHandleClient  # type: ignore[import-untyped]
from pyhandle.handleexceptions import (  # type: ignore[import-untyped]
    GenericHandleError,
    HandleAlreadyExistsException,
    HandleAuthenticationError,
)

from registry.store.versions import StoredVersion
from tests.registry.records_data import product_values
from tests.resolver.network import Network, build_network, register


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    # pyhandle logs in only once the admin identity's handle resolves, as on a Handle
    # server: the node wrote 88.101.7/admin itself when it started hosting 88.101.7.
    net = asyncio.run_coroutine_threadsafe(build_network(tmp_path), loop).result(60)
    yield net
    asyncio.run_coroutine_threadsafe(net.stop(), loop).result(60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def reader(network: Network) -> Any:
    return PyHandleClient("rest").instantiate_for_read_access(
        handle_server_url=network.secondary.url, HTTPS_verify=False
    )


def writer(network: Network, identity: str, secret: str) -> Any:
    return PyHandleClient("rest").instantiate_with_username_and_password(
        network.secondary.url, identity, secret, HTTPS_verify=False
    )


def stored(network: Network, handle: str) -> StoredVersion:
    with network.secondary.store() as store:
        return store.versions.get(handle)


def test_resolve(network: Network) -> None:
    register(network.secondary, "88.101.7/coil-1", product_values(url="https://coil.example"))
    client = reader(network)
    record = client.retrieve_handle_record_json("88.101.7/coil-1")
    assert record["handle"] == "88.101.7/coil-1"
    assert [v["index"] for v in record["values"]] == [1, 400, 1001, 2000, 2001]
    assert client.get_value_from_handle("88.101.7/coil-1", "URL") == "https://coil.example"
    assert client.retrieve_handle_record("88.101.7/coil-1")["product_name"] == "hot-rolled coil"
    assert client.retrieve_handle_record_json("88.101.7/absent") is None


def test_create_modify_delete(network: Network) -> None:
    client = writer(network, *network.hosted_admin)
    handle = "88.101.7/\u94a2\u5377-7"  # a non-ASCII suffix: pyhandle checks the echo
    assert client.register_handle(handle, "https://first.example", checksum="abc") == handle
    first = stored(network, handle)
    assert first.version == 1 and first.actor == network.hosted_admin[0]
    by_type = {v["type"]: v for v in first.values()}
    assert by_type["URL"]["data"]["value"] == "https://first.example"
    assert by_type["HS_ADMIN"]["index"] == 100

    client.modify_handle_value(handle, URL="https://second.example", EMAIL="ops@example.com")
    assert client.get_value_from_handle(handle, "URL") == "https://second.example"
    assert client.get_value_from_handle(handle, "EMAIL") == "ops@example.com"
    assert stored(network, handle).version == 2

    assert client.delete_handle_value(handle, "CHECKSUM") == handle
    assert "CHECKSUM" not in client.retrieve_handle_record(handle)
    assert stored(network, handle).version == 3

    assert client.delete_handle(handle) == handle
    assert client.retrieve_handle_record_json(handle) is None
    assert stored(network, handle).deleted


def test_refused_writes(network: Network) -> None:
    register(network.secondary, "88.101.7/taken", product_values())
    identity, secret = network.hosted_admin
    before = stored(network, "88.101.7/taken")
    client = writer(network, identity, secret)
    with pytest.raises(HandleAlreadyExistsException):
        client.register_handle("88.101.7/taken", "https://x.example")
    # 88.101.7's admin may not write under 88.101: authenticated but not authorised (403).
    with pytest.raises(GenericHandleError, match="403"):
        client.register_handle("88.101/elsewhere", "https://x.example")
    with pytest.raises(HandleAuthenticationError):
        writer(network, identity, "wrong").register_handle("88.101.7/new", "https://x.example")
    with pytest.raises(HandleAuthenticationError):
        writer(network, identity, "wrong").delete_handle("88.101.7/taken")
    assert stored(network, "88.101.7/taken") == before
    assert reader(network).retrieve_handle_record_json("88.101/elsewhere") is None
