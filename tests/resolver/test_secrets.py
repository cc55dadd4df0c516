"""Secrets at rest and at start: private files whatever the umask, and no node that
pretends to be healthy while its key will not open."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.node import init_node, write_json
from registry.store import DB_NAME, Store
from resolver.cli import main
from resolver.serve import start
from resolver.settings import Settings
from signing.errors import WrongPassphraseError
from tests.conftest import PASSPHRASE


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_node_directory_and_store_are_private_whatever_the_umask(
    tmp_path: Path, loose_umask: None
) -> None:
    directory = tmp_path / "node"
    init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    assert mode(directory) == 0o700
    assert mode(directory / DB_NAME) == 0o600
    with Store.open(directory) as store:
        store.ping()
        assert mode(directory / f"{DB_NAME}-wal") == 0o600
    write_json(tmp_path / "secret.json", {"passphrase": "x"}, mode=0o600)
    assert mode(tmp_path / "secret.json") == 0o600


def test_an_older_node_is_made_private_when_opened(tmp_path: Path) -> None:
    directory = tmp_path / "node"
    init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    os.chmod(directory, 0o755)
    os.chmod(directory / DB_NAME, 0o644)
    Store.open(directory).close()
    assert (mode(directory), mode(directory / DB_NAME)) == (0o700, 0o600)


async def test_a_node_whose_key_will_not_open_refuses_to_start(tmp_path: Path) -> None:
    directory = tmp_path / "node"
    init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    with pytest.raises(WrongPassphraseError):
        await start(Settings(directory, passphrase=b"not the passphrase"))


def test_glid_serve_with_a_wrong_passphrase_says_so_and_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "node"
    init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    monkeypatch.setenv("GLID_PASSPHRASE", "not the passphrase")
    assert main(["serve", "--dir", str(directory), "--listen", "127.0.0.1:0"]) == 1
    assert "passphrase does not open" in capsys.readouterr().err
