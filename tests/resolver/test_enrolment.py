"""A child node enrols with its parent over HTTP; the parent's operator decides."""

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from registry import enrolment
from registry.node import REQUEST_FILE as REQUEST
from registry.store import Store
from resolver.cli import main
from resolver.serve import RunningNode, start
from resolver.settings import Settings
from tests.conftest import PASSPHRASE
from tests.store_file import raw_connection


@pytest.fixture
async def top(make_node: Callable[..., Path]) -> AsyncIterator[tuple[Path, RunningNode]]:
    directory = make_node("88", role="top")
    running = await start(Settings(directory, passphrase=PASSPHRASE))
    yield directory, running
    await running.stop()


async def post(url: str, body: object) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as http, http.post(url, json=body) as response:
        return response.status, await response.json()


async def get_json(url: str) -> dict[str, object]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        body: dict[str, object] = await response.json()
        return body


async def test_submit_approve_fetch(
    top: tuple[Path, RunningNode], make_node: Callable[..., Path], tmp_path: Path
) -> None:
    top_dir, running = top
    child = make_node("88.101", role="secondary")
    request = json.loads((child / "delegation-request.json").read_text())
    status, body = await post(
        f"{running.url}/glid/v1/delegations", {"request": request, "site": "http://steel:8080"}
    )
    assert status == 202 and body["state"] == "pending" and body["prefix"] == "88.101"
    with Store.open(top_dir) as store:
        assert (
            raw_connection(store)
            .execute("SELECT count(*) FROM prefixes WHERE prefix = '88.101'")
            .fetchone()[0]
            == 0
        )
    out = tmp_path / "steel.cert"
    assert main(["delegate", "--dir", str(top_dir), "--approve", "88.101", "--out", str(out)]) == 0
    state = await get_json(f"{running.url}/glid/v1/delegations/88.101")
    assert state["state"] == "approved" and len(state["chain"]) == 1
    with Store.open(top_dir) as store:
        row = (
            raw_connection(store)
            .execute("SELECT relation, site FROM prefixes WHERE prefix = '88.101'")
            .fetchone()
        )
    assert row == ("delegated", "http://steel:8080")
    status, again = await post(f"{running.url}/glid/v1/delegations", {"request": request})
    assert status == 400 and "already delegated" in str(again["error"])


async def test_bad_requests_are_refused_and_nothing_is_stored(
    top: tuple[Path, RunningNode], make_node: Callable[..., Path]
) -> None:
    top_dir, running = top
    grandchild = make_node("88.101.7")
    request = json.loads((grandchild / "delegation-request.json").read_text())
    status, body = await post(f"{running.url}/glid/v1/delegations", {"request": request})
    assert status == 400 and "directly under" in str(body["error"])
    child = make_node("88.102", role="secondary")
    forged = json.loads((child / "delegation-request.json").read_text())
    forged["prefix"] = "88.103"
    status, body = await post(f"{running.url}/glid/v1/delegations", {"request": forged})
    assert status == 400
    status, body = await post(f"{running.url}/glid/v1/delegations", {"nothing": 1})
    assert status == 400
    with Store.open(top_dir) as store:
        assert (
            raw_connection(store).execute("SELECT count(*) FROM delegation_requests").fetchone()[0]
            == 0
        )


async def test_rejection_needs_a_reason(
    top: tuple[Path, RunningNode], make_node: Callable[..., Path]
) -> None:
    top_dir, running = top
    child = make_node("88.104", role="secondary")
    request = json.loads((child / "delegation-request.json").read_text())
    await post(f"{running.url}/glid/v1/delegations", {"request": request})
    assert main(["delegate", "--dir", str(top_dir), "--reject", "88.104"]) == 1
    assert (
        main(["delegate", "--dir", str(top_dir), "--reject", "88.104", "--reason", "unknown org"])
        == 0
    )
    state = await get_json(f"{running.url}/glid/v1/delegations/88.104")
    assert state["state"] == "rejected" and state["reason"] == "unknown org"


async def test_a_pending_request_cannot_be_replaced_by_another_key(
    top: tuple[Path, RunningNode], make_node: Callable[..., Path]
) -> None:
    top_dir, running = top
    first = json.loads((make_node("88.105", role="secondary", name="a") / REQUEST).read_text())
    other = json.loads((make_node("88.105", role="secondary", name="b") / REQUEST).read_text())
    url = f"{running.url}/glid/v1/delegations"
    status, held = await post(url, {"request": first, "site": "http://a:1"})
    assert status == 202
    status, refused = await post(url, {"request": other, "site": "http://b:1"})
    assert (status, refused["code"]) == (409, "conflict") and held["kid"] in refused["error"]
    status, resent = await post(url, {"request": first, "site": "http://a:2"})  # same key
    assert status == 202 and resent["site"] == "http://a:2"
    state = await get_json(f"{url}/88.105")
    assert (state["kid"], state["site"]) == (held["kid"], "http://a:2")
    # Once the operator rejects it, the prefix is open to a new request.
    assert main(["delegate", "--dir", str(top_dir), "--reject", "88.105", "--reason", "x"]) == 0
    status, replaced = await post(url, {"request": other})
    assert status == 202 and replaced["kid"] != held["kid"]


def test_a_pending_request_expires(make_node: Callable[..., Path]) -> None:
    top_dir = make_node("88", role="top")
    first = json.loads((make_node("88.106", role="secondary", name="a") / REQUEST).read_text())
    other = json.loads((make_node("88.106", role="secondary", name="b") / REQUEST).read_text())
    with Store.open(top_dir) as store:
        enrolment.submit(store, first, None)
        with pytest.raises(enrolment.RequestPending):
            enrolment.submit(store, other, None)
        raw_connection(store).execute(
            "UPDATE delegation_requests SET received_at = '2020-01-01T00:00:00Z'"
        )
        replaced = enrolment.submit(store, other, None)
        assert replaced.state == "pending" and replaced.received_at > "2020-01-01T00:00:00Z"
