"""Errors of keys, signatures, certificates and logs, under the base layer's GlidError."""

from glid_core.errors import GlidError


class SignatureError(GlidError, ValueError):
    """A signature was forged, corrupt or made by the wrong key."""


class Base64Error(GlidError, ValueError):
    """A field is not canonical base64."""


class KeyFormatError(GlidError, ValueError):
    """A key is malformed; glid keys are Ed25519 in the documented JWK or key-file form."""


class KeyFileError(GlidError):
    """A key file cannot be read or written."""


class WrongPassphraseError(KeyFileError):
    """The passphrase does not open this key file; check GLID_PASSPHRASE."""


class PassphraseRequiredError(GlidError):
    """No passphrase is available: set GLID_PASSPHRASE or run the command from a terminal."""


class JWSFormatError(GlidError, ValueError):
    """A compact JWS is malformed; it must be three base64url parts with an EdDSA header."""


class CertificateError(GlidError, ValueError):
    """A certificate is malformed or grants something its issuer may not grant."""


class DelegationError(CertificateError):
    """A prefix may only be delegated by the node holding the prefix directly above it."""


class DelegationRequestError(GlidError, ValueError):
    """A delegation request is malformed or its proof of key possession does not verify."""


class TrustAnchorError(GlidError, ValueError):
    """A trust anchor is malformed; it must hold a prefix and an Ed25519 JWK."""


class RecordSignatureError(GlidError, ValueError):
    """A record signature is malformed."""


class DigestMismatchError(SignatureError):
    """A record value does not match the digest its signature covers."""


class RevocationError(GlidError, ValueError):
    """A revocation list is malformed."""


class MerkleError(GlidError, ValueError):
    """A transparency-log request is out of range."""


class ProofError(GlidError, ValueError):
    """A Merkle inclusion or consistency proof does not verify."""


class CheckpointError(GlidError, ValueError):
    """A checkpoint is malformed or its signature does not verify."""


class WrongLogError(CheckpointError):
    """A checkpoint comes from a different log: its origin or key does not match."""


class LatestStatementError(GlidError, ValueError):
    """A statement of an identifier's newest version is malformed."""
