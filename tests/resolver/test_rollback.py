"""A node that answers an older version of a record, over loopback, to the real resolver,
`glid resolve` and `glid verify`: the buyer never sees VERIFIED for it as the current one.

The enterprise node 88.7 updates 88.7/p0 to version 2 and serves it for real; a hostile
node (tests.resolver.test_hostile_node) replays what the real one sent: version 1 with
today's statement, or the whole answer from before the update.
"""

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from resolver.cli import main
from resolver.client import Resolver
from resolver.serve import start
from resolver.settings import Settings
from signing.latest import LATEST_LIFETIME
from signing.timestamps import now
from signing.verify import verify_bundle
from tests.conftest import PASSPHRASE
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, register, registered_pair
from tests.resolver.test_hostile_node import HostileNode, hostile

__all__ = ["hostile"]  # the hostile node's fixture, used here too
HANDLE = "88.7/p0"


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    return registered_pair(tmp_path)


async def bundle(base: str, query: str = "") -> dict[str, Any]:
    url = f"{base}/glid/v1/resolve/{HANDLE}?bundle=1{query}"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def answers(pair: Pair) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the answer from before the update, version 1 asked for after it, the current one)."""
    running = await start(Settings(pair.enterprise, passphrase=PASSPHRASE))
    try:
        before = await bundle(running.url)
        assert register(pair.enterprise, HANDLE, product_values("second")) == ""
        return before, await bundle(running.url, "&version=1"), await bundle(running.url)
    finally:
        await running.stop()


async def test_an_older_version_fails_at_latest_and_the_newest_verifies(
    pair: Pair, hostile: HostileNode, capsys: pytest.CaptureFixture[str]
) -> None:
    before, old, current = await answers(pair)
    assert (before["version"], old["version"], current["version"]) == (1, 1, 2)
    async with Resolver(hostile.url, pair.anchor) as resolver:
        hostile.answers[HANDLE] = old
        resolution = await resolver.resolve(HANDLE)
        assert not resolution.verified and resolution.verdict is not None
        failed = resolution.verdict.failed
        assert failed is not None and failed.name == "latest"
        assert failed.detail.startswith(
            f"the answer is version 1 of {HANDLE}, but version 2 is the newest in log"
            " glid.88.7/log at size 5"
        )
    hostile.answers[HANDLE] = current
    async with Resolver(hostile.url, pair.anchor) as resolver:
        assert (await resolver.resolve(HANDLE)).verified
    argv = ["resolve", HANDLE, "--root", hostile.url, "--trust-anchor", str(pair.anchor_file)]
    hostile.answers[HANDLE] = old
    assert await asyncio.to_thread(main, argv) == 1
    assert "NOT VERIFIED: step latest failed" in capsys.readouterr().out


async def test_the_answer_from_before_the_update_verifies_only_within_its_window(
    pair: Pair,
) -> None:
    """The residual window: the statement sent with version 1 before the update stays
    current for LATEST_LIFETIME; a hostile node can replay it until then, not after."""
    before, _, _ = await answers(pair)
    issued = now()
    assert verify_bundle(before, pair.anchor, require_latest=True).valid
    late = verify_bundle(before, pair.anchor, at=issued + LATEST_LIFETIME, require_latest=True)
    assert late.failed is not None and late.failed.name == "latest"
    assert "is not current (an old statement can hide a newer version)" in late.failed.detail


async def test_glid_verify_calls_an_asked_for_version_historical(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, old, _ = await answers(pair)
    path = tmp_path / "p0-v1.json"
    path.write_text(json.dumps(old))
    argv = ["verify", "--file", str(path), "--trust-anchor", str(pair.anchor_file)]
    assert main(argv) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith(f"INVALID: step latest failed: the answer is version 1 of {HANDLE}")
    assert main([*argv, "--version", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "VALID (historical version 1 of 2)"
    assert "historical version 1 of 2, as asked, in log glid.88.7/log" in lines[-2]
    assert main([*argv, "--version", "1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["valid"], shown["version"], shown["newest"]) == (True, 1, 2)
