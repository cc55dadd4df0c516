"""Scheme adapters: codes from other coding schemes, resolved through glid's own hierarchy.

A product may already carry a GTIN, an Ecode, an OID or a Handle. Rather than make its
owner register a second name, each scheme maps its codes to one canonical glid
:class:`~glid_core.identifiers.Identifier` under a home prefix (``88.gs1``, ``88.oid``,
``88.ecode`` by default) and back, so a resolver can take any of them and every answer can
name the canonical id. Every mapping is reversible: for an identifier ``i`` in a scheme's
range, ``to_canonical(from_canonical(i, scheme)).identifier == i``.

Adapters live in a registry (:func:`register_scheme`), as dnspython keeps its rdata
classes, so a deployment can add a scheme without touching detection code. The exact
grammar of each mapping is in docs/formats/identifiers.md.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from glid_core.errors import IdentifierError
from glid_core.identifiers import Identifier, Prefix
from registry import gs1_compressed
from registry.errors import (
    BadCheckDigit,
    BadDigitalLink,
    BadEcode,
    BadGtin,
    BadHandle,
    BadOid,
    BadPrivateCode,
    NotInScheme,
    SchemeError,
    UnknownScheme,
)

DEFAULT_HOMES: Mapping[str, str] = MappingProxyType(
    {"gs1": "88.gs1", "oid": "88.oid", "ecode": "88.ecode"}
)
GS1_RESOLVER = "https://id.gs1.org"
HANDLE_PROXY_HOST = "hdl.handle.net"
# Matched on the text rather than through urlsplit: every http(s) input passes this test.
_HANDLE_URL_RE = re.compile(r"https?://hdl\.handle\.net(?::[0-9]+)?/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Canonical:
    """The canonical identifier a code maps to, the scheme it was read in, and the input."""

    identifier: Identifier
    scheme: str
    original: str


class SchemeMap:
    """Where each scheme's codes live in the hierarchy, and enterprises' private patterns.

    ``homes`` overrides :data:`DEFAULT_HOMES` per scheme. ``private_patterns`` pairs an
    enterprise prefix with a regular expression its bare codes match in full (e.g.
    ``("88.118.8", r"COIL-\\d{6}")``), so that such a code resolves without being written
    as ``private:88.118.8:COIL-000123``.
    """

    __slots__ = ("_homes", "_patterns")

    def __init__(
        self,
        homes: Mapping[str, Prefix | str] | None = None,
        private_patterns: Iterable[tuple[Prefix | str, str]] = (),
    ) -> None:
        merged: dict[str, Prefix] = {k: Prefix.from_text(v) for k, v in DEFAULT_HOMES.items()}
        for scheme, home in (homes or {}).items():
            merged[scheme] = home if isinstance(home, Prefix) else Prefix.from_text(home)
        self._homes = MappingProxyType(merged)
        patterns = []
        for prefix, pattern in private_patterns:
            owner = prefix if isinstance(prefix, Prefix) else Prefix.from_text(prefix)
            try:
                patterns.append((owner, re.compile(pattern)))
            except re.error as exc:
                raise BadPrivateCode(
                    f"private-code pattern {pattern!r} for prefix {owner} is not a valid "
                    f"regular expression: {exc}"
                ) from None
        self._patterns: tuple[tuple[Prefix, re.Pattern[str]], ...] = tuple(patterns)

    def home(self, scheme: str) -> Prefix:
        """The prefix a scheme's canonical identifiers live under."""
        try:
            return self._homes[scheme]
        except KeyError:
            raise UnknownScheme(
                f"scheme {scheme!r} has no home prefix; known homes: "
                f"{', '.join(f'{k}={v}' for k, v in sorted(self._homes.items()))}"
            ) from None

    def private_owner(self, code: str) -> Prefix | None:
        """The one enterprise whose registered pattern matches ``code`` in full, or None."""
        owners = [prefix for prefix, pattern in self._patterns if pattern.fullmatch(code)]
        if len(owners) > 1:
            raise BadPrivateCode(
                f"code {code!r} matches the private patterns of several prefixes "
                f"({', '.join(map(str, owners))}); write it as private:<prefix>:{code}"
            )
        return owners[0] if owners else None


