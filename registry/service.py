"""Assembles the write path of a node: its signer, template checker and transparency log.

The CLI and the daemon both call :func:`registrar`, so a record registered either way is
validated, signed and logged by exactly the same code. :func:`prepare` brings what the
write path keeps current up to date when a writable node starts, so that reads never
have to write.
"""

from registry import revocations
from registry.devices import DeviceVerifier
from registry.evidence import refresh_checkpoint, refresh_statements
from registry.keyring import NodeSigner
from registry.log import NodeLog
from registry.registration import Registrar
from registry.store import Store
from registry.template_catalog import TemplateCatalog


def registrar(store: Store, passphrase: bytes) -> Registrar:
    signer = NodeSigner(store, passphrase)
    return Registrar(
        store,
        signer=signer,
        templates=TemplateCatalog.open(store),
        # Unlocked now (Argon2id is slow on purpose), not on the first write a client waits for.
        log=NodeLog(store, signer.authority_key()),
        devices=DeviceVerifier(store),
    )


def prepare(store: Store, passphrase: bytes | None) -> None:
    """Install missing built-in templates and, with the key unlocked, sign a checkpoint if
    the stored one does not cover the log (a store from before checkpoints were signed on
    write) and the newest-version statements if they are half-way to expiry. Run by the
    daemon at start on a writable store."""
    TemplateCatalog.open(store)
    if passphrase is not None:
        refresh_checkpoint(store, passphrase)
        refresh_statements(store, passphrase)


def keep_current(store: Store, passphrase: bytes | None) -> None:
    """Re-issue what expires even when nothing is written: the node's revocation list and
    (with the key unlocked) its newest-version statements, each past half its life. Run by
    the daemon's timer on its writer thread."""
    revocations.refresh(store, passphrase)
    if passphrase is not None and not store.read_only:
        refresh_statements(store, passphrase)
