import base64
import io
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from registry import keyring
from registry.store import Store
from resolver.cli import main
from resolver.client import Resolver, load_trust_anchor
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, make_pair, register
from tests.resolver.network import Network, build_network
from tests.resolver.network import register as register_on

TEMPLATES = Path(__file__).parents[2] / "templates_meta" / "builtin"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    made = make_pair(tmp_path)
    assert register(made.enterprise, "88.7/coil", product_values()) == ""
    return made


def test_show_bundle_piped_into_verify(
    pair: Pair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, bundle, _ = run(capsys, "show", "--dir", str(pair.enterprise), "88.7/coil", "--bundle")
    # leaf 0 is the admin identity's handle, 88.7/admin, written by `glid init`
    assert code == 0 and json.loads(bundle)["log"]["tree_size"] == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO(bundle))
    code, out, _ = run(capsys, "verify", "--file", "-", "--trust-anchor", str(pair.anchor_file))
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == [
        "parse", "digests", "signature", "key", "log", "time", "chain", "certificate[0]",
        "revocation", "latest",
    ]  # fmt: skip
    assert all(line.startswith("ok") for line in lines[:-1]) and lines[-1] == "VALID"


def test_verify_names_the_failing_step_and_exits_1(
    pair: Pair, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, text, _ = run(capsys, "show", "--dir", str(pair.enterprise), "88.7/coil", "--bundle")
    bundle = json.loads(text)
    bundle["values"][2]["data"]["value"] = "cold-rolled coil"
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(bundle))
    code, out, _ = run(
        capsys, "verify", "--file", str(path), "--trust-anchor", str(pair.anchor_file)
    )
    assert code == 1
    assert "FAIL  digests" in out
    assert out.splitlines()[-1].startswith("INVALID: step digests failed: 88.7/coil: value at")
    code, out, _ = run(
        capsys, "verify", "--file", str(path), "--trust-anchor", str(pair.anchor_file), "--json"
    )
    verdict = json.loads(out)
    assert code == 1 and verdict["valid"] is False and verdict["steps"][-1]["name"] == "digests"


