"""A hosted enterprise's bulk writes over HTTP (``glid register --node URL``).

A hosted enterprise holds a URL and an admin identity with its secret, not the node
directory. The lines are parsed here by the same parser the node uses, so a malformed
line is reported with the same words and is never sent; the rest go to
``POST /glid/v1/records`` in chunks of at most :data:`CHUNK_ITEMS` items and
:data:`CHUNK_BYTES` bytes, and the node's per-item results are numbered back to the
lines of the whole file. The output is therefore the local form's, line for line.
"""

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import aiohttp
import orjson

from glid_core.errors import GlidError
from registry.registration import Outcome, Submission
from resolver.http_client import basic_credentials, unreachable

CHUNK_ITEMS = 1000
CHUNK_BYTES = 4 << 20  # half the node's default body limit


class RemoteWriteFailed(GlidError):
    """The node could not be reached, or it refused the whole request."""


def _chunks(submissions: Iterable[Submission]) -> Iterator[tuple[list[int], bytes]]:
    """(line numbers, JSON Lines body) per request."""
    lines: list[int] = []
    body = bytearray()
    for submission in submissions:
        item: dict[str, Any] = {"handle": submission.handle, "values": submission.values}
        if submission.signature is not None:
            item["signature"] = submission.signature
        encoded = orjson.dumps(item) + b"\n"
        if lines and (len(lines) >= CHUNK_ITEMS or len(body) + len(encoded) > CHUNK_BYTES):
            yield lines, bytes(body)
            lines, body = [], bytearray()
        lines.append(submission.line)
        body += encoded
    if lines:
        yield lines, bytes(body)


def _outcome(lines: list[int], result: Any) -> Outcome:
    position = result.get("line") if isinstance(result, dict) else None
    if not isinstance(position, int) or not 1 <= position <= len(lines):
        raise RemoteWriteFailed(f"the node answered a result for no line it was sent: {result}")
    return Outcome(
        lines[position - 1],
        str(result.get("handle", "")),
        result.get("version"),
        result.get("error"),
    )


async def register_remote(
    node: str, identity: str, secret: str, submissions: Iterable[Submission]
) -> AsyncIterator[Outcome]:
    """Send the submissions as ``identity``; yield the node's outcome for each."""
    url = f"{node.rstrip('/')}/glid/v1/records"
    headers = {
        "Authorization": basic_credentials(identity, secret),
        "Content-Type": "application/jsonl",
    }
    async with aiohttp.ClientSession(headers=headers) as http:
        for lines, body in _chunks(submissions):
            try:
                async with http.post(url, data=body) as response:
                    answer = await response.json(content_type=None)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise RemoteWriteFailed(unreachable(node, exc)) from exc
            if status != 200 or not isinstance(answer, dict):
                reason = answer.get("error") if isinstance(answer, dict) else answer
                raise RemoteWriteFailed(
                    f"{node} refused the records (HTTP {status}): {reason}; lines before"
                    f" {lines[0]} were stored, this and later ones were not"
                )
            for result in answer.get("results", []):
                yield _outcome(lines, result)
