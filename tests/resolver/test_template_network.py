"""Template review across a real loopback network: enterprise → secondary → top."""

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from registry import delegation, keyring, revocations
from registry.access import enrol
from registry.errors import OutsidePrefix
from registry.node import init_node
from registry.template_catalog import TemplateCatalog
from registry.template_exchange import REGISTRATION_FORMAT, registration_for
from resolver.cli import main
from resolver.client import Resolver, load_trust_anchor
from resolver.http_client import basic_credentials
from signing.keys import SigningKey
from signing.template_registration import sign_registration
from signing.timestamps import now
from templates_meta.builtin import builtin_example
from templates_meta.model import Template, parse_template
from tests.conftest import PASSPHRASE
from tests.resolver.network import Network, Node, register
from tests.store_file import raw_connection
from tests.templates_data import STEEL, coil_extension

COIL = "88.101.9/tpl.coil@1.0.0"


def coil(**changes: Any) -> dict[str, Any]:
    document = coil_extension("88.101.9")
    document["fields"][0]["exclusive_min"] = True
    document.update(changes)
    return document


def coil_record() -> list[dict[str, Any]]:
    values = builtin_example(STEEL)
    for value in values:
        if value["index"] == 1001:
            value["data"]["value"] = COIL
    width = {"value": "1250", "unit": "mm"}
    values.append({"index": 3000, "type": "coil_width", "data": {"format": "json", "value": width}})
    return values


async def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    # The nodes serve on this test's event loop; a command runs its own loop in a thread.
    code = await asyncio.to_thread(main, list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, name: str, document: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def templates_rows(node: Node) -> list[Any]:
    with node.store() as store:
        return (
            raw_connection(store).execute("SELECT * FROM templates ORDER BY id, version").fetchall()
        )


def state_of(node: Node, ref: str) -> str:
    with node.store() as store:
        return str(TemplateCatalog.open(store).get(ref).review.state)


async def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, json=body, headers=headers) as response,
    ):
        answer: dict[str, Any] = await response.json()
        return response.status, answer


def basic(admin: tuple[str, str]) -> dict[str, str]:
    return {"Authorization": basic_credentials(*admin)}


def approve_locally(node: Node, document: dict[str, Any]) -> Template:
    template = parse_template(document)
    with node.store() as store:
        catalog = TemplateCatalog.open(store)
        catalog.propose(template, "test")
        catalog.approve(template.ref, "test")
    return template


def signed(
    node: Node,
    template: Template,
    *,
    body: dict[str, Any] | None = None,
    key: SigningKey | None = None,
    chain: list[str] | None = None,
    issued_at: int | None = None,
) -> dict[str, Any]:
    """A registration by ``node`` for ``template``, with the parts a test wants to forge."""
    with node.store() as store:
        authority = keyring.active_key(store, node.prefix)
        signer = key or keyring.load_private(store, authority, PASSPHRASE)
        own_chain = delegation.own_chain(store)
        revocations.refresh(store, PASSPHRASE)
        lists = revocations.carried_lists(store)
    return {
        "format": REGISTRATION_FORMAT,
        "template": body if body is not None else template.to_json(),
        "signature": sign_registration(signer, template.ref, template.canonical_bytes(), issued_at),
        "chain": own_chain if chain is None else chain,
        "revocations": lists,
    }


# --- the whole path ------------------------------------------------------------------------


