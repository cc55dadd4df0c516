"""Sample record values for registry tests."""

from typing import Any


def product_values(name: str = "hot-rolled coil", url: str = "https://example.com/p") -> list[Any]:
    return [
        {"index": 1, "type": "URL", "data": {"format": "string", "value": url}},
        {"index": 2000, "type": "product_name", "data": {"format": "string", "value": name}},
    ]


def line(handle: str, values: list[Any] | None = None) -> dict[str, Any]:
    return {"handle": handle, "values": values if values is not None else product_values()}
