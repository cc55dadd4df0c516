"""A daemon's settings, from the command line or a test."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glid_core.errors import GlidError

if TYPE_CHECKING:  # the replica's module loads psycopg; commands that serve nothing skip it
    from registry.store.postgres_replica import ReplicaSettings

MAX_BODY_BYTES = 8 << 20
MAX_BATCH_IDS = 10_000
MAX_RESPONSE_BYTES = 16 << 20
ANSWER_CACHE_BYTES = 64 << 20
LOOP_LOCK_WAIT = 0.05  # the most a write still made from the event loop waits for the lock
IDS_PER_TOKEN = 25  # a batch of n ids costs n / 25 tokens, plus one per id it bundles
RESOLVER_CACHE_BYTES = 32 << 20  # what a recursive node keeps of other nodes' answers


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_per_address: int = 64
    header_timeout: float = 10.0  # seconds to send a complete request head
    keepalive_timeout: float = 15.0  # an idle keep-alive connection is closed after this
    max_line_size: int = 8190  # request line and each header line, bytes
    max_field_size: int = 8190
    max_headers: int = 64

    def handler_args(self) -> dict[str, Any]:
        """What aiohttp's own request handler enforces."""
        return {
            "keepalive_timeout": self.keepalive_timeout,
            "max_line_size": self.max_line_size,
            "max_field_size": self.max_field_size,
            "max_headers": self.max_headers,
        }


@dataclass(frozen=True, slots=True)
class Settings:
    directory: Path
    host: str = "127.0.0.1"
    port: int = 0
    passphrase: bytes | None = None  # needed to sign writes; a read-only node runs without
    read_only: bool = False  # open the store read-only: serve reads, refuse every write
    read_replica: "ReplicaSettings | None" = None  # a PostgreSQL standby to read from
    recursive: bool = False
    root_url: str | None = None  # where a recursive node starts resolving
    trust_anchor: Path | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    rate_limit: float = 200.0  # requests per second per client, sustained
    rate_burst: int = 400
    max_batch_ids: int = MAX_BATCH_IDS  # ids in one batch resolve
    max_response_bytes: int = MAX_RESPONSE_BYTES  # a batch answer larger than this is refused
    answer_cache_bytes: int = ANSWER_CACHE_BYTES  # encoded answers kept in memory
    resolver_cache_bytes: int = RESOLVER_CACHE_BYTES  # other nodes' answers (--recursive)
    lock_wait: float = 5.0  # seconds a record write waits for another writer's lock (then 503)
    body_timeout: float = 30.0  # seconds a client may take to send a request body
    connections: ConnectionLimits = field(default_factory=ConnectionLimits)
    public_url: str | None = None  # how other nodes reach this one, if not http://host:port
    tls_cert: Path | None = None  # PEM certificate chain; with tls_key, the node speaks HTTPS
    tls_key: Path | None = None
    pact: bool = False  # serve the PACT v3 API (needs TLS; docs/PACT.md)

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise SettingsError("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
        if self.pact and self.tls_cert is None:
            raise SettingsError(
                "the PACT API is never served over plain HTTP; give --tls-cert and --tls-key"
            )

    @property
    def scheme(self) -> str:
        return "http" if self.tls_cert is None else "https"


class SettingsError(GlidError, ValueError):
    """The daemon's settings contradict each other."""
