"""The official PACT conformance tool, unmodified, against a node started as docs/PACT.md says.

Every command below is one from docs/PACT.md ("Try it with the conformance tool"), run as
a shell would run it. The tool judges every mandatory V3.0 case it can run from the
command line; cases 13 and 14.B (the node calling the tool back) are held by
test_pact_api.py with a local receiver.
"""

import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.http_load import free_port
from tests.conftest import PASSPHRASE
from tests.pact_support import SAMPLE_FOOTPRINTS, tools_dir

GLID = str(Path(sys.executable).parent / "glid")


def _run(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GLID_PASSPHRASE": PASSPHRASE.decode()}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(args)} failed: {done.stderr}"
    return done.stdout


def _wait_until_up(url: str, server: subprocess.Popen[str]) -> None:
    insecure = ssl.create_default_context()
    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"glid serve exited: {server.communicate()[1]}"
        try:
            with urllib.request.urlopen(f"{url}/healthz", context=insecure, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"glid serve did not answer at {url} within 30 s")


@pytest.fixture(scope="session")
def documented_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """(base URL, client id, secret) of a node set up with docs/PACT.md's commands."""
    work = tmp_path_factory.mktemp("pact-node")
    _run(GLID, "init", "--role", "enterprise", "--prefix", "88.101.7", "--dir", "node", cwd=work)
    _run(GLID, "register", "--dir", "node", "--file", str(SAMPLE_FOOTPRINTS), cwd=work)
    client = _run(GLID, "pact", "client", "add", "--dir", "node", "--name", "conformance", cwd=work)
    credentials = dict(line.split(":", 1) for line in client.splitlines())
    client_id, secret = credentials["client_id"].strip(), credentials["client_secret"].strip()
    _run(
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "7",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        cwd=work,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [
            GLID, "serve", "--dir", "node", "--listen", f"127.0.0.1:{port}", "--pact",
            "--tls-cert", "cert.pem", "--tls-key", "key.pem",
        ],
        cwd=work,
        env={**os.environ, "GLID_PASSPHRASE": PASSPHRASE.decode()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url, client_id, secret
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_official_conformance_tool_passes_every_case_it_can_run(
    documented_node: tuple[str, str, str],
) -> None:
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed; the PACT conformance tool needs Node.js and npm")
    url, client_id, secret = documented_node
    tool = tools_dir() / "pact-conformance.sh"
    done = subprocess.run(
        [str(tool), "--baseUrl", url, "--clientId", client_id, "--clientSecret", secret],
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = done.stdout[done.stdout.rfind("=" * 20) :]
    assert done.returncode == 0, f"{summary}\n{done.stderr[-2000:]}"
    assert "every case runnable from the command line passed" in done.stdout
