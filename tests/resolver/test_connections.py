"""Slow and greedy clients: silent connections, bodies that never arrive, one address
opening many connections. None of them may hold the node's descriptors or handlers."""

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from resolver.settings import ConnectionLimits
from tests.resolver.live_node import LiveNode, admin_node

LIMITS = ConnectionLimits(max_per_address=5, header_timeout=0.5, max_headers=20)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    root: Path = tmp_path_factory.mktemp("slow") / "top"
    live, _ = admin_node(root, connections=LIMITS, body_timeout=0.5)
    yield live
    live.stop()


def connect(node: LiveNode, address: str) -> socket.socket:
    sock = socket.create_connection(
        ("127.0.0.1", node.port), timeout=5, source_address=(address, 0)
    )
    return sock


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the node closes ``sock`` within ``seconds`` (reading whatever it sends)."""
    sock.settimeout(seconds)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_silent_connection_is_closed_after_the_header_timeout(node: LiveNode) -> None:
    started = time.monotonic()
    with connect(node, "127.0.0.20") as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never ends its head
        assert closed_within(sock, 5)
    assert 0.4 < time.monotonic() - started < 3


def test_a_body_that_never_arrives_is_answered_408(node: LiveNode) -> None:
    with connect(node, "127.0.0.21") as sock:
        sock.sendall(
            b"POST /glid/v1/resolve HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"ids": ['
        )
        sock.settimeout(5)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408") and b'"code":"request_timeout"' in answer


def test_one_address_holds_at_most_its_share_of_connections(node: LiveNode) -> None:
    held = [connect(node, "127.0.0.22") for _ in range(LIMITS.max_per_address)]
    try:
        for sock in held:  # each sends a request, so none is closed as silent
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(4096)
        extra = connect(node, "127.0.0.22")
        assert closed_within(extra, 2)
        extra.close()
        assert node.request("GET", "/healthz").status == 200  # other addresses still served
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.2)
    with connect(node, "127.0.0.22") as again:  # once released, the address may connect
        again.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert again.recv(4096).startswith(b"HTTP/1.1 200")


SECRET = b"c2VjcmV0"
REFUSED_BY_THE_PARSER = {
    "too many headers": b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
    + b"".join(b"X-%d: %d\r\n" % (n, n) for n in range(LIMITS.max_headers + 5))
    + b"\r\n",
    "request line too long": b"GET /" + SECRET * 1100 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "header too long": b"GET /healthz HTTP/1.1\r\nAuthorization: Basic "
    + SECRET * 1100
    + b"\r\n\r\n",
    "bad request line": SECRET + b"\r\n\r\n",
    "bad chunked body": b"POST /glid/v1/resolve HTTP/1.1\r\nHost: x\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n" + SECRET + b"\r\nabc\r\n0\r\n\r\n",
}


def read_all(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


REASONS = {
    "too many headers": "too many headers",
    "request line too long": "longer than this node accepts",
    "header too long": "longer than this node accepts",
    "bad request line": "not an HTTP/1.x request line",
    "bad chunked body": "bad body framing",
}


@pytest.mark.parametrize("case", REFUSED_BY_THE_PARSER)
def test_what_the_http_parser_refuses_is_answered_as_json(node: LiveNode, case: str) -> None:
    """These never reach the application; the answer still has the node's error form, and
    quotes nothing of the request (an over-long header may be someone's credentials)."""
    with connect(node, "127.0.0.23") as sock:
        sock.sendall(REFUSED_BY_THE_PARSER[case])
        head, _, body = read_all(sock).partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == b"400"
    assert b"content-type: application/json" in head.lower()
    answer = orjson.loads(body)
    assert answer["code"] == "malformed_request" and REASONS[case] in answer["error"]
    assert SECRET.decode() not in answer["error"]
