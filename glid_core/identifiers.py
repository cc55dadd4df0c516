"""Prefixes and identifiers: the names everything in glid is stored and resolved under.

An identifier is ``PREFIX/SUFFIX``. The prefix is a path down the delegation tree (``88`` is
the top node, ``88.118`` a secondary node, ``88.118.8`` an enterprise), so it is ASCII and
case-insensitive and kept lower-case, like a DNS name. The suffix is chosen by the
enterprise and may be any text, so it is case-sensitive UTF-8 in NFC, with the invisible
characters that make two different identifiers look the same refused.

Both types are immutable, validate in their constructor, and are cheap to build from text
because a bulk import parses hundreds of thousands of them: the common all-ASCII case is one
precompiled regex match, and recently seen prefixes are reused rather than re-parsed.
docs/formats/identifiers.md gives the grammar and limits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from functools import lru_cache
from typing import Any, NoReturn

from glid_core.errors import (
    BadPrefixSegment,
    ControlCharacter,
    EmptyIdentifier,
    EmptyPrefix,
    EmptySuffix,
    IdentifierError,
    MissingSlash,
    NotUtf8,
    PrefixTooLong,
    SegmentTooLong,
    SuffixTooLong,
    TooManySegments,
)

MAX_SEGMENT_CHARS = 63
MAX_SEGMENTS = 16
MAX_PREFIX_BYTES = 255
MAX_SUFFIX_BYTES = 1024
# Not checked on its own: it follows from the two part limits and the "/" between them, and
# is stated so that a reader of the wire form can size its buffers.
MAX_IDENTIFIER_BYTES = MAX_PREFIX_BYTES + 1 + MAX_SUFFIX_BYTES

# Explicit ASCII ranges: with re.IGNORECASE, [a-z] would also match the Kelvin sign U+212A,
# which lower-cases to "k" and would slip a non-ASCII prefix through.
_PREFIX_RE = re.compile(r"[A-Za-z0-9_-]{1,63}(?:\.[A-Za-z0-9_-]{1,63})*")
_SEGMENT_CHAR_RE = re.compile(r"[A-Za-z0-9_-]")

# Unicode categories refused in a suffix: Cc (C0/C1 controls, DEL), Cf (format characters:
# bidi overrides and isolates, zero-width space/joiners, soft hyphen, BOM), Cs (surrogates,
# which have no UTF-8 form), Zl and Zp (line and paragraph separators).
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

NA_SEGMENTS = ("0", "na")


def _refuse_change(self: object, name: str, value: object = None) -> NoReturn:
    raise AttributeError(f"{type(self).__name__} is immutable; cannot change {name!r}")


class Prefix:
    """A node's place in the delegation tree, e.g. ``88.118.8``; immutable and hashable.

    Ordering is by segments (compared as strings), so a prefix sorts directly before its
    descendants, as DNS canonical order keeps a zone's names together.
    """

    __slots__ = ("_segments", "_text")
    _text: str
    _segments: tuple[str, ...]

    def __init__(self, text: str) -> None:
        if (
            _PREFIX_RE.fullmatch(text) is None
            or len(text) > MAX_PREFIX_BYTES
            or text.count(".") >= MAX_SEGMENTS
        ):
            _diagnose_prefix(text)
        lowered = text.lower()
        object.__setattr__(self, "_text", lowered)
        object.__setattr__(self, "_segments", tuple(lowered.split(".")))

    __setattr__ = _refuse_change
    __delattr__ = _refuse_change

    @classmethod
    def from_text(cls, text: str) -> Prefix:
        """Parse a prefix such as ``88.118`` (any case); raise an IdentifierError if malformed."""
        return _cached_prefix(text)

    def to_text(self) -> str:
        return self._text

    @property
    def segments(self) -> tuple[str, ...]:
        return self._segments

    @property
    def depth(self) -> int:
        """1 for a top-level prefix such as ``88``, 2 for ``88.118``, and so on."""
        return len(self._segments)

    def parent(self) -> Prefix | None:
        """The prefix one level up, or None for a top-level prefix."""
        if len(self._segments) == 1:
            return None
        return _cached_prefix(self._text.rpartition(".")[0])

    def child(self, segment: str) -> Prefix:
        """The prefix one level down, e.g. ``Prefix("88").child("118")`` is ``88.118``."""
        if "." in segment:
            raise BadPrefixSegment(
                f"child segment {segment!r} of prefix {self._text!r} holds '.'; "
                "give one segment, e.g. '118'"
            )
        return Prefix(f"{self._text}.{segment}")

    def is_under(self, other: Prefix) -> bool:
        """True if this prefix is ``other`` or one of its descendants."""
        mine, theirs = self._text, other._text
        return mine == theirs or (mine.startswith(theirs) and mine[len(theirs)] == ".")

    def is_child_of(self, other: Prefix) -> bool:
        """True if ``other`` is this prefix's parent."""
        return len(self._segments) == len(other._segments) + 1 and self.is_under(other)

    def ancestors(self) -> Iterator[Prefix]:
        """This prefix, then its parent, and so on up to its top-level prefix."""
        node: Prefix | None = self
        while node is not None:
            yield node
            node = node.parent()

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Prefix({self._text!r})"

    def __hash__(self) -> int:
        return hash(self._text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prefix) and self._text == other._text

    def __lt__(self, other: Prefix) -> bool:
        return self._segments < other._segments

    def __le__(self, other: Prefix) -> bool:
        return self._segments <= other._segments

    def __gt__(self, other: Prefix) -> bool:
        return self._segments > other._segments

    def __ge__(self, other: Prefix) -> bool:
        return self._segments >= other._segments

    def __reduce__(self) -> tuple[Any, ...]:
        return (Prefix, (self._text,))


