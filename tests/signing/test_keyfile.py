import json
import os
import stat
from pathlib import Path

import pytest

from signing import keyfile
from signing.errors import KeyFileError, PassphraseRequiredError, WrongPassphraseError
from signing.keys import SigningKey


def test_round_trip_mode_and_contents(tmp_path: Path) -> None:
    key = SigningKey.from_seed(b"\x09" * 32)
    path = tmp_path / "node.key"
    keyfile.save_signing_key(path, key, b"correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = json.loads(path.read_text())
    assert set(document) == {"format", "kid", "kdf", "salt", "nonce", "ciphertext"}
    assert document["format"] == "glid-key-v1" and document["kid"] == key.kid
    assert key.seed.hex() not in path.read_text()
    assert keyfile.load_signing_key(path, b"correct horse") == key
    assert [p.name for p in tmp_path.iterdir()] == ["node.key"]  # no temporary left behind


def test_wrong_passphrase_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    keyfile.save_signing_key(path, SigningKey.generate(), b"right")
    with pytest.raises(WrongPassphraseError, match=str(path)):
        keyfile.load_signing_key(path, b"wrong")


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.key"
    keyfile.save_signing_key(path, SigningKey.generate(), b"pw")
    document = json.loads(path.read_text())
    document["kid"] = "someone-else"
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="names kid someone-else"):
        keyfile.load_signing_key(path, b"pw")
    document["kdf"]["memlimit"] = 2**40
    path.write_text(json.dumps(document))
    with pytest.raises(KeyFileError, match="memlimit"):
        keyfile.load_signing_key(path, b"pw")


def test_missing_and_non_json_files(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="cannot read"):
        keyfile.load_signing_key(tmp_path / "absent.key", b"pw")
    (tmp_path / "junk.key").write_text("not json")
    with pytest.raises(KeyFileError, match="not JSON"):
        keyfile.load_signing_key(tmp_path / "junk.key", b"pw")


def test_passphrase_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLID_PASSPHRASE", "s3cret")
    assert keyfile.passphrase() == b"s3cret"
    monkeypatch.setenv("GLID_PASSPHRASE", "")
    with pytest.raises(PassphraseRequiredError, match="empty"):
        keyfile.passphrase()


def test_passphrase_without_terminal_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLID_PASSPHRASE", raising=False)
    read_end, write_end = os.pipe()
    with os.fdopen(read_end) as pipe, os.fdopen(write_end, "w"):
        monkeypatch.setattr("sys.stdin", pipe)
        with pytest.raises(PassphraseRequiredError, match="GLID_PASSPHRASE"):
            keyfile.passphrase()
