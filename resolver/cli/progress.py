"""A one-line progress count on stderr for long commands, shown only on a terminal.

A 120,000-line import runs for a while; an operator at a terminal should see it move.
Piped output, ``--json`` and tests see nothing: the line is drawn only when stderr is a
terminal, redrawn at most every ``interval`` seconds, and erased at the end so the
command's own summary follows on a clean line.
"""

import sys
import time
from typing import TextIO


class Progress:
    """Counts accepted and rejected lines and redraws ``glid: WHAT: N lines (A accepted,
    R rejected)`` in place."""

    def __init__(
        self, what: str, *, enabled: bool, stream: TextIO | None = None, interval: float = 0.2
    ) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.interval = interval
        self.accepted = 0
        self.rejected = 0
        self._drawn_at = 0.0
        self._width = 0

    def add(self, accepted: bool) -> None:
        if accepted:
            self.accepted += 1
        else:
            self.rejected += 1
        if self.enabled and time.monotonic() - self._drawn_at >= self.interval:
            self._draw()

    def _draw(self) -> None:
        text = (
            f"glid: {self.what}: {self.accepted + self.rejected:,} lines"
            f" ({self.accepted:,} accepted, {self.rejected:,} rejected)"
        )
        self._width = max(self._width, len(text))
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._drawn_at = time.monotonic()

    def close(self) -> None:
        """Erase the line, so what the command prints next starts at column 0."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
