"""Scheme adapters: detection, canonical mapping, reversibility and precise refusals."""

import itertools
from urllib.parse import quote, unquote

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from glid_core.errors import EmptySuffix
from glid_core.identifiers import Identifier, Prefix
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
from registry.schemes import (
    Canonical,
    SchemeAdapter,
    SchemeMap,
    from_canonical,
    get_scheme,
    gtin_check_digit,
    normalise_gtin,
    register_scheme,
    to_canonical,
)

SET_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
SEGMENT_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789_-"
prefix_texts = st.lists(st.text(SEGMENT_ALPHABET, min_size=1, max_size=8), min_size=1, max_size=4)
prefix_texts = prefix_texts.map(".".join)
suffixes = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=30
)


def oracle_check_digit(body: str) -> str:
    """GS1 mod-10 written independently: weights 3,1,3,… from the right, then 10 - sum mod 10."""
    weighted = sum(int(d) * w for d, w in zip(reversed(body), itertools.cycle((3, 1))))
    return str(-weighted % 10)


def canonical(text: str, schemes: SchemeMap | None = None) -> Canonical:
    return to_canonical(text, schemes) if schemes else to_canonical(text)


def assert_reversible(c: Canonical, schemes: SchemeMap | None = None) -> str:
    """from_canonical then to_canonical gives back the same identifier; returns the text."""
    if schemes is None:
        back = from_canonical(c.identifier, c.scheme)
        again = to_canonical(back)
    else:
        back = from_canonical(c.identifier, c.scheme, schemes)
        again = to_canonical(back, schemes)
    assert again.identifier == c.identifier
    assert again.scheme == c.scheme
    return back


# --- Handle ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hdl:20.500.123/abc",
        "HDL:20.500.123/abc",
        "20.500.123/abc",
        "https://hdl.handle.net/20.500.123/abc",
        "http://hdl.handle.net/20.500.123/abc?noredirect",
    ],
)
def test_handle_forms_map_to_the_handle_itself(text: str) -> None:
    c = to_canonical(text)
    assert c == Canonical(Identifier.from_text("20.500.123/abc"), "handle", text)
    assert assert_reversible(c) == "hdl:20.500.123/abc"


def test_handle_prefix_is_lower_cased_and_url_path_percent_decoded() -> None:
    assert str(to_canonical("hdl:20.500.ABC/Abc").identifier) == "20.500.abc/Abc"
    url = "https://hdl.handle.net/20.500.1/%E9%92%A2%20a%2Fb"
    assert to_canonical(url).identifier.suffix == "钢 a/b"


def test_handle_url_host_is_matched_exactly() -> None:
    assert to_canonical("https://HDL.handle.net:443/20.1/x").scheme == "handle"
    lookalike = to_canonical("https://hdl.handle.net.example/01/09506000134352")
    assert lookalike.scheme == "gs1"


def test_bad_handles() -> None:
    with pytest.raises(BadHandle, match="the percent-encoded path is not UTF-8"):
        to_canonical("https://hdl.handle.net/20.500.1/%FF")
    with pytest.raises(BadHandle, match="names no handle after the host"):
        to_canonical("https://hdl.handle.net/")
    with pytest.raises(EmptySuffix, match=r"'20\.500\.1/' has an empty suffix"):
        to_canonical("hdl:20.500.1/")


@given(prefix_texts, suffixes)
def test_handle_round_trip(prefix: str, suffix: str) -> None:
    assume(prefix != "0.na")
    identifier = Identifier(prefix, suffix)
    c = to_canonical(f"https://hdl.handle.net/{quote(identifier.to_text())}")
    assert c.identifier == identifier
    assert to_canonical(assert_reversible(c)).identifier == identifier


# --- private codes ---------------------------------------------------------------------


def test_private_codes() -> None:
    c = to_canonical("private:88.118.8:COIL/2026:001")
    assert c.identifier == Identifier("88.118.8", "COIL/2026:001")
    assert c.scheme == "private"
    assert assert_reversible(c) == "private:88.118.8:COIL/2026:001"


