"""The PACT v3 API on a real node over TLS, with a real buyer's event receiver.

Cases 13 and 14.B of the conformance tool (the node's asynchronous answers) are held here:
the receiver is a buyer's PACT endpoint with its own /auth/token, as the tool's server is.
"""

import asyncio
import json
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from accounting.pact.filters import FilterError, parse_request
from accounting.pact.mapping import footprint_id
from registry import pact_clients
from registry.service import registrar
from registry.store import Store
from registry.store.pact_clients import Callback
from resolver.pact.delivery import basic_authorization
from resolver.pact.events import CREATED, FULFILLED, PUBLISHED, REJECTED, read_envelope
from resolver.pact.problems import PactProblem
from resolver.pact.state import OUTBOX
from resolver.serve import RunningNode, start
from resolver.settings import Settings, SettingsError
from tests.conftest import PASSPHRASE
from tests.pact_support import SAMPLE_FOOTPRINTS, assert_valid, self_signed

BUYER_ID, BUYER_SECRET = "node-at-buyer", "buyer-side-secret"


@dataclass
class Receiver:
    """A buyer's own PACT endpoint: issues a token, then takes events that present it."""

    url: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0

    async def token(self, request: web.Request) -> web.Response:
        auth = aiohttp.BasicAuth.decode(request.headers["Authorization"])
        form = await request.post()
        if (auth.login, auth.password, form.get("grant_type")) != (
            BUYER_ID,
            BUYER_SECRET,
            "client_credentials",
        ):
            self.refused += 1
            raise web.HTTPUnauthorized()
        return web.json_response({"access_token": "receiver-token", "token_type": "bearer"})

    async def event(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer receiver-token":
            self.refused += 1
            raise web.HTTPUnauthorized()
        assert request.content_type == "application/cloudevents+json"
        self.events.append(await request.json())
        return web.Response()


@dataclass
class Pact:
    node: RunningNode
    directory: Path
    receiver: Receiver
    client_id: str
    secret: str
    session: aiohttp.ClientSession
    token: str = ""

    def url(self, path: str) -> str:
        return self.node.url + path

    def bearer(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def get(self, path: str, token: str | None = None) -> tuple[int, Any, Any]:
        async with self.session.get(self.url(path), headers=self.bearer(token)) as answer:
            return answer.status, await answer.json(), answer.headers

    async def post_event(
        self, event: Any, content_type: str = "application/cloudevents+json"
    ) -> tuple[int, bytes]:
        body = event if isinstance(event, bytes) else json.dumps(event).encode()
        headers = {**self.bearer(), "Content-Type": content_type}
        async with self.session.post(self.url("/3/events"), data=body, headers=headers) as answer:
            return answer.status, await answer.read()

    async def delivered(self) -> list[dict[str, Any]]:
        await self.node.runner.app[OUTBOX].drain()
        return self.receiver.events


def register_samples(
    directory: Path, transform: Callable[[dict[str, Any]], None] | None = None
) -> None:
    entries = [json.loads(line) for line in SAMPLE_FOOTPRINTS.read_text("utf-8").splitlines()]
    with Store.open(directory) as store:
        writer = registrar(store, PASSPHRASE)
        for entry in entries:
            if transform is not None:
                transform(entry)
            outcome = writer.register_one(entry["handle"], entry["values"], "test")
            assert outcome.accepted, outcome


@pytest.fixture
async def pact(make_node: Callable[..., Path], tmp_path: Path) -> AsyncIterator[Pact]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/auth/token", receiver.token)
    app.router.add_post("/3/events", receiver.event)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}"

    directory = make_node("88.101.7")
    register_samples(directory)
    with Store.open(directory) as store:
        issued = pact_clients.add(store, "buyer", Callback(receiver.url, BUYER_ID, BUYER_SECRET))
    cert, key = self_signed(tmp_path)
    settings = Settings(directory, passphrase=PASSPHRASE, tls_cert=cert, tls_key=key, pact=True)
    node = await start(settings)
    trust = ssl.create_default_context(cafile=str(cert))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as session:
        pact = Pact(node, directory, receiver, issued.client.client_id, issued.secret, session)
        pact.token = await token(pact, issued.client.client_id, issued.secret)
        yield pact
    await node.stop()
    await runner.cleanup()


async def token(pact: Pact, client_id: str, secret: str) -> str:
    async with pact.session.post(
        pact.url("/auth/token"),
        data={"grant_type": "client_credentials"},
        headers={"Authorization": basic_authorization(client_id, secret)},
    ) as answer:
        assert answer.status == 200
        body = await answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    return str(body["access_token"])


# -- /auth/token ---------------------------------------------------------------------------


async def test_token_refusals_speak_pact_and_oauth(pact: Pact) -> None:
    async def ask(auth: str | None, data: dict[str, str]) -> tuple[int, Any]:
        headers = {} if auth is None else {"Authorization": auth}
        async with pact.session.post(pact.url("/auth/token"), data=data, headers=headers) as answer:
            return answer.status, await answer.json()

    grant = {"grant_type": "client_credentials"}
    status, body = await ask(basic_authorization(pact.client_id, "wrong"), grant)
    assert (status, body["code"], body["error"]) == (401, "AccessDenied", "invalid_client")
    status, body = await ask(None, grant)
    assert (status, body["error"]) == (401, "invalid_client")
    status, body = await ask(
        basic_authorization(pact.client_id, pact.secret), {"grant_type": "password"}
    )
    assert (status, body["code"], body["error"]) == (400, "BadRequest", "unsupported_grant_type")
    async with pact.session.get(pact.url("/.well-known/openid-configuration")) as answer:
        assert (await answer.json())["token_endpoint"] == pact.url("/auth/token")


# -- /3/footprints -------------------------------------------------------------------------


async def test_listing_pages_by_absolute_next_links_and_serves_valid_footprints(pact: Pact) -> None:
    status, first, headers = await pact.get("/3/footprints?limit=1&status=Active")
    assert status == 200 and len(first["data"]) == 1
    seen = [first["data"][0]]
    link = headers["Link"]
    while link:
        url = link.split(">")[0].lstrip("<")
        assert url.startswith(pact.node.url + "/3/footprints?") and 'rel="next"' in link
        async with pact.session.get(url, headers=pact.bearer()) as answer:
            seen.extend((await answer.json())["data"])
            link = answer.headers.get("Link", "")
    status, whole, headers = await pact.get("/3/footprints")
    assert "Link" not in headers and [f["id"] for f in seen] == [f["id"] for f in whole["data"]]
    assert [f["productIds"][0] for f in seen] == [
        "urn:glid:88.101.7/coil-2026-001",
        "urn:glid:88.101.7/coil-2026-002",
        "urn:glid:88.101.7/plate-2026-001",
    ]
    for footprint in seen:
        assert_valid("ProductFootprint", footprint)
    status, chosen, _ = await pact.get(
        "/3/footprints?geography=CN-JS&geography=XX&productid=urn:glid:88.101.7/plate-2026-001"
    )
    assert [f["productNameCompany"] for f in chosen["data"]] == ["中厚板 Q345"]


async def test_any_other_path_or_method_under_3_answers_in_pacts_shape(pact: Pact) -> None:
    status, body, _ = await pact.get("/3/events")
    assert (status, body["code"]) == (404, "NotFound") and "POST /3/events" in body["message"]
    status, body, _ = await pact.get("/3/footprints/x/y")
    assert (status, body["code"]) == (404, "NotFound")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("colour=red", "unknown filter 'colour'"),
        ("validOn=tomorrow", "validOn: 'tomorrow' is not a date-time"),
        ("limit=0", "limit must be one whole number of at least 1"),
        ("limit=ten", "limit must be one whole number"),
        ("limit=%C2%B2", "limit must be one whole number"),  # '²' passes isdigit, not int
        ("offset=" + "9" * 5000, "offset must be one whole number"),  # past int()'s digits
        ("offset=" + str(2**70), "offset must be one whole number"),
    ],
)
async def test_a_malformed_or_unknown_filter_is_a_bad_request(
    pact: Pact, query: str, message: str
) -> None:
    status, body, _ = await pact.get(f"/3/footprints?{query}")
    assert (status, body["code"]) == (400, "BadRequest") and message in body["message"]


