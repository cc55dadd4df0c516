"""Long work shared fairly with the rest of the event loop.

A batch of thousands of lookups done in one go holds the loop for seconds, and every other
client (``/healthz`` included) waits. :class:`Slices` lets a loop hand control back
whenever it has run for ``slice_seconds`` since it last did, so no request holds the
loop much longer than one slice, whatever it asks for.
"""

import asyncio
import time

SLICE_SECONDS = 0.001


class Slices:
    def __init__(self, slice_seconds: float = SLICE_SECONDS) -> None:
        self.slice_seconds = slice_seconds
        self._since = time.perf_counter()

    async def tick(self) -> None:
        """Call after each unit of work: yields to the loop once the slice is used up."""
        if time.perf_counter() - self._since >= self.slice_seconds:
            await asyncio.sleep(0)
            self._since = time.perf_counter()