DEFAULT_SCHEMES = SchemeMap()


class SchemeAdapter(ABC):
    """Maps one coding scheme's text to canonical identifiers and back."""

    name: str

    @abstractmethod
    def claims(self, text: str, schemes: SchemeMap) -> bool:
        """True if ``text`` is written in this scheme (cheap: a prefix or shape test)."""

    @abstractmethod
    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        """The canonical identifier for ``text``; raise a SchemeError naming what is wrong."""

    @abstractmethod
    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        """The scheme's own text for ``identifier``; raise NotInScheme if it has none."""


_ADAPTERS: dict[str, SchemeAdapter] = {}


def register_scheme(adapter: SchemeAdapter) -> None:
    """Add an adapter; :func:`to_canonical` asks adapters in registration order."""
    if adapter.name in _ADAPTERS:
        raise SchemeError(f"a scheme named {adapter.name!r} is already registered")
    _ADAPTERS[adapter.name] = adapter


def get_scheme(name: str) -> SchemeAdapter:
    try:
        return _ADAPTERS[name]
    except KeyError:
        raise UnknownScheme(
            f"no scheme named {name!r}; registered schemes: {', '.join(_ADAPTERS)}"
        ) from None


_URI_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def to_canonical(text: str, schemes: SchemeMap = DEFAULT_SCHEMES) -> Canonical:
    """Detect the scheme ``text`` is written in and map it to its canonical identifier.

    A plain ``PREFIX/SUFFIX`` that no adapter claims is a Handle, which is also glid's
    native form.
    """
    for adapter in _ADAPTERS.values():
        if adapter.claims(text, schemes):
            return Canonical(adapter.to_identifier(text, schemes), adapter.name, text)
    head = _URI_SCHEME_RE.match(text)
    if head is not None:
        scheme = head.group(1).lower()
        if scheme in ("http", "https"):
            raise UnknownScheme(
                f"URL {_show(text)} is neither a Handle URL (host {HANDLE_PROXY_HOST}) nor a "
                "GS1 Digital Link (a path with /01/{gtin}, or compressed into one path segment "
                "that starts with a GTIN)"
            )
        if scheme == "urn":
            scheme = f"urn:{text[4:].partition(':')[0]}"
        raise UnknownScheme(
            f"{_show(text)} is written in scheme {scheme!r}, which glid does not map; "
            f"known schemes: {', '.join(_ADAPTERS)}"
        )
    if "/" not in text:
        raise UnknownScheme(
            f"{_show(text)} is in no known coding scheme: expected PREFIX/SUFFIX, hdl:, "
            "urn:oid:, urn:gtin:, a GTIN, a GS1 Digital Link URI, an Ecode or private:"
        )
    return Canonical(Identifier.from_text(text), "handle", text)


def from_canonical(
    identifier: Identifier, scheme: str, schemes: SchemeMap = DEFAULT_SCHEMES
) -> str:
    """The text of ``identifier`` in ``scheme``, the inverse of :func:`to_canonical`."""
    return get_scheme(scheme).from_identifier(identifier, schemes)


def _show(text: str) -> str:
    return repr(text if len(text) <= 80 else f"{text[:60]}…{text[-12:]}")


def _under_home(identifier: Identifier, scheme: str, schemes: SchemeMap) -> str:
    """The suffix of an identifier that must sit directly under ``scheme``'s home."""
    home = schemes.home(scheme)
    if identifier.prefix != home:
        raise NotInScheme(
            f"identifier {identifier} is not a {scheme} code: {scheme} codes live directly "
            f"under prefix {home}"
        )
    return identifier.suffix


