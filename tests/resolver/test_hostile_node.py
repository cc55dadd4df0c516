"""A malicious node on loopback serves crafted answers; the buyer's verdict names the step.

The hostile node is a real aiohttp server on port 0 that answers the native resolve route
with whatever bundle a test hands it: the moves of the review's findings, played against
the real resolver, ``glid resolve`` and ``glid verify``.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from resolver.cli import main
from resolver.client import Resolution, Resolver
from signing.certificates import make_trust_anchor
from signing.checkpoint import sign_checkpoint
from signing.merkle import MerkleLog, log_leaf, record_digest
from signing.revocation import make_revocation_list, revoke_key
from signing.timestamps import now
from tests.signing.builders import HANDLE, YEAR, World, footprint_values, reading_values, value
from tests.signing.newest import newest

DAY = 86400
Answers = dict[str, dict[str, Any]]


class HostileNode:
    """Answers each identifier with the crafted body stored for it."""

    def __init__(self) -> None:
        self.answers: Answers = {}
        self.url = ""

    async def resolve(self, request: web.Request) -> web.Response:
        body = self.answers.get(request.match_info["handle"])
        if body is None:
            return web.json_response({"status": "not_found"}, status=404)
        return web.json_response({"status": "ok", "ttl": 60, **body})


@pytest.fixture
async def hostile() -> AsyncIterator[HostileNode]:
    node = HostileNode()
    app = web.Application()
    app.router.add_get("/glid/v1/resolve/{handle:.+}", node.resolve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    node.url = f"http://{host}:{port}"
    yield node
    await runner.cleanup()


@pytest.fixture
def world() -> World:
    return World(t0=now() - DAY)


@pytest.fixture
def anchor_file(world: World, tmp_path: Path) -> Path:
    path = tmp_path / "trust-anchor.json"
    path.write_text(json.dumps(make_trust_anchor("88", world.top.verify_key)))
    return path


async def resolve(node: HostileNode, world: World, body: dict[str, Any]) -> Resolution:
    node.answers[body["handle"]] = body
    async with Resolver(node.url, world.anchor) as resolver:
        return await resolver.resolve(body["handle"])


def device_reading(world: World) -> dict[str, Any]:
    chain = [world.secondary_cert(), world.enterprise_cert(), world.device_cert()]
    return world.bundle(reading_values(), signer=world.device, chain=chain, handle=HANDLE)


def logged(world: World, body: dict[str, Any], signer: Any, origin: str) -> dict[str, Any]:
    log = MerkleLog()
    log.append(log_leaf(body["handle"], body["version"], record_digest(body["values"]), world.t0))
    note = sign_checkpoint(origin, 1, log.root(), signer)
    body["log"] = {"checkpoint": note, "leaf_index": 0, "tree_size": 1, "inclusion": []}
    return body


def drop_footprint(world: World) -> dict[str, Any]:
    body = newest(world, world.bundle(), issued_at=now())
    body["values"] = [v for v in body["values"] if v["index"] != 2001]
    body["indexes"] = [1001, 2000, 2002]
    return body


def decoy_template(world: World) -> dict[str, Any]:
    """A device signs a product footprint with no TEMPLATE value; a decoy at 1001 claims
    the device-reading template."""
    chain = [world.secondary_cert(), world.enterprise_cert(), world.device_cert()]
    signed = [v for v in footprint_values() if v["index"] != 1001]
    body = world.bundle(signed, signer=world.device, chain=chain)
    body["values"] = [value(1001, "HS_SIGNATURE", "88/tpl.device-reading@1.0.0"), *signed]
    return body


def revoked_device(world: World) -> dict[str, Any]:
    body = device_reading(world)
    entry = revoke_key(world.device.kid, "compromised", world.t0 - 10)
    revoked = make_revocation_list(world.enterprise, "88.118.8", 2, [entry], issued_at=world.t0)
    body["revocations"] = [*world.lists(), revoked]
    return body


def backdated_signer(world: World) -> dict[str, Any]:
    old = World(t0=world.t0 - 3 * YEAR)  # a chain that expired a year ago and more
    body = old.bundle()
    body["revocations"] = world.lists()
    return body


def stale_list(world: World) -> dict[str, Any]:
    body = world.bundle()
    body["revocations"] = world.lists(issued_at=world.t0 - 20 * DAY, next_update=world.t0 - DAY)
    return body


def omitted_list(world: World) -> dict[str, Any]:
    body = world.bundle()
    body["revocations"] = world.lists()[:2]
    return body


def foreign_checkpoint(world: World) -> dict[str, Any]:
    return logged(world, world.bundle(), world.device, "anything-i-like")


def delegated_away(world: World) -> dict[str, Any]:
    return world.bundle(signer=world.secondary, chain=[world.secondary_cert()])


MOVES: list[tuple[str, Callable[[World], dict[str, Any]], str, str]] = [
    ("1 partial answer", drop_footprint, "PARTIAL", "index 2001 are not in"),
    ("3 decoy template", decoy_template, "digests", "index 1001 is not covered"),
    ("5 revoked device key", revoked_device, "revocation", "revoked as compromised"),
    ("4 backdated signer", backdated_signer, "certificate[0]", "the verification time"),
    ("5 stale list", stale_list, "revocation", "is not current"),
    ("5 omitted list", omitted_list, "revocation", "no revocation list from 88.118.8"),
    ("6 foreign checkpoint", foreign_checkpoint, "log", "different log"),
    ("8 delegated away", delegated_away, "key", "one owner per name"),
]


@pytest.mark.parametrize(("move", "craft", "step", "detail"), MOVES, ids=[m[0] for m in MOVES])
async def test_the_resolver_names_the_failing_step(
    hostile: HostileNode,
    world: World,
    move: str,
    craft: Callable[[World], dict[str, Any]],
    step: str,
    detail: str,
) -> None:
    resolution = await resolve(hostile, world, craft(world))
    assert resolution.status == "ok" and not resolution.verified
    verdict = resolution.verdict
    assert verdict is not None
    if step == "PARTIAL":
        assert verdict.valid and not verdict.complete and verdict.missing == (2001,)
        assert detail in verdict.steps[1].detail
    else:
        assert verdict.failed is not None and verdict.failed.name == step
        assert detail in verdict.failed.detail


async def test_an_honest_answer_from_the_same_node_verifies(
    hostile: HostileNode, world: World
) -> None:
    resolution = await resolve(hostile, world, newest(world, world.bundle(), issued_at=now()))
    assert resolution.verified, resolution.verdict


async def test_glid_resolve_prints_the_failing_step_and_exits_1(
    hostile: HostileNode,
    world: World,
    anchor_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.answers[HANDLE] = revoked_device(world)
    argv = ["resolve", HANDLE, "--root", hostile.url, "--trust-anchor", str(anchor_file)]
    assert await asyncio.to_thread(main, argv) == 1
    out = capsys.readouterr().out
    assert "NOT VERIFIED: step revocation failed" in out
    assert f"[FAIL] revocation: certificate[2] for 88.118.8: key {world.device.kid}" in out
    hostile.answers[HANDLE] = drop_footprint(world)
    assert await asyncio.to_thread(main, argv) == 1
    assert "PARTIAL: signed, but the signed value(s) at index 2001" in capsys.readouterr().out
    # A buyer who chooses soft-fail accepts a stale list, and is told so.
    hostile.answers[HANDLE] = newest(world, stale_list(world), issued_at=now())
    assert await asyncio.to_thread(main, [*argv, "--revocation-policy", "soft-fail"]) == 0
    assert "soft-fail, accepted without proof" in capsys.readouterr().out


@pytest.mark.parametrize(("move", "craft", "step", "detail"), MOVES, ids=[m[0] for m in MOVES])
def test_glid_verify_names_the_failing_step(
    world: World,
    anchor_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    move: str,
    craft: Callable[[World], dict[str, Any]],
    step: str,
    detail: str,
) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(craft(world)))
    assert main(["verify", "--file", str(path), "--trust-anchor", str(anchor_file)]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    if step == "PARTIAL":
        assert last.startswith("PARTIAL: signed, but the signed value(s) at index 2001")
    else:
        assert last.startswith(f"INVALID: step {step} failed:") and detail in last
