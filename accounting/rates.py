"""Rate units such as ``GJ/t`` or ``tCO2/MWh``: a numerator unit per a denominator unit.

The unit registry knows simple units; factors are ratios of two of them. Converting a
rate is converting each side, so a factor quoted in kgCO2/kWh and one in tCO2/MWh are
the same number only after both sides are checked and scaled.
"""

from decimal import Decimal
from functools import lru_cache

from templates_meta.errors import UnitError
from templates_meta.units import conversion_factor, unit


def split(rate: str) -> tuple[str, str]:
    """Split ``"GJ/10k Nm3"`` into ``("GJ", "10k Nm3")``; refuse anything else."""
    numerator, sep, denominator = rate.partition("/")
    if not sep or not numerator or not denominator:
        raise UnitError(f"rate unit {rate!r} must be written NUMERATOR/DENOMINATOR")
    unit(numerator)
    unit(denominator)
    return numerator, denominator


@lru_cache(maxsize=4096)
def rate_factor(from_rate: str, to_rate: str) -> Decimal:
    """The number to multiply a rate in ``from_rate`` by to express it in ``to_rate``."""
    from_num, from_den = split(from_rate)
    to_num, to_den = split(to_rate)
    return conversion_factor(from_num, to_num) / conversion_factor(from_den, to_den)


@lru_cache(maxsize=4096)
def quantity_factor(from_unit: str, to_unit: str) -> Decimal:
    """Cached :func:`conversion_factor`, for hot loops over many records."""
    return conversion_factor(from_unit, to_unit)
