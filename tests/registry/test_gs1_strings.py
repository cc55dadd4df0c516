"""GS1 element strings, EPC URIs, compressed Digital Links and bare OIDs map to the same
canonical ids as the Digital Link and urn:oid forms of the same codes."""

from urllib.parse import quote

import pytest
from gs1 import compress_gs1_digital_link
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from registry.errors import BadCheckDigit, BadDigitalLink, SchemeError
from registry.gs1_compressed import ALPHABET
from registry.schemes import (
    GROUP_SEPARATOR,
    gtin_check_digit,
    parse_element_string,
    parse_epc,
    to_canonical,
)

SET_82 = "!\"%&'*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
values = st.text(alphabet=SET_82, min_size=1, max_size=20)
bodies = st.text(alphabet="0123456789", min_size=13, max_size=13)


def gtin_of(body: str) -> str:
    return body + str(gtin_check_digit(body))


@settings(max_examples=60)
@given(bodies, st.none() | values, st.none() | values)
def test_element_strings_match_the_digital_link(
    body: str, lot: str | None, serial: str | None
) -> None:
    gtin = gtin_of(body)
    bracketed = f"(01){gtin}" + (f"(10){lot}" if lot else "") + (f"(21){serial}" if serial else "")
    raw = (
        f"01{gtin}"
        + (f"10{lot}{GROUP_SEPARATOR}" if lot else "")
        + (f"21{serial}" if serial else "")
    )
    assert parse_element_string(bracketed) == (gtin, lot, serial)
    assert parse_element_string(raw.rstrip(GROUP_SEPARATOR)) == (gtin, lot, serial)
    assert parse_element_string("]Q3" + raw.rstrip(GROUP_SEPARATOR)) == (gtin, lot, serial)
    assert (
        to_canonical(bracketed).identifier == to_canonical(raw.rstrip(GROUP_SEPARATOR)).identifier
    )


@settings(max_examples=60)
@given(st.integers(min_value=6, max_value=12), bodies, values)
def test_epc_uris_give_the_gtin_and_serial(company_digits: int, body: str, serial: str) -> None:
    indicator, company, item = body[0], body[1 : 1 + company_digits], body[1 + company_digits :]
    uri = f"urn:epc:id:sgtin:{company}.{indicator}{item}.{serial.replace('%', '%25')}"
    assert parse_epc(uri) == (gtin_of(body), None, serial)
    lot_uri = uri.replace("id:sgtin", "class:lgtin")
    assert parse_epc(lot_uri) == (gtin_of(body), serial, None)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("(01)06901234567893", BadCheckDigit, "check digit is 3"),
        ("(02)06901234567892", BadDigitalLink, "the first AI must be (01)"),
        ("(01)06901234567892(17)261231", BadDigitalLink, "AI (17) is not supported"),
        ("(01)06901234567892(10)A(10)B", BadDigitalLink, "AI (10) is repeated"),
        ("(01)06901234567892(10)" + "x" * 21, BadDigitalLink, "at most 20"),
        ("urn:epc:id:sgtin:6901234.0567.S1", BadDigitalLink, "11 digits together"),
        ("urn:epc:id:sgtin:6901234", BadDigitalLink, "expected urn:epc:id:sgtin"),
        ("1.2.0156", SchemeError, "leading zero"),
    ],
)
def test_malformed_codes_name_the_problem(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        to_canonical(text)


def test_bare_and_urn_oids_are_one_identifier() -> None:
    assert (
        to_canonical("1.2.156.3001.1").identifier
        == to_canonical("urn:oid:1.2.156.3001.1").identifier
    )
    assert to_canonical("1.2.156.3001.1").scheme == "oid"


# Compressed Digital Links, checked against GS1's own compression algorithm as published in
# the gs1-compression package (an independent encoder).
# (the reference encoder refuses some set-82 punctuation in paths, so letters, digits, -._)
lots = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._",
    min_size=1,
    max_size=20,
)


@settings(max_examples=60)
@given(bodies, st.none() | lots, st.none() | lots)
def test_compressed_links_map_like_uncompressed_ones(
    body: str, lot: str | None, serial: str | None
) -> None:
    gtin = gtin_of(body)
    path = f"/01/{gtin}" + (f"/10/{quote(lot, safe='')}" if lot else "")
    path += f"/21/{quote(serial, safe='')}" if serial else ""
    plain = f"https://id.example.com{path}"
    compressed = compress_gs1_digital_link(plain)
    # The reference encoder returns the bare host for some serials made only of zeros
    # ('/21/00'): it compresses to nothing, so there is no link to compare.
    assume(compressed != "https://id.example.com/")
    assert "/01/" not in compressed
    assert to_canonical(compressed).identifier == to_canonical(plain).identifier


def segment(bits: str) -> str:
    bits += "0" * (-len(bits) % 6)
    return "".join(ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


GTIN_BITS_TEXT = f"{int('06901234567892'):047b}"


def test_optimisation_codes_for_gtin_with_lot_or_serial() -> None:
    lot = "100" + f"{3:05b}" + "".join(f"{ord(c):07b}" for c in "L/7")  # 7-bit ASCII "L/7"
    link = f"https://example.cn/{segment('00001011' + GTIN_BITS_TEXT + lot)}"
    assert str(to_canonical(link).identifier) == "88.gs1/01/06901234567892/10/L%2F7"
    serial = "000" + f"{4:05b}" + f"{42:014b}"  # numeric "0042": 4 digits in 14 bits
    link = f"https://example.cn/{segment('00001100' + GTIN_BITS_TEXT + serial)}"
    assert str(to_canonical(link).identifier) == "88.gs1/01/06901234567892/21/0042"


@pytest.mark.parametrize(
    ("bits", "message"),
    [
        ("00000001" + GTIN_BITS_TEXT[:40], "ends in the middle of a value"),
        ("00000001" + GTIN_BITS_TEXT + "00010111" + "0" * 20, "AI 17 is not supported"),
        ("00000001" + GTIN_BITS_TEXT + "00000001" + GTIN_BITS_TEXT, "AI 01 is repeated"),
        ("00000001" + GTIN_BITS_TEXT + "00010000" + "111" + "00001" + "0" * 8, "encoding 7"),
        ("00000001" + f"{int('06901234567893'):047b}", "check digit is 3"),
    ],
)
def test_bad_compressed_links(bits: str, message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        to_canonical(f"https://example.cn/{segment(bits)}")