def test_private_patterns_claim_bare_codes_before_gtin_and_ecode() -> None:
    schemes = SchemeMap(private_patterns=[("88.118.8", r"COIL-\d{6}"), ("88.7", r"\d{13}")])
    c = to_canonical("COIL-000123", schemes)
    assert c.identifier == Identifier("88.118.8", "COIL-000123")
    assert assert_reversible(c, schemes) == "private:88.118.8:COIL-000123"
    # A valid EAN-13 shape, but the enterprise pattern wins.
    assert to_canonical("4006381333931", schemes).identifier == Identifier("88.7", "4006381333931")


def test_bad_private_codes_and_patterns() -> None:
    with pytest.raises(BadPrivateCode, match="has no ':' after its prefix"):
        to_canonical("private:88.118.8")
    with pytest.raises(BadPrivateCode, match="has an empty code after its prefix"):
        to_canonical("private:88.118.8:")
    both = SchemeMap(private_patterns=[("88.1", "A.*"), ("88.2", ".*Z")])
    with pytest.raises(BadPrivateCode, match=r"matches the private patterns of several .*88\.1"):
        to_canonical("AZ", both)
    with pytest.raises(BadPrivateCode, match=r"pattern '\(' for prefix 88 is not a valid"):
        SchemeMap(private_patterns=[("88", "(")])


@given(prefix_texts, suffixes)
def test_private_round_trip(prefix: str, code: str) -> None:
    assume(prefix != "0.na")
    c = to_canonical(f"private:{prefix}:{code}")
    assert c.identifier == Identifier(prefix, code)
    assert_reversible(c)


# --- OID -------------------------------------------------------------------------------


def test_oid_maps_under_its_home() -> None:
    c = to_canonical("urn:oid:1.2.156.10011.1")
    assert c.identifier == Identifier("88.oid", "1.2.156.10011.1")
    assert assert_reversible(c) == "urn:oid:1.2.156.10011.1"
    assert str(to_canonical("URN:OID:2.999.0").identifier) == "88.oid/2.999.0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("urn:oid:1", "has 1 arc; at least two are needed"),
        ("urn:oid:1..2", r"arc 2 \(''\) is empty"),
        ("urn:oid:1.2.0156", r"arc 3 \('0156'\) has a leading zero"),
        ("urn:oid:1.2.x", r"arc 3 \('x'\) is not a decimal number"),
        ("urn:oid:1.-2", r"arc 2 \('-2'\) is not a decimal number"),
        ("urn:oid:3.1", "first arc is 3; it must be 0, 1 or 2"),
        ("urn:oid:0.40", "second arc is 40; under first arc 0 it must be < 40"),
        ("urn:oid:1.99.1", "second arc is 99; under first arc 1 it must be < 40"),
    ],
)
def test_bad_oids(text: str, message: str) -> None:
    with pytest.raises(BadOid, match=message):
        to_canonical(text)


oid_arcs = st.integers(min_value=0, max_value=10**12).map(str)


@given(
    st.sampled_from(["0", "1", "2"]),
    st.integers(min_value=0, max_value=10**6),
    st.lists(oid_arcs, max_size=8),
)
def test_oid_round_trip(first: str, second: int, rest: list[str]) -> None:
    if first != "2":
        second %= 40
    arcs = ".".join([first, str(second), *rest])
    c = to_canonical(f"urn:oid:{arcs}")
    assert c.identifier.suffix == arcs
    assert assert_reversible(c) == f"urn:oid:{arcs}"


# --- GS1 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gtin14"),
    [
        ("4006381333931", "04006381333931"),  # EAN-13
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
        ("09506000134352", "09506000134352"),  # GTIN-14, the GS1 Digital Link example
        ("urn:gtin:4006381333931", "04006381333931"),
        ("https://id.gs1.org/01/09506000134352", "09506000134352"),
        ("https://example.com/01/9506000134352", "09506000134352"),
    ],
)
def test_gtins_are_normalised_to_gtin14(text: str, gtin14: str) -> None:
    c = to_canonical(text)
    assert c.identifier == Identifier("88.gs1", f"01/{gtin14}")
    assert c.scheme == "gs1"
    assert assert_reversible(c) == f"https://id.gs1.org/01/{gtin14}"


