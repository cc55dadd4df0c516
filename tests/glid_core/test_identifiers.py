"""Prefix and Identifier: parsing, canonical form, limits, relations and error messages."""

import copy
import pickle
import unicodedata

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from glid_core.errors import (
    BadPrefixSegment,
    ControlCharacter,
    EmptyIdentifier,
    EmptyPrefix,
    EmptySuffix,
    GlidError,
    IdentifierError,
    MissingSlash,
    NotUtf8,
    PrefixError,
    PrefixTooLong,
    SegmentTooLong,
    SuffixTooLong,
    TooLong,
    TooManySegments,
)
from glid_core.identifiers import (
    MAX_IDENTIFIER_BYTES,
    Identifier,
    Prefix,
    is_prefix_record,
    owner_of,
    prefix_of_record,
    prefix_record_id,
)

SEGMENT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
segments = st.text(SEGMENT_ALPHABET, min_size=1, max_size=12)
prefix_texts = st.lists(segments, min_size=1, max_size=6).map(".".join)
# Suffix characters: anything except the refused categories (and lone surrogates, which
# hypothesis does not generate in text by default anyway).
suffix_chars = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp"))
suffixes = st.text(suffix_chars, min_size=1, max_size=40)
REFUSED_SAMPLES = ["\x00", "\x1f", "\x7f", "\x85", "\u200b", "\u200d", "\u202e", "\u2066",
                   "\ufeff", "\u00ad", "\u2028", "\u2029"]  # fmt: skip


# --- Prefix ----------------------------------------------------------------------------


def test_prefix_is_stored_lower_case_and_exposes_its_parts() -> None:
    p = Prefix.from_text("88.ABC.8")
    assert p.to_text() == "88.abc.8"
    assert str(p) == "88.abc.8"
    assert p.segments == ("88", "abc", "8")
    assert p.depth == 3
    assert repr(p) == "Prefix('88.abc.8')"


def test_handle_style_prefixes_parse() -> None:
    assert Prefix("20.500.12345").segments == ("20", "500", "12345")
    assert Prefix("0.NA").to_text() == "0.na"
    assert Prefix("a_b-c").depth == 1


def test_parent_and_child() -> None:
    p = Prefix("88.118.8")
    assert p.parent() == Prefix("88.118")
    assert Prefix("88").parent() is None
    assert Prefix("88").child("118") == Prefix("88.118")
    assert Prefix("88").child("ABC") == Prefix("88.abc")
    assert list(p.ancestors()) == [Prefix("88.118.8"), Prefix("88.118"), Prefix("88")]


def test_child_refuses_dots_and_bad_characters() -> None:
    with pytest.raises(BadPrefixSegment, match=r"child segment '1\.2' of prefix '88' holds '\.'"):
        Prefix("88").child("1.2")
    space = r"prefix '88\.a b': character ' ' \(U\+0020\) at offset 4"
    with pytest.raises(BadPrefixSegment, match=space):
        Prefix("88").child("a b")


def test_is_under_and_is_child_of() -> None:
    top, mid, leaf = Prefix("88"), Prefix("88.118"), Prefix("88.118.8")
    assert leaf.is_under(top) and leaf.is_under(mid) and leaf.is_under(leaf)
    assert not top.is_under(mid)
    # A shared text prefix is not a tree relation.
    assert not Prefix("881").is_under(top)
    assert not Prefix("88-x").is_under(top)
    assert mid.is_child_of(top)
    assert not leaf.is_child_of(top)
    assert not top.is_child_of(top)


def test_prefix_equality_hash_and_order() -> None:
    assert Prefix("88.ABC") == Prefix("88.abc")
    assert hash(Prefix("88.ABC")) == hash(Prefix("88.abc"))
    assert Prefix("88") != "88"
    # Segment order keeps a prefix's subtree together, unlike plain text order
    # ("88-x" < "88.1" by bytes, because '-' < '.').
    ordered = sorted([Prefix("88.2"), Prefix("88-x"), Prefix("88.118"), Prefix("88")])
    assert [str(p) for p in ordered] == ["88", "88.118", "88.2", "88-x"]
    assert Prefix("88") <= Prefix("88") < Prefix("88.1")
    assert Prefix("89") > Prefix("88.999") >= Prefix("88.999")


