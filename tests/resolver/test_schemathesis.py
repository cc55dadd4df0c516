"""schemathesis walks docs/openapi.yaml against a live node: requests generated from each
operation's parameters and bodies, with a bounded budget (SCHEMATHESIS_EXAMPLES per
operation), must never be answered 5xx. A finding becomes a case in bad_inputs.py."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from tests.resolver.live_node import LiveNode, admin_node

SPEC = Path(__file__).resolve().parent.parent.parent / "docs" / "openapi.yaml"
SCHEMATHESIS_EXAMPLES = 4
schema = schemathesis.openapi.from_path(SPEC)


@schemathesis.serializer("application/msgpack")
def to_msgpack(context: schemathesis.SerializationContext, value: Any) -> bytes:
    """MessagePack, or (for integers past 64 bits, which it cannot carry) Python text,
    which the node must refuse as a body that is not MessagePack."""
    try:
        return bytes(msgpack.packb(value))
    except OverflowError:
        return str(value).encode()


@schemathesis.serializer("application/x-ndjson")
def to_json_lines(context: schemathesis.SerializationContext, value: Any) -> bytes:
    lines = value if isinstance(value, list) else [value]
    return b"\n".join(orjson.dumps(line) for line in lines)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    node, _ = admin_node(tmp_path_factory.mktemp("schemathesis") / "top", rate_limit=0)
    yield node
    node.stop()


@schema.parametrize()
@settings(
    max_examples=SCHEMATHESIS_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx(case: schemathesis.Case, live: LiveNode) -> None:
    response = case.call(base_url=live.url, timeout=30)
    case.validate_response(response, checks=(not_a_server_error,))
