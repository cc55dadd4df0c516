"""The bad-input corpus: requests a hostile or careless client sends, each of which must be
answered with a JSON error (or a normal answer), never a 5xx, a hang or plain text.

Every case found to misbehave once stays here as a regression case. A case is
(name, method, path, body, headers); ``AUTH`` in headers stands for the node admin's
credentials, filled in by the test.
"""

import msgpack
import orjson

Case = tuple[str, str, str, bytes | None, dict[str, str]]
AUTH = {"Authorization": "AUTH"}
MSGPACK = {"Content-Type": "application/msgpack"}
JSON = {"Content-Type": "application/json"}

BAD_NUMBERS = {
    "superscript two": "%C2%B2",
    "arabic-indic one": "%D9%A1",
    "fullwidth one": "%EF%BC%91",
    "negative": "-1",
    "fraction": "1.5",
    "exponent": "1e3",
    "empty": "",
    "leading space": "%201",
    "hex": "0x10",
    "2^63": str(2**63),
    "2^64": str(2**64),
    "2^70": str(2**70),
    "4301 digits": "9" * 4301,
}
BAD_MOMENTS = {
    "garbage": "garbage",
    "date only": "2026-01-01",
    "no zone": "2026-01-01T00:00:00",
    "month 13": "2026-13-01T00:00:00Z",
    "unicode digits": "%D9%A2026-01-01T00:00:00Z",
    "huge year": "99999-01-01T00:00:00Z",
}
NUMBER_PARAMS = [
    ("GET", "/glid/v1/resolve/88/a?version={}", {}),
    ("GET", "/glid/v1/resolve/88/a?index={}", {}),
    ("GET", "/api/handles/88/a?index={}", {}),
    ("GET", "/api/handles?prefix=88&page={}", AUTH),
    ("GET", "/api/handles?prefix=88&pageSize={}", AUTH),
    ("GET", "/glid/v1/log/proof/88/a?version={}", {}),
    ("GET", "/glid/v1/log/proof/88/a?version=1&size={}", {}),
    ("GET", "/glid/v1/log/consistency?old={}", {}),
    ("GET", "/glid/v1/log/consistency?old=1&new={}", {}),
    ("DELETE", "/api/handles/88/a?index={}", AUTH),
]


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _records(value: object, type_: str = "t") -> bytes:
    item = {"handle": "88/bad", "values": [{"index": 1, "type": type_, "data": value}]}
    return msgpack.packb([item], use_bin_type=True)


def _deep_value(depth: int) -> object:
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return {"format": "json", "value": value}


