"""What every client call to another node shares: credentials and plain failure sentences.

A buyer or an enterprise who mistypes a URL, or whose node has stopped, should read one
sentence saying which URL failed and what to check, not a library's repr.
"""

import base64
import os
import urllib.error
from urllib.parse import quote

import aiohttp


def basic_credentials(identity: str, secret: str) -> str:
    """The Authorization value for an admin identity, percent-encoded as Handle clients do."""
    pair = f"{quote(identity, safe='')}:{secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def unreachable(url: str, exc: BaseException) -> str:
    """One sentence on why ``url`` gave no usable answer."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        number = exc.os_error.errno
        reason = os.strerror(number) if number else str(exc.os_error)
        return (
            f"{url} is unreachable ({reason.lower()}); check the URL and that the node is running"
        )
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, OSError):
        exc = exc.reason  # the blocking driver's connection errors (resolver.sync_client)
    if isinstance(exc, ConnectionError) and exc.errno:
        return (
            f"{url} is unreachable ({os.strerror(exc.errno).lower()}); check the URL and that"
            " the node is running"
        )
    if isinstance(exc, TimeoutError):
        return f"the node at {url} did not answer in time; try again, or check its load"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"the node at {url} answered HTTP {exc.status} ({exc.message})"
    if isinstance(exc, aiohttp.InvalidURL):
        return f"{url} is not a URL such as http://127.0.0.1:8080"
    if isinstance(exc, ValueError):
        return f"the node at {url} answered with something that is not JSON"
    return f"the node at {url} could not be reached: {exc}"
