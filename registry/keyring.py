"""The node's signing keys: created at init, encrypted at rest, picked per prefix.

Private keys live as files in ``DIR/keys/`` (signing.keyfile: Argon2id + secretbox, mode
0600); the store holds their public JWK, purpose and prefix, so a node can tell which key
signs for which prefix without decrypting anything.

Each prefix has one *authority key*: the key its parent certified (or, at the top node,
the trust anchor's key). It certifies the node's own working keys, delegations, devices,
revocation lists and log checkpoints, so it appears in every chain the node serves. A
rotation adds a *record-signing key*, certified by the authority key with ``sub == iss``
and perms ``sign``, and retires the previous record-signing key: "retired" means it signs
no new records; it stays in the store so the chains of its old signatures are still found
by kid.
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from glid_core.identifiers import Identifier, Prefix, owner_of
from registry.errors import NotFound, RegistryError
from registry.records import utc_timestamp
from registry.store import Store, Tables
from registry.store.keys import KeyEntry
from signing import keyfile
from signing.certificates import issue_signing_certificate, parse_certificate
from signing.keys import SigningKey
from signing.record_signature import sign_digests
from signing.timestamps import numeric_date

KEY_DIR = "keys"
CERTIFICATE_SLACK = timedelta(minutes=5)  # a new key's certificate starts this far back
CERTIFICATE_LIFETIME = timedelta(days=365)


class NotCertified(RegistryError):
    """This node's authority key has no certificate chain yet; install it with `glid accept`."""


def add_key(
    store: Store,
    tx: Tables,
    key: SigningKey,
    passphrase: bytes,
    *,
    prefix: str,
    purpose: str = "node",
    name: str | None = None,
    key_file: Path | None = None,
) -> KeyEntry:
    """Save ``key`` encrypted (under DIR/keys unless ``key_file``, a path inside DIR, is
    given) and record it in transaction ``tx``."""
    verify_key = key.verify_key
    path = key_file or store.directory / KEY_DIR / f"{verify_key.kid}.key"
    path.parent.mkdir(mode=0o700, exist_ok=True)
    keyfile.save_signing_key(path, key, passphrase)
    entry = KeyEntry(
        verify_key.kid,
        purpose,
        prefix,
        name,
        verify_key.to_jwk(),
        str(path.relative_to(store.directory)),
        None,
        utc_timestamp(),
        None,
    )
    tx.keys.add(entry)
    return entry


def decode_chain(text: str | None) -> list[str]:
    """A certificate chain as the store keeps it (a JSON array, top-down); [] for none."""
    return [] if not text else [str(token) for token in json.loads(text)]


def chain_of(entry: KeyEntry) -> list[str]:
    """The certificate chain (top-down) a key presents; [] for the trust anchor's key."""
    return decode_chain(entry.certificate)


def is_authority(entry: KeyEntry) -> bool:
    """Whether ``entry`` is a prefix's authority key rather than a key it certified itself."""
    chain = chain_of(entry)
    if entry.purpose != "node":
        return False
    if not chain:
        return True
    leaf = parse_certificate(chain[-1])
    return leaf.iss != leaf.sub


def active_key(tables: Tables, prefix: str, purpose: str = "node") -> KeyEntry:
    """The key that speaks for ``prefix``: its authority key (purpose node), retired from
    record signing or not, or the newest active key of another purpose."""
    for entry in tables.keys.of_prefix(prefix, purpose):
        if is_authority(entry) if purpose == "node" else entry.retired_at is None:
            return entry
    raise NotFound(f"no active {purpose} key for prefix {prefix}; create one with `glid keys`")


def signing_key(tables: Tables, prefix: str) -> KeyEntry:
    """The newest key of ``prefix`` that still signs records (the last one rotated in)."""
    entry = tables.keys.newest_signing(prefix)
    if entry is None:
        raise NotFound(f"no record-signing key for prefix {prefix}; run `glid keys rotate`")
    return entry


def record_certificate(tx: Tables, token: str) -> None:
    """Keep a certificate this node issued, so its kid can be looked up and revoked later."""
    cert = parse_certificate(token)
    tx.keys.add_certificate(cert.jti, cert.iss, cert.sub, cert.key.kid, token)


def validity_under(entry: KeyEntry, lifetime: timedelta) -> tuple[int, int]:
    """The window of a new certificate issued by the key ``entry``: from
    CERTIFICATE_SLACK ago for ``lifetime``, cut to the issuer's own certificate, because
    verifiers refuse a certificate that outlives the one vouching for its issuer."""
    start = numeric_date(datetime.now(UTC) - CERTIFICATE_SLACK)
    end = start + int(lifetime.total_seconds())
    chain = chain_of(entry)
    if chain:
        own = parse_certificate(chain[-1])
        start, end = max(start, own.nbf), min(end, own.exp)
    return start, end


