"""A daemon's settings, from the command line or a test."""

from dataclasses import dataclass, field
from pathlib import Path

from resolver.connections import ConnectionLimits

MAX_BODY_BYTES = 8 << 20
MAX_BATCH_IDS = 10_000
MAX_RESPONSE_BYTES = 16 << 20
ANSWER_CACHE_BYTES = 64 << 20
LOOP_LOCK_WAIT = 0.05  # the most a write still made from the event loop waits for the lock
IDS_PER_TOKEN = 25  # a batch of n ids costs n / 25 tokens, plus one per id it bundles


@dataclass(frozen=True, slots=True)
class Settings:
    directory: Path
    host: str = "127.0.0.1"
    port: int = 0
    passphrase: bytes | None = None  # needed to sign writes; a read-only node runs without
    recursive: bool = False
    root_url: str | None = None  # where a recursive node starts resolving
    trust_anchor: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    rate_limit: float = 200.0  # requests per second per client, sustained
    rate_burst: int = 400
    max_response_bytes: int = MAX_RESPONSE_BYTES  # a batch answer larger than this is refused
    answer_cache_bytes: int = ANSWER_CACHE_BYTES  # encoded answers kept in memory
    lock_wait: float = 5.0  # seconds a record write waits for another writer's lock (then 503)
    body_timeout: float = 30.0  # seconds a client may take to send a request body
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    public_url: str | None = None  # how other nodes reach this one, if not http://host:port
