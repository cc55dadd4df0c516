"""Resolution and roll-up across the demo network (five nodes in another process).

- cold resolution top → secondary → enterprise: a fresh resolver (empty cache) per lookup,
  p50 and p99 latency, with a warm-cache lookup as the in-run baseline;
- batch resolution: identifiers/s through Resolver.resolve_many (1,000 ids per request),
  against one-at-a-time resolution with warm referrals in the same run;
- roll-up of a 1,000-part product whose parts live on two enterprise nodes: seconds and
  the number of requests it made.

Run from the checkout: .venv/bin/python -m bench.network
"""

import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from resolver.client import Resolver, load_trust_anchor
from resolver.demo import spawn
from resolver.footprint import network_footprint
from resolver.sync_client import SyncResolver

COLD_LOOKUPS = 200
BATCH_IDS = 10_000
PARTS = 1000


def item(index: int, name: str, value: Any) -> dict[str, Any]:
    data = value if isinstance(value, str) else {"format": "json", "value": value}
    return {"index": index, "type": name, "data": data}


def part_values(n: int, inputs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    values = [
        item(1001, "TEMPLATE", "88/tpl.product-footprint@1.0.0"),
        item(2000, "product_name", f"part {n}"),
        item(2001, "manufacturer", "Example Parts"),
        item(2100, "declared_unit", "piece"),
        item(2101, "declared_unit_amount", "1"),
        item(2102, "pcf_excluding_biogenic", {"value": f"{1 + n % 7}.5", "unit": "kgCO2e"}),
        item(2104, "fossil_ghg_emissions", {"value": f"{1 + n % 7}.5", "unit": "kgCO2e"}),
    ]
    if inputs is not None:
        values += [
            item(2106, "own_fossil_emissions", {"value": "12", "unit": "kgCO2e"}),
            item(2108, "allocation_method", "mass"),
            item(2109, "inputs", inputs),
        ]
    return values


def register(directory: str, passphrase: bytes, records: list[tuple[str, Any]]) -> None:
    with Store.open(directory) as store:
        service = registrar(store, passphrase)
        submissions = [Submission(n, handle, values) for n, (handle, values) in enumerate(records)]
        refused = [o for o in service.register(submissions, "bench") if not o.accepted]
        assert not refused, refused[0]


def fill(demo: dict[str, Any]) -> tuple[list[str], str]:
    nodes = {node["prefix"]: node for node in demo["nodes"]}
    passphrase = demo["passphrase"].encode()
    plant_ids = [f"88.101.9/bench-{n}" for n in range(BATCH_IDS)]
    register(
        nodes["88.101.9"]["directory"],
        passphrase,
        [(h, part_values(n)) for n, h in enumerate(plant_ids)],
    )
    maker_parts = [f"88.104.3/part-{n}" for n in range(PARTS // 2)]
    register(
        nodes["88.104.3"]["directory"],
        passphrase,
        [(h, part_values(n)) for n, h in enumerate(maker_parts)],
    )
    parts = plant_ids[: PARTS // 2] + maker_parts
    inputs = [{"id": p, "quantity": {"value": "1", "unit": "piece"}} for p in parts]
    register(
        nodes["88.104.3"]["directory"], passphrase, [("88.104.3/assembly", part_values(0, inputs))]
    )
    return plant_ids, "88.104.3/assembly"


async def cold_latencies(root: str, anchor: Any, ids: list[str]) -> tuple[list[float], float]:
    latencies = []
    for handle in ids[:COLD_LOOKUPS]:
        async with Resolver(root, anchor) as resolver:
            started = time.perf_counter()
            result = await resolver.resolve(handle)
            latencies.append(time.perf_counter() - started)
            assert result.verified, result
    async with Resolver(root, anchor) as resolver:
        await resolver.resolve(ids[0])
        warm = []
        for handle in ids[1:COLD_LOOKUPS]:
            started = time.perf_counter()
            await resolver.resolve(handle)  # referrals cached: one request to the enterprise
            warm.append(time.perf_counter() - started)
    return latencies, statistics.median(warm)


async def batch_rate(root: str, anchor: Any, ids: list[str]) -> tuple[float, float, int]:
    async with Resolver(root, anchor) as resolver:
        await resolver.resolve(ids[0])
        started = time.perf_counter()
        results = await resolver.resolve_many(ids[1:])
        batch_seconds = time.perf_counter() - started
        assert all(r.verified for r in results)
        requests = resolver.stats.requests
    async with Resolver(root, anchor) as resolver:
        await resolver.resolve(ids[0])
        sample = ids[1:1001]
        started = time.perf_counter()
        for handle in sample:
            await resolver.resolve(handle)
        single_seconds = time.perf_counter() - started
    return (len(ids) - 1) / batch_seconds, len(sample) / single_seconds, requests


async def rollup(root: str, anchor: Any, product: str) -> tuple[float, int, dict[str, Any]]:
    resolver = SyncResolver(root, anchor)
    started = time.perf_counter()
    result = await asyncio.to_thread(network_footprint, resolver, [product], verified_only=True)
    seconds = time.perf_counter() - started
    return seconds, resolver.stats.requests, result.footprint(product).to_json()


async def measure(demo: dict[str, Any], ids: list[str], product: str) -> None:
    root, anchor = demo["root"], load_trust_anchor(Path(demo["trust_anchor"]))
    latencies, warm = await cold_latencies(root, anchor, ids)
    cold = sorted(latencies)
    p50, p99 = statistics.median(cold), cold[int(len(cold) * 0.99) - 1]
    print(f"cold resolution top → 88.101 → 88.101.9 ({COLD_LOOKUPS} lookups, fresh cache each):")
    print(
        f"  p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; warm-referral lookup p50"
        f" {warm * 1000:.1f} ms (ratio cold/warm {p50 / warm:.1f})"
    )
    batched, single, requests = await batch_rate(root, anchor, ids)
    print(
        f"batch resolution of {len(ids) - 1:,} ids: {batched:,.0f} ids/s in {requests} requests;"
        f" one at a time: {single:,.0f} ids/s (ratio {batched / single:.1f})"
    )
    seconds, requests, footprint = await rollup(root, anchor, product)
    print(
        f"roll-up of a {PARTS}-part product across 2 enterprise nodes: {seconds:.2f} s,"
        f" {requests} requests, PCF {footprint['pcf_excluding_biogenic']} {footprint['unit']}"
    )


def main() -> None:
    os.environ.setdefault("GLID_PASSPHRASE", "bench")
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "demo"
        process = spawn(directory)
        try:
            demo = json.loads((directory / "demo.json").read_text())
            ids, product = fill(demo)
            asyncio.run(measure(demo, ids, product))
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
