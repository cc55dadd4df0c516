"""A serving node killed with SIGKILL while clients write loses no write it acknowledged,
and leaves a store that agrees with its log."""

import base64
import http.client
import os
import signal
import threading
import time
from pathlib import Path

import orjson

from registry.node import init_node
from registry.selfcheck import check_store
from registry.store import Store
from tests.conftest import PASSPHRASE
from tests.resolver.live_node import ProcessNode

WRITERS = 3


def test_no_acknowledged_write_is_lost_when_the_node_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "top"
    created = init_node(root, role="top", prefix="88", passphrase=PASSPHRASE)
    created.store.close()
    secret = created.admin_secret_file.read_text().strip()
    token = base64.b64encode(f"300:88/admin:{secret}".encode()).decode()
    auth = {"Authorization": f"Basic {token}"}
    node = ProcessNode(root, rate_limit=0)
    port = int(node.url.rsplit(":", 1)[1])
    acknowledged: list[str] = []
    stop = threading.Event()

    def write(worker: int) -> None:
        n = 0
        while not stop.is_set():
            handle = f"88/w{worker}-{n}"
            body = orjson.dumps([{"index": 1, "type": "URL", "data": f"https://e/{n}"}])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("PUT", f"/api/handles/{handle}", body, auth)
                if conn.getresponse().status == 201:
                    acknowledged.append(handle)
                conn.close()
            except OSError:
                return  # the node is gone
            n += 1

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(node.pid, signal.SIGKILL)
    stop.set()
    for thread in threads:
        thread.join()
    node.stop()
    with Store.open(root) as store:
        current = store.versions.current()
        missing = [handle for handle in acknowledged if current.get(handle) != 1]
        problems = list(check_store(store))
    print(f"killed after {len(acknowledged)} acknowledged writes: {len(missing)} lost")
    assert len(acknowledged) >= 60 and missing == [] and problems == []
