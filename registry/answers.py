"""A stored version as the Handle.Net REST API shows it.

The node signs values at registration but keeps the signature beside the record; an
answer re-attaches it as the GLID_SIGNATURE value at index 400 so that any Handle client sees
it, and a filtered answer (``index=`` / ``type=``) keeps it so the subset still verifies.
"""

from collections.abc import Iterable
from typing import Any

from glid_core.layout import SIGNATURE_INDEX, SIGNATURE_TYPE
from registry.records import filter_values
from registry.store.versions import StoredVersion

RESPONSE_SUCCESS = 1


def signature_value(stored: StoredVersion) -> dict[str, Any]:
    return {
        "index": SIGNATURE_INDEX,
        "type": SIGNATURE_TYPE,
        "data": {"format": "string", "value": stored.signature},
        "ttl": 86400,
        "timestamp": stored.created_at,
    }


def answer_values(
    stored: StoredVersion, *, indexes: Iterable[int] = (), types: Iterable[str] = ()
) -> list[dict[str, Any]]:
    values = filter_values(stored.values(), indexes=indexes, types=types)
    if stored.signature is not None:
        values = [*values, signature_value(stored)]
        values.sort(key=lambda value: value["index"])
    return [dict(value) for value in values]


def handle_answer(
    stored: StoredVersion, *, indexes: Iterable[int] = (), types: Iterable[str] = ()
) -> dict[str, Any]:
    """The Handle REST body ``{"responseCode": 1, "handle": ..., "values": [...]}``."""
    return {
        "responseCode": RESPONSE_SUCCESS,
        "handle": stored.handle,
        "values": answer_values(stored, indexes=indexes, types=types),
    }
