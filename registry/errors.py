"""Errors raised by the registry: coding schemes, the store and its services.

Identifier and prefix errors are the base layer's (glid_core.errors).

Each class's docstring is its default message; the code that raises one passes a message
naming the offending input, the part of it that is wrong and what would be accepted, so an
operator reading a bulk-import log can fix the line without reading the source.
"""

from glid_core.errors import GlidError, IdentifierError


class RegistryError(GlidError):
    """The registry could not complete the operation."""


# --- coding schemes ----------------------------------------------------------------------


class SchemeError(IdentifierError):
    """A code written in another coding scheme is malformed."""


class UnknownScheme(SchemeError):
    """The text is not written in any registered coding scheme."""


class BadHandle(SchemeError):
    """A Handle is malformed."""


class BadOid(SchemeError):
    """An OID is malformed."""


class BadEcode(SchemeError):
    """An Ecode is malformed."""


class BadGtin(SchemeError):
    """A GTIN is malformed."""


class BadCheckDigit(BadGtin):
    """A GTIN's check digit does not match its other digits."""


class BadDigitalLink(SchemeError):
    """A GS1 Digital Link URI is malformed."""


class BadPrivateCode(SchemeError):
    """An enterprise-private code is malformed."""


class NotInScheme(SchemeError):
    """A canonical identifier does not lie under the home prefix of the scheme asked for."""


# --- the node store and records ----------------------------------------------------------


class StoreError(RegistryError):
    """The node store cannot be used."""


class NotANode(StoreError):
    """The directory is not a glid node; create one with `glid init`."""


class NodeExists(StoreError):
    """The directory already holds a glid node."""


class RecordError(RegistryError, ValueError):
    """A record or one of its values is malformed."""


class DamagedRecord(RecordError):
    """A stored record version cannot be read back as it was accepted; run `glid check`."""


class NotFound(RegistryError, LookupError):
    """No such identifier, version or prefix on this node."""


class OutsidePrefix(RegistryError, PermissionError):
    """The identifier lies outside every prefix this node is authoritative for."""


class Unauthorised(RegistryError, PermissionError):
    """The caller may not write there."""


class Unauthenticated(RegistryError, PermissionError):
    """The request carries no valid credentials."""


class Conflict(RegistryError):
    """The request conflicts with one this node already holds."""


class StoreUnavailable(StoreError):
    """The node store failed to run a statement (locked, full, damaged); try again."""


class StoreReadOnly(StoreError):
    """The store is open read-only; this node serves reads only."""
