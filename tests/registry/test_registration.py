import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from registry.bulk import MAX_LINE_BYTES, read_jsonl
from registry.errors import NotFound, OutsidePrefix, RecordError
from registry.registration import Outcome, Registrar, Submission
from registry.service import registrar
from registry.store import Store
from tests.conftest import PASSPHRASE
from tests.registry.records_data import line, product_values
from tests.store_file import rows


@pytest.fixture
def store(make_node: Callable[..., Path], store_url: str | None) -> Iterator[Store]:
    with Store.open(make_node("88.101.7", url=store_url)) as store:
        yield store


@pytest.fixture
def service(store: Store) -> Registrar:
    return registrar(store, PASSPHRASE)


def test_register_signs_stores_and_versions(service: Registrar, store: Store) -> None:
    first = service.register_one("88.101.7/coil-1", product_values(), "tester")
    second = service.register_one("88.101.7/coil-1", product_values("cold coil"), "tester")
    assert (first.version, second.version) == (1, 2)
    current = store.versions.get("88.101.7/coil-1")
    assert current.version == 2
    assert current.values()[2]["data"]["value"] == "cold coil"
    assert store.versions.get("88.101.7/coil-1", version=1).values()[2]["data"]["value"] == (
        "hot-rolled coil"
    )
    assert current.signature is not None and current.signature.count(".") == 2
    audit = store.backend.reads.rows(
        "SELECT actor, action, target FROM audit WHERE action = 'register' AND actor != 'node'"
    )
    assert audit == [("tester", "register", "88.101.7/coil-1")] * 2


def test_the_node_stamps_every_value(service: Registrar, store: Store) -> None:
    values = product_values()
    values[0]["timestamp"] = "1999-01-01T00:00:00Z"
    service.register_one("88.101.7/a", values, "t")
    stamps = {value["timestamp"] for value in store.versions.get("88.101.7/a").values()}
    assert len(stamps) == 1 and "1999-01-01T00:00:00Z" not in stamps


def test_prefix_case_is_normalised(service: Registrar, store: Store) -> None:
    outcome = service.register_one("88.101.7/Coil", product_values(), "t")
    assert outcome.handle == "88.101.7/Coil"
    service.register_one("88.101.7/Coil", product_values(), "t")
    assert store.versions.get("88.101.7/Coil").version == 2


@pytest.mark.parametrize(
    ("handle", "values", "message"),
    [
        ("88.101.9/x", product_values(), "outside the prefixes this node is authoritative for"),
        ("88.101.7", product_values(), "/"),
        ("88.101.7/x", [*product_values(), product_values()[0]], "index 1 appears twice"),
        ("88.101.7/x", [], "values is empty"),
        ("88.101.7/x", {"index": 1}, "must be a JSON array"),
        ("88.101.7/x", product_values()[:3], "manufacturer"),
        (
            "88.101.7/x",
            [{"index": 5, "type": "mass", "data": {"format": "json", "value": 1.5}}],
            "floats are not allowed",
        ),
        (
            "88.101.7/x",
            [{"index": 0, "type": "URL", "data": "x"}],
            "values[0].index",
        ),
        (
            "88.101.7/x",
            [{"index": 400, "type": "HS_SIGNATURE", "data": "forged"}],
            "signatures are made by the node",
        ),
        (
            "88.101.7/x",
            [{"index": 1, "type": "URL", "data": "x", "colour": "red"}],
            "values[0].colour",
        ),
    ],
)
def test_rejected_records_leave_the_store_unchanged(
    service: Registrar, store: Store, handle: str, values: Any, message: str
) -> None:
    service.register_one("88.101.7/existing", product_values(), "t")
    before = rows(store)
    outcome = service.register_one(handle, values, "t")
    assert not outcome.accepted
    assert message in (outcome.error or "")
    assert rows(store) == before


def test_bare_string_data_is_accepted(service: Registrar, store: Store) -> None:
    service.register_one("88.101.7/s", [{"index": 1, "type": "URL", "data": "https://x"}], "t")
    (value,) = store.versions.get("88.101.7/s").values()
    assert value["data"] == {"format": "string", "value": "https://x"}


def test_a_bulk_batch_keeps_going_past_bad_lines(store: Store) -> None:
    service = registrar(store, PASSPHRASE)
    service.batch_size = 3
    submissions = [
        Submission(n, f"88.101.7/p{n}" if n % 4 else f"88.999/p{n}", product_values())
        for n in range(1, 11)
    ]
    outcomes = list(service.register(submissions, "t"))
    rejected = [o.line for o in outcomes if not o.accepted]
    assert rejected == [4, 8]
    assert store.versions.count() == (9, 9)  # and the admin identity's handle


def test_delete_appends_a_tombstone_and_keeps_history(service: Registrar, store: Store) -> None:
    service.register_one("88.101.7/gone", product_values(), "t")
    outcome = service.delete("88.101.7/gone", "t")
    assert outcome.version == 2
    assert store.versions.get("88.101.7/gone").deleted
    assert store.versions.get("88.101.7/gone", version=1).values()
    assert store.versions.list_handles("88.101.7") == (1, ["88.101.7/admin"])
    with pytest.raises(RecordError, match="already deleted"):
        service.delete("88.101.7/gone", "t")
    with pytest.raises(NotFound):
        service.delete("88.101.7/never", "t")
    with pytest.raises(OutsidePrefix):
        service.delete("88.5/x", "t")


def jsonl(*lines: Any) -> io.BytesIO:
    return io.BytesIO(b"\n".join(x if isinstance(x, bytes) else orjson.dumps(x) for x in lines))


def test_jsonl_reports_each_bad_line_with_its_number() -> None:
    items = list(
        read_jsonl(
            jsonl(
                line("88.101.7/a"),
                b"{not json",
                b"\xff\xfe",
                [1, 2],
                {"handle": "88.101.7/b"},
                {"handle": 5, "values": []},
                b"",
                line("88.101.7/c"),
            )
        )
    )
    errors = {item.line: item.error for item in items if isinstance(item, Outcome)}
    assert [item.line for item in items if isinstance(item, Submission)] == [1, 8]
    assert "not JSON" in errors[2]
    assert "not UTF-8: byte 0 is 0xff" in errors[3]
    assert "expected an object" in errors[4]
    assert "missing values" in errors[5]
    assert "handle must be a string" in errors[6]


def test_jsonl_refuses_an_oversized_line_and_reads_on() -> None:
    big = orjson.dumps(line("88.101.7/big", product_values("x" * (MAX_LINE_BYTES + 10))))
    items = list(read_jsonl(jsonl(big, line("88.101.7/after"))))
    assert isinstance(items[0], Outcome) and "over" in (items[0].error or "")
    assert isinstance(items[1], Submission) and items[1].handle == "88.101.7/after"
    assert items[1].line == 2
