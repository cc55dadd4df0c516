"""The Handle.Net REST API of a node, over real HTTP on a loopback network of nodes."""

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp

from registry.access import REFUSED
from registry.store.versions import StoredVersion
from resolver.serve import start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.resolver.network import Network, Node, register

URL_VALUE = {"index": 1, "type": "URL", "data": {"format": "string", "value": "https://a.example"}}


def basic(identity: str, secret: str) -> dict[str, str]:
    """Credentials as Handle clients send them: the identity percent-encoded."""
    token = base64.b64encode(f"{quote(identity, safe='')}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def hosted_admin(network: Network) -> dict[str, str]:
    return basic(*network.hosted_admin)


def state(node: Node) -> tuple[int, int]:
    """(live identifiers, stored versions): what a refused write must leave unchanged."""
    with node.store() as store:
        return store.versions.count()


def current(node: Node, handle: str) -> StoredVersion:
    with node.store() as store:
        return store.versions.get(handle)


async def call(
    http: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, dict[str, Any], Mapping[str, str]]:
    async with http.request(method, url, allow_redirects=False, **kwargs) as response:
        assert response.content_type == "application/json"
        return response.status, await response.json(), response.headers


async def still_answers(http: aiohttp.ClientSession, url: str) -> None:
    async with http.get(f"{url}/healthz") as response:
        assert response.status == 200


# --- reads ---------------------------------------------------------------------------------


async def test_resolve_returns_values_and_the_node_signature(network: Network) -> None:
    register(network.secondary, "88.101.7/coil-1", product_values())
    url = f"{network.secondary.url}/api/handles/88.101.7/coil-1"
    async with aiohttp.ClientSession() as http:
        status, body, _ = await call(http, "GET", url)
    stored = current(network.secondary, "88.101.7/coil-1")
    assert status == 200
    assert body["responseCode"] == 1 and body["handle"] == "88.101.7/coil-1"
    assert [v["index"] for v in body["values"]] == [1, 400, 1001, 2000, 2001]
    signature = body["values"][1]
    assert signature["type"] == "GLID_SIGNATURE"
    assert signature["data"] == {"format": "string", "value": stored.signature}
    assert [v for v in body["values"] if v["index"] != 400] == stored.values()


async def test_index_and_type_filters_keep_the_signature(network: Network) -> None:
    values = [
        *product_values(),
        {"index": 5, "type": "EMAIL.work", "data": "a@example.com"},
        {"index": 6, "type": "EMAIL.home", "data": "b@example.com"},
        {"index": 7, "type": "EMAILS", "data": "not a subtype"},
    ]
    register(network.secondary, "88.101.7/f", values)
    base = f"{network.secondary.url}/api/handles/88.101.7/f"
    async with aiohttp.ClientSession() as http:
        _, by_index, _ = await call(http, "GET", f"{base}?index=1&index=2000")
        _, by_type, _ = await call(http, "GET", f"{base}?type=TEMPLATE")
        _, either, _ = await call(http, "GET", f"{base}?index=1&type=manufacturer")
        _, subtypes, _ = await call(http, "GET", f"{base}?type=EMAIL.")
        status, nothing, _ = await call(http, "GET", f"{base}?index=9999")
    assert [v["index"] for v in by_index["values"]] == [1, 400, 2000]
    assert [v["index"] for v in by_type["values"]] == [400, 1001]
    assert [v["index"] for v in either["values"]] == [1, 400, 2001]
    assert [v["type"] for v in subtypes["values"]] == ["EMAIL.work", "EMAIL.home", "GLID_SIGNATURE"]
    # Handle: values not found is code 200 with HTTP 200 on resolution.
    assert status == 200 and nothing["responseCode"] == 200 and nothing["values"] == []
    assert nothing["handle"] == "88.101.7/f" and "9999" in nothing["message"]


async def test_not_found_invalid_and_not_responsible(network: Network) -> None:
    register(network.secondary, "88.101.7/coil-1", product_values())
    secondary, top = network.secondary.url, network.top.url
    async with aiohttp.ClientSession() as http:
        status, missing, _ = await call(http, "GET", f"{secondary}/api/handles/88.101.7/none")
        assert (status, missing["responseCode"], missing["handle"]) == (404, 100, "88.101.7/none")
        assert "88.101.7/none" in missing["message"]

        status, control, _ = await call(http, "GET", f"{secondary}/api/handles/88.101.7/%01")
        assert (status, control["responseCode"], control["handle"]) == (400, 102, "88.101.7/\x01")
        assert "U+0001" in control["message"]

        status, slashless, _ = await call(http, "GET", f"{secondary}/api/handles/no-slash")
        assert (status, slashless["responseCode"], slashless["handle"]) == (400, 102, "no-slash")

        status, bytes_, _ = await call(http, "GET", f"{secondary}/api/handles/88.101.7/%FF")
        assert (status, bytes_["responseCode"]) == (400, 102)
        assert bytes_["handle"] == "88.101.7/\ufffd" and "UTF-8" in bytes_["message"]

        # The top node delegated 88.101: it is not responsible, and it never redirects.
        status, delegated, headers = await call(http, "GET", f"{top}/api/handles/88.101.7/coil-1")
        assert (status, delegated["responseCode"]) == (400, 301)
        assert "Location" not in headers and network.secondary.url in delegated["message"]
        status, outside, _ = await call(http, "GET", f"{secondary}/api/handles/99.1/x")
        assert (status, outside["responseCode"], outside["handle"]) == (400, 301, "99.1/x")


async def test_every_answer_under_handle_paths_carries_a_response_code(network: Network) -> None:
    """aiohttp's own 404 and 405 too, so a Handle client always reads a responseCode."""
    secondary = network.secondary.url
    async with aiohttp.ClientSession() as http:
        status, wrong_method, _ = await call(http, "POST", f"{secondary}/api/handles/88.101.7/x")
        assert (status, wrong_method["responseCode"]) == (405, 2)
        assert "POST is not allowed" in wrong_method["message"]
        status, no_handle, _ = await call(http, "GET", f"{secondary}/api/handles/")
        assert (status, no_handle["responseCode"]) == (404, 2)
        status, search, _ = await call(http, "GET", f"{secondary}/hrls/handles/?URL=*")
        assert (status, search["responseCode"]) == (404, 2)
        assert "GET /api/handles?prefix=" in search["message"]
        status, native, _ = await call(http, "GET", f"{secondary}/no/such/route")
        assert status == 404 and "responseCode" not in native and native["error"]


async def test_the_handle_is_echoed_as_sent(network: Network) -> None:
    """NFD and NFC spell the same identifier; the answer repeats the client's spelling."""
    nfc, nfd = "88.101.7/caf\u00e9-\u78b3", "88.101.7/cafe\u0301-\u78b3"
    register(network.secondary, nfc, product_values())
    async with aiohttp.ClientSession() as http:
        for sent in (nfc, nfd, "88.101.7/caf%C3%A9-%E7%A2%B3"):
            url = f"{network.secondary.url}/api/handles/{quote(sent, safe='/%')}"
            status, body, _ = await call(http, "GET", url)
            expected = nfc if sent.startswith("88.101.7/caf%") else sent
            assert status == 200 and body["handle"] == expected
        status, missing, _ = await call(
            http, "GET", f"{network.secondary.url}/api/handles/88.101.7/Caf%C3%A9-nope"
        )
    assert status == 404 and missing["handle"] == "88.101.7/Caf\u00e9-nope"


# --- writes --------------------------------------------------------------------------------


async def test_create_then_overwrite_or_refuse(network: Network) -> None:
    url = f"{network.secondary.url}/api/handles/88.101.7/new"
    auth = hosted_admin(network)
    async with aiohttp.ClientSession() as http:
        status, body, _ = await call(http, "PUT", url, json={"values": [URL_VALUE]}, headers=auth)
        assert (status, body) == (201, {"responseCode": 1, "handle": "88.101.7/new"})
        before = state(network.secondary)
        replacement = [{**URL_VALUE, "data": "https://b.example"}]  # bare-string data
        status, exists, _ = await call(
            http, "PUT", f"{url}?overwrite=false", json=replacement, headers=auth
        )
        assert (status, exists["responseCode"], exists["handle"]) == (409, 101, "88.101.7/new")
        assert state(network.secondary) == before
        status, body, _ = await call(http, "PUT", url, json=replacement, headers=auth)
        assert (status, body["responseCode"]) == (200, 1)
        _, read, _ = await call(http, "GET", f"{url}?index=1")
    stored = current(network.secondary, "88.101.7/new")
    assert stored.version == 2 and stored.actor == network.hosted_admin[0]
    assert read["values"][0]["data"] == {"format": "string", "value": "https://b.example"}


async def test_put_with_index_merges_into_the_current_values(network: Network) -> None:
    register(network.secondary, "88.101.7/m", product_values())
    url = f"{network.secondary.url}/api/handles/88.101.7/m"
    auth = hosted_admin(network)
    new_url = {"index": 1, "type": "URL", "data": "https://changed.example"}
    email = {"index": 3, "type": "EMAIL", "data": "ops@example.com"}
    async with aiohttp.ClientSession() as http:
        status, body, _ = await call(http, "PUT", f"{url}?index=1", json=[new_url], headers=auth)
        assert (status, body["responseCode"]) == (200, 1)
        # A single value is a body too; a new index makes it a creation.
        status, body, _ = await call(
            http, "PUT", f"{url}?index=3&overwrite=false", json=email, headers=auth
        )
        assert (status, body["responseCode"]) == (201, 1)
        before = state(network.secondary)
        status, exists, _ = await call(
            http, "PUT", f"{url}?index=3&overwrite=false", json=[email], headers=auth
        )
        assert (status, exists["responseCode"]) == (409, 201)
        status, unnamed, _ = await call(
            http, "PUT", f"{url}?index=3", json=[email, new_url], headers=auth
        )
        assert (status, unnamed["responseCode"]) == (400, 202) and "index 1" in unnamed["message"]
        assert state(network.secondary) == before
        status, _, _ = await call(
            http,
            "PUT",
            f"{url}?index=various",
            json=[{**email, "data": "x@example.com"}],
            headers=auth,
        )
        assert status == 200
        status, absent, _ = await call(
            http,
            "PUT",
            f"{network.secondary.url}/api/handles/88.101.7/nope?index=1",
            json=[new_url],
            headers=auth,
        )
        assert (status, absent["responseCode"]) == (404, 100)
    values = current(network.secondary, "88.101.7/m").values()
    assert [v["index"] for v in values] == [1, 3, 1001, 2000, 2001]
    assert values[0]["data"]["value"] == "https://changed.example"
    assert values[1]["data"]["value"] == "x@example.com"
    assert values[3]["data"]["value"] == "hot-rolled coil"


async def test_a_copied_back_signature_is_dropped_and_the_record_re_signed(
    network: Network,
) -> None:
    register(network.secondary, "88.101.7/r", product_values())
    url = f"{network.secondary.url}/api/handles/88.101.7/r"
    async with aiohttp.ClientSession() as http:
        _, record, _ = await call(http, "GET", url)
        status, _, _ = await call(http, "PUT", url, json=record, headers=hosted_admin(network))
        assert status == 200
        _, again, _ = await call(http, "GET", url)
    old_signature = record["values"][1]["data"]["value"]
    assert again["values"][1]["data"]["value"] != old_signature
    assert current(network.secondary, "88.101.7/r").version == 2


async def test_delete_values_then_the_handle(network: Network) -> None:
    register(network.secondary, "88.101.7/d", product_values())
    url = f"{network.secondary.url}/api/handles/88.101.7/d"
    auth = hosted_admin(network)
    async with aiohttp.ClientSession() as http:
        status, body, _ = await call(http, "DELETE", f"{url}?index=1", headers=auth)
        assert (status, body) == (200, {"responseCode": 1, "handle": "88.101.7/d"})
        assert [v["index"] for v in current(network.secondary, "88.101.7/d").values()] == [
            1001,
            2000,
            2001,
        ]
        before = state(network.secondary)
        status, gone, _ = await call(http, "DELETE", f"{url}?index=1", headers=auth)
        assert (status, gone["responseCode"]) == (400, 200)
        status, empty, _ = await call(
            http, "DELETE", f"{url}?index=1001&index=2000&index=2001", headers=auth
        )
        assert (status, empty["responseCode"]) == (400, 202)
        assert state(network.secondary) == before
        status, body, _ = await call(http, "DELETE", url, headers=auth)
        assert (status, body["responseCode"]) == (200, 1)
        status, missing, _ = await call(http, "GET", url)
        assert (status, missing["responseCode"]) == (404, 100)
        status, again, _ = await call(http, "DELETE", url, headers=auth)
        assert (status, again["responseCode"], again["handle"]) == (404, 100, "88.101.7/d")
    assert current(network.secondary, "88.101.7/d").deleted


async def test_refused_writes_leave_the_store_unchanged(network: Network) -> None:
    register(network.secondary, "88.101/own", product_values())
    secondary = network.secondary.url
    hosted = hosted_admin(network)
    before = state(network.secondary)
    body = {"values": [URL_VALUE]}
    async with aiohttp.ClientSession() as http:
        status, anonymous, headers = await call(
            http, "PUT", f"{secondary}/api/handles/88.101.7/x", json=body
        )
        assert (status, anonymous["responseCode"], anonymous["handle"]) == (401, 402, "88.101.7/x")
        assert headers["WWW-Authenticate"].startswith("Basic")
        wrong = basic(network.hosted_admin[0], "not the secret")
        status, bad, _ = await call(
            http, "PUT", f"{secondary}/api/handles/88.101.7/x", json=body, headers=wrong
        )
        assert (status, bad["responseCode"]) == (401, 402)
        unknown = basic("300:88.101.7/nobody", "x")
        status, stranger, _ = await call(
            http, "DELETE", f"{secondary}/api/handles/88.101/own", headers=unknown
        )
        assert (status, stranger["responseCode"]) == (401, 402)
        # One wording for both: the answer does not tell which identities exist.
        assert bad["message"] == stranger["message"] == REFUSED
        # 88.101.7's admin may not write under its parent's prefix 88.101.
        status, parent, _ = await call(
            http, "PUT", f"{secondary}/api/handles/88.101/own", json=body, headers=hosted
        )
        assert (status, parent["responseCode"], parent["handle"]) == (403, 400, "88.101/own")
        assert "88.101.7" in parent["message"]
        # 88.101.9 is delegated to its own node: refused with 301, never redirected.
        owner = basic(*network.secondary.admin)
        status, delegated, headers = await call(
            http, "PUT", f"{secondary}/api/handles/88.101.9/x", json=body, headers=owner
        )
        assert (status, delegated["responseCode"]) == (400, 301) and "Location" not in headers
        status, invalid, _ = await call(
            http, "PUT", f"{secondary}/api/handles/88.101.7/x", data=b"{not json", headers=hosted
        )
        assert (status, invalid["responseCode"]) == (400, 202)
        status, no_values, _ = await call(
            http, "PUT", f"{secondary}/api/handles/88.101.7/x", json=[], headers=hosted
        )
        assert (status, no_values["responseCode"]) == (400, 202) and "empty" in no_values["message"]
        await still_answers(http, network.secondary.url)
    assert state(network.secondary) == before


async def test_a_parent_admin_writes_in_its_hosted_child_prefix(network: Network) -> None:
    url = f"{network.secondary.url}/api/handles/88.101.7/by-parent"
    async with aiohttp.ClientSession() as http:
        status, _, _ = await call(
            http, "PUT", url, json=[URL_VALUE], headers=basic(*network.secondary.admin)
        )
        assert status == 201
        status, stored, _ = await call(http, "GET", url)
    assert status == 200 and stored["handle"] == "88.101.7/by-parent"
    # the value written, and the node's signature over it
    assert [(v["index"], v["type"]) for v in stored["values"]] == [
        (1, "URL"),
        (400, "GLID_SIGNATURE"),
    ]
    assert stored["values"][0]["data"] == URL_VALUE["data"]


async def test_list_handles_with_paging(network: Network) -> None:
    for name in ("c", "a", "b", "e", "d"):
        register(network.secondary, f"88.101.7/{name}", product_values())
    register(network.secondary, "88.101/not-listed", product_values())
    base = f"{network.secondary.url}/api/handles"
    auth = hosted_admin(network)
    async with aiohttp.ClientSession() as http:
        status, everything, _ = await call(http, "GET", f"{base}?prefix=88.101.7", headers=auth)
        _, page, _ = await call(
            http, "GET", f"{base}?prefix=88.101.7&page=1&pageSize=2", headers=auth
        )
        _, last, _ = await call(
            http, "GET", f"{base}?prefix=88.101.7&page=2&pageSize=2", headers=auth
        )
        status_anon, anonymous, _ = await call(http, "GET", f"{base}?prefix=88.101.7")
        status_other, other, _ = await call(http, "GET", f"{base}?prefix=88.101", headers=auth)
        status_zero, zero, _ = await call(
            http, "GET", f"{base}?prefix=88.101.7&pageSize=0", headers=auth
        )
    # the admin identity's own handle is listed too, as on a Handle server
    handles = [f"88.101.7/{n}" for n in ("a", "admin", "b", "c", "d", "e")]
    assert status == 200
    # totalCount is a string in the Handle.Net API; page and pageSize are numbers.
    assert everything == {
        "responseCode": 1,
        "prefix": "88.101.7",
        "totalCount": "6",
        "handles": handles,
    }
    assert page == {
        "responseCode": 1,
        "prefix": "88.101.7",
        "totalCount": "6",
        "page": 1,
        "pageSize": 2,
        "handles": handles[2:4],
    }
    assert last["handles"] == handles[4:]
    assert (status_anon, anonymous["responseCode"], anonymous["prefix"]) == (401, 402, "88.101.7")
    assert (status_other, other["responseCode"]) == (403, 400)
    assert (status_zero, zero["responseCode"]) == (400, 2)


async def test_oversized_body_is_413_json_and_nothing_changes(network: Network) -> None:
    small = await start(
        Settings(network.secondary.directory, passphrase=PASSPHRASE, max_body_bytes=1024)
    )
    try:
        big = [{**URL_VALUE, "data": "x" * 4096}]
        before = state(network.secondary)
        async with aiohttp.ClientSession() as http:
            status, body, _ = await call(
                http,
                "PUT",
                f"{small.url}/api/handles/88.101.7/big",
                json=big,
                headers=hosted_admin(network),
            )
            assert (status, body["responseCode"], body["handle"]) == (413, 2, "88.101.7/big")
            assert "1024 bytes" in body["message"]
            status, native, _ = await call(
                http,
                "POST",
                f"{small.url}/glid/v1/records",
                data=b"x" * 4096,
                headers=hosted_admin(network),
            )
            assert status == 413 and "1024 bytes" in native["error"]
            await still_answers(http, small.url)
        assert state(network.secondary) == before
    finally:
        await small.stop()