async def test_enterprise_proposes_secondary_approves_top_publishes_and_records_follow(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own, secondary, top = network.own, network.secondary, network.top
    code, out, err = await run(
        capsys, "admin", "--dir", str(secondary.directory), "add",
        "--identity", "300:88.101.9/admin", "--secret-file", str(own.directory / "admin.secret"),
    )  # fmt: skip
    assert (code, out) == (0, "300:88.101.9/admin may write under 88.101.9 (secret)\n"), err

    # The enterprise proposes with its own node's admin identity and secret (the defaults).
    code, out, err = await run(
        capsys, "template", "--dir", str(own.directory), "submit",
        write(tmp_path, "coil.json", coil()), "--to", secondary.url,
    )  # fmt: skip
    assert (code, out) == (0, f"{COIL} proposed at {secondary.url}; node 88.101 decides\n"), err
    entry_url = f"{secondary.url}/glid/v1/templates/{COIL}"
    status, body = await http("GET", entry_url)
    assert status == 404
    assert body["error"] == (
        f"template {COIL} is proposed, not published; add ?state=any to see its review"
    )
    status, body = await http("GET", entry_url + "?state=any")
    assert (status, body["state"], body["reviewer"]) == (200, "proposed", "88.101")
    assert body["template"] == parse_template(coil()).to_json()

    assert (await run(capsys, "template", "--dir", str(secondary.directory), "approve", COIL))[
        0
    ] == 0
    code, out, err = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward", COIL,
        "--to", top.url,
    )  # fmt: skip
    assert (code, out, err) == (0, f"{COIL} published at the top node 88\n", "")
    assert state_of(secondary, COIL) == "published"
    status, body = await http("GET", f"{top.url}/glid/v1/templates/{COIL}")
    assert (status, body["state"], body["reviewer"]) == (200, "published", "88.101")
    assert body["template"] == parse_template(coil()).to_json()

    # The enterprise's node cannot use the template until it fetches the published one.
    with pytest.raises(AssertionError, match=f"template {re.escape(COIL)} is not known"):
        register(own, "88.101.9/coil-7", coil_record())
    code, out, err = await run(
        capsys, "template", "--dir", str(own.directory), "fetch", COIL, "--from", top.url
    )
    assert (code, out) == (
        0,
        f"{COIL} published at {top.url}\n{COIL} published here; records may follow it\n",
    ), err
    register(own, "88.101.9/coil-7", coil_record())
    async with Resolver(top.url, load_trust_anchor(network.anchor)) as resolver:
        resolved = await resolver.resolve("88.101.9/coil-7")
    assert resolved.verified, resolved.verdict
    assert resolved.answer is not None
    assert {v["type"]: v["data"]["value"] for v in resolved.answer["values"]}["TEMPLATE"] == COIL

    # Registering again is harmless: the same body is already published at the top.
    code, out, _ = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward", COIL,
        "--to", top.url, "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["state"] == "published"


async def test_an_industry_template_waits_for_the_top_operator(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secondary, top = network.secondary, network.top
    wire = coil(id="88.101/tpl.wire", layer="industry", title={"zh": "线材", "en": "Wire rod"})
    ref = "88.101/tpl.wire@1.0.0"
    await run(
        capsys, "template", "--dir", str(secondary.directory), "propose", write(tmp_path, "w", wire)
    )
    code, out, err = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward", ref,
        "--to", top.url,
    )  # fmt: skip
    assert code == 0
    assert out == f"{ref} proposed at the top node 88; node 88 decides\n"
    assert err == (
        f"glid: {ref} stays proposed here; run register-upward again once the top node has"
        " published it\n"
    )
    assert state_of(top, ref) == "proposed"
    assert (await run(capsys, "template", "--dir", str(top.directory), "approve", ref))[0] == 0
    assert state_of(top, ref) == "published"
    code, out, _ = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward", ref,
        "--to", top.url,
    )  # fmt: skip
    assert (code, out) == (0, f"{ref} published at the top node 88\n")
    assert state_of(secondary, ref) == "published"


async def test_a_rejection_and_its_reason_reach_the_proposer(
    network: Network, capsys: pytest.CaptureFixture[str]
) -> None:
    secondary = network.secondary
    document = coil(id="88.101.7/tpl.coil")
    ref = "88.101.7/tpl.coil@1.0.0"
    status, body = await http(
        "POST", f"{secondary.url}/glid/v1/templates", document, basic(network.hosted_admin)
    )
    assert (status, body["state"], body["owner"]) == (202, "proposed", "88.101.7")
    code, _, _ = await run(
        capsys, "template", "--dir", str(secondary.directory), "reject", ref,
        "--reason", "coil_width needs a maximum",
    )  # fmt: skip
    assert code == 0
    status, body = await http("GET", f"{secondary.url}/glid/v1/templates/{ref}?state=any")
    assert (status, body["state"], body["reason"]) == (
        200,
        "rejected",
        "coil_width needs a maximum",
    )
    before = templates_rows(network.own)
    code, out, _ = await run(
        capsys, "template", "--dir", str(network.own.directory), "fetch", ref,
        "--from", secondary.url,
    )  # fmt: skip
    assert (code, out) == (0, f"{ref} rejected at {secondary.url}: coil_width needs a maximum\n")
    assert templates_rows(network.own) == before
    code, _, err = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward", ref,
        "--to", network.top.url,
    )  # fmt: skip
    assert (code, err) == (
        1,
        f"glid: error: {ref} was rejected here (coil_width needs a maximum); propose a"
        " corrected new version\n",
    )