def certify_own(
    store: Store, passphrase: bytes, prefix: str
) -> tuple[SigningKey, KeyEntry, tuple[int, int]]:
    """The authority key of ``prefix``, unlocked, with its entry and the validity window of
    a certificate it issues now (:func:`validity_under`).

    Refuses a node whose authority key has no chain yet, because anything it certified
    would not lead to the trust anchor.
    """
    authority = active_key(store, prefix)
    if authority.certificate is None and store.node.role != "top":
        raise NotCertified(
            f"the key of {prefix} has no certificate chain yet: send DIR/delegation-request.json"
            " to the parent and install its answer with `glid accept` first"
        )
    window = validity_under(authority, CERTIFICATE_LIFETIME)
    return load_private(store, authority, passphrase), authority, window


def rotate(store: Store, passphrase: bytes, prefix: str | None = None) -> KeyEntry:
    """Make a new record-signing key for ``prefix`` (default: the node's own) and retire
    the one it replaces; returns the new key's entry."""
    prefix = prefix or store.node.prefix
    issuer, authority, (start, end) = certify_own(store, passphrase, prefix)
    try:
        previous: str | None = signing_key(store, prefix).kid
    except NotFound:  # every key was revoked or retired: the new one simply takes over
        previous = None
    key = SigningKey.generate()
    token = issue_signing_certificate(
        issuer, prefix, key.verify_key, valid_from=start, valid_until=end
    )
    chain = [*chain_of(authority), token]
    with store.write() as tx:
        entry = add_key(store, tx, key, passphrase, prefix=prefix)
        tx.keys.set_certificate(key.kid, json.dumps(chain))
        record_certificate(tx, token)
        if previous is not None:
            tx.keys.retire(previous)
        tx.audit.add("cli", "rotate", prefix, {"kid": key.kid, "retired": previous})
    return store.keys.find(entry.kid)


def load_private(store: Store, entry: KeyEntry, passphrase: bytes) -> SigningKey:
    if entry.key_file is None:
        raise NotFound(f"key {entry.kid} has no private key file on this node")
    return keyfile.load_signing_key(Path(store.directory, entry.key_file), passphrase)


def require_unlockable(store: Store, passphrase: bytes) -> None:
    """Open the node's active key now, so that a node started with the wrong passphrase
    refuses to start (KeyFileError naming the key file) instead of serving until its first
    write or checkpoint fails."""
    load_private(store, active_key(store, store.node.prefix), passphrase)


class NodeSigner:
    """Signs each record with the newest record-signing key of the prefix that holds it.

    Unlocked keys are kept; a commit by another connection (``glid keys rotate`` while the
    daemon runs) changes the store's change mark, and the keys are looked up again.
    """

    def __init__(self, store: Store, passphrase: bytes) -> None:
        self.store = store
        self.passphrase = passphrase
        self._unlocked: dict[str, SigningKey] = {}
        self._change_mark = -1
        self._load()

    def _load(self) -> None:
        self._change_mark = self.store.change_mark()
        self._keys: dict[Prefix, str] = {}
        self._by_prefix: dict[Prefix, SigningKey] = {}
        self._signing_prefixes = [
            Prefix.from_text(text) for text in self.store.keys.signing_prefixes()
        ]

    def refresh(self) -> None:
        """Forget which key signs for which prefix if another connection changed the store."""
        if self.store.change_mark() != self._change_mark:
            self._load()

    def key_for(self, prefix: Prefix) -> SigningKey:
        # A bulk import signs thousands of records under one prefix: find its key once.
        key = self._by_prefix.get(prefix)
        if key is None:
            key = self._by_prefix[prefix] = self._find_key(prefix)
        return key

    def _find_key(self, prefix: Prefix) -> SigningKey:
        owner = owner_of(prefix, self._signing_prefixes)
        if owner is None:
            raise NotFound(f"this node holds no signing key for prefix {prefix}")
        kid = self._keys.get(owner)
        if kid is None:
            entry = signing_key(self.store, str(owner))
            kid = self._keys[owner] = entry.kid
            return self._unlock(entry)
        return self._unlocked[kid]

    def authority_key(self) -> SigningKey:
        """The node's authority key, which signs the log's checkpoints."""
        return self._unlock(active_key(self.store, self.store.node.prefix))

    def _unlock(self, entry: KeyEntry) -> SigningKey:
        """The private key of ``entry``, decrypted once (Argon2id is slow on purpose)."""
        key = self._unlocked.get(entry.kid)
        if key is None:
            key = self._unlocked[entry.kid] = load_private(self.store, entry, self.passphrase)
        return key

    def sign(self, handle: Identifier, version: int, digests: Mapping[str, str], at: int) -> str:
        return sign_digests(str(handle), version, digests, self.key_for(handle.prefix), at)