# --- Handle ------------------------------------------------------------------------------


class HandleScheme(SchemeAdapter):
    """``hdl:PREFIX/SUFFIX`` and ``https://hdl.handle.net/PREFIX/SUFFIX``; glid ids are Handles.

    Plain ``PREFIX/SUFFIX`` is handled by :func:`to_canonical`'s fallback, after every
    other adapter has declined, so that ``urn:oid:…`` and URLs are never read as Handles.
    """

    name = "handle"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        return text[:4].lower() == "hdl:" or _HANDLE_URL_RE.match(text) is not None

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        if text[:4].lower() == "hdl:":
            return Identifier.from_text(text[4:])
        path = urlsplit(text).path
        try:
            handle = unquote(path[1:], errors="strict")
        except UnicodeDecodeError:
            raise BadHandle(
                f"Handle URL {_show(text)}: the percent-encoded path is not UTF-8"
            ) from None
        if not handle:
            raise BadHandle(f"Handle URL {_show(text)} names no handle after the host")
        return Identifier.from_text(handle)

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        return f"hdl:{identifier}"


# --- enterprise-private codes ------------------------------------------------------------


class PrivateScheme(SchemeAdapter):
    """``private:<prefix>:<code>`` → ``<prefix>/<code>``, or a bare code matching a pattern.

    Checked before the GTIN and Ecode shapes, so an enterprise that registered a pattern
    gets its codes even when they look like digits.
    """

    name = "private"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        return text[:8].lower() == "private:" or schemes.private_owner(text) is not None

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        if text[:8].lower() != "private:":
            owner = schemes.private_owner(text)
            if owner is None:
                raise BadPrivateCode(
                    f"{_show(text)} matches no enterprise's private-code pattern; "
                    "write it as private:<prefix>:<code>"
                )
            return Identifier(owner, text)
        prefix, colon, code = text[8:].partition(":")
        if not colon:
            raise BadPrivateCode(
                f"private code {_show(text)} has no ':' after its prefix; "
                "write private:<prefix>:<code>, e.g. private:88.118.8:COIL-000123"
            )
        if not code:
            raise BadPrivateCode(f"private code {_show(text)} has an empty code after its prefix")
        return Identifier(prefix, code)

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        return f"private:{identifier.prefix}:{identifier.suffix}"


# --- OID ---------------------------------------------------------------------------------

_OID_ARC_RE = re.compile(r"0|[1-9][0-9]*")


# Bare dot form (``1.2.156.3001.1``): digits and dots with at least one dot, first arc 0-2.
# No Ecode can look like this (V1-V3 hold no dots; V4 starts with 4).
_OID_DOTTED_RE = re.compile(r"[0-2](?:\.[0-9]+)+")


class OidScheme(SchemeAdapter):
    """``urn:oid:1.2.156.…`` (RFC 3061) or bare ``1.2.156.…`` → ``<home>/1.2.156.…``."""

    name = "oid"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        return text[:8].lower() == "urn:oid:" or _OID_DOTTED_RE.fullmatch(text) is not None

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        arcs = text[8:] if text[:8].lower() == "urn:oid:" else text
        return Identifier(schemes.home("oid"), self._check(arcs, _show(text)))

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        arcs = _under_home(identifier, "oid", schemes)
        return f"urn:oid:{self._check(arcs, repr(str(identifier)))}"

    @staticmethod
    def _check(arcs_text: str, where: str) -> str:
        arcs = arcs_text.split(".")
        if len(arcs) < 2:
            raise BadOid(f"OID {where} has {len(arcs)} arc; at least two are needed (e.g. 1.2.156)")
        for number, arc in enumerate(arcs, start=1):
            if _OID_ARC_RE.fullmatch(arc) is None:
                problem = (
                    "is empty"
                    if not arc
                    else "has a leading zero"
                    if arc.isdigit()
                    else "is not a decimal number"
                )
                raise BadOid(f"OID {where}: arc {number} ({arc!r}) {problem}")
        first, second = int(arcs[0]), int(arcs[1])
        if first > 2:
            raise BadOid(f"OID {where}: first arc is {first}; it must be 0, 1 or 2")
        if first < 2 and second >= 40:
            raise BadOid(
                f"OID {where}: second arc is {second}; under first arc {first} it must be < 40"
            )
        return arcs_text


