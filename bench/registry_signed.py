"""Signed bulk registration: records/s through the node's one write path, against bare signing.

registry.service.registrar on a real node store (SQLite in WAL mode, on disk) takes each
product record through identifier and value parsing, template validation, the record
signature, the version rows, the transparency-log leaves and the audit rows, a batch of
1000 per transaction. The baseline, measured in the same run, is bare Ed25519 signing
(libsodium through PyNaCl) of the very JWS signing inputs the node produced: what the write
path would cost if signing were all it did. Template validation (templates_meta) alone is
timed too, on the same values, so its share is visible. Medians of several repetitions,
each on fresh identifiers. Target: >= 20,000 records/s on one core.

Run from the checkout: .venv/bin/python -m bench.registry_signed
"""

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.signing

from registry import keyring
from registry.node import init_node
from registry.records import parse_values, values_to_json
from registry.registration import Submission
from registry.service import registrar
from registry.store import Store
from registry.template_catalog import TemplateCatalog
from signing.jws import parse_compact

N = 5000
REPEATS = 5
PASSPHRASE = b"bench passphrase"


def median_seconds(work: Callable[[int], object]) -> float:
    times = []
    for repetition in range(REPEATS):
        start = time.perf_counter()
        work(repetition)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def product(i: int) -> list[dict[str, Any]]:
    def value(index: int, type_: str, data: str) -> dict[str, Any]:
        return {"index": index, "type": type_, "data": {"format": "string", "value": data}}

    return [
        value(1, "URL", f"https://example.com/p/{i}"),
        value(1001, "TEMPLATE", "88/tpl.product@1.0.0"),
        value(2000, "product_name", f"hot-rolled coil {i}"),
        value(2001, "manufacturer", "Mill Co."),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory() as root:
        directory = Path(root) / "node"
        init_node(directory, role="top", prefix="88", passphrase=PASSPHRASE).store.close()
        store = Store.open(directory)
        service = registrar(store, PASSPHRASE)
        catalog = TemplateCatalog.open(store)
        records = [product(i) for i in range(N)]

        def register(repetition: int) -> None:
            submissions = (
                Submission(i + 1, f"88/r{repetition}-{i}", values)
                for i, values in enumerate(records)
            )
            for outcome in service.register(submissions, "bench"):
                assert outcome.accepted, outcome.error

        parsed = [values_to_json(parse_values(values)) for values in records]

        def validate(_: int) -> None:
            for i, values in enumerate(parsed):
                catalog.check(f"88/v{i}", values)

        registered_s = median_seconds(register)
        inputs = [
            parse_compact(row[0]).signing_input
            for row in store.conn.execute("SELECT signature FROM record_versions LIMIT ?", (N,))
        ]
        seed = keyring.load_private(store, keyring.signing_key(store.conn, "88"), PASSPHRASE).seed
        bare_key = nacl.signing.SigningKey(seed)

        def bare(_: int) -> None:
            for message in inputs:
                bare_key.sign(message)

        bare_s = median_seconds(bare)
        validate_s = median_seconds(validate)
        store.close()
    print(f"records: {N} per repetition, 4 values each, batches of {service.batch_size}")
    print(f"bare Ed25519 signing       : {N / bare_s:10,.0f} records/s")
    print(f"signed registration        : {N / registered_s:10,.0f} records/s  (target >= 20,000)")
    print(f"template validation alone  : {N / validate_s:10,.0f} records/s")
    print(f"ratio registration / bare  : {bare_s / registered_s:10.2f}")
    print(f"validation share of write  : {validate_s / registered_s:10.0%}")


if __name__ == "__main__":
    main()