@lru_cache(maxsize=4096)
def _cached_prefix(text: str) -> Prefix:
    # Prefixes are immutable, and a bulk import repeats one or a few of them, so sharing
    # the parsed object turns most prefix parses into a dict lookup.
    return Prefix(text)


def _diagnose_prefix(text: str, context: str = "") -> NoReturn:
    """Raise the precise error for a prefix the fast checks refused.

    ``context`` names the identifier the prefix came from, if any, so the message points
    at the line of a bulk import that holds it.
    """
    if not text:
        raise EmptyPrefix(f"{context}prefix is empty; expected segments such as 88.118")
    where = f"{context}prefix {_clip(text)!r}"
    segments = text.split(".")
    start = 0
    for number, segment in enumerate(segments, start=1):
        if not segment:
            raise BadPrefixSegment(
                f"{where}: segment {number} at offset {start} is empty "
                "(a leading or trailing '.', or '..')"
            )
        for offset, char in enumerate(segment, start=start):
            if _SEGMENT_CHAR_RE.fullmatch(char) is None:
                raise BadPrefixSegment(
                    f"{where}: character {char!r} (U+{ord(char):04X}) at offset {offset}, "
                    f"in segment {number}, is not allowed; segments use a-z, 0-9, '_' and '-'"
                )
        if len(segment) > MAX_SEGMENT_CHARS:
            raise SegmentTooLong(
                f"{where}: segment {number} is {len(segment)} characters long; "
                f"at most {MAX_SEGMENT_CHARS} are allowed"
            )
        start += len(segment) + 1
    if len(segments) > MAX_SEGMENTS:
        raise TooManySegments(
            f"{where} has {len(segments)} segments; at most {MAX_SEGMENTS} are allowed"
        )
    raise PrefixTooLong(
        f"{where} is {len(text)} bytes long; at most {MAX_PREFIX_BYTES} are allowed"
    )


def _parse_prefix_in(text: str, identifier: str, role: str = "identifier") -> Prefix:
    """Parse the prefix part of an identifier, naming the identifier if it is malformed.

    The message context is built only on failure: this runs once per parsed identifier.
    """
    try:
        return _cached_prefix(text)
    except IdentifierError:
        _diagnose_prefix(text, f"{role} {_clip(identifier)!r}: ")