# --- GS1: GTIN, urn:gtin and Digital Link --------------------------------------------------

GTIN_LENGTHS = (8, 12, 13, 14)
MAX_GS1_VALUE_CHARS = 20
# GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1).
_SET_82_RE = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")
# Characters of set 82 that stay literal in a canonical path segment: RFC 3986 unreserved.
_GS1_SAFE = "-._"
_GS1_SUFFIX_RE = re.compile(r"01/([0-9]{14})(?:/10/([^/]+))?(?:/21/([^/]+))?")
# Digital Link path after an optional path prefix: /01/{gtin}[/10/{lot}][/21/{serial}].
_DL_PATH_RE = re.compile(r"(?:/.*?)?/01/([^/]*)((?:/[^/]*/[^/]*)*)/?")


def gtin_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (weights 3, 1, 3, … from the right)."""
    total = 3 * sum(map(int, body[::-2])) + sum(map(int, body[-2::-2]))
    return -total % 10


def normalise_gtin(text: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14 (zero-padded on the left), its check digit verified."""
    if not text:
        raise BadGtin("GTIN is empty; expected 8, 12, 13 or 14 digits")
    if not text.isascii() or not text.isdigit():
        raise BadGtin(f"GTIN {text!r} holds characters other than the digits 0-9")
    if len(text) not in GTIN_LENGTHS:
        raise BadGtin(f"GTIN {text!r} has {len(text)} digits; a GTIN has 8, 12, 13 or 14")
    expected = gtin_check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise BadCheckDigit(
            f"GTIN {text!r}: check digit is {text[-1]} but the other digits give {expected}; "
            f"a mistyped digit? (or, for an Ecode of this length, write ecode:{text})"
        )
    return text.zfill(14)


def _gs1_value(encoded: str, ai: str, where: str) -> str:
    """Decode and check a percent-encoded batch/lot (AI 10) or serial (AI 21) value."""
    # Set 82 is ASCII, so bytes that are not UTF-8 can only be refused; "replace" keeps
    # them visible in the message as U+FFFD.
    return _checked_value(unquote_to_bytes(encoded).decode("utf-8", errors="replace"), ai, where)


def _checked_value(value: str, ai: str, where: str) -> str:
    """A batch/lot (AI 10) or serial (AI 21) value, checked against set 82 and its length."""
    label = "batch/lot (AI 10)" if ai == "10" else "serial (AI 21)"
    if not value:
        raise BadDigitalLink(f"{where}: {label} is empty")
    if _SET_82_RE.fullmatch(value) is None:
        bad = next(c for c in value if _SET_82_RE.fullmatch(c) is None)
        raise BadDigitalLink(
            f"{where}: {label} {value!r} holds {bad!r}, which is outside GS1 character set 82"
        )
    if len(value) > MAX_GS1_VALUE_CHARS:
        raise BadDigitalLink(
            f"{where}: {label} {value!r} is {len(value)} characters long; "
            f"at most {MAX_GS1_VALUE_CHARS} are allowed"
        )
    return value


# GS1 element strings, as printed under a barcode, "(01)06901234567892(10)LOT7(21)S1", or
# as a scanner sends them, "0106901234567892" "10LOT7" GS "21S1" (GS = U+001D ends a
# variable-length value), optionally led by a symbology identifier such as "]C1" or "]Q3".
GROUP_SEPARATOR = "\x1d"
_SYMBOLOGY_RE = re.compile(r"\][A-Za-z][0-9]")
_BRACKETED_RE = re.compile(r"(?:\([0-9]{2,4}\)[^()]*)+")
_BRACKETED_AI_RE = re.compile(r"\(([0-9]{2,4})\)([^()]*)")
_RAW_ELEMENT_RE = re.compile(r"01[0-9]{14}(?:(?:10|21).*)?", re.DOTALL)


