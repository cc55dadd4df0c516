"""Errors about templates, their fields and units.

Every class here is a :class:`TemplateError`, so a caller that registers records or
stores templates can catch one type; the leaves say exactly which rule failed, so an
operator reading the message knows which file or field to change.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from glid_core.errors import GlidError

if TYPE_CHECKING:
    from templates_meta.validate import FieldError


class TemplateError(GlidError, ValueError):
    """A template or a value checked against it is not acceptable."""


class UnitError(TemplateError):
    """A unit is unknown or of the wrong dimension."""


class InvalidTemplate(TemplateError):
    """A template document does not follow the template format (docs/formats/templates.md)."""


class UnknownTemplate(TemplateError, LookupError):
    """No template is known under that ID@VERSION; install or propose it first."""


class TemplateCycle(TemplateError):
    """The `extends` chain of a template comes back to itself."""


class InvalidExtension(TemplateError):
    """A template extends its parent in a way the inheritance rules forbid."""


class LayerNotAllowed(InvalidExtension):
    """A template extends a template of a layer it may not extend."""


class ConstraintLoosened(InvalidExtension):
    """An extension loosens a constraint of an inherited field; it may only tighten it."""


class FieldConflict(InvalidExtension):
    """An extension redefines an inherited field's index, name, type or unit dimension."""


class TemplateImmutable(TemplateError):
    """A different template body is already stored under this ID@VERSION; publish a new version."""


class RecordInvalid(TemplateError):
    """A record's values do not follow its template."""

    def __init__(self, errors: Sequence["FieldError"], ref: str | None = None) -> None:
        self.errors = list(errors)
        self.ref = ref
        about = f" of template {ref}" if ref else ""
        lines = "\n".join(f"  - {error}" for error in self.errors)
        count = len(self.errors)
        super().__init__(
            f"record does not follow the fields{about} ({count} error{'s' if count != 1 else ''}):"
            f"\n{lines}"
        )


class ReviewError(TemplateError):
    """A template review step is not allowed."""


class NotReviewer(ReviewError):
    """This node may not decide on that template; its reviewer is another node."""


class AlreadyDecided(ReviewError):
    """The template review was already decided."""


class ReasonRequired(ReviewError):
    """A rejection must say why, so the proposer can fix the template."""


class InvalidTransition(ReviewError):
    """The template review is not in a state that allows this step."""


class WrongLayerPrefix(ReviewError):
    """A template's id prefix does not fit its layer in the node hierarchy."""
