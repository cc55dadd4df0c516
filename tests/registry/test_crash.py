"""A bulk import killed with SIGKILL leaves a sound store holding only whole batches."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from registry.records import decode_values
from registry.registration import DEFAULT_BATCH
from registry.store import DB_NAME
from tests.registry.records_data import line

LINES = 40 * DEFAULT_BATCH


def committed(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute("SELECT count(*) FROM record_versions").fetchone()[0])
    finally:
        conn.close()


def test_sigkill_mid_import_leaves_only_whole_records(
    make_node: Callable[..., Path], tmp_path: Path
) -> None:
    directory = make_node("88.101.7")
    source = tmp_path / "bulk.jsonl"
    source.write_bytes(
        b"\n".join(orjson.dumps(line(f"88.101.7/item-{n}")) for n in range(LINES)) + b"\n"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "resolver.cli",
            "register",
            "--dir",
            str(directory),
            "--file",
            str(source),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + 120
    while committed(directory / DB_NAME) < 2 * DEFAULT_BATCH:
        assert process.poll() is None, process.stderr.read() if process.stderr else b""
        assert time.monotonic() < deadline, "the import made no progress"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL

    conn = sqlite3.connect(directory / DB_NAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute(
        "SELECT handle, version, record, signature FROM record_versions"
        " WHERE handle != '88.101.7/admin'"  # the admin identity's handle, written by init
    ).fetchall()
    assert 0 < len(rows) < LINES, "the kill should land mid-import"
    assert len(rows) % DEFAULT_BATCH == 0, "a batch was half-committed"
    for handle, version, record, signature in rows:
        assert version == 1 and signature and signature.count(".") == 2
        assert decode_values(record)[2]["data"]["value"] == "hot-rolled coil", handle
    identifiers = conn.execute("SELECT count(*) FROM identifiers").fetchone()[0]
    audit = conn.execute("SELECT count(*) FROM audit WHERE action = 'register'").fetchone()[0]
    leaves = conn.execute("SELECT count(*) FROM log_leaves").fetchone()[0]
    assert identifiers == audit == leaves == len(rows) + 1