def is_element_string(text: str) -> bool:
    """True for text shaped like GS1 element strings: ``(AI)…`` or a raw GTIN (AI 01)."""
    body = text[3:] if _SYMBOLOGY_RE.match(text) else text
    if _BRACKETED_AI_RE.match(body):
        return True
    return body.isascii() and _RAW_ELEMENT_RE.fullmatch(body) is not None


def parse_element_string(text: str) -> tuple[str, str | None, str | None]:
    """GTIN-14, batch/lot and serial from GS1 element strings (AIs 01, 10 and 21 only)."""
    where = f"GS1 element string {_show(text)}"
    body = text[3:] if _SYMBOLOGY_RE.match(text) else text
    if body.startswith("("):
        if _BRACKETED_RE.fullmatch(body) is None:
            raise BadDigitalLink(f"{where}: expected (AI)value pairs such as (01)…(10)…")
        pairs = [(m.group(1), m.group(2)) for m in _BRACKETED_AI_RE.finditer(body)]
    else:
        pairs = [("01", body[2:16])]
        rest = body[16:]
        while rest:
            ai, value = rest[:2], rest[2:]
            value, _, rest = value.partition(GROUP_SEPARATOR)
            pairs.append((ai, value))
    (first, gtin), *qualifiers = pairs
    if first != "01":
        raise BadDigitalLink(f"{where}: the first AI must be (01), the GTIN; got ({first})")
    values: dict[str, str] = {}
    for ai, value in qualifiers:
        if ai not in ("10", "21"):
            raise BadDigitalLink(
                f"{where}: AI ({ai}) is not supported; glid maps GTIN (01) with batch/lot (10) "
                "and serial (21)"
            )
        if ai in values:
            raise BadDigitalLink(f"{where}: AI ({ai}) is repeated")
        values[ai] = _checked_value(value, ai, where)
    return normalise_gtin(gtin), values.get("10"), values.get("21")


# EPC Tag Data Standard pure-identity URIs for a trade item: an instance (SGTIN, with a
# serial) or a lot (LGTIN). Company prefix and item reference (its first digit being the
# GTIN's indicator digit) are 13 digits together.
_EPC_RE = re.compile(r"urn:epc:(?:id:sgtin|class:lgtin):([0-9]{6,12})\.([0-9]{1,7})\.(.+)", re.I)


def parse_epc(text: str) -> tuple[str, str | None, str | None]:
    """GTIN-14 with its lot (LGTIN) or serial (SGTIN) from an EPC URI."""
    where = f"EPC URI {_show(text)}"
    match = _EPC_RE.fullmatch(text)
    if match is None:
        raise BadDigitalLink(
            f"{where}: expected urn:epc:id:sgtin:COMPANY.ITEM.SERIAL or "
            "urn:epc:class:lgtin:COMPANY.ITEM.LOT"
        )
    company, item, tail = match.groups()
    if len(company) + len(item) != 13:
        raise BadDigitalLink(
            f"{where}: company prefix and item reference have {len(company) + len(item)} "
            "digits together; they must have 13"
        )
    body = item[0] + company + item[1:]
    gtin = body + str(gtin_check_digit(body))
    if text[8:11].lower() == "id:":
        return gtin, None, _gs1_value(tail, "21", where)
    return gtin, _gs1_value(tail, "10", where), None


def _last_segment(uri: str) -> str:
    return urlsplit(uri).path.rstrip("/").rpartition("/")[2]