def test_prefix_is_immutable_and_pickles() -> None:
    p = Prefix("88.118")
    with pytest.raises(AttributeError, match="Prefix is immutable"):
        p._text = "99"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del p._text
    assert pickle.loads(pickle.dumps(p)) == p
    assert copy.deepcopy(p) == p


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", EmptyPrefix, "prefix is empty"),
        (".88", BadPrefixSegment, "prefix '.88': segment 1 at offset 0 is empty"),
        ("88.", BadPrefixSegment, r"prefix '88\.': segment 2 at offset 3 is empty"),
        ("88..1", BadPrefixSegment, "segment 2 at offset 3 is empty"),
        ("88.a!b", BadPrefixSegment, r"character '!' \(U\+0021\) at offset 4, in segment 2"),
        ("88/1", BadPrefixSegment, r"character '/' \(U\+002F\) at offset 2, in segment 1"),
        ("８８", BadPrefixSegment, r"character '８' \(U\+FF18\) at offset 0"),
        # The Kelvin sign lower-cases to ASCII "k"; it must still be refused.
        ("\u212a", BadPrefixSegment, r"U\+212A"),
        ("88." + "a" * 64, SegmentTooLong, "segment 2 is 64 characters long; at most 63"),
        (".".join(["1"] * 17), TooManySegments, "has 17 segments; at most 16"),
    ],
)
def test_bad_prefixes_name_the_problem(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Prefix.from_text(text)


def test_prefix_limits_exactly_at_and_one_past() -> None:
    assert Prefix("a" * 63).depth == 1
    assert Prefix(".".join(["1"] * 16)).depth == 16
    # 255 bytes: four 63-character segments and three dots.
    at_limit = ".".join(["a" * 63] * 4)
    assert len(at_limit) == 255
    assert Prefix(at_limit).to_text() == at_limit
    past = ".".join(["a" * 63] * 3 + ["a" * 62, "b"])
    assert len(past) == 256
    with pytest.raises(PrefixTooLong, match="is 256 bytes long; at most 255"):
        Prefix(past)


@given(prefix_texts)
def test_prefix_round_trips_and_ignores_case(text: str) -> None:
    p = Prefix.from_text(text)
    assert Prefix.from_text(p.to_text()) == p
    assert p.to_text() == text.lower()
    assert Prefix.from_text(text.upper()) == p
    assert p.segments == tuple(text.lower().split("."))


@given(prefix_texts, prefix_texts)
def test_is_under_matches_segment_prefix(a: str, b: str) -> None:
    pa, pb = Prefix(a), Prefix(b)
    expected = pa.segments[: pb.depth] == pb.segments
    assert pa.is_under(pb) is expected
    assert pa.is_child_of(pb) is (expected and pa.depth == pb.depth + 1)


# --- Identifier ------------------------------------------------------------------------


def test_identifier_parts_and_forms() -> None:
    i = Identifier.from_text("88.118.8/coil-1")
    assert i.prefix == Prefix("88.118.8")
    assert i.suffix == "coil-1"
    assert i.to_text() == str(i) == "88.118.8/coil-1"
    assert i.to_wire() == b"88.118.8/coil-1"
    assert repr(i) == "Identifier('88.118.8/coil-1')"
    assert Identifier("88.118.8", "coil-1") == i
    assert Identifier(Prefix("88.118.8"), "coil-1") == i


def test_split_at_first_slash_and_suffix_keeps_case() -> None:
    i = Identifier.from_text("88.AB/Coil/Batch/7")
    assert i.prefix == Prefix("88.ab")
    assert i.suffix == "Coil/Batch/7"
    assert i != Identifier.from_text("88.ab/coil/batch/7")
    assert i == Identifier.from_text("88.ab/Coil/Batch/7")


def test_suffix_is_normalised_to_nfc() -> None:
    decomposed = Identifier.from_text("88/cafe\u0301")
    assert decomposed.suffix == "caf\u00e9"
    assert decomposed == Identifier.from_text("88/caf\u00e9")
    assert decomposed.to_wire() == b"88/caf\xc3\xa9"


def test_unicode_suffixes_and_spaces_are_allowed() -> None:
    i = Identifier.from_text("88.118/钢卷 2026-001")
    assert i.suffix == "钢卷 2026-001"
    assert Identifier.from_wire(i.to_wire()) == i


def test_identifier_relations_order_and_hash() -> None:
    i = Identifier.from_text("88.118.8/x")
    assert i.is_under(Prefix("88")) and i.is_under(Prefix("88.118.8"))
    assert not i.is_under(Prefix("88.118.9"))
    assert hash(i) == hash(Identifier.from_text("88.118.8/x"))
    assert len({i, Identifier.from_text("88.118.8/x"), Identifier.from_text("88.118.8/y")}) == 2
    ids = [Identifier.from_text(t) for t in ["88.2/a", "88/b", "88.118/a", "88/a"]]
    assert [str(x) for x in sorted(ids)] == ["88/a", "88/b", "88.118/a", "88.2/a"]
    a, b = Identifier.from_text("88/a"), Identifier.from_text("88/b")
    assert a < b and a <= a and b > a and b >= b
    assert i != "88.118.8/x"


def test_identifier_is_immutable_and_pickles() -> None:
    i = Identifier.from_text("88/x")
    with pytest.raises(AttributeError, match="Identifier is immutable"):
        i._suffix = "y"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(i)) == i
    assert copy.copy(i) == i


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("", EmptyIdentifier, "The identifier is empty"),
        ("coil-1", MissingSlash, r"identifier 'coil-1' has no '/'"),
        ("/coil-1", EmptyPrefix, r"identifier '/coil-1': prefix is empty"),
        ("88.118/", EmptySuffix, r"identifier '88.118/' has an empty suffix after '/'"),
        (
            "88..1/x",
            BadPrefixSegment,
            r"identifier '88\.\.1/x': prefix '88\.\.1': segment 2 at offset 3 is empty",
        ),
        (
            "88.a b/x",
            BadPrefixSegment,
            r"identifier '88\.a b/x': prefix '88\.a b': character ' ' \(U\+0020\) at offset 4",
        ),
        (
            "88/a\tb",
            ControlCharacter,
            r"suffix holds U\+0009 \(unnamed, category Cc\) at offset 1 of the suffix",
        ),
        (
            "88/ab\u202e",
            ControlCharacter,
            r"U\+202E \(RIGHT-TO-LEFT OVERRIDE, category Cf\) at offset 2 of the suffix",
        ),
        ("88/a\u2028", ControlCharacter, r"U\+2028 \(LINE SEPARATOR, category Zl\) at offset 1"),
        (
            "0.na/88.x!",
            BadPrefixSegment,
            r"prefix record \(its suffix must be a prefix\) '0\.na/88\.x!'",
        ),
    ],
)
def test_bad_identifiers_name_the_problem(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Identifier.from_text(text)


def test_errors_belong_to_the_tree() -> None:
    with pytest.raises(IdentifierError) as info:
        Identifier.from_text("nope")
    assert isinstance(info.value, GlidError)
    assert isinstance(info.value, ValueError)
    assert issubclass(SuffixTooLong, TooLong)
    # Every way a prefix can be malformed is a PrefixError, which is what a verifier of
    # signed claims catches.
    for error in (EmptyPrefix, BadPrefixSegment, SegmentTooLong, TooManySegments, PrefixTooLong):
        assert issubclass(error, PrefixError)


def test_constructor_validates_like_from_text() -> None:
    with pytest.raises(BadPrefixSegment, match=r"identifier '8 8/x': prefix '8 8'"):
        Identifier("8 8", "x")
    with pytest.raises(EmptySuffix):
        Identifier(Prefix("88"), "")
    with pytest.raises(ControlCharacter, match="offset 0"):
        Identifier(Prefix("88"), "\x00")


@given(prefix_texts, suffixes)
def test_identifier_round_trips(prefix: str, suffix: str) -> None:
    assume(prefix.lower() != "0.na")
    i = Identifier.from_text(f"{prefix}/{suffix}")
    assert i.prefix == Prefix(prefix)
    assert i.suffix == unicodedata.normalize("NFC", suffix)
    assert Identifier.from_text(i.to_text()) == i
    assert Identifier.from_wire(i.to_wire()) == i
    assert Identifier.from_text(f"{prefix.upper()}/{suffix}") == i


@given(
    prefix_texts,
    st.text(suffix_chars, max_size=10),
    st.sampled_from(REFUSED_SAMPLES),
    st.text(suffix_chars, max_size=10),
)
def test_refused_characters_are_caught_at_any_position(
    prefix: str, before: str, bad: str, after: str
) -> None:
    assume(prefix.lower() != "0.na")
    with pytest.raises(ControlCharacter) as info:
        Identifier.from_text(f"{prefix}/{before}{bad}{after}")
    assert f"U+{ord(bad):04X}" in str(info.value)
    assert f"at offset {len(before)} of the suffix" in str(info.value)


def test_suffix_limit_exactly_at_and_one_past() -> None:
    assert len(Identifier("88", "x" * 1024).suffix) == 1024
    with pytest.raises(SuffixTooLong, match="suffix is 1025 UTF-8 bytes long; at most 1024"):
        Identifier("88", "x" * 1025)
    # The limit counts UTF-8 bytes: 341 three-byte characters are 1023 bytes, 342 are 1026.
    assert Identifier("88", "钢" * 341 + "x").suffix.endswith("x")
    with pytest.raises(SuffixTooLong, match="suffix is 1026 UTF-8 bytes long"):
        Identifier("88", "钢" * 342)


def test_nfc_is_applied_before_the_length_limit() -> None:
    # 512 decomposed "é" are 1536 bytes typed, 1024 bytes once composed.
    i = Identifier("88", "e\u0301" * 512)
    assert len(i.to_wire()) == len("88/") + 1024


def test_whole_identifier_at_its_limit() -> None:
    prefix = ".".join(["a" * 63] * 4)
    i = Identifier(prefix, "s" * 1024)
    assert len(i.to_wire()) == MAX_IDENTIFIER_BYTES == 1280
    assert Identifier.from_wire(i.to_wire()) == i


def test_from_wire_refuses_bad_utf8_with_offset() -> None:
    with pytest.raises(NotUtf8, match=r"byte 0xff at offset 5 \(invalid start byte\)"):
        Identifier.from_wire(b"88/ab\xffcd")
    with pytest.raises(NotUtf8, match="byte 0xe9 at offset 3"):
        Identifier.from_wire("88/é".encode("latin-1"))
    # Surrogates encoded in UTF-8 style are not UTF-8 either.
    with pytest.raises(NotUtf8, match="offset 3"):
        Identifier.from_wire(b"88/\xed\xa0\x80")


# --- prefix records and zone cuts ------------------------------------------------------


def test_prefix_records() -> None:
    record = prefix_record_id(Prefix("88.118"))
    assert record.to_text() == "0.na/88.118"
    assert is_prefix_record(record)
    assert prefix_of_record(record) == Prefix("88.118")
    # Handle writes 0.NA/…; the prefix named by a prefix record is case-insensitive too.
    assert Identifier.from_text("0.NA/88.ABC") == prefix_record_id(Prefix("88.abc"))
    assert not is_prefix_record(Identifier.from_text("88/0.na"))
    with pytest.raises(BadPrefixSegment, match=r"'88/x' is not a prefix record"):
        prefix_of_record(Identifier.from_text("88/x"))


@given(prefix_texts)
def test_prefix_record_round_trip(text: str) -> None:
    p = Prefix(text)
    assert prefix_of_record(Identifier.from_text(prefix_record_id(p).to_text())) == p


def test_owner_of_picks_the_longest_known_prefix() -> None:
    known = [Prefix("88"), Prefix("88.118"), Prefix("88.118.8"), Prefix("88.2")]
    assert owner_of(Identifier.from_text("88.118.8/x"), known) == Prefix("88.118.8")
    assert owner_of(Identifier.from_text("88.118.9/x"), known) == Prefix("88.118")
    assert owner_of(Prefix("88.1181"), known) == Prefix("88")
    assert owner_of(Prefix("89.118"), known) is None
    assert owner_of(Prefix("88.118"), set(known)) == Prefix("88.118")
    assert owner_of(Prefix("88.3.4"), frozenset(known)) == Prefix("88")
    assert owner_of(Prefix("89"), set(known)) is None


@given(st.lists(prefix_texts, max_size=8), prefix_texts)
def test_owner_of_set_and_scan_agree(known_texts: list[str], target: str) -> None:
    known = [Prefix(t) for t in known_texts]
    scanned = owner_of(Prefix(target), known)
    assert scanned == owner_of(Prefix(target), set(known))
    holders = [k for k in known if Prefix(target).is_under(k)]
    if holders:
        assert scanned is not None and scanned.depth == max(k.depth for k in holders)
    else:
        assert scanned is None
