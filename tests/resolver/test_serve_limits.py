"""`glid serve`'s limit options: parsed strictly, defaulting to the daemon's own settings,
and in force on a node started with them."""

import argparse
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.node import init_node
from resolver.cli import build_parser
from resolver.cli.options import byte_size, limit_settings
from resolver.settings import ConnectionLimits, Settings
from tests.conftest import PASSPHRASE
from tests.resolver.live_node import LiveNode

UNITS = {"": 1, "k": 1 << 10, "K": 1 << 10, "KiB": 1 << 10, "m": 1 << 20, "MiB": 1 << 20}
UNITS |= {"G": 1 << 30, "gib": 1 << 30}


@given(st.integers(1, 10**12), st.sampled_from(sorted(UNITS)))
def test_a_size_reads_in_bytes_or_binary_units(number: int, unit: str) -> None:
    assert byte_size(f"{number}{unit}") == number * UNITS[unit]


@pytest.mark.parametrize("text", ["0", "0M", "-1", "1.5M", "64MB", "١٢", "M", "", "1e6", "9" * 16])
def test_a_size_that_is_not_a_positive_whole_number_of_bytes_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="expected a size in bytes"):
        byte_size(text)


def serve_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", "--dir", "node", *argv])


def test_the_defaults_are_the_daemons_own() -> None:
    given_settings = Settings(Path("node"), **limit_settings(serve_args()))
    assert given_settings == Settings(Path("node"))


def test_each_option_reaches_its_setting() -> None:
    args = serve_args(
        *("--rate-limit", "5", "--rate-burst", "7", "--max-batch", "3", "--max-body", "1K"),
        *("--max-response", "2K", "--answer-cache", "1M", "--resolver-cache", "2M"),
        *("--connections-per-client", "4", "--max-headers", "9", "--header-timeout", "1.5"),
        *("--keepalive-timeout", "2", "--body-timeout", "3", "--lock-wait", "0.5"),
    )
    settings = Settings(Path("node"), **limit_settings(args))
    assert (settings.rate_limit, settings.rate_burst, settings.max_batch_ids) == (5, 7, 3)
    assert (settings.max_body_bytes, settings.max_response_bytes) == (1024, 2048)
    assert (settings.answer_cache_bytes, settings.resolver_cache_bytes) == (1 << 20, 2 << 20)
    assert (settings.body_timeout, settings.lock_wait) == (3, 0.5)
    assert settings.connections == ConnectionLimits(
        max_per_address=4, header_timeout=1.5, keepalive_timeout=2, max_headers=9
    )


@pytest.mark.parametrize("option", ["--max-batch", "--rate-burst", "--lock-wait"])
def test_a_limit_of_zero_or_less_is_a_usage_error(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        serve_args(option, "0")
    assert f"{option}: expected more than 0" in capsys.readouterr().err


def test_a_node_started_with_a_batch_limit_holds_it(tmp_path: Path) -> None:
    init_node(tmp_path / "top", role="top", prefix="88", passphrase=PASSPHRASE).store.close()
    node = LiveNode(tmp_path / "top", **limit_settings(serve_args("--max-batch", "3")))
    try:
        ids = orjson.dumps({"ids": ["88/a", "88/b", "88/c", "88/d"]})
        refused = node.request("POST", "/glid/v1/resolve", ids)
        assert (refused.status, refused.json()["code"]) == (413, "too_large")
        assert "4 ids in one batch; this node's limit is 3" in refused.json()["error"]
        three = orjson.dumps({"ids": ["88/a", "88/b", "88/c"]})
        assert node.request("POST", "/glid/v1/resolve", three).status == 200
    finally:
        node.stop()
