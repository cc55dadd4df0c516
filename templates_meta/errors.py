"""Errors about templates, their fields and units."""

from signing.errors import GlidError


class TemplateError(GlidError, ValueError):
    """A template or a value checked against it is not acceptable."""


class UnitError(TemplateError):
    """A unit is unknown or of the wrong dimension."""