def test_check_digit_by_hand() -> None:
    # 400638133393: from the right 2*3+9*1+3*3+3*1+3*3+1*1+8*3+3*1+6*3+0*1+0*3+4*1 = 89 -> 1
    assert gtin_check_digit("400638133393") == 1
    assert gtin_check_digit("0950600013435") == 2
    assert gtin_check_digit("9638507") == 4


def test_digital_link_with_lot_and_serial() -> None:
    uri = "https://brand.example/products/01/09506000134352/10/AB%2F12/21/x!y?17=260101#top"
    c = to_canonical(uri)
    assert str(c.identifier) == "88.gs1/01/09506000134352/10/AB%2F12/21/x%21y"
    assert assert_reversible(c) == "https://id.gs1.org/01/09506000134352/10/AB%2F12/21/x%21y"
    serial_only = to_canonical("https://id.gs1.org/01/09506000134352/21/12345/")
    assert str(serial_only.identifier) == "88.gs1/01/09506000134352/21/12345"
    # A path prefix that itself holds "01" does not confuse the primary key.
    tricky = to_canonical("https://x.example/01/a/01/09506000134352/10/01")
    assert str(tricky.identifier) == "88.gs1/01/09506000134352/10/01"


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("4006381333932", BadCheckDigit, "check digit is 2 but the other digits give 1"),
        ("urn:gtin:96385075", BadCheckDigit, "check digit is 5 but the other digits give 4"),
        ("urn:gtin:123456789", BadGtin, "GTIN '123456789' has 9 digits; a GTIN has 8, 12, 13"),
        ("urn:gtin:40063813339x", BadGtin, "holds characters other than the digits 0-9"),
        ("urn:gtin:", BadGtin, "GTIN is empty; expected 8, 12, 13 or 14 digits"),
        (
            "https://id.gs1.org/01/09506000134353",
            BadCheckDigit,
            "check digit is 3 but the other digits give 2",
        ),
        (
            "https://id.gs1.org/01/09506000134352/21/a/10/b",
            BadDigitalLink,
            "AI 10 is repeated or out of order",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/a/10/b",
            BadDigitalLink,
            "AI 10 is repeated or out of order",
        ),
        (
            "https://id.gs1.org/01/09506000134352/22/A1",
            BadDigitalLink,
            "key qualifier AI '22' is not supported",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/" + "L" * 21,
            BadDigitalLink,
            r"batch/lot \(AI 10\) 'L{21}' is 21 characters long; at most 20",
        ),
        (
            "https://id.gs1.org/01/09506000134352/21/a%20b",
            BadDigitalLink,
            r"serial \(AI 21\) 'a b' holds ' ', which is outside GS1 character set 82",
        ),
        (
            "https://id.gs1.org/01/09506000134352/21/%FF",
            BadDigitalLink,
            "outside GS1 character set 82",
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/",
            BadDigitalLink,
            r"batch/lot \(AI 10\) is empty",
        ),
        ("https://id.gs1.org/x?q=/01/", BadDigitalLink, r"path has no /01/\{gtin\}"),
    ],
)
def test_bad_gs1(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        to_canonical(text)


def test_lot_and_serial_limits_exactly_at_twenty() -> None:
    c = to_canonical("https://id.gs1.org/01/09506000134352/10/" + "L" * 20 + "/21/" + "S" * 20)
    assert c.identifier.suffix.endswith("/21/" + "S" * 20)


def test_normalise_gtin_directly() -> None:
    assert normalise_gtin("96385074") == "00000096385074"
    with pytest.raises(BadGtin, match="holds characters other than"):
        normalise_gtin("٩٦٣٨٥٠٧٤")  # Arabic-Indic digits are digits to str.isdigit


gtin_bodies = st.sampled_from([7, 11, 12, 13]).flatmap(
    lambda n: st.text("0123456789", min_size=n, max_size=n)
)
set_82_values = st.text(SET_82, min_size=1, max_size=20)


@given(gtin_bodies)
def test_gtin_round_trip_with_oracle(body: str) -> None:
    gtin = body + oracle_check_digit(body)
    assert gtin_check_digit(body) == int(oracle_check_digit(body))
    c = to_canonical(gtin)
    assert c.identifier.suffix == f"01/{gtin.zfill(14)}"
    assert to_canonical(f"urn:gtin:{gtin}").identifier == c.identifier
    assert to_canonical(assert_reversible(c)).identifier == c.identifier


@given(gtin_bodies, st.integers(min_value=1, max_value=9))
def test_wrong_check_digit_names_the_expected_one(body: str, shift: int) -> None:
    expected = oracle_check_digit(body)
    wrong = str((int(expected) + shift) % 10)
    with pytest.raises(BadCheckDigit) as info:
        to_canonical(body + wrong)
    assert f"check digit is {wrong} but the other digits give {expected}" in str(info.value)


@given(gtin_bodies, st.none() | set_82_values, st.none() | set_82_values)
def test_digital_link_round_trip(body: str, lot: str | None, serial: str | None) -> None:
    gtin = body + oracle_check_digit(body)
    path = f"/01/{gtin}"
    if lot is not None:
        path += f"/10/{quote(lot, safe='')}"
    if serial is not None:
        path += f"/21/{quote(serial, safe='')}"
    c = to_canonical(f"https://resolver.example{path}")
    parts = c.identifier.suffix.split("/")
    assert parts[:2] == ["01", gtin.zfill(14)]
    decoded = dict(zip(parts[2::2], map(unquote, parts[3::2]), strict=True))
    assert decoded.get("10") == lot and decoded.get("21") == serial
    back = assert_reversible(c)
    assert back.startswith("https://id.gs1.org/01/")


def test_from_canonical_refuses_non_canonical_gs1_ids() -> None:
    with pytest.raises(NotInScheme, match=r"gs1 codes live directly under prefix 88\.gs1"):
        from_canonical(Identifier("88.118", "01/09506000134352"), "gs1")
    with pytest.raises(NotInScheme, match=r"suffix must be 01/\{gtin14\}"):
        from_canonical(Identifier("88.gs1", "01/9506000134352"), "gs1")
    with pytest.raises(NotInScheme, match="not percent-encoded in canonical form"):
        from_canonical(Identifier("88.gs1", "01/09506000134352/21/a!b"), "gs1")
    with pytest.raises(BadCheckDigit):
        from_canonical(Identifier("88.gs1", "01/09506000134353"), "gs1")


# --- Ecode -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "suffix", "back"),
    [
        ("10012000000000001234", "10012000000000001234", "10012000000000001234"),
        ("ecode:1001212345678", "1001212345678", "ecode:1001212345678"),  # GTIN-13 length
        ("ECODE:10012999", "10012999", "ecode:10012999"),  # GTIN-8 length
        ("212345678ABCdef", "212345678ABCdef", "212345678ABCdef"),
        ("30001" + "Z" * 39, "30001" + "Z" * 39, "30001" + "Z" * 39),
        ("412345钢卷-1", "412345钢卷-1", "412345钢卷-1"),
        ("ecode:412345a/b:c", "412345a/b:c", "ecode:412345a/b:c"),
    ],
)
def test_ecodes(text: str, suffix: str, back: str) -> None:
    c = to_canonical(text)
    assert c.identifier == Identifier("88.ecode", suffix)
    assert c.scheme == "ecode"
    assert assert_reversible(c) == back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ecode:", "Ecode is empty"),
        ("5123456", "is in no known coding scheme"),
        ("ecode:9123456", "version '9' is not one glid reads; versions are 1, 2, 3, 4"),
        ("0123456789", r"V0 is the GS1-compatible form: give the GTIN"),
        ("100", "a version-1 Ecode has an NSI of 4 digits after the version digit; got '00'"),
        ("2000A0000123", "has an NSI of 8 digits after the version digit; got '000A0000'"),
        ("10012", r"the master data code \(MD\) after NSI 0012 is empty"),
        ("10012ABC", "MD 'ABC' of a version-1 Ecode may hold only digits 0-9"),
        ("10012" + "1" * 21, "MD is 21 characters long; a version-1 Ecode's MD"),
        ("200000001" + "A" * 29, "MD is 29 characters long; a version-2 Ecode's MD has at most 28"),
        ("30001" + "Z" * 40, "a version-3 Ecode's MD has at most 39"),
        ("20000000112-4", r"MD '12-4' of a version-2 Ecode may hold only digits and ASCII"),
    ],
)
def test_bad_ecodes(text: str, message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        to_canonical(text)


def test_ecode_limits_exactly_at_the_md_maximum() -> None:
    assert to_canonical("10012" + "9" * 20).identifier.suffix == "10012" + "9" * 20
    assert to_canonical("200000001" + "A" * 28).scheme == "ecode"


def test_bad_ecode_errors_are_bad_ecode() -> None:
    with pytest.raises(BadEcode):
        to_canonical("10012ABC")


ecode_codes = st.one_of(
    st.tuples(st.just("1"), st.text("0123456789", min_size=4, max_size=4),
              st.text("0123456789", min_size=1, max_size=20)),
    st.tuples(st.just("2"), st.text("0123456789", min_size=8, max_size=8),
              st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz", min_size=1, max_size=28)),
    st.tuples(st.just("3"), st.text("0123456789", min_size=4, max_size=4),
              st.text("0123456789ABCXYZ", min_size=1, max_size=39)),
    st.tuples(st.just("4"), st.text("0123456789", min_size=5, max_size=5), suffixes),
).map("".join)  # fmt: skip


@given(ecode_codes)
def test_ecode_round_trip(code: str) -> None:
    c = to_canonical(f"ecode:{code}")
    assert c.identifier.prefix == Prefix("88.ecode")
    back = assert_reversible(c)
    assert back in (c.identifier.suffix, f"ecode:{c.identifier.suffix}")


# --- detection, homes and the registry -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("urn:isbn:978-3-16", "written in scheme 'urn:isbn', which glid does not map"),
        ("urn:", "written in scheme 'urn:'"),
        ("mailto:a@b.example", "written in scheme 'mailto'"),
        ("ftp://x/01/09506000134352", "written in scheme 'ftp'"),
        ("https://example.com/item/7", "neither a Handle URL .* nor a GS1 Digital Link"),
        ("hello", "'hello' is in no known coding scheme"),
        ("88.118", "'88.118' is in no known coding scheme"),
    ],
)
def test_unknown_schemes_are_named(text: str, message: str) -> None:
    with pytest.raises(UnknownScheme, match=message):
        to_canonical(text)


