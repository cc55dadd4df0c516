"""PACT API speed: GetFootprint against the node's native hot resolution, and paging.

One node (uvloop, one worker, TLS, ``--pact``) holds 10,000 product-footprint 2.0.0
records. In the same run:

* GetFootprint with a valid bearer token over keep-alive, round robin over 1,000 ids,
  against the node's own native hot resolution of the same identifiers on the same
  server and TLS, and against a floor: a bare aiohttp TLS handler serving the same
  footprint bytes. Target: PACT / native >= 0.5.
* ListFootprints with a filter (``status=Active``, then ``geography=CN-ZJ``), page by page
  with ``limit=100`` following the ``Link`` headers, one request at a time: the time of
  each page. Target: every page < 50 ms. Floor: the bare handler serving a page of the
  same size.

Runs alternate between the servers and each figure is a median of the repetitions.

Run from the checkout: .venv/bin/python -m bench.pact
"""

import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import partial
from pathlib import Path

from bench import http_load
from tests.pact_support import self_signed

REPEATS = 3
SECONDS = 5
CONNECTIONS = 32
FOOTPRINTS = 10_000
ROUND_ROBIN = 1_000
PAGE = 100
SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "pact" / "sample-footprints.jsonl"


def fetch(
    url: str, token: str = "", data: bytes | None = None, auth: str = ""
) -> tuple[bytes, str]:
    headers = {"Authorization": auth or f"Bearer {token}"}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, context=http_load.INSECURE, timeout=30) as answer:
        return answer.read(), answer.headers.get("Link", "")


def glid(*args: str) -> str:
    env = {**os.environ, "GLID_PASSPHRASE": http_load.PASSPHRASE}
    done = subprocess.run(
        [sys.executable, "-m", "resolver.cli", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def setup(root: Path) -> tuple[Path, list[str], str, str]:
    """A node with FOOTPRINTS records (copies of the sample under new names, every tenth
    in another province) and a PACT client; returns (node, handles, client id, secret)."""
    node = root / "node"
    glid("init", "--role", "enterprise", "--prefix", "88.101.7", "--dir", str(node))
    template = json.loads(SAMPLE.read_text("utf-8").splitlines()[0])["values"]
    handles = [f"88.101.7/item-{n}" for n in range(FOOTPRINTS)]
    lines = []
    for n, handle in enumerate(handles):
        values = json.loads(json.dumps(template))
        for value in values:
            if value["type"] == "geography_subdivision" and n % 10 == 0:
                value["data"]["value"] = "CN-JS"
        lines.append(json.dumps({"handle": handle, "values": values}, ensure_ascii=False))
    (root / "records.jsonl").write_text("\n".join(lines), encoding="utf-8")
    glid("register", "--dir", str(node), "--file", str(root / "records.jsonl"))
    client = json.loads(glid("pact", "client", "add", "--dir", str(node), "--name", "b", "--json"))
    return node, handles, client["client_id"], client["client_secret"]


def load(base: str, paths: list[str], token: str, pid: int) -> tuple[float, float]:
    """Requests/s from a separate client process, and the server's CPU s per request."""
    run = partial(
        http_load.client_rate,
        base,
        paths,
        seconds=SECONDS,
        connections=CONNECTIONS,
        headers={"Authorization": f"Bearer {token}"},
    )
    return http_load.with_server_cpu([pid], SECONDS, run)


def pages(base: str, query: str, token: str) -> list[float]:
    """Milliseconds per page, following Link headers from the first page to the last."""
    times = []
    url = f"{base}/3/footprints?{query}&limit={PAGE}"
    while url:
        started = time.perf_counter()
        body, link = fetch(url, token)
        times.append((time.perf_counter() - started) * 1e3)
        assert json.loads(body)["data"]
        url = link.split(">")[0].lstrip("<") if link else ""
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        node, handles, client_id, secret = setup(root)
        tls = self_signed(root)
        port, bare_port = http_load.free_port(), http_load.free_port()
        base, bare = http_load.base_url(port, tls), http_load.base_url(bare_port, tls)
        server = http_load.start_node(node, port, "--pact", tls=tls)
        servers = [server]
        try:
            basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            body, _ = fetch(f"{base}/auth/token", data=b"grant_type=client_credentials", auth=basic)
            token = json.loads(body)["access_token"]
            listing, _ = fetch(f"{base}/3/footprints?limit={ROUND_ROBIN}", token)
            ids = [pf["id"] for pf in json.loads(listing)["data"]]
            one, _ = fetch(f"{base}/3/footprints/{ids[0]}", token)
            (root / "one.json").write_bytes(one)
            page, _ = fetch(f"{base}/3/footprints?status=Active&limit={PAGE}", token)
            (root / "page.json").write_bytes(page)
            routes = {"/3/footprints/{id}": root / "one.json", "/3/footprints": root / "page.json"}
            servers.append(http_load.start_bare(bare_port, routes, tls))
            get_paths = [f"/3/footprints/{pf_id}" for pf_id in ids]
            native_paths = [f"/glid/v1/resolve/{handle}" for handle in handles[:ROUND_ROBIN]]
            load(base, get_paths, token, server.pid)  # warm both read paths
            load(base, native_paths, token, server.pid)
            runs: dict[str, list[tuple[float, float]]] = {"bare": [], "native": [], "pact": []}
            walks: dict[str, list[float]] = {"status=Active": [], "geography=CN-ZJ": [], "bare": []}
            for _ in range(REPEATS):
                runs["bare"].append(load(bare, get_paths, token, servers[1].pid))
                runs["native"].append(load(base, native_paths, token, server.pid))
                runs["pact"].append(load(base, get_paths, token, server.pid))
                walks["status=Active"] += pages(base, "status=Active", token)
                walks["geography=CN-ZJ"] += pages(base, "geography=CN-ZJ", token)
                for _ in range(FOOTPRINTS // PAGE):
                    started = time.perf_counter()
                    fetch(f"{bare}/3/footprints?limit={PAGE}", token)
                    walks["bare"].append((time.perf_counter() - started) * 1e3)
        finally:
            for process in servers:
                process.terminate()
                process.wait()
    print(
        f"{FOOTPRINTS:,} footprints; GetFootprint round robin over {ROUND_ROBIN:,} ids,"
        f" {CONNECTIONS} keep-alive TLS connections, {SECONDS}s x {REPEATS} runs;"
        f" footprint {len(one):,} bytes, page of {PAGE:,} {len(page):,} bytes"
    )
    rate, cpu = http_load.medians(runs)
    for name, values in runs.items():
        each = ", ".join(f"{r:,.0f}" for r, _ in values)
        print(
            f"{name:8} {rate[name]:>8,.0f} req/s (runs: {each});"
            f" server CPU {cpu[name] * 1e6:6.1f} µs/req"
        )
    print(
        f"ratio pact / native: throughput {rate['pact'] / rate['native']:.2f},"
        f" CPU per request {cpu['native'] / cpu['pact']:.2f}  (target >= 0.5)"
    )
    print(f"ratio pact / bare floor: throughput {rate['pact'] / rate['bare']:.2f}")
    for name, times in walks.items():
        print(
            f"pages {name:17} median {statistics.median(times):6.1f} ms, max {max(times):6.1f} ms"
            f" over {len(times)} pages  (target: every page < 50 ms)"
        )


if __name__ == "__main__":
    main()