def _gs1_path(gtin14: str, lot: str | None, serial: str | None) -> str:
    """The canonical path ``01/{gtin14}[/10/{lot}][/21/{serial}]``, values percent-encoded."""
    path = f"01/{gtin14}"
    if lot is not None:
        path += f"/10/{quote(lot, safe=_GS1_SAFE)}"
    if serial is not None:
        path += f"/21/{quote(serial, safe=_GS1_SAFE)}"
    return path


class Gs1Scheme(SchemeAdapter):
    """GTIN-8/12/13/14, ``urn:gtin:``, ``urn:epc:`` (SGTIN, LGTIN), GS1 element strings and
    GS1 Digital Link URIs → ``<home>/01/…``."""

    name = "gs1"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        lowered = text[:9].lower()
        if lowered in ("urn:gtin:", "urn:epc:i", "urn:epc:c"):
            return True
        if lowered.startswith(("http://", "https://")):
            if _HANDLE_URL_RE.match(text) is not None:
                return False
            return "/01/" in text or gs1_compressed.is_compressed(_last_segment(text))
        if len(text) in GTIN_LENGTHS and text.isascii() and text.isdigit():
            return True
        return is_element_string(text)

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        home = schemes.home("gs1")
        lowered = text[:9].lower()
        if lowered == "urn:gtin:":
            return Identifier(home, _gs1_path(normalise_gtin(text[9:]), None, None))
        if lowered.startswith("urn:epc:"):
            return Identifier(home, _gs1_path(*parse_epc(text)))
        if lowered.startswith(("http://", "https://")) and "/01/" not in text:
            where = f"compressed GS1 Digital Link {_show(text)}"
            gtin, lot, serial = gs1_compressed.decompress(_last_segment(text), where)
            lot = None if lot is None else _checked_value(lot, "10", where)
            serial = None if serial is None else _checked_value(serial, "21", where)
            return Identifier(home, _gs1_path(normalise_gtin(gtin), lot, serial))
        if lowered.startswith(("http://", "https://")):
            return Identifier(home, self._parse_link(text))
        if len(text) in GTIN_LENGTHS and text.isdigit():
            return Identifier(home, _gs1_path(normalise_gtin(text), None, None))
        return Identifier(home, _gs1_path(*parse_element_string(text)))

    def _parse_link(self, uri: str) -> str:
        where = f"GS1 Digital Link {_show(uri)}"
        match = _DL_PATH_RE.fullmatch(urlsplit(uri).path)
        if match is None:
            raise BadDigitalLink(f"{where}: path has no /01/{{gtin}}")
        gtin = normalise_gtin(match.group(1))
        values: dict[str, str] = {}
        pairs = match.group(2).split("/")[1:]
        for ai, encoded in zip(pairs[::2], pairs[1::2], strict=True):
            if ai not in ("10", "21"):
                raise BadDigitalLink(
                    f"{where}: key qualifier AI {ai!r} is not supported; "
                    "glid maps GTIN (01) with batch/lot (10) and serial (21)"
                )
            if ai in values or (ai == "10" and "21" in values):
                raise BadDigitalLink(
                    f"{where}: AI {ai} is repeated or out of order; the path order is "
                    "/01/{gtin}/10/{lot}/21/{serial}"
                )
            values[ai] = _gs1_value(encoded, ai, where)
        return _gs1_path(gtin, values.get("10"), values.get("21"))

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        suffix = _under_home(identifier, "gs1", schemes)
        match = _GS1_SUFFIX_RE.fullmatch(suffix)
        if match is None:
            raise NotInScheme(
                f"identifier {identifier} is not a canonical GS1 id: its suffix must be "
                "01/{gtin14}[/10/{lot}][/21/{serial}]"
            )
        if self._parse_link(f"{GS1_RESOLVER}/{suffix}") != suffix:
            raise NotInScheme(
                f"identifier {identifier} is not a canonical GS1 id: its GTIN, batch/lot or "
                "serial is invalid or not percent-encoded in canonical form"
            )
        return f"{GS1_RESOLVER}/{suffix}"