async def test_one_footprint_by_id_and_the_refusals_around_it(pact: Pact) -> None:
    wanted = footprint_id("88.101.7/coil-2026-002", 1)
    status, body, _ = await pact.get(f"/3/footprints/{wanted}")
    assert status == 200 and body["data"]["id"] == wanted
    assert_valid("ProductFootprint", body["data"])
    status, body, _ = await pact.get("/3/footprints/00000000-0000-0000-0000-000000000000")
    assert (status, body["code"]) == (404, "NotFound")
    status, body, _ = await pact.get("/3/footprints/not-a-uuid")
    assert (status, body["code"]) == (400, "BadRequest")
    status, body, headers = await pact.get(f"/3/footprints/{wanted}", token="forged")
    assert (status, body["code"]) == (401, "BadRequest") and "Bearer" in headers["WWW-Authenticate"]
    with Store.open(pact.directory) as store:
        old, _ = pact_clients.issue_token(store, pact.client_id, pact.secret, now=1_000_000)
    status, body, _ = await pact.get(f"/3/footprints/{wanted}", token=old)
    assert (status, body["code"]) == (401, "TokenExpired")


async def test_a_new_version_deprecates_the_old_footprint_and_a_deletion_the_last(
    pact: Pact,
) -> None:
    handle = "88.101.7/coil-2026-001"

    def cheaper(entry: dict[str, Any]) -> None:
        for value in entry["values"]:
            if value["type"] == "pcf_excluding_biogenic":
                value["data"]["value"] = "1999"

    register_samples(pact.directory, cheaper)
    status, body, _ = await pact.get(f"/3/footprints?productId=urn:glid:{handle}")
    by_status = {f["status"]: f for f in body["data"]}
    assert by_status["Deprecated"]["id"] == footprint_id(handle, 1)
    assert by_status["Active"]["precedingPfIds"] == [footprint_id(handle, 1)]
    assert by_status["Active"]["pcf"]["pcfExcludingBiogenicUptake"] == "1999"
    with Store.open(pact.directory) as store:
        assert registrar(store, PASSPHRASE).delete(handle, "test").accepted
    status, body, _ = await pact.get(f"/3/footprints?productId=urn:glid:{handle}&status=Active")
    assert (status, body["data"]) == (200, [])