# --- who may propose -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "admin", "status", "message"),
    [
        (
            coil(),
            "hosted",
            403,
            "300:88.101.7/admin may write only under prefix 88.101.7, not 88.101.9/tpl.coil",
        ),
        (coil(id="88.101.7/tpl.coil"), "wrong secret", 401, "authentication failed"),
        (coil(id="88.101.7/tpl.coil"), "unknown", 401, "authentication failed"),
        (coil(id="88.101.7/tpl.coil"), None, 401, "this write needs credentials"),
        (
            coil(id="88.101.7/tpl.rod", layer="industry"),
            "hosted",
            400,
            "node 88.101 does not decide on 88.101.7/tpl.rod@1.0.0: the industry template of"
            " 88.101.7 is decided by node 88; propose it there",
        ),
    ],
)
async def test_an_unauthorised_proposal_is_refused_and_nothing_is_stored(
    network: Network, document: dict[str, Any], admin: str | None, status: int, message: str
) -> None:
    identity, secret = network.hosted_admin
    credentials = {
        "hosted": (identity, secret),
        "wrong secret": (identity, secret + "x"),
        "unknown": ("300:88.101.7/nobody", secret),
    }
    headers = basic(credentials[admin]) if admin is not None else None
    before = templates_rows(network.secondary)
    got, body = await http("POST", f"{network.secondary.url}/glid/v1/templates", document, headers)
    assert got == status and message in body["error"], body
    assert templates_rows(network.secondary) == before


async def test_a_child_nodes_identity_may_propose_but_not_write_records_on_its_parent(
    network: Network,
) -> None:
    with network.secondary.store() as store:
        enrol(store, "300:88.101.9/admin", secret="child secret")
        with pytest.raises(OutsidePrefix, match=r"outside the prefixes .* 88\.101\.9\.5"):
            enrol(store, "300:88.101.9.5/admin", secret="grandchild secret")
    headers = basic(("300:88.101.9/admin", "child secret"))
    line = json.dumps({"handle": "88.101.9/x", "values": builtin_example(STEEL)})
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{network.secondary.url}/glid/v1/records",
            data=line,
            headers={**headers, "Content-Type": "application/jsonl"},
        ) as response,
    ):
        body = await response.json()
    assert body["accepted"] == 0
    assert "outside the prefixes this node is authoritative for" in body["results"][0]["error"]


# --- what the top refuses ------------------------------------------------------------------


def foreign_secondary(tmp_path: Path) -> Node:
    """A node 88.101 certified by another network's top node 88."""
    other_top = init_node(tmp_path / "other-top", role="top", prefix="88", passphrase=PASSPHRASE)
    other_top.store.close()
    steel = init_node(
        tmp_path / "other-steel", role="secondary", prefix="88.101", passphrase=PASSPHRASE
    )
    steel.store.close()
    delegation.delegate_locally(tmp_path / "other-top", tmp_path / "other-steel", PASSPHRASE)
    return Node(tmp_path / "other-steel", "88.101")