def test_custom_homes() -> None:
    schemes = SchemeMap(homes={"gs1": "88.118.gs1", "oid": Prefix("99.OID")})
    assert schemes.home("gs1") == Prefix("88.118.gs1")
    assert schemes.home("ecode") == Prefix("88.ecode")
    c = to_canonical("urn:oid:1.2.3", schemes)
    assert str(c.identifier) == "99.oid/1.2.3"
    assert assert_reversible(c, schemes) == "urn:oid:1.2.3"
    with pytest.raises(NotInScheme, match=r"oid codes live directly under prefix 99\.oid"):
        from_canonical(Identifier("88.oid", "1.2.3"), "oid", schemes)
    with pytest.raises(UnknownScheme, match="scheme 'isbn' has no home prefix; known homes: "):
        schemes.home("isbn")


def test_from_canonical_names_unknown_schemes() -> None:
    with pytest.raises(UnknownScheme, match="no scheme named 'isbn'; registered schemes: "):
        from_canonical(Identifier("88", "x"), "isbn")


class TicketScheme(SchemeAdapter):
    """A deployment-defined scheme: ``tkt:<n>`` → ``88.tkt/<n>``."""

    name = "ticket"

    def claims(self, text: str, schemes: SchemeMap) -> bool:
        return text.startswith("tkt:")

    def to_identifier(self, text: str, schemes: SchemeMap) -> Identifier:
        return Identifier("88.tkt", text[4:])

    def from_identifier(self, identifier: Identifier, schemes: SchemeMap) -> str:
        return f"tkt:{identifier.suffix}"


register_scheme(TicketScheme())


def test_registered_schemes_take_part_in_detection() -> None:
    c = to_canonical("tkt:42")
    assert c == Canonical(Identifier("88.tkt", "42"), "ticket", "tkt:42")
    assert from_canonical(c.identifier, "ticket") == "tkt:42"
    assert isinstance(get_scheme("ticket"), TicketScheme)
    with pytest.raises(SchemeError, match="a scheme named 'ticket' is already registered"):
        register_scheme(TicketScheme())