# --- Ecode (GB/T 31866) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EcodeVersion:
    """One row of the Ecode structure table: lengths of NSI and MD, and MD's characters."""

    nsi_digits: int
    max_md: int | None  # None: variable length, bounded only by the suffix limit
    md_chars: re.Pattern[str]
    md_chars_name: str


_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_ANY = re.compile(r".+", re.DOTALL)
# Bare text starting with one of these and holding no '/' or ':' is read as an Ecode; "0"
# is included so that a V0 code gets the message pointing at the GTIN.
_ECODE_LEADS = frozenset("01234")
ECODE_VERSIONS: Mapping[str, EcodeVersion] = MappingProxyType(
    {
        "1": EcodeVersion(4, 20, _DIGITS, "digits 0-9"),
        "2": EcodeVersion(8, 28, _ALNUM, "digits and ASCII letters"),
        "3": EcodeVersion(4, 39, _ALNUM, "digits and ASCII letters"),
        "4": EcodeVersion(5, None, _ANY, "any characters"),
    }
)


class EcodeScheme(SchemeAdapter):
    """Ecode ``V NSI MD`` (e.g. ``10012…``), bare or as ``ecode:…`` → ``<home>/<code>``.

    A bare all-digit code of a GTIN's length (8, 12, 13 or 14) is read as a GTIN; such an
    Ecode is written ``ecode:<code>``, and :meth:`from_identifier` writes it so whenever
    the bare form would not map back to the same identifier.
    """

    name = "ecode"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        if text[:6].lower() == "ecode:":
            return True
        return text[:1] in _ECODE_LEADS and "/" not in text and ":" not in text

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        code = text[6:] if text[:6].lower() == "ecode:" else text
        return Identifier(schemes.home("ecode"), self._check(code))

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        code = self._check(_under_home(identifier, "ecode", schemes))
        # The bare code is the usual form, but another reading can claim it first (a GTIN
        # of the same length, an enterprise's private pattern) or it may hold '/' or ':';
        # then only the explicit form maps back to this identifier.
        try:
            bare_ok = to_canonical(code, schemes).identifier == identifier
        except IdentifierError:
            bare_ok = False
        return code if bare_ok else f"ecode:{code}"

    @staticmethod
    def _check(code: str) -> str:
        where = f"Ecode {_show(code)}"
        if not code:
            raise BadEcode("Ecode is empty; expected version digit, NSI and MD, e.g. 10012…")
        version = ECODE_VERSIONS.get(code[0])
        if version is None:
            hint = " (V0 is the GS1-compatible form: give the GTIN)" if code[0] == "0" else ""
            raise BadEcode(
                f"{where}: version {code[0]!r} is not one glid reads; "
                f"versions are {', '.join(ECODE_VERSIONS)}{hint}"
            )
        nsi = code[1 : 1 + version.nsi_digits]
        if len(nsi) < version.nsi_digits or _DIGITS.fullmatch(nsi) is None:
            raise BadEcode(
                f"{where}: a version-{code[0]} Ecode has an NSI of {version.nsi_digits} digits "
                f"after the version digit; got {nsi!r}"
            )
        md = code[1 + version.nsi_digits :]
        if not md:
            raise BadEcode(f"{where}: the master data code (MD) after NSI {nsi} is empty")
        if version.md_chars.fullmatch(md) is None:
            raise BadEcode(
                f"{where}: MD {md!r} of a version-{code[0]} Ecode may hold only "
                f"{version.md_chars_name}"
            )
        if version.max_md is not None and len(md) > version.max_md:
            raise BadEcode(
                f"{where}: MD is {len(md)} characters long; a version-{code[0]} Ecode's MD "
                f"has at most {version.max_md}"
            )
        return code


for _adapter in (PrivateScheme(), HandleScheme(), OidScheme(), Gs1Scheme(), EcodeScheme()):
    register_scheme(_adapter)
