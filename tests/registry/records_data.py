"""Sample record values for registry tests."""

from typing import Any

PRODUCT_TEMPLATE = "88/tpl.product@1.0.0"


def product_values(name: str = "hot-rolled coil", url: str = "https://example.com/p") -> list[Any]:
    """A record following the built-in base product template (two required fields)."""
    return [
        {"index": 1, "type": "URL", "data": {"format": "string", "value": url}},
        {
            "index": 1001,
            "type": "TEMPLATE",
            "data": {"format": "string", "value": PRODUCT_TEMPLATE},
        },
        {"index": 2000, "type": "product_name", "data": {"format": "string", "value": name}},
        {"index": 2001, "type": "manufacturer", "data": {"format": "string", "value": "Mill Co."}},
    ]


def line(handle: str, values: list[Any] | None = None) -> dict[str, Any]:
    return {"handle": handle, "values": values if values is not None else product_values()}
