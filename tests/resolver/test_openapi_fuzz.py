"""docs/openapi.yaml describes every route the node serves, and a bounded fuzz run over
those routes against a live node finds no 5xx and no answer that is not JSON."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver.app import create_app
from resolver.settings import Settings
from tests.resolver.live_node import LiveNode, admin_node

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = (ROOT / "docs" / "openapi.yaml").read_text()
PATHS = re.findall(r"^  (/\S*):$", SPEC, flags=re.M)
METHODS = {
    path: re.findall(r"^    (get|put|post|delete):$", block, flags=re.M)
    for path, block in zip(PATHS, re.split(r"^  /\S*:$", SPEC, flags=re.M)[1:], strict=True)
}
PLAIN_TEXT = {"/glid/v1/log/checkpoint", "/metrics"}


def test_the_document_is_openapi_3_1() -> None:
    document = yaml.safe_load(SPEC)
    assert document["openapi"] == "3.1.0" and set(document["paths"]) == set(PATHS)


ANY_METHOD = ("get", "put", "post", "delete")  # a "*" route is documented with each


def test_the_document_names_every_route_the_node_serves(tmp_path: Path) -> None:
    """Every face at once: a recursive node (the buyer's page, GS1) serving PACT."""
    everything = Settings(
        tmp_path,
        recursive=True,
        root_url="https://top.example",
        trust_anchor=tmp_path / "trust-anchor.json",
        pact=True,
        tls_cert=tmp_path / "cert.pem",
        tls_key=tmp_path / "key.pem",
    )
    app = create_app(everything)
    served = {
        (resource.canonical.replace(":.+", ""), method)
        for resource in app.router.resources()
        for route in resource
        if route.method != "HEAD"
        for method in (ANY_METHOD if route.method == "*" else (route.method.lower(),))
    }
    documented = {(path, method) for path, methods in METHODS.items() for method in methods}
    assert documented == served


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveNode, dict[str, str]]]:
    node, auth = admin_node(tmp_path_factory.mktemp("fuzz") / "top", rate_limit=0)
    yield node, auth
    node.stop()


texts = st.text(max_size=30) | st.sampled_from(["88/a", "88", "1", "", "%", "²", "9" * 30])
queries = st.dictionaries(
    st.sampled_from(
        [
            "version",
            "at",
            "index",
            "type",
            "bundle",
            "size",
            "old",
            "new",
            "prefix",
            "page",
            "pageSize",
            "overwrite",
            "state",
        ]
    ),
    texts,
    max_size=3,
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=64),
    st.sampled_from([b"{}", b"[]", b'{"ids": ["88/a"]}', b'{"request": {}}', b"null", b'"x"']),
)
operations = st.sampled_from([(path, m) for path, methods in METHODS.items() for m in methods])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operation=operations, segment=texts, query=queries, body=bodies, signed=st.booleans())
def test_fuzzing_the_documented_api_finds_no_5xx(
    live: tuple[LiveNode, dict[str, str]],
    operation: tuple[str, str],
    segment: str,
    query: dict[str, str],
    body: bytes | None,
    signed: bool,
) -> None:
    node, auth = live
    template, method = operation
    path = re.sub(r"\{[^}]+\}", quote(segment, safe="/") or "x", template)
    if query:
        path += "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())
    reply = node.request(method.upper(), path, body, auth if signed else {}, timeout=10)
    assert reply.status < 500, (method, path, body, reply)
    if template not in PLAIN_TEXT or reply.status >= 400:
        assert reply.headers["Content-Type"].startswith("application/json"), (path, reply)
