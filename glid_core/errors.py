"""The root of glid's exception tree, and the errors of the base layer.

Every error glid raises on purpose derives from :class:`GlidError`, so the CLI and the
daemon can turn any of them into a clear message without catching bugs by accident.
Each subclass's docstring is its default message; the code that raises one passes a
message naming the offending input, the part of it that is wrong and what would be
accepted, so an operator reading a bulk-import log can fix the line without reading the
source.
"""


class GlidError(Exception):
    """glid could not complete the operation."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class EncodingError(GlidError, ValueError):
    """A value cannot be put in canonical form."""


# --- identifiers -------------------------------------------------------------------------


class IdentifierError(GlidError, ValueError):
    """An identifier or prefix is malformed; expected PREFIX/SUFFIX such as 88.118/coil-1."""


class PrefixError(IdentifierError):
    """A prefix is malformed; use dot-separated ASCII segments such as 88.118.8."""


class EmptyIdentifier(IdentifierError):
    """The identifier is empty; expected PREFIX/SUFFIX such as 88.118/coil-1."""


class MissingSlash(IdentifierError):
    """The identifier has no '/' between its prefix and suffix."""


class EmptyPrefix(PrefixError):
    """The prefix is empty; expected dot-separated segments such as 88.118."""


class EmptySuffix(IdentifierError):
    """The suffix after '/' is empty."""


class BadPrefixSegment(PrefixError):
    """A prefix segment is empty or holds a character outside a-z, 0-9, '_' and '-'."""


class ControlCharacter(IdentifierError):
    """The suffix holds a control, format or line-separator character."""


class NotUtf8(IdentifierError):
    """The identifier's bytes are not valid UTF-8."""


class TooLong(IdentifierError):
    """An identifier or one of its parts is longer than its limit."""


class SegmentTooLong(TooLong, PrefixError):
    """A prefix segment is longer than 63 characters."""


class TooManySegments(TooLong, PrefixError):
    """A prefix has more than 16 segments."""


class PrefixTooLong(TooLong, PrefixError):
    """A prefix is longer than 255 bytes."""


class SuffixTooLong(TooLong):
    """A suffix is longer than 1024 UTF-8 bytes."""
