"""The buyer's page and the GS1 Digital Link face over plain HTTP: statuses, headers, the
facts in the HTML itself (no JavaScript needed), downloads that verify on their own."""

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from registry.node import init_node
from resolver.client import load_trust_anchor
from resolver.demo import BRACKET, BRACKET_CODES, EFFICIENCY
from resolver.serve import start
from resolver.settings import Settings
from signing.verify import verify_bundle
from tests.conftest import PASSPHRASE
from tests.pact_support import self_signed
from tests.resolver.live import Live

GTIN = BRACKET_CODES["gtin"]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, accept: str = "text/html") -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_product_page_holds_the_main_facts_in_its_html(live: Live) -> None:
    status, headers, body = fetch(f"{live.page}/id/{BRACKET}")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    for fact in (
        "已验证 VERIFIED",
        '<div class="figure" id="pcf">96.4 <span class="unit">kgCO2e/piece</span>',
        "等级 grade 2",
        "88.101.7/coil-2026-001",
        "88.101.9/pellet-lot-2026-07",
        "transparency log",
        "signed statement says it is the newest version",
        "GB/T 32150-2015",  # a factor's provenance
    ):
        assert fact in body, fact
    assert "NOT VERIFIED" not in body
    assert len(body.encode()) < 100_000
    # nothing is fetched from elsewhere: no stylesheet, font, image or script by URL
    assert 'rel="stylesheet"' not in body and "@import" not in body and "url(" not in body
    assert 'src="' not in body and 'href="http' not in body


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/id/06901234567893", 400, "check digit is 3 but the other digits give 2"),
        ("/?q=urn:isbn:9787111111111", 400, "which glid does not map"),
        ("/id/88.104.3/no-such-part", 404, "No record is registered for this code"),
        ("/id/06901234567809", 404, "No record is registered"),
        ("/id/" + "9" * 5000, 414, "the code is 5000 characters long"),
        ("/id/%3Cscript%3Ealert(1)%3C%2Fscript%3E", 400, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("/footprint/" + EFFICIENCY, 404, "has no footprint"),
        # every door to one record refuses alike (resolver/page.resolve_or_refuse)
        ("/01/" + "9" * 5000, 414, "characters long; no identifier is longer"),
        ("/bundle/" + "9" * 5000, 414, "the code is 5000 characters long"),
        ("/bundle/88.104.3/no-such-part", 404, "No record is registered for this code"),
        ("/report/88.104.3/no-such-part", 404, "No record is registered for this code"),
    ],
)
def test_bad_input_gets_a_helpful_page(live: Live, path: str, status: int, says: str) -> None:
    got, headers, body = fetch(live.page + path)
    assert got == status and headers["Content-Type"].startswith("text/html")
    assert says in body
    assert "Traceback" not in body and "<script>alert" not in body


def test_digital_link_redirects_to_the_page(live: Live) -> None:
    status, headers, _ = fetch(f"{live.page}/01/{GTIN}")
    assert status == 307 and headers["Location"] == f"{live.page}/id/{BRACKET}"
    status, headers, _ = fetch(f"{live.page}/AQyNo0UVqA")  # the same link, compressed
    assert status == 307 and headers["Location"] == f"{live.page}/id/{BRACKET}"
    status, headers, _ = fetch(f"{live.page}/01/{GTIN}?linkType=gs1:certificationInfo")
    assert status == 307 and headers["Location"] == f"{live.page}/bundle/{BRACKET}"
    status, _, body = fetch(f"{live.page}/01/{GTIN}?linkType=gs1:recipeInfo")
    assert status == 404 and "gs1:sustainabilityInfo" in body
    status, _, _ = fetch(f"{live.page}/01/06901234567809")
    assert status == 404


@pytest.mark.parametrize("how", ["query", "accept"])
def test_digital_link_linkset(live: Live, how: str) -> None:
    url = f"{live.page}/01/{GTIN}/21/S1"
    if how == "query":
        status, headers, body = fetch(url + "?linkType=all")
    else:
        status, headers, body = fetch(url, accept="application/linkset+json")
    assert status == 200 and headers["Content-Type"].startswith("application/linkset+json")
    (context,) = json.loads(body)["linkset"]
    assert context["anchor"] == url
    voc = "https://gs1.org/voc/"
    assert context[f"{voc}defaultLink"] == context[f"{voc}pip"]
    assert context[f"{voc}pip"][0]["href"] == f"{live.page}/id/{BRACKET}"
    assert context[f"{voc}sustainabilityInfo"][0]["href"] == f"{live.page}/footprint/{BRACKET}"
    assert context[f"{voc}certificationInfo"][0]["href"] == f"{live.page}/bundle/{BRACKET}"
    assert context["describedby"][0]["type"] == "text/html"


def test_downloads_verify_on_their_own(live: Live) -> None:
    status, headers, body = fetch(f"{live.page}/bundle/{quote(GTIN)}")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    bundle = json.loads(body)
    anchor = load_trust_anchor(live.demo.anchor)
    assert verify_bundle(bundle["answer"], anchor).valid
    assert verify_bundle(bundle["alias"]["answer"], anchor).valid
    assert bundle["alias"]["answer"]["handle"] == f"88.gs1/01/{GTIN}"
    status, _, body = fetch(f"{live.page}/footprint/{BRACKET}")
    assert json.loads(body)["roots"][0]["pcf_excluding_biogenic"] == "96.4"
    status, _, body = fetch(f"{live.page}/report/{BRACKET}")
    assert status == 200 and "碳效评价报告" in body and "碳足迹树" in body


def test_pact_footprint_is_linked_only_where_pact_is_served(live: Live, tmp_path: Path) -> None:
    _, _, plain = fetch(f"{live.page}/id/{BRACKET}")
    assert "/pact/" not in plain
    assert fetch(f"{live.page}/pact/{BRACKET}")[0] == 404
    directory = tmp_path / "pact-buyer"
    init_node(directory, role="secondary", prefix="88.201", passphrase=PASSPHRASE).store.close()
    cert, key = self_signed(tmp_path)
    settings = Settings(
        directory,
        recursive=True,
        root_url=live.root,
        trust_anchor=live.demo.anchor,
        pact=True,
        tls_cert=cert,
        tls_key=key,
        rate_limit=0,
    )
    node = live.run(start(settings))
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        base = node.url.replace("http://", "https://")
        page = urllib.request.urlopen(f"{base}/id/{GTIN}", context=trust).read().decode()
        assert f'href="/pact/{BRACKET}"' in page
        body = json.loads(urllib.request.urlopen(f"{base}/pact/{GTIN}", context=trust).read())
        assert body["pcf"]["pcfExcludingBiogenicUptake"] == {"value": "96.4", "unit": "kgCO2e"}
        assert body["productIds"] == [f"urn:glid:{BRACKET}"]
        assert body["specVersion"].startswith("3.") and body["status"] == "Active"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/pact/{EFFICIENCY}", context=trust)
        assert refused.value.code == 404
    finally:
        live.run(node.stop())
