import json
import sqlite3
from pathlib import Path

import pytest

from registry import keyring
from registry.store import DB_NAME, STORE_URL_FILE, Store
from registry.store.postgres_pool import redacted
from resolver.cli import main
from tests.registry.records_data import product_values
from tests.registry.trust_nodes import Pair, make_pair, register


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def same_rows(source: Path, target: Path) -> None:
    """Every column SQLite holds, row for row, in the target too."""
    with Store.open(source) as old, Store.open(target) as new:
        assert old.backend.table_names() == new.backend.table_names()
        for table in old.backend.table_names():
            assert old.backend.column_names(table) == new.backend.column_names(table), table
            query = f"SELECT * FROM {table}"
            before = sorted(old.backend.reads.rows(query), key=repr)
            after = sorted(new.backend.reads.rows(query), key=repr)
            assert after == before, table


@pytest.fixture
def pair(tmp_path: Path) -> Pair:
    made = make_pair(tmp_path)
    for handle, name in [("88.7/a", "coil"), ("88.7/b", "plate"), ("88.7/a", "cold coil")]:
        assert register(made.enterprise, handle, product_values(name)) == ""
    return made


def test_copy_to_postgresql_keeps_every_row_and_the_log(
    pair: Pair, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = pair.enterprise, tmp_path / "on-postgresql"
    code, before = run(capsys, "log", "checkpoint", "--dir", str(source))
    # the admin identity's handle, logged by `glid init`, then the three versions
    assert code == 0 and json.loads(before)["size"] == 4
    (tmp_path / "before.json").write_text(before)

    code, out = run(capsys, "store", "copy", "--from", str(source), "--to", pg_url,
                    "--dir", str(target), "--json")  # fmt: skip
    copied = json.loads(out)
    assert code == 0 and copied["log_size"] == 4
    assert copied["rows"]["record_versions"] == 4 and copied["rows"]["log_leaves"] == 4
    assert (target / STORE_URL_FILE).read_text().strip() == pg_url
    assert not (target / DB_NAME).exists() and (source / DB_NAME).exists()
    same_rows(source, target)
    code, out = run(capsys, "log", "checkpoint", "--dir", str(target))
    assert json.loads(out)["checkpoint"] == json.loads(before)["checkpoint"]

    # The moved node goes on appending to the same log, provably.
    assert register(target, "88.7/c", product_values("slab")) == ""
    _, after = run(capsys, "log", "checkpoint", "--dir", str(target))
    (tmp_path / "after.json").write_text(after)
    _, proof = run(capsys, "log", "consistency", "--dir", str(target), "4")
    (tmp_path / "proof.json").write_text(proof)
    with Store.open(target) as store:
        (tmp_path / "key.json").write_text(json.dumps(keyring.active_key(store, "88.7").jwk))
    code, out = run(capsys, "log", "audit", "--old", str(tmp_path / "before.json"),
                    "--new", str(tmp_path / "after.json"), "--proof", str(tmp_path / "proof.json"),
                    "--key", str(tmp_path / "key.json"), "--origin", "glid.88.7/log")  # fmt: skip
    assert code == 0 and "grew append-only from 4 to 5 entries" in out
    code, out = run(capsys, "check", "--dir", str(target), "--json")
    checked = json.loads(out)
    assert code == 0 and checked["problems"] == [] and checked["log_size"] == 5
    assert checked["store"] == redacted(pg_url)
    code, out = run(capsys, "store", "check", "--dir", str(target))
    assert code == 0 and out.endswith(": answers; schema version 5 (current); node 88.7\n")

    code = main(
        ["store", "copy", "--from", str(source), "--to", pg_url, "--dir", str(tmp_path / "x")]
    )
    assert code == 1 and "already holds a glid node" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_check_finds_a_record_rewritten_behind_the_logs_back(
    pair: Pair, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "check", "--dir", str(pair.enterprise))
    assert code == 0 and ": log of 4 entries, root " in out
    conn = sqlite3.connect(pair.enterprise / DB_NAME)
    conn.executescript(
        "DROP TRIGGER record_versions_no_update;"
        " UPDATE record_versions SET record = x'90' WHERE handle = '88.7/b';"
    )
    conn.close()
    code, out = run(capsys, "check", "--dir", str(pair.enterprise))
    assert code == 1
    assert "log leaf 2 does not commit to the stored bytes of ('88.7/b', 1)" in out
    assert "88.7/b version 1: its stored bytes differ from those its log leaf commits to" in out


def test_store_check_says_when_the_database_cannot_be_reached(
    pair: Pair, pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "moved"
    assert main(["store", "copy", "--from", str(pair.enterprise), "--to", pg_url,
                 "--dir", str(target)]) == 0  # fmt: skip
    capsys.readouterr()
    gone = pg_url.replace("dbname=", "dbname=gone_")
    (target / STORE_URL_FILE).write_text(gone + "\n")
    assert main(["store", "check", "--dir", str(target)]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the node's PostgreSQL database" in err and "gone_" in err
