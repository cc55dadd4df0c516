"""How fast signed record bundles verify, against bare libsodium on the same signatures.

A resolver verifies every record it returns, so full verification (digests, record
signature, certificate chain, revocation) must cost little more than the one Ed25519
check it cannot avoid. The baseline, measured in the same run on the same tokens, is
libsodium's verify (through PyNaCl's binding) of each record JWS's signing input and
signature and nothing else. Chain verdicts come from a warm ChainCache, as in a resolver.
Each bundle carries a current revocation list from every issuer in its chain, as the
default hard-fail policy demands, so the figure includes the freshness check.

A third figure, the floor, is the work no implementation of the format can skip, done
with no checks at all: split the JWS and decode it with the standard library's lenient
decoder, canonically encode and SHA-256 each value, and the libsodium verify. Its ratio to
the baseline is the best any Python verifier of this format could reach on this machine.

A buyer's verification also demands the node's signed statement of the record's newest
version (signing.latest), a second Ed25519 signature per record: the fourth figure
verifies bundles carrying one with ``require_latest``, against a baseline of bare
libsodium verifying both signatures of each record.

Baseline and measured runs alternate and the ratio quoted is the median of the per-pair
ratios, which a shared machine's swings affect far less than separate medians. Target
ratio: >= 0.8 (the floor itself is below it); the hard-fail trust checks must keep it at
>= 0.45.

Run from the checkout: .venv/bin/python -m bench.verify
"""

import hashlib
from base64 import urlsafe_b64decode

import orjson
from nacl.bindings import crypto_sign_open

from bench.timing import median_seconds, paired
from glid_core.canonical import encode_value_fields
from signing.certificates import (
    check_delegation_request,
    issue_certificate,
    issue_delegation,
    issue_signing_certificate,
    make_delegation_request,
    make_trust_anchor,
    parse_trust_anchor,
)
from signing.jws import parse_compact
from signing.keys import SigningKey
from signing.latest import sign_latest
from signing.record_signature import sign_record
from signing.revocation import make_revocation_list
from signing.verify import ChainCache, verify_bundle

N = 3000
REPEATS = 9
T0 = 1767225600


def record_values(i: int) -> list[dict[str, object]]:
    def value(index: int, type_: str, data: object) -> dict[str, object]:
        fmt = "string" if isinstance(data, str) else "json"
        return {
            "index": index,
            "type": type_,
            "data": {"format": fmt, "value": data},
            "ttl": 86400,
            "timestamp": "2026-01-01T00:00:00Z",
        }

    return [
        value(1001, "TEMPLATE", "88/tpl.product-footprint@1.0.0"),
        value(2000, "product_name", f"Cold rolled coil {i}"),
        value(2001, "pcf", {"value": f"{12 + i % 7}.5", "unit": "kgCO2e"}),
        value(2002, "declared_unit", "t"),
    ]


def main() -> None:
    top, secondary, enterprise, signer = (
        SigningKey.from_seed(bytes([n]) * 32) for n in (1, 2, 3, 4)
    )
    anchor = parse_trust_anchor(make_trust_anchor("88", top.verify_key))
    window = {"valid_from": T0 - 86400, "valid_until": T0 + 86400 * 365}
    request = check_delegation_request(make_delegation_request("88.118", secondary, T0))
    chain = [
        issue_delegation(top, "88", request, **window),
        issue_certificate(
            secondary,
            issuer="88.118",
            subject="88.118.8",
            subject_key=enterprise.verify_key,
            perms=["delegate", "sign"],
            **window,
        ),
        issue_signing_certificate(enterprise, "88.118.8", signer.verify_key, **window),
    ]
    lists = [
        make_revocation_list(key, prefix, 1, [], issued_at=T0, next_update=T0 + 86400 * 365)
        for key, prefix in ((top, "88"), (secondary, "88.118"), (enterprise, "88.118.8"))
    ]
    bundles = []
    for i in range(N):
        handle, values = f"88.118.8/coil-{i}", record_values(i)
        token = sign_record(handle, 1, values, signer, T0)
        bundles.append(
            {
                "handle": handle,
                "version": 1,
                "values": values,
                "signature": token,
                "chain": chain,
                "revocations": lists,
            }
        )
    stated = [
        {**b, "latest": sign_latest(enterprise, "88.118.8", b["handle"], 1, (1, bytes(32)), T0)}
        for b in bundles
    ]
    public = bytes(signer.verify_key)
    pairs = [
        (p.signature + p.signing_input) for p in (parse_compact(b["signature"]) for b in bundles)
    ]

    statements = [
        (p.signature + p.signing_input, bytes(enterprise.verify_key))
        for p in (parse_compact(b["latest"]) for b in stated)
    ]
    both = [
        pair
        for record, statement in zip(pairs, statements, strict=True)
        for pair in ((record, public), statement)
    ]

    cache = ChainCache()
    at = T0 + 3600
    assert all(verify_bundle(b, anchor, at=at, cache=cache).valid for b in bundles)
    assert all(
        verify_bundle(b, anchor, at=at, cache=cache, require_latest=True).valid for b in stated
    )

    def full() -> None:
        for bundle in bundles:
            verify_bundle(bundle, anchor, at=at, cache=cache)

    def bare() -> None:
        for signed in pairs:
            crypto_sign_open(signed, public)

    def floor() -> None:
        sha256 = hashlib.sha256
        for bundle in bundles:
            header, payload, signature = bundle["signature"].split(".")
            orjson.loads(urlsafe_b64decode(payload + "=="))
            for v in bundle["values"]:
                sha256(
                    encode_value_fields(v["data"], v["index"], v["timestamp"], v["ttl"], v["type"])
                )
            crypto_sign_open(
                urlsafe_b64decode(signature + "==") + f"{header}.{payload}".encode(), public
            )

    def buyer() -> None:
        for bundle in stated:
            verify_bundle(bundle, anchor, at=at, cache=cache, require_latest=True)

    def bare_both() -> None:
        for signed, key in both:
            crypto_sign_open(signed, key)

    def uncached() -> None:
        for bundle in bundles[:300]:
            verify_bundle(bundle, anchor, at=at)

    bare_s, full_s, ratio = paired(bare, full, REPEATS)
    _, floor_s, floor_ratio = paired(bare, floor, REPEATS)
    both_s, buyer_s, buyer_ratio = paired(bare_both, buyer, REPEATS)
    uncached_s = median_seconds(uncached, 3)
    print(f"records: {N}, 4 values each, chain of {len(chain)} certificates")
    print(f"bare libsodium verify      : {N / bare_s:10,.0f} records/s")
    print(f"verify_bundle, cached chain: {N / full_s:10,.0f} records/s")
    print(f"verify_bundle, no cache    : {300 / uncached_s:10,.0f} records/s")
    print(f"floor (decode, digest, verify, no checks): {N / floor_s:,.0f} records/s")
    print(f"ratio floor / bare         : {floor_ratio:10.2f}  (the best a Python verifier can do)")
    print(f"ratio cached / bare        : {ratio:10.2f}  (target >= 0.8)")
    print(f"bare libsodium, 2 signatures/record: {N / both_s:10,.0f} records/s")
    print(f"verify_bundle + newest-version statement, cached chain: {N / buyer_s:10,.0f}")
    print(f"ratio with statement / bare (2 signatures): {buyer_ratio:10.2f}  (>= 0.45)")


if __name__ == "__main__":
    main()
