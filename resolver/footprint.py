"""Footprint roll-up over the network: accounting's roll-up fed by the blocking resolver.

accounting.rollup is synchronous and asks for one level of the supply chain at a time;
the blocking resolver answers each level as a batch, so a 1,000-part product costs a
handful of batch requests rather than 1,000 lookups. An event loop runs the whole
roll-up in a worker thread (``asyncio.to_thread``); nothing posts back to the loop.
"""

from collections.abc import Mapping

from accounting.rollup import Fetched, RollupResult, rollup
from resolver.resolution import Resolution
from resolver.sync_client import SyncResolver


def fetched_from(asked: str, resolution: Resolution) -> Fetched:
    if resolution.answer is None:
        return Fetched.missing(asked, resolution.error or resolution.status)
    verdict = resolution.verdict
    if verdict is None:
        text = "not verified"
    elif verdict.valid:
        text = "valid" + (" (stale)" if resolution.stale else "")
    else:
        failed = verdict.failed
        text = "invalid" if failed is None else f"invalid at {failed.name}: {failed.detail}"
    return Fetched(
        id=asked,
        version=resolution.answer.get("version"),
        values=resolution.answer.get("values", []),
        verified=resolution.verified,
        verdict=text,
    )


def network_footprint(
    resolver: SyncResolver, roots: list[str], *, verified_only: bool = False
) -> RollupResult:
    def fetch(ids: list[str]) -> Mapping[str, Fetched]:
        return {
            asked: fetched_from(asked, resolution)
            for asked, resolution in zip(ids, resolver.resolve_many(ids), strict=True)
        }

    return rollup(roots, fetch, verified_only=verified_only)
