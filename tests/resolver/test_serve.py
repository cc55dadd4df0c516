"""`glid serve` as an operator runs it: a real process, JSON logs, graceful SIGTERM."""

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.http_load import free_port, wait_until_up


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_answers_logs_json_and_stops_on_sigterm(
    make_node: Callable[..., Path], workers: int
) -> None:
    node = make_node("88.101.7")
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "resolver.cli",
            "serve",
            "--dir",
            str(node),
            "--listen",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        health = json.loads(wait_until_up(f"http://127.0.0.1:{port}/healthz"))
        assert health == {"status": "ok", "prefix": "88.101.7", "role": "enterprise"}
        metrics = wait_until_up(f"http://127.0.0.1:{port}/metrics").decode()
        assert "# TYPE glid_requests_total counter" in metrics
        assert "# TYPE glid_request_seconds histogram" in metrics
        if workers == 1:  # with more, the scrape may reach a worker that served nothing yet
            assert 'glid_requests_total{route="/healthz",status="200"} 1.0' in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [entry["message"] for entry in lines]
    assert any("opened its store" in m for m in messages)
    assert sum("stopped and closed its store" in m for m in messages) == workers
    assert all(entry.get("prefix", "88.101.7") == "88.101.7" for entry in lines)


def test_serve_refuses_a_directory_that_is_not_a_node(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "resolver.cli", "serve", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert result.returncode == 1 and "is not a glid node" in result.stderr


def test_serve_rejects_a_bad_listen_address(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "resolver.cli", "serve", "--dir", str(tmp_path), "--listen", "x"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )
    assert result.returncode == 2 and "HOST:PORT" in result.stderr
