"""Footprint roll-up over the network: accounting's roll-up fed by the blocking resolver.

accounting.rollup is synchronous and asks for one level of the supply chain at a time;
the blocking resolver answers each level as a batch, so a 1,000-part product costs a
handful of batch requests rather than 1,000 lookups. An event loop runs the whole
roll-up in a worker thread (:class:`Rollups`); nothing posts back to the loop.
"""

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from accounting.rollup import Fetched, RollupResult, rollup
from resolver.resolution import Resolution
from resolver.sync_client import SyncResolver
from signing.certificates import TrustAnchor


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


def network_footprint(
    resolver: SyncResolver, roots: list[str], *, verified_only: bool = False
) -> RollupResult:
    def fetch(ids: list[str]) -> Mapping[str, Fetched]:
        return {
            asked: fetched_from(asked, resolution)
            for asked, resolution in zip(ids, resolver.resolve_many(ids), strict=True)
        }

    return rollup(roots, fetch, verified_only=verified_only)


class Rollups:
    """Roll-ups for an event loop (the buyer's page): one blocking resolver driven from one
    thread of its own, so that its caches stay warm from one roll-up to the next and no two
    threads ever touch them at once."""

    def __init__(self, root: str, anchor: TrustAnchor) -> None:
        self.resolver = SyncResolver(root, anchor)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="glid-rollup")

    async def footprint(self, roots: list[str], *, verified_only: bool = False) -> RollupResult:
        """network_footprint in the roll-up thread; the loop serves others meanwhile."""
        work = partial(network_footprint, self.resolver, roots, verified_only=verified_only)
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