# -- /3/events -----------------------------------------------------------------------------


def event(kind: str, data: dict[str, Any], id: str = "request-1") -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id,
        "source": "//buyer.example/3/events",
        "time": "2026-03-01T08:00:00Z",
        "type": kind,
        "data": data,
    }


async def test_a_request_is_fulfilled_at_the_buyers_own_endpoint(pact: Pact) -> None:
    """Conformance case 13."""
    wanted = ["urn:glid:88.101.7/coil-2026-002"]
    status, body = await pact.post_event(event(CREATED, {"productId": wanted, "comment": "2026"}))
    assert (status, body) == (200, b"")
    (answer,) = await pact.delivered()
    assert_valid("RequestFulfilledEvent", answer)
    assert answer["type"] == FULFILLED and answer["data"]["requestEventId"] == "request-1"
    assert [pf["productIds"][0] for pf in answer["data"]["pfs"]] == wanted


async def test_a_request_for_nothing_here_is_rejected_at_the_buyers_endpoint(pact: Pact) -> None:
    """Conformance case 14.B."""
    status, _ = await pact.post_event(event(CREATED, {"productId": ["urn:pact:null"]}, "r-14"))
    assert status == 200
    (answer,) = await pact.delivered()
    assert_valid("RequestRejectedEvent", answer)
    assert answer["type"] == REJECTED
    assert answer["data"] == {
        "requestEventId": "r-14",
        "error": {"code": "NotFound", "message": "no footprint on this node matches the request"},
    }


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{not json", "application/cloudevents+json", "not JSON"),
        ({**event(PUBLISHED, {"pfIds": []}), "specversion": "0.3"}, None, "specversion"),
        ({**event(PUBLISHED, {"pfIds": []}), "time": "noon"}, None, "time"),
        (event("org.example.Unknown", {}), None, "unknown event type"),
        (event(PUBLISHED, {"pfIds": ["urn:gtin:4712345060507"]}), None, "pfIds[0]"),
        (event(CREATED, {"productId": "urn:glid:88.101.7/x"}), None, "expected a list"),
        (event(FULFILLED, {"requestEventId": "x", "pfs": []}), None, "sends no requests"),
        (event(PUBLISHED, {"pfIds": []}), "text/plain", "application/cloudevents+json"),
    ],
)
async def test_a_bad_event_is_refused_and_sends_nothing(
    pact: Pact, body: Any, content_type: str | None, message: str
) -> None:
    status, answer = await pact.post_event(body, content_type or "application/cloudevents+json")
    refusal = json.loads(answer)
    assert (status, refusal["code"]) == (400, "BadRequest") and message in refusal["message"]
    assert await pact.delivered() == []


async def test_a_published_notice_is_accepted(pact: Pact) -> None:
    notice = event(PUBLISHED, {"pfIds": [footprint_id("88.104.3/x", 1)]})
    assert (await pact.post_event(notice))[0] == 200
    assert await pact.delivered() == []


# -- TLS -----------------------------------------------------------------------------------


async def test_pact_is_never_served_over_plain_http(pact: Pact, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="never served over plain HTTP"):
        Settings(tmp_path, pact=True)
    plain = pact.node.url.replace("https://", "http://")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientError):
            async with session.post(f"{plain}/auth/token", data={"grant_type": "x"}) as answer:
                await answer.read()
    await asyncio.sleep(0)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
_ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        "specversion": st.sampled_from(["1.0", "0.3", 1]),
        "id": _JSON,
        "source": _JSON,
        "type": st.sampled_from([CREATED, PUBLISHED, "x"]),
        "time": st.sampled_from(["2026-03-01T08:00:00Z", "noon", 5]),
        "data": st.dictionaries(
            st.sampled_from(["productId", "validOn", "pfIds", "comment", "status", "x"]), _JSON
        ),
    },
)


@settings(max_examples=200, deadline=None)
@given(_JSON | _ATTRIBUTES)
def test_any_event_body_is_read_or_refused_as_a_bad_request(body: Any) -> None:
    """The CloudEvent reader and the request criteria never fail any other way."""
    try:
        data = read_envelope(body)
        parse_request(data)
    except PactProblem as refusal:
        assert refusal.status == 400 and json.loads(refusal.text or "")["code"] == "BadRequest"
    except FilterError as problem:
        assert str(problem)
