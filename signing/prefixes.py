"""Prefix arithmetic for trust decisions: canonical form, subtrees and direct children.

The registry has its own full identifier type; signing keeps only what a verifier needs
to decide whether a certificate may speak for a prefix, so it stays free of imports.
"""

import re
from functools import lru_cache

from signing.errors import PrefixError

MAX_PREFIX_LENGTH = 128
_PREFIX = re.compile(r"[0-9a-z_-]+(\.[0-9a-z_-]+)*")


def normalise_prefix(text: str) -> str:
    """Return the canonical (lower-case) prefix or raise PrefixError naming the input."""
    if not isinstance(text, str) or not text.isascii():
        raise PrefixError(f"prefix {text!r} is not an ASCII string")
    if len(text) > MAX_PREFIX_LENGTH:
        raise _malformed(text)
    # A node or resolver sees the same few prefixes on every record it handles; the length
    # check above bounds what the cache can hold.
    return _normalise_ascii(str(text))


@lru_cache(maxsize=4096)
def _normalise_ascii(text: str) -> str:
    lowered = text.lower()
    if _PREFIX.fullmatch(lowered) is None:
        raise _malformed(text)
    return lowered


def _malformed(text: str) -> PrefixError:
    return PrefixError(
        f"prefix {text!r} is malformed; use dot-separated segments of letters, digits,"
        f" '-' or '_' (at most {MAX_PREFIX_LENGTH} characters), e.g. 88.118.8"
    )


def require_canonical(text: object, what: str) -> str:
    """Accept only an already canonical prefix: signed claims have one spelling."""
    if not isinstance(text, str):
        raise PrefixError(f"{what} must be a prefix string")
    if normalise_prefix(text) != text:
        raise PrefixError(f"{what} {text!r} is not in canonical lower-case form")
    return text


def is_within(prefix: str, subtree: str) -> bool:
    """True when ``prefix`` is ``subtree`` itself or lies anywhere below it."""
    return prefix == subtree or prefix.startswith(subtree + ".")


def is_direct_child(parent: str, child: str) -> bool:
    """True when ``child`` is exactly one segment below ``parent`` (88 → 88.118)."""
    return child.startswith(parent + ".") and "." not in child[len(parent) + 1 :]


def prefix_of(handle: str) -> str:
    """The lower-cased prefix part of ``PREFIX/SUFFIX``."""
    prefix, slash, _ = handle.partition("/")
    if not slash:
        raise PrefixError(f"identifier {handle!r} has no '/' between prefix and suffix")
    return normalise_prefix(prefix)
