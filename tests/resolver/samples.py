"""Extra records for the page tests: one tampered in its store after signing, one whose
values hold markup, both registered on the demo's parts-maker node."""

import hashlib
import sqlite3
from typing import Any

from glid_core import canonical
from registry.records import decode_values, encode_record
from registry.service import registrar
from registry.store import DB_NAME, Store
from resolver.demo import BRACKET, sample_records
from tests.conftest import PASSPHRASE
from tests.resolver.live import Live

TAMPERED = "88.104.3/bracket-tampered"
MARKUP = "88.104.3/bracket-markup"
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def _bracket_with(name: str) -> list[dict[str, Any]]:
    values = [dict(value) for value in sample_records()[BRACKET]]
    for value in values:
        if value["type"] == "product_name":
            value["data"] = {"format": "string", "value": name}
    return values


def add_samples(live: Live) -> None:
    """Register both records; then rewrite the tampered one's stored footprint in the node's
    SQLite file, as an attacker with write access to it would, leaving the signature as it
    was. The attacker also rewrites the version's log leaf to commit to the new bytes, so the
    node's own self-check passes and only the buyer's verification can catch it."""
    directory = live.demo.node("88.104.3").directory
    with Store.open(directory) as store:
        for handle, name in ((TAMPERED, "Tampered bracket"), (MARKUP, HOSTILE)):
            outcome = registrar(store, PASSPHRASE).register_one(handle, _bracket_with(name), "t")
            assert outcome.accepted, outcome.error
    conn = sqlite3.connect(directory / DB_NAME)
    try:
        (blob,) = conn.execute(
            "SELECT record FROM record_versions WHERE handle = ?", (TAMPERED,)
        ).fetchone()
        values = decode_values(blob)
        for value in values:
            if value["type"] == "pcf_excluding_biogenic":
                value["data"]["value"]["value"] = "9.6"
        record = encode_record(values).record
        (leaf_blob,) = conn.execute(
            "SELECT leaf FROM log_leaves WHERE handle = ?", (TAMPERED,)
        ).fetchone()
        leaf = canonical.decode(leaf_blob)
        leaf["rec"] = hashlib.sha256(record).digest()
        _rewrite(conn, "record_versions", "record", record)
        _rewrite(conn, "log_leaves", "leaf", canonical.encode(leaf))
    finally:
        conn.close()


def _rewrite(conn: sqlite3.Connection, table: str, column: str, blob: bytes) -> None:
    """Set ``column`` of the tampered id's row; the store refuses changes to these rows
    through triggers, so the attacker drops them and puts them back."""
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
    ).fetchall()
    with conn:
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE handle = ?", (blob, TAMPERED))
        for _, sql in triggers:
            conn.execute(sql)
