"""Hot resolution over HTTP keep-alive, against a bare aiohttp handler serving the same bytes.

Two faces of the node are measured: the native API (`GET /glid/v1/resolve/ID`) and Handle
REST (`GET /api/handles/ID`); the bare server answers each path with the bytes the node
gave for it.

Both servers run as separate processes with uvloop, one worker each; the load comes from a
third process (wrk when installed, else an aiohttp client pool). Runs alternate between the
two servers and each figure is the median of the repetitions, so a noisy machine affects
both alike. Target: glid / bare >= 0.7.

Run from the checkout: .venv/bin/python -m bench.resolve_hot
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from functools import partial
from pathlib import Path

from bench.http_load import (
    PASSPHRASE,
    base_url,
    client_rate,
    free_port,
    medians,
    start_bare,
    start_node,
    with_server_cpu,
)

REPEATS = 3
SECONDS = 5
CONNECTIONS = 32
IDS = 1000

ROUND_ROBIN = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/glid/v1/resolve/88.101.7/item-" .. (counter % %d))
end
"""


RESOLVE = "/glid/v1/resolve/"
NATIVE_PATH = f"{RESOLVE}88.101.7/item-0"
HANDLE_PATH = "/api/handles/88.101.7/item-0"


def measure(
    url: str, script: Path | None, pid: int, path: str = NATIVE_PATH
) -> tuple[float, float]:
    """Requests/s under load, and the server's CPU seconds per request in the same run."""
    return with_server_cpu([pid], SECONDS, partial(load, url, script, path))


def load(url: str, script: Path | None, path: str = NATIVE_PATH) -> float:
    """Requests per second from a separate process: ``path`` again and again, or with the
    round-robin ``script`` every one of the IDS records in turn."""
    if shutil.which("wrk"):
        command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s"]
        if script is not None:
            command += ["-s", str(script)]
        target = url if script is not None else f"{url}{path}"
        out = subprocess.run([*command, target], capture_output=True, text=True, check=True).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        assert match, out
        assert "Non-2xx" not in out, f"some answers were errors:\n{out}"
        return float(match.group(1))
    paths = [path] if script is None else [f"{RESOLVE}88.101.7/item-{n}" for n in range(IDS)]
    return client_rate(url, paths, seconds=SECONDS, connections=CONNECTIONS)


def setup(root: Path) -> Path:
    env = {**os.environ, "GLID_PASSPHRASE": PASSPHRASE}
    node = root / "node"
    glid = [sys.executable, "-m", "resolver.cli"]
    subprocess.run(
        [*glid, "init", "--role", "enterprise", "--prefix", "88.101.7", "--dir", str(node)],
        env=env,
        check=True,
        capture_output=True,
    )
    lines = root / "records.jsonl"
    lines.write_text(
        "\n".join(
            json.dumps(
                {
                    "handle": f"88.101.7/item-{n}",
                    "values": [
                        {"index": 1, "type": "URL", "data": f"https://example.com/{n}"},
                        {"index": 1001, "type": "TEMPLATE", "data": "88/tpl.product@1.0.0"},
                        {"index": 2000, "type": "product_name", "data": f"coil {n}"},
                        {"index": 2001, "type": "manufacturer", "data": "Example Steel"},
                    ],
                }
            )
            for n in range(IDS)
        )
    )
    subprocess.run(
        [*glid, "register", "--dir", str(node), "--file", str(lines)],
        env=env,
        check=True,
        capture_output=True,
    )
    return node


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        node = setup(root)
        glid_port, bare_port = free_port(), free_port()
        glid_url, bare_url = base_url(glid_port), base_url(bare_port)
        servers = [start_node(node, glid_port)]
        try:
            answer = urllib.request.urlopen(f"{glid_url}{NATIVE_PATH}").read()
            (root / "answer.json").write_bytes(answer)
            handle_answer = urllib.request.urlopen(f"{glid_url}{HANDLE_PATH}").read()
            (root / "handle.json").write_bytes(handle_answer)
            routes = {
                "/glid/v1/resolve/{handle:.+}": root / "answer.json",
                "/api/handles/{handle:.+}": root / "handle.json",
            }
            servers.append(start_bare(bare_port, routes))
            script = root / "round_robin.lua"
            script.write_text(ROUND_ROBIN.replace("%d", str(IDS)))
            runs: dict[str, list[tuple[float, float]]] = {
                "glid one id": [],
                "glid 1000 ids": [],
                "bare": [],
                "handle one id": [],
                "bare handle": [],
            }
            glid_pid, bare_pid = servers[0].pid, servers[1].pid
            load(glid_url, script)  # warm every answer into the encoded-answer cache
            for _ in range(REPEATS):
                runs["bare"].append(measure(bare_url, None, bare_pid))
                runs["glid one id"].append(measure(glid_url, None, glid_pid))
                runs["glid 1000 ids"].append(measure(glid_url, script, glid_pid))
                runs["bare handle"].append(measure(bare_url, None, bare_pid, HANDLE_PATH))
                runs["handle one id"].append(measure(glid_url, None, glid_pid, HANDLE_PATH))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    tool = "wrk" if shutil.which("wrk") else "aiohttp client"
    print(
        f"load: {tool}, {CONNECTIONS} keep-alive connections, {SECONDS}s x {REPEATS} runs,"
        f" answer {len(answer)} bytes (Handle REST {len(handle_answer)})"
    )
    rate, cpu = medians(runs)
    for name in runs:
        each = ", ".join(f"{r:,.0f}" for r, _ in runs[name])
        print(
            f"{name:16} {rate[name]:>8,.0f} req/s (runs: {each});"
            f" server CPU {cpu[name] * 1e6:6.1f} µs/request"
        )
    for name, bare in (
        ("glid one id", "bare"),
        ("glid 1000 ids", "bare"),
        ("handle one id", "bare handle"),
    ):
        print(
            f"ratio {name} / {bare}: throughput {rate[name] / rate[bare]:.2f},"
            f" CPU per request {cpu[bare] / cpu[name]:.2f}  (target >= 0.7)"
        )


if __name__ == "__main__":
    main()