def _check_suffix(suffix: str, identifier: str) -> str:
    """Return the suffix in NFC, or raise naming the first refused character."""
    # Every refused category is "Other" or "Separator", which str.isprintable() rejects,
    # so the per-character scan runs only for the rare suffix holding such a character.
    # It runs before normalising: NFC neither creates nor removes refused characters, and
    # the offset then matches what the operator typed.
    if not suffix.isprintable():
        for offset, char in enumerate(suffix):
            if unicodedata.category(char) in REFUSED_CATEGORIES:
                _refuse_char(suffix, offset, identifier)
    if suffix.isascii():
        size = len(suffix)
    else:
        if not unicodedata.is_normalized("NFC", suffix):
            suffix = unicodedata.normalize("NFC", suffix)
        size = len(suffix.encode("utf-8"))
    if size > MAX_SUFFIX_BYTES:
        raise SuffixTooLong(
            f"identifier {_clip(identifier)!r}: suffix is {size} UTF-8 bytes long; "
            f"at most {MAX_SUFFIX_BYTES} are allowed"
        )
    return suffix


def _refuse_char(suffix: str, offset: int, identifier: str) -> NoReturn:
    char = suffix[offset]
    name = unicodedata.name(char, "unnamed")
    raise ControlCharacter(
        f"identifier {_clip(identifier)!r}: suffix holds U+{ord(char):04X} ({name}, category "
        f"{unicodedata.category(char)}) at offset {offset} of the suffix; control, format, "
        "surrogate and line/paragraph separator characters are not allowed"
    )


def _clip(text: str) -> str:
    """Shorten an over-long input for an error message; the message must stay readable."""
    return text if len(text) <= 80 else f"{text[:60]}…{text[-12:]}"


class Identifier:
    """``PREFIX/SUFFIX``, e.g. ``88.118.8/coil-1``; immutable and hashable.

    Two identifiers are equal when their canonical texts are: the prefix compared without
    case, the suffix exactly after NFC normalisation. Identifiers under the reserved prefix
    ``0.na`` are prefix records, and their suffix is itself a prefix, kept lower-case.
    """

    __slots__ = ("_prefix", "_suffix", "_text")
    _prefix: Prefix
    _suffix: str
    _text: str

    def __init__(self, prefix: Prefix | str, suffix: str) -> None:
        if isinstance(prefix, str):
            prefix = _parse_prefix_in(prefix, f"{prefix}/{suffix}")
        self._build(prefix, suffix, f"{prefix}/{suffix}")

    def _build(self, prefix: Prefix, suffix: str, original: str) -> None:
        if not suffix:
            raise EmptySuffix(
                f"identifier {_clip(original)!r} has an empty suffix after '/'; "
                "expected e.g. 88.118/coil-1"
            )
        if prefix._segments == NA_SEGMENTS:
            role = "prefix record (its suffix must be a prefix)"
            suffix = _parse_prefix_in(suffix, original, role)._text
        else:
            suffix = _check_suffix(suffix, original)
        _set_identifier_prefix(self, prefix)
        _set_identifier_suffix(self, suffix)
        _set_identifier_text(self, f"{prefix._text}/{suffix}")

    __setattr__ = _refuse_change
    __delattr__ = _refuse_change

    @classmethod
    def from_text(cls, text: str) -> Identifier:
        """Parse ``PREFIX/SUFFIX``, splitting at the first '/'; raise an IdentifierError."""
        prefix_text, slash, suffix = text.partition("/")
        if not slash:
            if not text:
                raise EmptyIdentifier()
            raise MissingSlash(
                f"identifier {_clip(text)!r} has no '/'; expected PREFIX/SUFFIX "
                "such as 88.118/coil-1"
            )
        identifier = object.__new__(cls)
        prefix = _parse_prefix_in(prefix_text, text)
        identifier._build(prefix, suffix, text)
        return identifier

    @classmethod
    def from_wire(cls, data: bytes) -> Identifier:
        """Parse the UTF-8 bytes of ``PREFIX/SUFFIX``; invalid UTF-8 is refused by offset."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotUtf8(
                f"identifier bytes {_clip(repr(data))} are not UTF-8: byte "
                f"0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})"
            ) from None
        return cls.from_text(text)

    def to_text(self) -> str:
        return self._text

    def to_wire(self) -> bytes:
        """The canonical text as UTF-8, the form identifiers take in records and digests."""
        return self._text.encode("utf-8")

    @property
    def prefix(self) -> Prefix:
        return self._prefix

    @property
    def suffix(self) -> str:
        return self._suffix

    def is_under(self, prefix: Prefix) -> bool:
        """True if this identifier's prefix is ``prefix`` or one of its descendants."""
        return self._prefix.is_under(prefix)

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Identifier({self._text!r})"

    def __hash__(self) -> int:
        return hash(self._text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identifier) and self._text == other._text

    def _key(self) -> tuple[tuple[str, ...], str]:
        return (self._prefix._segments, self._suffix)

    def __lt__(self, other: Identifier) -> bool:
        return self._key() < other._key()

    def __le__(self, other: Identifier) -> bool:
        return self._key() <= other._key()

    def __gt__(self, other: Identifier) -> bool:
        return self._key() > other._key()

    def __ge__(self, other: Identifier) -> bool:
        return self._key() >= other._key()

    def __reduce__(self) -> tuple[Any, ...]:
        return (Identifier.from_text, (self._text,))


