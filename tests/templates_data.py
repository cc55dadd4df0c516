"""A sample enterprise extension of the steel template, shared by the template tests."""

from typing import Any

STEEL = "88.101/tpl.steel@1.0.0"


def coil_extension(prefix: str = "88.101.8", **changes: Any) -> dict[str, Any]:
    """The JSON document of ``PREFIX/tpl.coil@1.0.0``, adding a coil width to steel."""
    document: dict[str, Any] = {
        "id": f"{prefix}/tpl.coil",
        "version": "1.0.0",
        "layer": "enterprise",
        "extends": STEEL,
        "title": {"zh": "钢卷", "en": "Steel coil"},
        "fields": [
            {
                "name": "coil_width",
                "index": 3000,
                "type": "quantity",
                "unit": "mm",
                "min": "0",
                "labels": {"zh": "卷宽", "en": "Coil width"},
            }
        ],
    }
    document.update(changes)
    return document
