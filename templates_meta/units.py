"""The units carbon data is written in, with their dimensions and exact conversions.

Conversions are Decimal so that a value declared as "12.5 t" stays exact when shown
in kg; accounting turns the factor into a float once, for a whole array.
"""

from dataclasses import dataclass
from decimal import Decimal

from templates_meta.errors import UnitError


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str
    dimension: str
    factor: Decimal  # how many of the dimension's base unit one of this unit is
    zh: str
    en: str


def _u(symbol: str, dimension: str, factor: str, zh: str, en: str) -> Unit:
    return Unit(symbol, dimension, Decimal(factor), zh, en)


_UNITS = [
    # mass, base kg
    _u("g", "mass", "0.001", "克", "gram"),
    _u("kg", "mass", "1", "千克", "kilogram"),
    _u("t", "mass", "1000", "吨", "tonne"),
    _u("10k t", "mass", "10000000", "万吨", "ten thousand tonnes"),
    # energy, base MJ
    _u("MJ", "energy", "1", "兆焦", "megajoule"),
    _u("GJ", "energy", "1000", "吉焦", "gigajoule"),
    _u("TJ", "energy", "1000000", "太焦", "terajoule"),
    _u("kWh", "energy", "3.6", "千瓦时", "kilowatt hour"),
    _u("MWh", "energy", "3600", "兆瓦时", "megawatt hour"),
    _u("GWh", "energy", "3600000", "吉瓦时", "gigawatt hour"),
    _u("10k kWh", "energy", "36000", "万千瓦时", "ten thousand kilowatt hours"),
    _u("tce", "energy", "29307.6", "吨标准煤", "tonne of coal equivalent"),
    _u("kgce", "energy", "29.3076", "千克标准煤", "kilogram of coal equivalent"),
    # volume, base m3
    _u("L", "volume", "0.001", "升", "litre"),
    _u("m3", "volume", "1", "立方米", "cubic metre"),
    _u("Nm3", "volume", "1", "标准立方米", "normal cubic metre"),
    _u("10k Nm3", "volume", "10000", "万标准立方米", "ten thousand normal cubic metres"),
    # area, base m2
    _u("m2", "area", "1", "平方米", "square metre"),
    # length, base m
    _u("mm", "length", "0.001", "毫米", "millimetre"),
    _u("m", "length", "1", "米", "metre"),
    _u("km", "length", "1000", "千米", "kilometre"),
    # power, base kW
    _u("W", "power", "0.001", "瓦", "watt"),
    _u("kW", "power", "1", "千瓦", "kilowatt"),
    _u("MW", "power", "1000", "兆瓦", "megawatt"),
    # emissions (CO2 equivalent mass), base kgCO2e
    _u("gCO2e", "emissions", "0.001", "克二氧化碳当量", "gram CO2 equivalent"),
    _u("kgCO2e", "emissions", "1", "千克二氧化碳当量", "kilogram CO2 equivalent"),
    _u("tCO2e", "emissions", "1000", "吨二氧化碳当量", "tonne CO2 equivalent"),
    _u("kgCO2", "emissions", "1", "千克二氧化碳", "kilogram CO2"),
    _u("tCO2", "emissions", "1000", "吨二氧化碳", "tonne CO2"),
    # currency, base CNY
    _u("CNY", "currency", "1", "元", "yuan"),
    _u("10k CNY", "currency", "10000", "万元", "ten thousand yuan"),
    # transport work, base tkm
    _u("tkm", "transport", "1", "吨公里", "tonne kilometre"),
    # time, base s
    _u("s", "time", "1", "秒", "second"),
    _u("min", "time", "60", "分钟", "minute"),
    _u("h", "time", "3600", "小时", "hour"),
    # data transfer, base megabit second (a PACT declared unit)
    _u("Mbit s", "data transfer", "1", "兆比特秒", "megabit second"),
    # counts and ratios
    _u("piece", "count", "1", "件", "piece"),
    _u("%", "ratio", "0.01", "百分比", "percent"),
    _u("1", "ratio", "1", "无量纲", "dimensionless"),
]

UNITS: dict[str, Unit] = {unit.symbol: unit for unit in _UNITS}

PACT_DECLARED_UNITS: dict[str, str] = {
    "liter": "L",
    "kilogram": "kg",
    "cubic meter": "m3",
    "kilowatt hour": "kWh",
    "megajoule": "MJ",
    "ton kilometer": "tkm",
    "square meter": "m2",
    "piece": "piece",
    "hour": "h",
    "megabit second": "Mbit s",
}
"""PACT's declaredUnitOfMeasurement names (product-footprint 2.x) and the unit each one is,
so that a supply chain mixing 1.x and 2.x records converts input quantities alike."""


def unit(symbol: str) -> Unit:
    try:
        return UNITS[symbol]
    except KeyError:
        raise UnitError(f"unknown unit {symbol!r}; known units: {', '.join(UNITS)}") from None


def dimension_of(symbol: str) -> str:
    return unit(symbol).dimension


def conversion_factor(from_unit: str, to_unit: str) -> Decimal:
    """The number to multiply a value in ``from_unit`` by to express it in ``to_unit``."""
    source, target = unit(from_unit), unit(to_unit)
    if source.dimension != target.dimension:
        raise UnitError(
            f"cannot convert {from_unit} ({source.dimension}) to {to_unit} ({target.dimension})"
        )
    return source.factor / target.factor


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    return value * conversion_factor(from_unit, to_unit)


def require_dimension(symbol: str, dimension: str, *, field: str = "value") -> None:
    """Refuse a unit that does not measure ``dimension`` (for example kWh for a mass)."""
    found = dimension_of(symbol)
    if found != dimension:
        raise UnitError(f"{field}: unit {symbol} measures {found}, expected {dimension}")