def test_keys_list_rotate_and_device_readings_end_to_end(
    pair: Pair, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    node = str(pair.enterprise)
    code, out, _ = run(capsys, "keys", "--dir", node, "list", "--json")
    (authority,) = json.loads(out)
    assert code == 0 and authority["role"] == "authority" and authority["certified"]
    code, out, _ = run(capsys, "keys", "--dir", node, "rotate", "--json")
    rotated = json.loads(out)
    assert code == 0 and rotated["role"] == "signing" and rotated["retired_at"] is None
    code, out, _ = run(capsys, "keys", "device-add", "--dir", node, "--name", "meter-1", "--json")
    device = json.loads(out)
    assert code == 0 and device["key_file"] == "devices/meter-1.key"
    _, out, _ = run(capsys, "keys", "--dir", node, "list", "--json")
    listed = {k["kid"]: k for k in json.loads(out)}
    assert listed[authority["kid"]]["retired_at"] is not None  # retired from record signing
    assert [listed[k]["role"] for k in (authority["kid"], rotated["kid"], device["kid"])] == [
        "authority", "signing", "device",
    ]  # fmt: skip

    values = json.loads((TEMPLATES / "device-reading.example.json").read_text())
    readings = tmp_path / "readings.jsonl"
    readings.write_text(json.dumps({"handle": "88.7/reading-1", "values": values}) + "\n")
    code, signed, _ = run(
        capsys, "keys", "device-sign", "--key", str(pair.enterprise / "devices" / "meter-1.key"),
        "--file", str(readings),
    )  # fmt: skip
    assert code == 0 and json.loads(signed)["signature"].count(".") == 2
    signed_file = tmp_path / "signed.jsonl"
    signed_file.write_text(signed)
    code, out, _ = run(capsys, "register", "--dir", node, "--file", str(signed_file))
    assert (code, out.strip()) == (0, "1 accepted, 0 rejected")
    _, bundle, _ = run(capsys, "show", "--dir", node, "88.7/reading-1", "--bundle")
    bundle_file = tmp_path / "bundle.json"
    bundle_file.write_text(bundle)
    code, out, _ = run(
        capsys, "verify", "--file", str(bundle_file), "--trust-anchor", str(pair.anchor_file)
    )
    assert code == 0, out
    assert f"signed by key {device['kid']}" in out and "certificate[1]" in out


def test_log_checkpoint_prove_consistency_and_audit(
    pair: Pair, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    node = str(pair.enterprise)
    code, out, _ = run(capsys, "log", "--dir", node, "checkpoint")
    old = json.loads(out)
    # the admin identity's handle (88.7/admin) and one record so far
    assert code == 0 and (old["origin"], old["size"]) == ("glid.88.7/log", 2)
    name, key_hash, encoded_key = old["verifier_key"].split("+", 2)
    signature_line = old["checkpoint"].split("\n")[4]
    assert name == "glid.88.7/log" and signature_line.startswith(f"— {name} ")
    # The note's signature begins with the same 4-byte key hash the verifier string names.
    assert base64.b64decode(signature_line.split(" ")[2])[:4].hex() == key_hash
    assert base64.b64decode(encoded_key)[0] == 1  # Ed25519 note key type
    (tmp_path / "old.json").write_text(out)
    for n in range(4):
        assert register(pair.enterprise, f"88.7/p{n}", product_values()) == ""
    _, out, _ = run(capsys, "log", "checkpoint", "--dir", node)
    (tmp_path / "new.json").write_text(out)
    assert json.loads(out)["size"] == 6
    code, out, _ = run(capsys, "log", "--dir", node, "prove", "88.7/p2")
    proof = json.loads(out)
    assert code == 0 and (proof["leaf_index"], proof["tree_size"], proof["version"]) == (4, 6, 1)
    code, out, _ = run(capsys, "log", "--dir", node, "consistency", "2")
    assert code == 0 and json.loads(out)["new_size"] == 6
    (tmp_path / "proof.json").write_text(out)
    with Store.open(pair.enterprise) as store:
        jwk = keyring.active_key(store, "88.7").jwk
    (tmp_path / "key.json").write_text(json.dumps(jwk))

    def audit(old: str, new: str, origin: str = "glid.88.7/log") -> tuple[int, str, str]:
        return run(
            capsys, "log", "audit", "--old", str(tmp_path / old), "--new", str(tmp_path / new),
            "--proof", str(tmp_path / "proof.json"), "--key", str(tmp_path / "key.json"),
            "--origin", origin,
        )  # fmt: skip

    code, out, _ = audit("old.json", "new.json")
    assert code == 0 and "grew append-only from 2 to 6 entries" in out
    code, out, _ = audit("new.json", "old.json")
    assert code == 1 and out.startswith("INCONSISTENT")
    code, out, _ = audit("old.json", "new.json", origin="glid.88.8/log")
    assert code == 1 and "different log" in out


def test_revoke_validates_its_target(pair: Pair, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "revoke", "--dir", str(pair.enterprise), "--prefix", "88.9", "--reason",
        "compromised",
    )  # fmt: skip
    assert code == 1 and "88.9 lies outside 88.7" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["revoke", "--dir", str(pair.enterprise), "--prefix", "88.7.1", "--reason", "lost"])
    assert exit_info.value.code == 2


# --- through a real network -------------------------------------------------------------


@pytest.fixture
async def network(tmp_path: Path) -> AsyncIterator[Network]:
    net = await build_network(tmp_path)
    yield net
    await net.stop()


async def resolve(network: Network, *handles: str) -> list[Any]:
    async with Resolver(network.top.url, load_trust_anchor(network.anchor)) as resolver:
        return [await resolver.resolve(handle) for handle in handles]


async def test_records_signed_before_and_after_a_rotation_both_verify(
    network: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    register_on(network.own, "88.101.9/before", product_values("before"))
    code, out, _ = run(capsys, "keys", "--dir", str(network.own.directory), "rotate", "--json")
    assert code == 0
    new_kid = json.loads(out)["kid"]
    register_on(network.own, "88.101.9/after", product_values("after"))
    before, after = await resolve(network, "88.101.9/before", "88.101.9/after")
    assert before.verified and after.verified, (before.verdict, after.verdict)
    assert new_kid not in before.verdict.steps[0].detail
    assert f"signed by key {new_kid}" in after.verdict.steps[0].detail
    assert len(after.answer["chain"]) == len(before.answer["chain"]) + 1


async def test_a_parent_revoking_a_child_key_fails_the_buyers_verification(
    network: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    register_on(network.own, "88.101.9/ingot", product_values("ingot"))
    register_on(network.secondary, "88.101.7/coil", product_values("coil"))
    (ok,) = await resolve(network, "88.101.9/ingot")
    assert ok.verified
    with network.own.store() as store:
        child_kid = keyring.active_key(store, "88.101.9").kid
    code, out, _ = run(
        capsys, "revoke", "--dir", str(network.secondary.directory), f"--key={child_kid}",
        "--reason", "compromised",
    )  # fmt: skip
    assert code == 0 and re.search(r"88\.101#\d+ now holds 1 entry", out)
    url = f"{network.secondary.url}/glid/v1/revocations"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        lists = (await response.json())["lists"]
    assert len(lists) == 1
    revoked, untouched = await resolve(network, "88.101.9/ingot", "88.101.7/coil")
    # The resolver no longer even follows the parent's referral to the revoked key.
    assert not revoked.verified and revoked.status == "error" and revoked.error is not None
    assert "referral to 88.101.9 has a bad certificate chain: revocation" in revoked.error
    assert f"key {child_kid} revoked as compromised" in revoked.error
    assert "by 88.101; every signature by it is void" in revoked.error
    assert untouched.verified, untouched.verdict
