"""Footprint roll-up over the network: accounting's roll-up fed by the resolver.

accounting.rollup is synchronous and asks for one level of the supply chain at a time;
here it runs in a worker thread while the event loop resolves each level as a batch, so
a 1,000-part product costs a handful of batch requests rather than 1,000 lookups.
"""

import asyncio
from collections.abc import Mapping

from accounting.rollup import Fetched, RollupResult, rollup
from resolver.client import Resolution, Resolver


def fetched_from(asked: str, resolution: Resolution) -> Fetched:
    if resolution.answer is None:
        return Fetched.missing(asked, resolution.error or resolution.status)
    verdict = resolution.verdict
    if verdict is None:
        text = "not verified"
    elif verdict.complete:
        text = "valid" + (" (stale)" if resolution.stale else "")
    elif verdict.valid:
        text = f"partial: signed values at index {', '.join(map(str, verdict.missing))} missing"
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


async def network_footprint(
    resolver: Resolver, roots: list[str], *, verified_only: bool = False
) -> RollupResult:
    loop = asyncio.get_running_loop()

    def fetch(ids: list[str]) -> Mapping[str, Fetched]:
        future = asyncio.run_coroutine_threadsafe(resolver.resolve_many(ids), loop)
        return {
            asked: fetched_from(asked, resolution)
            for asked, resolution in zip(ids, future.result(), strict=True)
        }

    return await asyncio.to_thread(rollup, roots, fetch, verified_only=verified_only)
