"""Errors raised while computing emissions, footprints, grades and projections.

Each names what failed (the source, identifier, field or factor) and what to do about
it, because an accounting number that is silently wrong is worse than none.
"""

from glid_core.errors import GlidError


class AccountingError(GlidError, ValueError):
    """An emission, footprint or grade could not be computed."""


class UnknownFactorError(AccountingError):
    """No emission factor or parameter is known for this key; add an override or fix the key."""


class UnknownFuelError(UnknownFactorError):
    """The fuel is not in the factor library; use a known fuel code or override its parameters."""


class ActivityDataError(AccountingError):
    """Activity data is malformed: a quantity is negative, not finite, or of the wrong unit."""


class PeriodMismatchError(AccountingError):
    """Data or a factor belongs to a different reference period than the calculation."""


class FieldError(AccountingError):
    """A record or file field is missing or has a value that cannot be read."""


class UnresolvedInputError(AccountingError):
    """A supply-chain input could not be resolved and no secondary factor covers it."""


class UnverifiedInputError(AccountingError):
    """A supply-chain input's record did not pass verification."""


class CycleNotSolvableError(AccountingError):
    """A supply-chain cycle has no finite footprint (its matrix is singular or diverges)."""


class BenchmarkError(UnknownFactorError):
    """No carbon-efficiency benchmark is known for this industry code and year."""


class ZeroValueAddedError(AccountingError):
    """Value added is zero or negative, so carbon intensity per value added is undefined."""
