"""Errors raised by the registry: identifiers, coding schemes, the store and its services.

Each class's docstring is its default message; the code that raises one passes a message
naming the offending input, the part of it that is wrong and what would be accepted, so an
operator reading a bulk-import log can fix the line without reading the source.
"""

from signing.errors import GlidError


class RegistryError(GlidError):
    """The registry could not complete the operation."""


# --- identifiers -------------------------------------------------------------------------


class IdentifierError(RegistryError, ValueError):
    """An identifier or prefix is malformed; expected PREFIX/SUFFIX such as 88.118/coil-1."""


class EmptyIdentifier(IdentifierError):
    """The identifier is empty; expected PREFIX/SUFFIX such as 88.118/coil-1."""


class MissingSlash(IdentifierError):
    """The identifier has no '/' between its prefix and suffix."""


class EmptyPrefix(IdentifierError):
    """The prefix is empty; expected dot-separated segments such as 88.118."""


class EmptySuffix(IdentifierError):
    """The suffix after '/' is empty."""


class BadPrefixSegment(IdentifierError):
    """A prefix segment is empty or holds a character outside a-z, 0-9, '_' and '-'."""


class ControlCharacter(IdentifierError):
    """The suffix holds a control, format or line-separator character."""


class NotUtf8(IdentifierError):
    """The identifier's bytes are not valid UTF-8."""


class TooLong(IdentifierError):
    """An identifier or one of its parts is longer than its limit."""


class SegmentTooLong(TooLong):
    """A prefix segment is longer than 63 characters."""


class TooManySegments(TooLong):
    """A prefix has more than 16 segments."""


class PrefixTooLong(TooLong):
    """A prefix is longer than 255 bytes."""


class SuffixTooLong(TooLong):
    """A suffix is longer than 1024 UTF-8 bytes."""


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