def cases() -> list[Case]:
    out: list[Case] = []
    for method, template, headers in NUMBER_PARAMS:
        for name, text in BAD_NUMBERS.items():
            out.append((f"{template} {name}", method, template.format(text), None, headers))
    for name, text in BAD_MOMENTS.items():
        out.append((f"at {name}", "GET", f"/glid/v1/resolve/88/a?at={text}", None, {}))
    deep = _nested(900)
    for path in (
        "/glid/v1/resolve",
        "/glid/v1/templates/registrations",
        "/glid/v1/delegations",
    ):
        out += [
            (f"{path} nested 900", "POST", path, deep, JSON),
            (f"{path} not JSON", "POST", path, b"{", JSON),
            (f"{path} not MessagePack", "POST", path, b"\xc1", MSGPACK),
            (
                f"{path} MessagePack ext",
                "POST",
                path,
                msgpack.packb(msgpack.ExtType(5, b"x")),
                MSGPACK,
            ),
            (f"{path} empty", "POST", path, b"", JSON),
            (f"{path} huge number", "POST", path, b'{"ids": [' + b"9" * 5000 + b"]}", JSON),
            (f"{path} NaN", "POST", path, b'{"ids": NaN}', JSON),
            (f"{path} array", "POST", path, b"[]", JSON),
        ]
    out += [
        ("batch ids not strings", "POST", "/glid/v1/resolve", b'{"ids": [1, 2]}', JSON),
        ("batch bundle object", "POST", "/glid/v1/resolve", b'{"ids": [], "bundle": {}}', JSON),
        ("templates nested 900", "POST", "/glid/v1/templates", deep, {**JSON, **AUTH}),
        (
            "delegation request nested",
            "POST",
            "/glid/v1/delegations",
            orjson.dumps({"request": orjson.loads(_nested(200))}),
            JSON,
        ),
        (
            "delegation request wrong shape",
            "POST",
            "/glid/v1/delegations",
            b'{"request": 5, "site": 5}',
            JSON,
        ),
        (
            "records bin value",
            "POST",
            "/glid/v1/records",
            _records(b"\x00\x01"),
            {**MSGPACK, **AUTH},
        ),
        (
            "records ext value",
            "POST",
            "/glid/v1/records",
            _records({"format": "x", "value": msgpack.ExtType(1, b"y")}),
            {**MSGPACK, **AUTH},
        ),
        (
            "records NUL in type",
            "POST",
            "/glid/v1/records",
            _records("v", "a\x00b"),
            {**MSGPACK, **AUTH},
        ),
        (
            "records deep value",
            "POST",
            "/glid/v1/records",
            _records(_deep_value(100)),
            {**MSGPACK, **AUTH},
        ),
        (
            "records JSON lines deep",
            "POST",
            "/glid/v1/records",
            b'{"handle": "88/d", "values": [{"index": 1, "type": "t", "data": {"format": "j",'
            b' "value": ' + _nested(500) + b"}}]}",
            AUTH,
        ),
        (
            "records not a list",
            "POST",
            "/glid/v1/records",
            msgpack.packb({"a": 1}),
            {**MSGPACK, **AUTH},
        ),
        ("records no credentials", "POST", "/glid/v1/records", b"{}", {}),
        (
            "handle PUT deep",
            "PUT",
            "/api/handles/88/deep",
            orjson.dumps([{"index": 1, "type": "t", "data": _deep_value(200)}]),
            AUTH,
        ),
        (
            "handle PUT huge index",
            "PUT",
            "/api/handles/88/deep",
            orjson.dumps([{"index": 2**64 - 1, "type": "t", "data": "x"}]),
            AUTH,
        ),
        ("handle PUT bad JSON", "PUT", "/api/handles/88/deep", b"[{", AUTH),
        ("handle PUT not UTF-8 path", "PUT", "/api/handles/88/%FF", b"[]", AUTH),
        ("handle GET not UTF-8 path", "GET", "/api/handles/88/%FF%FE", None, {}),
        ("resolve not UTF-8 path", "GET", "/glid/v1/resolve/88/%FF", None, {}),
        ("resolve control character", "GET", "/glid/v1/resolve/88/a%00b", None, {}),
        ("prefix unicode", "GET", "/glid/v1/prefixes/%D9%A1", None, {}),
        ("prefix record huge", "GET", "/glid/v1/prefixes/" + "8" * 4000, None, {}),
        ("delegation state unknown", "GET", "/glid/v1/delegations/88.%FF", None, {}),
        ("template unknown", "GET", "/glid/v1/templates/%00", None, {}),
        ("unknown path", "GET", "/nowhere", None, {}),
        ("wrong method", "PATCH", "/glid/v1/resolve/88/a", None, {}),
        ("basic not base64", "PUT", "/api/handles/88/x", b"[]", {"Authorization": "Basic %%%"}),
        ("basic no colon", "PUT", "/api/handles/88/x", b"[]", {"Authorization": "Basic YWJj"}),
        (
            "basic unicode digits identity",
            "PUT",
            "/api/handles/88/x",
            b"[]",
            {"Authorization": "Basic wrI6ODgvYWRtaW46eA=="},
        ),  # "²:88/admin:x"
        (
            "signed unicode ts",
            "PUT",
            "/api/handles/88/x",
            b"[]",
            {
                "Authorization": "Glid-Ed25519 identity=300:88/admin, kid=k, ts=\u00b2,"
                " nonce=AAAAAAAAAAAAAAAA, sig=AA".encode().decode("latin-1")
            },
        ),
        (
            "signed huge ts",
            "PUT",
            "/api/handles/88/x",
            b"[]",
            {
                "Authorization": "Glid-Ed25519 identity=300:88/admin, kid=k, ts="
                + "9" * 5000
                + ", nonce=AAAAAAAAAAAAAAAA, sig=AA"
            },
        ),
        (
            "signed unicode identity index",
            "PUT",
            "/api/handles/88/x",
            b"[]",
            {
                "Authorization": "Glid-Ed25519 identity=%C2%B2:88/admin, kid=k, ts=1,"
                " nonce=AAAAAAAAAAAAAAAA, sig=AA"
            },
        ),
        ("unknown scheme", "PUT", "/api/handles/88/x", b"[]", {"Authorization": "Bearer x"}),
        ("list without prefix", "GET", "/api/handles", None, {}),
        ("list bad prefix", "GET", "/api/handles?prefix=%FF", None, AUTH),
        ("overwrite odd", "PUT", "/api/handles/88/x?overwrite=maybe", b"[]", AUTH),
    ]
    return out
