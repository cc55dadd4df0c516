"""Private keys at rest: a passphrase-encrypted JSON file, written atomically, mode 0600.

The seed is sealed with libsodium's secretbox (XSalsa20-Poly1305) under a key derived
from the passphrase with Argon2id at libsodium's INTERACTIVE limits. A wrong passphrase
and a tampered file both fail authentication, so neither can yield a different key.
"""

import getpass
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.utils

from signing.b64 import b64url_decode, b64url_encode
from signing.errors import (
    Base64Error,
    KeyFileError,
    PassphraseRequiredError,
    WrongPassphraseError,
)
from signing.keys import KEY_BYTES, SigningKey

FORMAT = "glid-key-v1"
PASSPHRASE_ENV = "GLID_PASSPHRASE"
DEVICE_PASSPHRASE_ENV = "GLID_DEVICE_PASSPHRASE"
OPSLIMIT_FLOOR = 2
MEMLIMIT_FLOOR = 19 * 1024 * 1024
"""The weakest Argon2id a key file may ask for: OWASP's minimum (m = 19 MiB, t = 2). Files
are written at libsodium's INTERACTIVE limits (t = 2, m = 64 MiB), above it."""
_KDF = nacl.pwhash.argon2id


def _derive(passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    key: bytes = _KDF.kdf(
        nacl.secret.SecretBox.KEY_SIZE, passphrase, salt, opslimit=opslimit, memlimit=memlimit
    )
    return key


def save_signing_key(path: str | os.PathLike[str], key: SigningKey, passphrase: bytes) -> None:
    """Encrypt ``key`` under ``passphrase`` and replace ``path`` atomically (mode 0600)."""
    if not passphrase:
        raise KeyFileError(f"refusing to write {path} with an empty passphrase")
    salt = nacl.utils.random(_KDF.SALTBYTES)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    opslimit, memlimit = _KDF.OPSLIMIT_INTERACTIVE, _KDF.MEMLIMIT_INTERACTIVE
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    ciphertext = box.encrypt(key.seed, nonce).ciphertext
    document = {
        "format": FORMAT,
        "kid": key.kid,
        "kdf": {"alg": "argon2id", "opslimit": opslimit, "memlimit": memlimit},
        "salt": b64url_encode(salt),
        "nonce": b64url_encode(nonce),
        "ciphertext": b64url_encode(ciphertext),
    }
    _write_private(Path(path), json.dumps(document, indent=2, sort_keys=True) + "\n")


def _write_private(path: Path, text: str) -> None:
    # Write a sibling temporary file created 0600, flush it to disk, then rename it over
    # the target: a crash leaves either the old file or the new one, never a torn key.
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise KeyFileError(f"cannot create a key file in {directory}: {exc}") from exc
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise KeyFileError(f"cannot write key file {path}: {exc}") from exc


def load_signing_key(path: str | os.PathLike[str], passphrase: bytes) -> SigningKey:
    """Decrypt the key in ``path``; errors name the file and say what to check."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"key file {path} is not JSON: {exc}") from exc
    salt, nonce, ciphertext, opslimit, memlimit, kid = _fields(path, document)
    box = nacl.secret.SecretBox(_derive(passphrase, salt, opslimit, memlimit))
    try:
        seed = box.decrypt(ciphertext, nonce)
    except nacl.exceptions.CryptoError as exc:
        raise WrongPassphraseError(
            f"the passphrase does not open key file {path} (or the file was altered);"
            f" check {PASSPHRASE_ENV}"
        ) from exc
    if len(seed) != KEY_BYTES:
        raise KeyFileError(f"key file {path} does not hold a {KEY_BYTES}-byte Ed25519 seed")
    key = SigningKey.from_seed(seed)
    if key.kid != kid:
        raise KeyFileError(f"key file {path} names kid {kid} but holds key {key.kid}")
    return key


def _fields(
    path: str | os.PathLike[str], document: Any
) -> tuple[bytes, bytes, bytes, int, int, str]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a {FORMAT} key file")
    kdf = document.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("alg") != "argon2id":
        raise KeyFileError(f"key file {path}: kdf must be argon2id")
    opslimit, memlimit = kdf.get("opslimit"), kdf.get("memlimit")
    # Ceilings stop a crafted file from demanding unbounded memory or time.
    # Floors stop a crafted file from making a guessed passphrase cheap to test.
    if not (isinstance(opslimit, int) and OPSLIMIT_FLOOR <= opslimit <= _KDF.OPSLIMIT_SENSITIVE):
        raise KeyFileError(
            f"key file {path}: kdf opslimit {opslimit!r} is outside"
            f" {OPSLIMIT_FLOOR}..{_KDF.OPSLIMIT_SENSITIVE}"
        )
    if not (isinstance(memlimit, int) and MEMLIMIT_FLOOR <= memlimit <= _KDF.MEMLIMIT_SENSITIVE):
        raise KeyFileError(
            f"key file {path}: kdf memlimit {memlimit!r} is outside"
            f" {MEMLIMIT_FLOOR}..{_KDF.MEMLIMIT_SENSITIVE} bytes"
        )
    kid = document.get("kid")
    if not isinstance(kid, str):
        raise KeyFileError(f"key file {path}: kid is missing")
    try:
        salt = b64url_decode(document.get("salt"), "salt")  # type: ignore[arg-type]
        nonce = b64url_decode(document.get("nonce"), "nonce")  # type: ignore[arg-type]
        ciphertext = b64url_decode(document.get("ciphertext"), "ciphertext")  # type: ignore[arg-type]
    except Base64Error as exc:
        raise KeyFileError(f"key file {path}: {exc}") from exc
    if len(salt) != _KDF.SALTBYTES or len(nonce) != nacl.secret.SecretBox.NONCE_SIZE:
        raise KeyFileError(f"key file {path}: salt or nonce has the wrong length")
    return salt, nonce, ciphertext, opslimit, memlimit, kid


def passphrase(env: str = PASSPHRASE_ENV, prompt: str = "Key passphrase: ") -> bytes:
    """A passphrase from the variable ``env`` (the node's $GLID_PASSPHRASE unless a device's
    is asked for), else a prompt when stdin is a terminal."""
    from_env = os.environ.get(env)
    if from_env is not None:
        if not from_env:
            raise PassphraseRequiredError(f"{env} is set but empty; set a passphrase")
        return from_env.encode("utf-8")
    if sys.stdin is not None and sys.stdin.isatty():
        typed = getpass.getpass(prompt)
        if not typed:
            raise PassphraseRequiredError(
                "an empty passphrase was typed; enter the key's passphrase"
            )
        return typed.encode("utf-8")
    raise PassphraseRequiredError(
        f"no passphrase: set {env} in the environment (stdin is not a terminal,"
        " so glid cannot prompt)"
    )


def device_passphrase() -> bytes:
    """A device key's own passphrase ($GLID_DEVICE_PASSPHRASE, else a prompt): never the
    node's, so a terminal holds nothing that unlocks the node's keys."""
    return passphrase(DEVICE_PASSPHRASE_ENV, "Device key passphrase: ")