def refusals(network: Network, tmp_path: Path) -> list[tuple[dict[str, Any], int, str]]:
    secondary = network.secondary
    template = approve_locally(secondary, coil())
    stranger = SigningKey.generate()
    with secondary.store() as store:
        kid = keyring.active_key(store, "88.101").kid
    glass = parse_template(coil(id="88.102/tpl.glass", layer="industry"))
    changed = {**template.to_json(), "title": {"zh": "钢卷", "en": "Coil (changed)"}}
    return [
        (
            signed(secondary, template, key=stranger),
            403,
            f"the registration of {COIL} is signed by key {stranger.kid}, but its chain"
            f" certifies key {kid} of 88.101",
        ),
        (
            signed(secondary, template, chain=[]),
            403,
            f"the registration of {COIL} carries no certificate chain, so key {kid} is unknown"
            " here; send the chain of the signing node's key",
        ),
        (
            signed(foreign_secondary(tmp_path), template),
            403,
            f"the certificate chain of the registration of {COIL} does not lead to this node's"
            " key: certificate[0]: 88.101: not signed by trust anchor 88",
        ),
        (
            signed(secondary, glass),
            403,
            "88.102/tpl.glass@1.0.0 lies under 88.102, outside 88.101, the prefix the"
            " certificate of its signer 88.101 covers",
        ),
        (
            signed(secondary, template, body=changed),
            400,
            f"the body of {COIL} does not match the SHA-256 its registration token signs: it"
            " was changed after signing; register the body that was signed",
        ),
        (
            signed(secondary, template, issued_at=now() - 900),
            400,
            f"the registration of {COIL} was signed at",
        ),
        ({"template": template.to_json()}, 400, f'"format": "{REGISTRATION_FORMAT}"'),
    ]


async def test_the_top_refuses_what_it_cannot_trust_and_stores_nothing(
    network: Network, tmp_path: Path
) -> None:
    url = f"{network.top.url}/glid/v1/templates/registrations"
    before = templates_rows(network.top)
    for document, status, message in refusals(network, tmp_path):
        got, body = await http("POST", url, document)
        assert (got, message in body["error"]) == (status, True), (message, body)
    assert templates_rows(network.top) == before


async def test_a_stored_ref_never_takes_another_body(network: Network) -> None:
    secondary = network.secondary
    url = f"{network.top.url}/glid/v1/templates/registrations"
    template = approve_locally(secondary, coil())
    with secondary.store() as store:
        document = registration_for(store, TemplateCatalog.open(store), PASSPHRASE, COIL)
    status, body = await http("POST", url, document)
    assert (status, body["state"]) == (200, "published")
    before = templates_rows(network.top)
    other = parse_template(coil(title={"zh": "钢卷", "en": "Another coil"}))
    status, body = await http("POST", url, signed(secondary, other))
    assert status == 409
    assert body["error"] == (
        f"template {COIL} is already stored (published) with a different body; a stored"
        " template never changes, so propose it as a new version"
    )
    assert templates_rows(network.top) == before
    assert template.ref == COIL


async def test_only_the_reviewer_registers_and_only_at_the_top(
    network: Network, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    secondary, own = network.secondary, network.own
    before = templates_rows(network.top)
    # The enterprise node signs a template of its own prefix, but 88.101 reviews it.
    template = parse_template(coil())
    status, body = await http(
        "POST", f"{network.top.url}/glid/v1/templates/registrations", signed(own, template)
    )
    assert status == 400
    assert body["error"] == (
        f"node 88.101.9 may not register {COIL}: the enterprise template of 88.101.9 is"
        " decided by node 88.101, which registers it"
    )
    approve_locally(secondary, coil())
    status, body = await http(
        "POST", f"{secondary.url}/glid/v1/templates/registrations", signed(secondary, template)
    )
    assert (status, body["error"]) == (
        400,
        "node 88.101 is not the top node; register templates at the top node",
    )
    pending = coil(id="88.101.7/tpl.coil")
    await run(
        capsys,
        "template",
        "--dir",
        str(secondary.directory),
        "propose",
        write(tmp_path, "p", pending),
    )
    code, _, err = await run(
        capsys, "template", "--dir", str(secondary.directory), "register-upward",
        "88.101.7/tpl.coil", "--to", network.top.url,
    )  # fmt: skip
    assert code == 1
    assert err == (
        "glid: error: 88.101.7/tpl.coil@1.0.0 is still proposed; approve it with `glid"
        " template approve 88.101.7/tpl.coil@1.0.0` before registering it upward\n"
    )
    code, _, err = await run(
        capsys, "template", "--dir", str(network.top.directory), "register-upward",
        "88/tpl.product", "--to", network.top.url,
    )  # fmt: skip
    assert code == 1 and "is the top node: it publishes" in err
    assert templates_rows(network.top) == before
