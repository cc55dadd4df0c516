import hashlib

import pytest

from signing.b64 import b64_decode, b64_encode
from signing.checkpoint import audit, key_id, open_checkpoint, parse_checkpoint, sign_checkpoint
from signing.errors import CheckpointError, ProofError, WrongLogError
from signing.merkle import MerkleLog
from tests.signing.builders import key

ORIGIN = "glid.example/log/88.118"


def test_note_layout_and_key_id() -> None:
    log_key = key(2)
    root = bytes(range(32))
    note = sign_checkpoint(ORIGIN, 12, root, log_key)
    text, signature_line = note.split("\n\n")
    assert text == f"{ORIGIN}\n12\n{b64_encode(root)}"
    assert signature_line.startswith(f"— {ORIGIN} ") and signature_line.endswith("\n")
    raw = b64_decode(signature_line.split(" ")[2].strip(), "sig")
    expected_id = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + bytes(log_key.verify_key)).digest()[
        :4
    ]
    assert raw[:4] == expected_id == key_id(ORIGIN, log_key.verify_key)
    log_key.verify_key.verify((text + "\n").encode(), raw[4:])
    assert open_checkpoint(note, log_key.verify_key, ORIGIN) == (12, root)


def test_checkpoint_from_a_different_log() -> None:
    note = sign_checkpoint(ORIGIN, 1, bytes(32), key(2))
    with pytest.raises(WrongLogError, match="different log"):
        open_checkpoint(note, key(2).verify_key, "glid.example/log/88.119")
    with pytest.raises(WrongLogError, match="different log"):
        open_checkpoint(note, key(3).verify_key, ORIGIN)


def test_altered_checkpoint_fails() -> None:
    note = sign_checkpoint(ORIGIN, 5, bytes(32), key(2))
    with pytest.raises(CheckpointError, match="forged or altered"):
        open_checkpoint(note.replace("\n5\n", "\n6\n"), key(2).verify_key, ORIGIN)


@pytest.mark.parametrize(
    "note",
    [
        "",
        "origin\n5\n",
        "origin\n05\nAAAA\n\n— origin AAAAAAAA\n",
        f"origin\n5\n{b64_encode(bytes(31))}\n\n— origin AAAAAAAA\n",
        f"origin\n5\n{b64_encode(bytes(32))}\n\n— origin\n",
        f"origin\n5\n{b64_encode(bytes(32))}\n\n- origin AAAAAAAA\n",
        f"origin\n5\n{b64_encode(bytes(32))}\n\n— origin AAAAAAAA",
        f"origin\n5\n{b64_encode(bytes(32))}\x07\n\n— origin AAAAAAAA\n",
    ],
)
def test_malformed_notes(note: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(note)


def test_unknown_signatures_are_ignored() -> None:
    note = sign_checkpoint(ORIGIN, 3, bytes(32), key(2))
    cosigned = note + "— witness.example AAAAAAAAAAAA\n"
    assert open_checkpoint(cosigned, key(2).verify_key, ORIGIN) == (3, bytes(32))


def test_audit_accepts_growth_and_rejects_rewrites() -> None:
    log_key = key(2)
    log = MerkleLog()
    log.extend([bytes([i]) for i in range(10)])
    old = sign_checkpoint(ORIGIN, 10, log.root(), log_key)
    log.extend([bytes([i]) for i in range(10, 25)])
    new = sign_checkpoint(ORIGIN, 25, log.root(), log_key)
    proof = log.consistency_proof(10, 25)
    assert audit(old, new, proof, log_key.verify_key, ORIGIN) == (25, log.root())

    forked = MerkleLog()
    forked.extend(
        [bytes([i]) for i in range(9)] + [b"changed"] + [bytes([i]) for i in range(10, 25)]
    )
    forked_note = sign_checkpoint(ORIGIN, 25, forked.root(), log_key)
    with pytest.raises(ProofError):
        audit(old, forked_note, forked.consistency_proof(10, 25), log_key.verify_key, ORIGIN)
    with pytest.raises(ProofError):
        audit(old, new, [proof[0], *proof], log_key.verify_key, ORIGIN)
