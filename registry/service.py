"""Assembles the write path of a node: its signer, template checker and transparency log.

The CLI and the daemon both call :func:`registrar`, so a record registered either way is
validated, signed and logged by exactly the same code.
"""

from registry.devices import DeviceVerifier
from registry.keyring import NodeSigner
from registry.log import NodeLog
from registry.registration import Registrar
from registry.store import Store
from registry.template_catalog import TemplateCatalog


def registrar(store: Store, passphrase: bytes) -> Registrar:
    return Registrar(
        store,
        signer=NodeSigner(store, passphrase),
        templates=TemplateCatalog.open(store),
        log=NodeLog(store),
        devices=DeviceVerifier(store),
    )
