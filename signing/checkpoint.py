"""Signed checkpoints of the transparency log (c2sp.org/tlog-checkpoint, c2sp.org/signed-note).

A checkpoint is a note whose text is ``origin\\nsize\\nbase64(root)\\n`` followed by a blank
line and signature lines ``— <name> base64(key ID || Ed25519 signature)``. Using the
C2SP format means existing witnesses and monitors can follow a glid node's log.
"""

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from signing.b64 import b64_decode, b64_encode
from signing.errors import Base64Error, CheckpointError, SignatureError, WrongLogError
from signing.keys import SigningKey, VerifyKey
from signing.merkle import HASH_BYTES, verify_consistency

ED25519_TYPE = b"\x01"
KEY_ID_BYTES = 4
MAX_NOTE_LENGTH = 16384
MAX_SIGNATURES = 64
SIGNATURE_PREFIX = "— "
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")


def log_origin(prefix: str) -> str:
    """The origin line of the log kept by the node of ``prefix``: ``glid.<prefix>/log``.

    A verifier derives it from the prefix of the key it trusts to sign the checkpoint, so
    a checkpoint of another log, or under a made-up name, is refused.
    """
    return f"glid.{prefix}/log"


def key_id(name: str, key: VerifyKey) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4], the Ed25519 key ID of signed-note."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + bytes(key)).digest()
    return digest[:KEY_ID_BYTES]


def verifier_key(name: str, key: VerifyKey) -> str:
    """The ``name+hex(key ID)+base64(0x01 || key)`` string note tools use to name a verifier."""
    return f"{name}+{key_id(name, key).hex()}+{b64_encode(ED25519_TYPE + bytes(key))}"


def _check_name(name: str) -> str:
    if not name or any(c.isspace() or c == "+" for c in name) or _CONTROL.search(name):
        raise CheckpointError(f"key name {name!r} must be non-empty without spaces or '+'")
    return name


def sign_checkpoint(
    origin: str, size: int, root: bytes, key: SigningKey, name: str | None = None
) -> str:
    """The signed note for a log of ``size`` entries with ``root``; ``name`` defaults to origin."""
    if not origin or "\n" in origin or _CONTROL.search(origin):
        raise CheckpointError(f"checkpoint origin {origin!r} must be one non-empty line")
    if len(root) != HASH_BYTES or size < 0:
        raise CheckpointError("a checkpoint needs a size >= 0 and a 32-byte root")
    name = _check_name(name if name is not None else origin)
    text = f"{origin}\n{size}\n{b64_encode(root)}\n"
    signature = key_id(name, key.verify_key) + key.sign(text.encode("utf-8"))
    return f"{text}\n{SIGNATURE_PREFIX}{name} {b64_encode(signature)}\n"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A parsed, not yet verified checkpoint."""

    text: str
    origin: str
    size: int
    root: bytes
    signatures: tuple[NoteSignature, ...]

    def verify(self, verify_key: VerifyKey, name: str | None = None) -> None:
        """Raise WrongLogError if no signature is by (name, key); SignatureError if forged."""
        name = name if name is not None else self.origin
        wanted = key_id(name, verify_key)
        matching = [s for s in self.signatures if s.name == name and s.key_id == wanted]
        if not matching:
            raise WrongLogError(
                f"checkpoint of {self.origin} carries no signature by {name} with key"
                f" {verify_key.kid}: it comes from a different log or log key"
            )
        for entry in matching:
            try:
                verify_key.verify(self.text.encode("utf-8"), entry.signature)
            except SignatureError as exc:
                raise CheckpointError(
                    f"checkpoint of {self.origin} at size {self.size}: signature by {name}"
                    " does not verify (forged or altered)"
                ) from exc


def parse_checkpoint(note: str) -> Checkpoint:
    """Split a signed note into its checkpoint body and signature lines; no signature checks."""
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        raise CheckpointError(f"a checkpoint is a text of at most {MAX_NOTE_LENGTH} characters")
    if _CONTROL.search(note) or not note.endswith("\n"):
        raise CheckpointError("a checkpoint must end in a newline and hold no control characters")
    split = note.rfind("\n\n")
    if split < 0:
        raise CheckpointError("checkpoint has no blank line before its signatures")
    text, signature_block = note[: split + 1], note[split + 2 :]
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or not all(lines):
        raise CheckpointError("checkpoint text must be origin, size and root lines")
    origin, size_text, root_text = lines[:3]
    if _SIZE.fullmatch(size_text) is None:
        raise CheckpointError(f"checkpoint size {size_text!r} is not a decimal number")
    try:
        root = b64_decode(root_text, "checkpoint root")
    except Base64Error as exc:
        raise CheckpointError(str(exc)) from exc
    if len(root) != HASH_BYTES:
        raise CheckpointError(f"checkpoint root is {len(root)} bytes, not {HASH_BYTES}")
    signature_lines = signature_block.split("\n")[:-1]
    if not signature_lines or len(signature_lines) > MAX_SIGNATURES:
        raise CheckpointError(f"a checkpoint needs 1 to {MAX_SIGNATURES} signature lines")
    return Checkpoint(
        note[: split + 1], origin, int(size_text), root, tuple(map(_signature, signature_lines))
    )


def _signature(line: str) -> NoteSignature:
    if not line.startswith(SIGNATURE_PREFIX):
        raise CheckpointError(f"signature line {line[:40]!r} does not start with '— '")
    name, space, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise CheckpointError(f"signature line {line[:40]!r} has no signature")
    try:
        raw = b64_decode(encoded, f"signature by {name}")
    except Base64Error as exc:
        raise CheckpointError(str(exc)) from exc
    if len(raw) <= KEY_ID_BYTES:
        raise CheckpointError(f"signature by {name} is too short")
    return NoteSignature(_check_name(name), raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES:])


def open_checkpoint(
    text: str, verify_key: VerifyKey, origin: str, name: str | None = None
) -> tuple[int, bytes]:
    """Return (size, root) of a checkpoint of log ``origin`` signed by ``verify_key``.

    Raises WrongLogError for another log's checkpoint (origin or key mismatch) and
    CheckpointError for a malformed or forged one.
    """
    checkpoint = parse_checkpoint(text)
    if checkpoint.origin != origin:
        raise WrongLogError(
            f"checkpoint is for log {checkpoint.origin!r}, not {origin!r}: a different log"
        )
    checkpoint.verify(verify_key, name)
    return checkpoint.size, checkpoint.root


def audit(
    old_note: str,
    new_note: str,
    proof: Sequence[bytes],
    key: VerifyKey,
    origin: str,
    name: str | None = None,
) -> tuple[int, bytes]:
    """Check that ``new_note`` extends ``old_note`` append-only; returns the new (size, root).

    This is what a monitor or witness does with each new checkpoint: a ProofError means
    the log was rewritten (or someone forged the proof).
    """
    old_size, old_root = open_checkpoint(old_note, key, origin, name)
    new_size, new_root = open_checkpoint(new_note, key, origin, name)
    verify_consistency(old_size, new_size, old_root, new_root, proof)
    return new_size, new_root
