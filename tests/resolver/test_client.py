import asyncio
import json

from registry import delegation
from registry.store import Store
from resolver.client import Resolver
from signing.certificates import TrustAnchor, parse_trust_anchor
from tests.registry.records_data import product_values
from tests.resolver.network import Network, forge, register, serve


def anchor_of(network: Network) -> TrustAnchor:
    return parse_trust_anchor(json.loads(network.anchor.read_text()))


async def test_iterative_resolution_verifies_across_every_node(network: Network) -> None:
    register(network.secondary, "88.101.7/coil", product_values("coil"))
    register(network.own, "88.101.9/ingot", product_values("ingot"))
    register(network.top, "88/tpl.note", product_values("top-level record"))
    async with Resolver(network.top.url, anchor_of(network)) as resolver:
        hosted = await resolver.resolve("88.101.7/coil", bundle=True)
        own = await resolver.resolve("88.101.9/ingot")
        top = await resolver.resolve("88/tpl.note")
    assert hosted.verified, hosted.verdict
    assert hosted.path == (network.top.url, network.secondary.url)
    assert [s.name for s in hosted.verdict.steps if s.name == "log"] == ["log"]  # type: ignore[union-attr]
    # The referral to 88.101 is cached by now, so the walk starts at the secondary node.
    assert own.verified and own.path == (network.secondary.url, network.own.url)
    assert top.verified and top.path == (network.top.url,)


async def test_cache_referrals_negative_answers_and_single_flight(network: Network) -> None:
    register(network.own, "88.101.9/a", product_values())
    async with Resolver(network.top.url, anchor_of(network)) as resolver:
        first = await resolver.resolve("88.101.9/a")
        again = await resolver.resolve("88.101.9/a")
        assert again.cached and not first.cached
        before = resolver.stats.requests
        other = await resolver.resolve("88.101.9/missing")
        assert other.status == "not_found"
        assert resolver.stats.requests == before + 1  # straight to the cached referral
        await resolver.resolve("88.101.9/missing")
        assert resolver.stats.requests == before + 1  # negative answer cached
        register(network.own, "88.101.9/b", product_values())
        results = await asyncio.gather(*(resolver.resolve("88.101.9/b") for _ in range(20)))
        assert all(r.verified for r in results)
        assert resolver.flights.coalesced == 19


async def test_upstream_down_serves_stale_marked(network: Network) -> None:
    register(network.own, "88.101.9/s", product_values())
    async with Resolver(network.top.url, anchor_of(network), max_ttl=0.2) as resolver:
        fresh = await resolver.resolve("88.101.9/s")
        assert fresh.verified and not fresh.stale
        assert network.own.running is not None
        await network.own.running.stop()
        network.own.running = None
        await asyncio.sleep(0.3)
        stale = await resolver.resolve("88.101.9/s")
        never_seen = await resolver.resolve("88.101.9/never")
    assert stale.stale and stale.verified and "unreachable" in (stale.error or "")
    assert never_seen.status == "error" and "unreachable" in (never_seen.error or "")


async def test_tampered_record_fails_verification_and_says_why(network: Network) -> None:
    register(network.own, "88.101.9/t", product_values("genuine"))
    forge(network.own.directory, "88.101.9/t", 2000, "forged")
    await network.own.running.stop()  # type: ignore[union-attr]
    await serve(network.own)  # a fresh process: no answer cached from before the tampering
    with Store.open(network.secondary.directory) as store:
        delegation.set_site(store, "88.101.9", network.own.url)
    async with Resolver(network.top.url, anchor_of(network)) as resolver:
        result = await resolver.resolve("88.101.9/t")
    assert result.status == "ok" and not result.verified
    failed = result.verdict.failed  # type: ignore[union-attr]
    assert failed is not None and failed.name == "digests" and "2000" in failed.detail


async def test_a_referral_to_an_uncertified_prefix_is_refused(network: Network) -> None:
    with Store.open(network.top.directory) as store, store.write() as tx:
        # A referral for 88.102 that carries 88.101's certificate chain.
        certificate = tx.prefixes.find("88.101").certificate
        tx.prefixes.put("88.102", "delegated", site=network.own.url, certificate=certificate)
    async with Resolver(network.top.url, anchor_of(network)) as resolver:
        result = await resolver.resolve("88.102/x")
    assert result.status == "error"
    assert "certified for 88.101" in (result.error or "")


async def test_a_referral_loop_is_detected(network: Network) -> None:
    with Store.open(network.secondary.directory) as store:
        delegation.set_site(store, "88.101.9", network.top.url)  # points back up the tree
    async with Resolver(network.top.url, anchor_of(network)) as resolver:
        result = await resolver.resolve("88.101.9/x")
    assert result.status == "error"
    assert "from 88.101.9 to 88.101 does not go deeper (a loop)" in (result.error or "")
