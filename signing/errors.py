"""The root of glid's exception tree.

Every error glid raises on purpose derives from :class:`GlidError`, so the CLI and the
daemon can turn any of them into a clear message without catching bugs by accident.
Each subclass's docstring is its default message.
"""


class GlidError(Exception):
    """glid could not complete the operation."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class EncodingError(GlidError, ValueError):
    """A value cannot be put in canonical form."""


class SignatureError(GlidError, ValueError):
    """A signature was forged, corrupt or made by the wrong key."""
