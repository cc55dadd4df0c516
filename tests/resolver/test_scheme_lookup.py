"""Every identifier scheme a buyer may hold resolves, through `glid resolve`, to the same
verified record as the product's native handle (the demo's bracket)."""

import json

import pytest

from resolver.cli import main
from resolver.demo import BRACKET, BRACKET_CODES
from resolver.lookup import canonical, gs1_broader
from tests.resolver.live import Live

GTIN = BRACKET_CODES["gtin"]
# Each way of writing the bracket's codes, with the canonical id it maps to.
SPELLINGS = {
    BRACKET: BRACKET,
    f"hdl:{BRACKET}": BRACKET,
    f"https://hdl.handle.net/{BRACKET}": BRACKET,
    GTIN: f"88.gs1/01/{GTIN}",
    GTIN[1:]: f"88.gs1/01/{GTIN}",  # the same GTIN written as GTIN-13
    f"urn:gtin:{GTIN}": f"88.gs1/01/{GTIN}",
    f"https://id.example.com/01/{GTIN}": f"88.gs1/01/{GTIN}",
    f"https://id.example.com/01/{GTIN}/10/LOT-7/21/S%2F1": f"88.gs1/01/{GTIN}/10/LOT-7/21/S%2F1",
    "https://id.example.com/AQyNo0UVqA": f"88.gs1/01/{GTIN}",  # compressed Digital Link
    f"(01){GTIN}(10)LOT-7": f"88.gs1/01/{GTIN}/10/LOT-7",
    f"]C101{GTIN}10LOT-7\x1d21S1": f"88.gs1/01/{GTIN}/10/LOT-7/21/S1",
    "urn:epc:id:sgtin:6901234.056789.S1": f"88.gs1/01/{GTIN}/21/S1",
    BRACKET_CODES["oid"]: f"88.oid/{BRACKET_CODES['oid']}",
    f"urn:oid:{BRACKET_CODES['oid']}": f"88.oid/{BRACKET_CODES['oid']}",
    BRACKET_CODES["ecode"]: f"88.ecode/{BRACKET_CODES['ecode']}",
    BRACKET_CODES["private"]: "88.104.3/FS-2026-0001",
}


def glid_resolve(live: Live, capsys: pytest.CaptureFixture[str], *ids: str) -> tuple[int, list]:
    args = ["resolve", *ids, "--root", live.root, "--trust-anchor", str(live.demo.anchor)]
    code = main([*args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_every_scheme_resolves_to_the_bracket(
    live: Live, capsys: pytest.CaptureFixture[str]
) -> None:
    code, answers = glid_resolve(live, capsys, *SPELLINGS)
    assert code == 0
    native = answers[0]
    for answer, (asked, mapped) in zip(answers, SPELLINGS.items(), strict=True):
        assert answer["asked"] == asked and answer["canonical"] == mapped
        assert answer["verified"] is True, answer
        assert answer["handle"] == BRACKET
        assert answer["answer"]["values"] == native["answer"]["values"]
        if mapped != BRACKET:
            alias = answer["alias"]
            assert alias["verdict"]["valid"] is True
            assert alias["answer"]["values"][0]["data"]["value"] == BRACKET


def test_text_output_names_the_mapping(live: Live, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["resolve", GTIN, "--root", live.root, "--trust-anchor", str(live.demo.anchor)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{GTIN} (gs1) → 88.gs1/01/{GTIN}" in out
    assert f"alias 88.gs1/01/{GTIN} → {BRACKET} (verified)" in out and "VERIFIED" in out


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("06901234567893", "bad_identifier", "check digit is 3 but the other digits give 2"),
        ("urn:isbn:9787111111111", "bad_identifier", "scheme 'urn:isbn', which glid does not map"),
        ("06901234567809", "not_found", ""),  # a valid GTIN nobody mapped
        ("1.2.156.9.9", "not_found", ""),
    ],
)
def test_bad_codes_say_what_is_wrong(
    live: Live, capsys: pytest.CaptureFixture[str], code: str, status: str, message: str
) -> None:
    exit_code, (answer,) = glid_resolve(live, capsys, code)
    assert exit_code == 1 and answer["status"] == status and answer["verified"] is False
    assert message in (answer.get("error") or "")


def test_a_page_url_stands_for_its_identifier() -> None:
    found = canonical(f"http://127.0.0.1:1/id/{BRACKET_CODES['oid']}")
    assert str(found.identifier) == f"88.oid/{BRACKET_CODES['oid']}" and found.scheme == "oid"


def test_gs1_keys_widen_one_qualifier_at_a_time() -> None:
    assert gs1_broader(f"88.gs1/01/{GTIN}/10/A/21/B") == f"88.gs1/01/{GTIN}/10/A"
    assert gs1_broader(f"88.gs1/01/{GTIN}/21/B") == f"88.gs1/01/{GTIN}"
    assert gs1_broader(f"88.gs1/01/{GTIN}") is None
    assert gs1_broader("88.104.3/a/b/c") is None