# The slots' own setters, which bypass the refusing __setattr__ at half the cost of
# object.__setattr__; only construction uses them.
_set_identifier_prefix = Identifier.__dict__["_prefix"].__set__
_set_identifier_suffix = Identifier.__dict__["_suffix"].__set__
_set_identifier_text = Identifier.__dict__["_text"].__set__

NA_PREFIX = Prefix("0.na")


def prefix_record_id(prefix: Prefix) -> Identifier:
    """The identifier a prefix is resolved under: ``0.na/<prefix>``, Handle's 0.NA convention."""
    return Identifier(NA_PREFIX, prefix.to_text())


def is_prefix_record(identifier: Identifier) -> bool:
    """True if ``identifier`` names a prefix record (``0.na/<prefix>``)."""
    return identifier.prefix == NA_PREFIX


def prefix_of_record(identifier: Identifier) -> Prefix:
    """The prefix a prefix record names: ``0.na/88.118`` → ``88.118``."""
    if not is_prefix_record(identifier):
        raise BadPrefixSegment(
            f"identifier {identifier.to_text()!r} is not a prefix record; "
            "prefix records are 0.na/<prefix>"
        )
    return _cached_prefix(identifier.suffix)


def owner_of(name: Prefix | Identifier, known: Iterable[Prefix]) -> Prefix | None:
    """The longest prefix in ``known`` that ``name`` lies under, or None.

    This is the zone-cut lookup of DNS: the node holding the answer is the one with the
    most specific delegation. A set is searched by walking up ``name``'s ancestors (depth
    lookups); any other iterable is scanned once.
    """
    prefix = name.prefix if isinstance(name, Identifier) else name
    if isinstance(known, AbstractSet):
        for ancestor in prefix.ancestors():
            if ancestor in known:
                return ancestor
        return None
    best: Prefix | None = None
    for candidate in known:
        if prefix.is_under(candidate) and (best is None or candidate.depth > best.depth):
            best = candidate
    return best


# --- prefix text, as signed claims carry it ------------------------------------------------
# Certificates, revocation lists and record signatures carry prefixes as plain strings; a
# verifier decides on those strings with the same grammar as everything else.


def normalise_prefix(text: str) -> str:
    """Return the canonical (lower-case) prefix or raise a PrefixError naming the input."""
    if not isinstance(text, str):
        raise BadPrefixSegment(f"prefix {text!r} is not a string")
    return _cached_prefix(text).to_text()


def require_canonical(text: object, what: str) -> str:
    """Accept only an already canonical prefix: signed claims have one spelling."""
    if not isinstance(text, str):
        raise BadPrefixSegment(f"{what} must be a prefix string")
    if normalise_prefix(text) != text:
        raise BadPrefixSegment(f"{what} {text!r} is not in canonical lower-case form")
    return text


def is_within(prefix: str, subtree: str) -> bool:
    """True when canonical ``prefix`` is ``subtree`` itself or lies anywhere below it."""
    return prefix == subtree or prefix.startswith(subtree + ".")


def is_direct_child(parent: str, child: str) -> bool:
    """True when canonical ``child`` is exactly one segment below ``parent`` (88 → 88.118)."""
    return child.startswith(parent + ".") and "." not in child[len(parent) + 1 :]


def prefix_of(handle: str) -> str:
    """The canonical prefix part of the text ``PREFIX/SUFFIX``."""
    prefix, slash, _ = handle.partition("/")
    if not slash:
        raise MissingSlash(f"identifier {handle!r} has no '/' between prefix and suffix")
    return normalise_prefix(prefix)
