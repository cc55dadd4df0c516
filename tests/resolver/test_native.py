from collections.abc import Callable
from pathlib import Path

import aiohttp
import msgpack

from registry import delegation
from registry.service import registrar
from registry.store import Store
from resolver.serve import start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.resolver.network import Network, register


async def test_authoritative_answer_referral_and_not_found(network: Network) -> None:
    register(network.secondary, "88.101.7/coil-1", product_values())
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{network.secondary.url}/glid/v1/resolve/88.101.7/coil-1") as r:
            assert r.status == 200
            body = await r.json()
        assert body["status"] == "ok" and body["version"] == 1
        assert body["authority"] == "88.101.7"
        assert len(body["chain"]) == 2  # top → 88.101, 88.101 → 88.101.7
        async with http.get(f"{network.top.url}/glid/v1/resolve/88.101.7/coil-1") as r:
            referral = await r.json()
        assert referral["status"] == "referral"
        assert referral["referral"]["site"] == network.secondary.url
        async with http.get(f"{network.secondary.url}/glid/v1/resolve/88.101.9/x") as r:
            assert (await r.json())["referral"]["site"] == network.own.url
        async with http.get(f"{network.secondary.url}/glid/v1/resolve/88.101.7/none") as r:
            assert r.status == 404 and (await r.json())["status"] == "not_found"
        async with http.get(f"{network.secondary.url}/glid/v1/resolve/88.101.7/%01") as r:
            assert r.status == 400 and "U+0001" in (await r.json())["error"]


async def test_msgpack_answer_equals_json(network: Network) -> None:
    register(network.own, "88.101.9/ingot", product_values("ingot"))
    url = f"{network.own.url}/glid/v1/resolve/88.101.9/ingot"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            as_json = await r.json()
        async with http.get(url, headers={"Accept": "application/msgpack"}) as r:
            assert r.content_type == "application/msgpack"
            as_msgpack = msgpack.unpackb(await r.read())
    assert as_json == as_msgpack


async def test_cached_answer_follows_a_new_version(network: Network) -> None:
    register(network.own, "88.101.9/p", product_values("first"))
    url = f"{network.own.url}/glid/v1/resolve/88.101.9/p"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert (await r.json())["version"] == 1
        register(network.own, "88.101.9/p", product_values("second"))
        async with http.get(url) as r:
            body = await r.json()
    assert body["version"] == 2 and body["values"][2]["data"]["value"] == "second"


async def test_batch_resolution(network: Network) -> None:
    for n in range(5):
        register(network.own, f"88.101.9/b{n}", product_values())
    ids = [f"88.101.9/b{n}" for n in range(5)] + ["88.101.9/missing", "bad"]
    url = f"{network.own.url}/glid/v1/resolve"
    async with aiohttp.ClientSession() as http, http.post(url, json={"ids": ids}) as r:
        answers = (await r.json())["answers"]
    assert [a["status"] for a in answers] == ["ok"] * 5 + ["not_found", "bad_identifier"]


async def test_a_chain_accepted_while_serving_is_served_without_a_restart(
    make_node: Callable[..., Path],
) -> None:
    top, child = make_node("88", role="top"), make_node("88.5", role="secondary")
    node = await start(Settings(child, passphrase=PASSPHRASE))
    try:
        with Store.open(child) as store:
            registrar(store, PASSPHRASE).register_one("88.5/x", product_values(), "t")
        url = f"{node.url}/glid/v1/resolve/88.5/x"
        async with aiohttp.ClientSession() as http:
            async with http.get(url) as r:
                assert (await r.json())["chain"] == []
            # other connections than the daemon's, as `glid delegate` and `glid accept` use
            chain = delegation.delegate_locally(top, child, PASSPHRASE)
            async with http.get(url) as r:
                assert (await r.json())["chain"] == chain
    finally:
        await node.stop()
