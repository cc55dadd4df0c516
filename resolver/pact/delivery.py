"""Sending events to a buyer's own PACT API: the asynchronous answer to its requests.

The node obtains a token from the buyer's ``/auth/token`` with the credentials the
operator registered for that buyer (client credentials, HTTP Basic), then posts the
CloudEvent to the buyer's ``/3/events``. A failed attempt is retried a few times with a
growing pause; the outcome is logged either way, naming the client and the request. The
sends run as tasks the outbox keeps, so a stopping node cancels them instead of losing
track of them.
"""

import asyncio
import logging
from base64 import b64encode
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import orjson

from registry.store.pact_clients import Callback

log = logging.getLogger("glid.pact")

EVENT_CONTENT_TYPE: Final = "application/cloudevents+json; charset=UTF-8"


def basic_authorization(user: str, password: str) -> str:
    """An HTTP Basic ``Authorization`` value (RFC 7617, UTF-8)."""
    return "Basic " + b64encode(f"{user}:{password}".encode()).decode("ascii")


class DeliveryFailed(Exception):
    """The buyer's endpoint did not take the event."""


class Outbox:
    def __init__(
        self, session: aiohttp.ClientSession, *, attempts: int = 3, pause: float = 1.0
    ) -> None:
        self._session = session
        self._attempts = attempts
        self._pause = pause
        self._pending: set[asyncio.Task[bool]] = set()

    def send(self, client: str, callback: Callback, event: Mapping[str, Any]) -> None:
        """Deliver ``event`` in the background."""
        task = asyncio.create_task(self._deliver(client, callback, event))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait until every event sent so far has been delivered or given up on."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def _deliver(self, client: str, callback: Callback, event: Mapping[str, Any]) -> bool:
        request_id = event.get("data", {}).get("requestEventId")
        for attempt in range(1, self._attempts + 1):
            try:
                await self._post(callback, event)
            except (aiohttp.ClientError, TimeoutError, DeliveryFailed) as exc:
                log.warning(
                    "event %s for request %s to client %s at %s: attempt %d of %d failed: %s",
                    event["type"],
                    request_id,
                    client,
                    callback.url,
                    attempt,
                    self._attempts,
                    exc,
                )
                if attempt < self._attempts:
                    await asyncio.sleep(self._pause * attempt)
                continue
            log.info("sent %s for request %s to client %s", event["type"], request_id, client)
            return True
        log.error(
            "gave up sending %s for request %s to client %s at %s; check the client's"
            " callback URL and credentials (glid pact client list)",
            event["type"],
            request_id,
            client,
            callback.url,
        )
        return False

    async def _post(self, callback: Callback, event: Mapping[str, Any]) -> None:
        base = callback.url.rstrip("/")
        async with self._session.post(
            f"{base}/auth/token",
            data={"grant_type": "client_credentials"},
            headers={
                "Accept": "application/json",
                "Authorization": basic_authorization(callback.client_id, callback.client_secret),
            },
        ) as answer:
            if answer.status != 200:
                raise DeliveryFailed(f"{base}/auth/token answered {answer.status}")
            token = (await answer.json(content_type=None)).get("access_token")
        if not isinstance(token, str):
            raise DeliveryFailed(f"{base}/auth/token gave no access_token")
        async with self._session.post(
            f"{base}/3/events",
            data=orjson.dumps(event),
            headers={"Content-Type": EVENT_CONTENT_TYPE, "Authorization": f"Bearer {token}"},
        ) as answer:
            if not 200 <= answer.status < 300:
                raise DeliveryFailed(f"{base}/3/events answered {answer.status}")
