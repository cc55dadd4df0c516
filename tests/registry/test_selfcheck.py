"""The node serves a version only when it matches its log leaf and is the newest logged
version of its id; `glid check` names every version of a store that does not."""

import base64
from pathlib import Path

import msgpack
import pytest

from registry.node import init_node
from registry.service import registrar
from registry.store import Store
from resolver.authority import Authority, Found, Missing
from resolver.cli import main
from signing.merkle import MerkleLog
from tests.conftest import PASSPHRASE
from tests.store_file import raw_connection


def url(n: int) -> list[dict[str, object]]:
    return [{"index": 1, "type": "URL", "data": f"https://example.com/{n}"}]


@pytest.fixture
def node(tmp_path: Path) -> Path:
    directory = tmp_path / "top"
    created = init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE)
    writes = registrar(created.store, PASSPHRASE)
    for n, handle in enumerate(("88/r", "88/r", "88/s")):
        assert writes.register_one(handle, url(n), "test").accepted
    created.store.close()
    return directory


def lookup(directory: Path, handle: str, **query: int) -> Found | Missing:
    with Store.open(directory) as store:
        answer = Authority(store).lookup(handle, **query)  # type: ignore[arg-type]
    assert isinstance(answer, Found | Missing)
    return answer


def root_of(directory: Path) -> str:
    with Store.open(directory) as store:
        return base64.b64encode(MerkleLog(store.log).root()).decode()


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", "--dir", str(directory)])
    return code, capsys.readouterr().out


def test_a_clean_store_agrees_with_its_log(node: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the records and the admin identity's handle, 88/admin, written by `glid init`
    code, out = check(node, capsys)
    assert code == 0
    assert out.splitlines()[0] == "4 versions of 3 live identifiers agree with the log"
    assert out.splitlines()[1].endswith(": log of 4 entries, root " + root_of(node))
    found = lookup(node, "88/r")
    assert isinstance(found, Found) and found.stored.version == 2


def test_a_rolled_back_pointer_is_refused_and_named(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw_connection(node).execute("UPDATE identifiers SET current_version = 1 WHERE handle = '88/r'")
    answer = lookup(node, "88/r")
    assert isinstance(answer, Missing) and answer.code == "damaged"
    assert "points at version 1 but the log holds version 2" in answer.reason
    assert isinstance(lookup(node, "88/r", version=1), Found)  # asked for by number: fine
    assert isinstance(lookup(node, "88/s"), Found)  # other records are unaffected
    code, out = check(node, capsys)
    assert code == 1
    assert "88/r: the store serves version 1 but the log holds version 2 (rolled back)" in out


def test_a_patched_byte_is_refused_and_named(
    node: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = raw_connection(node)
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'record_versions'"
    ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")  # as someone with the file could
    (record,) = conn.execute(
        "SELECT record FROM record_versions WHERE handle = '88/s' AND version = 1"
    ).fetchone()
    patched = bytes(record).replace(b"example.com/2", b"example.com/9")
    assert msgpack.unpackb(patched) != msgpack.unpackb(record)
    conn.execute(
        "UPDATE record_versions SET record = ? WHERE handle = '88/s' AND version = 1", (patched,)
    )
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    answer = lookup(node, "88/s")
    assert isinstance(answer, Missing) and answer.code == "damaged"
    assert "stored bytes differ from those its log leaf commits to" in answer.reason
    code, out = check(node, capsys)
    assert code == 1 and "88/s version 1: its stored bytes differ" in out
