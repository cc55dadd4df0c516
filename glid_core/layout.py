"""The record layout: which Handle index holds what, and the limits every layer enforces.

A record is a list of typed values (docs/formats/records.md). The index ranges follow the
Handle and IDIS conventions (DESIGN.md, "Records"); the limits bound what a node stores and
what a verifier accepts, so a record one layer takes is never refused by another.
"""

INDEX_URL = 1
INDEX_ADMIN = 100
SIGNATURE_INDEX = 400
"""Where the record's signature value sits (the 400–499 range of certificates and
signatures)."""
TEMPLATE_INDEX = 1001
"""The TEMPLATE value: the id and version of the template the record follows."""
FIRST_ITEM_INDEX = 2000
"""Indexes below this belong to the record machinery (admin, keys, signatures, 1001);
template fields take this index and above."""

SIGNATURE_TYPE = "GLID_SIGNATURE"
"""The type of the value carrying glid's record signature (docs/formats/signing.md §5)."""
LEGACY_SIGNATURE_TYPE = "HS_SIGNATURE"
"""The type name answers used before glid's value got its own (Handle's HS_SIGNATURE
carries a different payload); still read at index 400, never written."""
SIGNATURE_TYPES = frozenset({SIGNATURE_TYPE, LEGACY_SIGNATURE_TYPE})
TEMPLATE_TYPE = "TEMPLATE"

MAX_INDEX = 2**31 - 1
"""Largest index and TTL: a Handle index is a signed 32-bit integer on the Handle wire."""
MAX_VALUES = 1000
MAX_RECORD_BYTES = 1 << 20
MAX_FORMAT = 64
MAX_TYPE = 255
DEFAULT_TTL = 86400
