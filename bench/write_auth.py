"""What authenticating a write costs, against the one Ed25519 check it cannot avoid.

A signed write is parsed, its identity looked up, its signature verified and its nonce
inserted into the store (one SQLite transaction). The baseline, measured in the same run
on the same signatures, is libsodium's bare verify of each signing input. Also shown:
the token-bucket check every request pays, against an empty dict lookup. Each figure is
the median of several repetitions.

Run from the checkout: .venv/bin/python -m bench.write_auth
"""

import tempfile
import time
from pathlib import Path

import nacl.signing

from bench.timing import median_seconds, rate_line
from registry.access import enrol, signing_input, verify_signed
from registry.node import init_node
from resolver.auth import parse_signed_header, sign_request
from resolver.limits import TokenBuckets
from signing.keys import SigningKey

N = 2000
IDENTITY = "300:88.101.7/bench"
PATH = "/api/handles/88.101.7/item"
BODY = b'{"values":[{"index":1,"type":"URL","data":"https://example.com"}]}'


def main() -> None:
    key = SigningKey.generate()
    now = int(time.time())
    with tempfile.TemporaryDirectory() as tmp:
        store = init_node(
            Path(tmp) / "node", role="enterprise", prefix="88.101.7", passphrase=b"bench"
        ).store
        enrol(store, IDENTITY, public_jwk=key.verify_key.to_jwk())
        rounds = iter(range(1_000_000))

        def signed_batch() -> list[tuple[str, bytes]]:
            # Fresh nonces for every repetition: a repeated nonce would be refused.
            r = next(rounds)
            return [
                (
                    sign_request(
                        key, IDENTITY, "PUT", PATH, BODY, ts=now, nonce=f"n{r:06d}x{n:09d}"
                    ).partition(" ")[2],
                    BODY,
                )
                for n in range(N)
            ]

        batches = [signed_batch() for _ in range(5)]
        pending = iter(batches)

        def full() -> None:
            for params, body in next(pending):
                verify_signed(store, parse_signed_header(params), "PUT", PATH, body, now)

        raw = nacl.signing.VerifyKey(bytes(key.verify_key))
        parsed = [parse_signed_header(params) for params, _ in batches[0]]
        inputs = [
            (signing_input("PUT", PATH, IDENTITY, p.kid, p.ts, p.nonce, BODY), p.sig)
            for p in parsed
        ]

        def bare() -> None:
            for message, signature in inputs:
                raw.verify(message, signature)

        bare_s = median_seconds(bare)
        full_s = median_seconds(full)
        store.close()

    buckets = TokenBuckets(rate=1e9, burst=10**9)
    addresses = [f"10.0.{n // 256}.{n % 256}" for n in range(N)]
    table: dict[str, float] = {}

    def take() -> None:
        for address in addresses:
            buckets.take(address)

    def lookup() -> None:
        for address in addresses:
            table.get(address)

    take_s, lookup_s = median_seconds(take), median_seconds(lookup)

    print(rate_line("bare Ed25519 verify (baseline)", N, bare_s))
    print(rate_line("signed write authenticated (verify+nonce)", N, full_s))
    print(f"{'ratio signed / bare':44} {bare_s / full_s:>12.2f}")
    print(rate_line("dict lookup (baseline)", N, lookup_s))
    print(rate_line("token bucket take", N, take_s))
    print(f"{'ratio bucket / dict':44} {lookup_s / take_s:>12.2f}")


if __name__ == "__main__":
    main()
