"""JSON Lines bulk input: one ``{"handle": ID, "values": [...]}`` object per line.

Shared by ``glid register`` and the daemon's batch endpoint so that both accept and refuse
exactly the same lines with the same messages. A bad line becomes an Outcome naming its
line number; it never stops the lines after it.
"""

from collections.abc import Iterator
from typing import IO, Any

import orjson

from registry.registration import Outcome, Submission

MAX_LINE_BYTES = 1 << 20
_KEYS = {"handle", "values"}
_OPTIONAL = {"signature"}  # a device's record JWS over a pre-signed reading


def parse_line(number: int, line: bytes) -> Submission | Outcome:
    if len(line) > MAX_LINE_BYTES:
        return Outcome(number, "", error=f"line is over {MAX_LINE_BYTES} bytes")
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Outcome(number, "", error=f"not UTF-8: byte {exc.start} is {line[exc.start]:#04x}")
    try:
        item = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Outcome(number, "", error=f"not JSON: {exc}")
    return parse_item(number, item)


def parse_item(number: int, item: Any) -> Submission | Outcome:
    """Check one decoded ``{"handle", "values"[, "signature"]}`` object (JSON or MessagePack)."""
    if not isinstance(item, dict):
        return Outcome(number, "", error='expected an object {"handle": ..., "values": [...]}')
    handle = item.get("handle")
    shown = handle if isinstance(handle, str) else ""
    if not _KEYS <= set(item) <= _KEYS | _OPTIONAL:
        missing, extra = _KEYS - set(item), set(item) - _KEYS - _OPTIONAL
        reason = f"missing {', '.join(sorted(missing))}" if missing else ""
        reason += ("; " if reason and extra else "") + (
            f"unknown key {', '.join(sorted(extra))}" if extra else ""
        )
        return Outcome(number, shown, error=reason)
    if not isinstance(handle, str):
        return Outcome(number, "", error="handle must be a string such as 88.118.8/coil-1")
    signature = item.get("signature")
    if signature is not None and not isinstance(signature, str):
        return Outcome(number, handle, error="signature must be a compact JWS string")
    return Submission(number, handle, item["values"], signature)


def read_jsonl(stream: IO[bytes]) -> Iterator[Submission | Outcome]:
    """Parse a stream line by line without ever holding more than one line in memory."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while (rest := stream.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield Outcome(number, "", error=f"line is over {MAX_LINE_BYTES} bytes")
            continue
        line = line.rstrip(b"\r\n")
        if line.strip():
            yield parse_line(number, line)
