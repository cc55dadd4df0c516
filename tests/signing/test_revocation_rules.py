"""The shape of a revocation list, checked where it is read: what each broken claim is
told, word for word, since an operator reads these when a list from upstream is refused."""

from typing import Any

import pytest

from signing.errors import RevocationError
from signing.jws import sign_compact
from signing.revocation import CRL_TYP, parse_revocation_list
from signing.timestamps import LAST_SECOND
from tests.signing.builders import T0, key


def list_claims(**changes: Any) -> dict[str, Any]:
    """A valid list from 88.118 revoking one key, with ``changes`` (``None`` leaves a claim
    out)."""
    base = {
        "iss": "88.118",
        "iat": T0,
        "nxt": T0 + 3600,
        "seq": 3,
        "entries": [{"kid": "k1", "reason": "superseded", "at": T0 - 60}],
    }
    merged = {**base, **changes}
    return {name: value for name, value in merged.items() if value is not None}


def refusal(claims: dict[str, Any]) -> str:
    with pytest.raises(RevocationError) as caught:
        parse_revocation_list(sign_compact(claims, key(1), CRL_TYP))
    return str(caught.value)


def test_a_valid_list_reads_back_its_claims() -> None:
    parsed = parse_revocation_list(sign_compact(list_claims(), key(1), CRL_TYP))
    assert (parsed.iss, parsed.iat, parsed.nxt, parsed.seq) == ("88.118", T0, T0 + 3600, 3)
    assert [(e.kid, e.reason, e.at) for e in parsed.entries] == [("k1", "superseded", T0 - 60)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iat": -1}, "revocation list from 88.118: iat must be an integer >= 0"),
        ({"seq": "3"}, "revocation list from 88.118: seq must be an integer >= 0"),
        (
            {"nxt": T0},
            "revocation list from 88.118: nxt must be an integer after iat (the next update)",
        ),
        (
            {"iat": LAST_SECOND + 1, "nxt": None},
            f"revocation list from 88.118: iat {LAST_SECOND + 1} is outside the years 1 to 9999",
        ),
        (
            {"nxt": LAST_SECOND + 1},
            f"revocation list from 88.118: nxt {LAST_SECOND + 1} is outside the years 1 to 9999",
        ),
        ({"entries": {}}, "revocation list from 88.118: entries must be a list"),
        (
            {"entries": [{"kid": "k1", "reason": "superseded", "at": -5}]},
            "revocation list 88.118#3: entry at must be a NumericDate (whole seconds)",
        ),
        (
            {"entries": [{"kid": "k1", "reason": "superseded", "at": LAST_SECOND + 1}]},
            f"revocation list 88.118#3: entry at {LAST_SECOND + 1} is outside the years 1 to 9999",
        ),
        (
            {"entries": [{"prefix": "88.2", "reason": "superseded", "at": T0}]},
            "revocation list 88.118#3: cannot revoke prefix 88.2, outside the issuer's subtree",
        ),
    ],
)
def test_a_broken_claim_is_named_with_the_list(changes: dict[str, Any], message: str) -> None:
    assert refusal(list_claims(**changes)) == message


def test_the_last_second_of_the_calendar_is_a_valid_time() -> None:
    claims = list_claims(nxt=LAST_SECOND)
    assert parse_revocation_list(sign_compact(claims, key(1), CRL_TYP)).nxt == LAST_SECOND
