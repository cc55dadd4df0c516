"""``glid pact``: buyers' credentials from the command line, and a footprint as a PACT file."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from accounting.pact.mapping import footprint_id
from registry import pact_clients
from registry.store import Store
from resolver.demo import Demo
from resolver.pact.export import UnverifiedFootprint, export_footprint
from resolver.resolution import Resolution
from signing.verify import Step, Verdict
from tests.pact_support import SAMPLE_FOOTPRINTS, assert_valid
from tests.resolver.test_cli_network import demo, glid, network_args

__all__ = ["demo"]  # the demo network fixture, shared with the other buyer's-command tests


async def test_clients_are_added_listed_and_removed(
    make_node: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = make_node()
    secret_file = tmp_path / "acme.secret"
    secret_file.write_text("buyer-side\n")
    code, out, err = await glid(
        capsys, "pact", "client", "add", "--dir", str(directory), "--name", "acme",
        "--callback-url", "https://pact.acme.example", "--callback-client-id", "glid",
        "--callback-secret-file", str(secret_file), "--json",
    )  # fmt: skip
    assert code == 0 and "shown only now" in err
    issued = json.loads(out)
    with Store.open(directory) as store:
        token, _ = pact_clients.issue_token(store, issued["client_id"], issued["client_secret"])
        client = pact_clients.client_of_token(store, token)
    assert client.callback is not None and client.callback.client_secret == "buyer-side"
    code, out, _ = await glid(capsys, "pact", "client", "list", "--dir", str(directory), "--json")
    (listed,) = json.loads(out)
    assert listed["name"] == "acme" and "secret" not in json.dumps(listed)
    code, _, err = await glid(
        capsys, "pact", "client", "add", "--dir", str(directory), "--name", "x",
        "--callback-url", "https://pact.acme.example",
    )  # fmt: skip
    assert code == 2 and "go together" in err
    code, out, _ = await glid(capsys, "pact", "client", "remove", "--dir", str(directory), "acme")
    assert code == 0 and issued["client_id"] in out
    code, _, err = await glid(capsys, "pact", "client", "remove", "--dir", str(directory), "acme")
    assert code == 1 and "no PACT client named 'acme'" in err


async def test_export_writes_the_verified_footprint_as_pact_json(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = json.loads(SAMPLE_FOOTPRINTS.read_text("utf-8").splitlines()[0])
    handle = "88.104.3/coil-2026-001"
    records = tmp_path / "coil.jsonl"
    records.write_text(json.dumps({**entry, "handle": handle}, ensure_ascii=False) + "\n")
    monkeypatch.setenv("GLID_PASSPHRASE", demo.passphrase.decode())
    node = demo.node("88.104.3").directory
    code, _, err = await glid(capsys, "register", "--dir", str(node), "--file", str(records))
    assert code == 0, err
    out_file = tmp_path / "coil.pact.json"
    code, _, err = await glid(
        capsys, "pact", "export", handle, *network_args(demo), "--out", str(out_file)
    )
    assert code == 0, err
    footprint = json.loads(out_file.read_text("utf-8"))
    assert_valid("ProductFootprint", footprint)
    assert footprint["id"] == footprint_id(handle, 1) and footprint["status"] == "Active"
    assert footprint["productIds"][0] == f"urn:glid:{handle}"
    code, _, err = await glid(capsys, "pact", "export", "88.104.3/none", *network_args(demo))
    assert code == 1 and "88.104.3/none did not resolve" in err


def test_an_unverified_record_is_exported_only_when_asked() -> None:
    entry = json.loads(SAMPLE_FOOTPRINTS.read_text("utf-8").splitlines()[0])
    answer = {
        "handle": entry["handle"],
        "version": 2,
        "created_at": "2026-03-01T08:00:00Z",
        "values": entry["values"],
    }
    forged = Verdict(valid=False, steps=[Step("signature", False, "signature does not verify")])
    resolution = Resolution(entry["handle"], "ok", answer=answer, verdict=forged)
    with pytest.raises(UnverifiedFootprint, match="signature: signature does not verify"):
        export_footprint(resolution, allow_unverified=False)
    footprint = export_footprint(resolution, allow_unverified=True)
    assert footprint["precedingPfIds"] == [footprint_id(entry["handle"], 1)]
