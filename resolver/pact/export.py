"""``glid pact export``: the PACT JSON of a footprint a buyer resolved and verified.

For buyers who exchange files rather than call APIs. The record is resolved through the
hierarchy from the trust anchor, like ``glid resolve``; a record that does not verify is
refused unless the caller accepts it knowingly, and the export then says so in the log
of the command, never silently.
"""

from typing import Any

from accounting.pact.mapping import envelope_for, to_pact
from glid_core.errors import GlidError
from registry.errors import NotFound
from resolver.resolution import Resolution


class UnverifiedFootprint(GlidError):
    """The record did not verify up to the trust anchor; it is not exported."""


def export_footprint(resolution: Resolution, *, allow_unverified: bool) -> dict[str, Any]:
    """The PACT ProductFootprint of a resolved record's current version."""
    answer = resolution.answer
    if resolution.status != "ok" or answer is None:
        raise NotFound(
            f"{resolution.handle} did not resolve ({resolution.status}"
            f"{': ' + resolution.error if resolution.error else ''})"
        )
    if not resolution.verified and not allow_unverified:
        failed = None if resolution.verdict is None else resolution.verdict.failed
        reason = "no verdict" if failed is None else f"{failed.name}: {failed.detail}"
        raise UnverifiedFootprint(
            f"{resolution.handle} failed verification ({reason}); pass --allow-unverified"
            " to export it anyway"
        )
    handle = answer["handle"]
    envelope = envelope_for(handle, answer["version"], answer["created_at"], current=True)
    return to_pact(handle, answer["values"], envelope)
