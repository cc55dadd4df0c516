"""PACT buyers and their access tokens: the node's SQL for the PACT face, in one place.

An operator adds a buyer (``glid pact client add``); the buyer's software trades the
client id and secret for a bearer token at ``/auth/token`` (OAuth 2.0 client credentials)
and presents it on every PACT call. Only an scrypt hash of a secret and a SHA-256 hash
of a token are stored, so a copy of the store gives nobody access. A buyer may also give
the node credentials for its own PACT endpoint, so the node can answer its requests
asynchronously (RequestFulfilled / RequestRejected events); that secret must be usable,
so it is kept as given.
"""

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from registry.errors import NotFound, RegistryError
from registry.principals import check_secret, hash_secret
from registry.records import utc_timestamp
from registry.store import Store

TOKEN_LIFETIME_SECONDS = 3600
_COLUMNS = "client_id, name, callback_url, callback_client_id, callback_secret, created_at"


class ClientExists(RegistryError, ValueError):
    """A PACT client with this name already exists; pick another name or remove it first."""


class BadCredentials(RegistryError, PermissionError):
    """The client id or secret is wrong."""


class UnknownToken(RegistryError, PermissionError):
    """The bearer token is not one this node issued (or its client was removed)."""


class ExpiredToken(UnknownToken):
    """The bearer token has expired; obtain a new one from /auth/token."""


@dataclass(frozen=True, slots=True)
class Callback:
    """Where and how the node answers a client's requests: the client's own PACT API."""

    url: str
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    name: str
    callback: Callback | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Issued:
    """A new client's credentials or a new token: shown once, never stored in clear."""

    client: Client
    secret: str


def add(store: Store, name: str, callback: Callback | None = None) -> Issued:
    """A new client called ``name`` with a fresh id and secret."""
    client = Client(
        client_id=secrets.token_urlsafe(16),
        name=name,
        callback=callback,
        created_at=utc_timestamp(),
    )
    secret = secrets.token_urlsafe(32)
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM pact_clients WHERE name = ?", (name,)).fetchone():
            raise ClientExists(f"a PACT client named {name!r} already exists on this node")
        conn.execute(
            f"INSERT INTO pact_clients ({_COLUMNS}, secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                client.client_id,
                name,
                None if callback is None else callback.url,
                None if callback is None else callback.client_id,
                None if callback is None else callback.client_secret,
                client.created_at,
                hash_secret(secret),
            ),
        )
        store.audit(conn, "cli", "pact_client_add", name, {"client_id": client.client_id})
    return Issued(client, secret)


def listed(conn: sqlite3.Connection) -> list[Client]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM pact_clients ORDER BY name").fetchall()
    return [_client(row) for row in rows]


def remove(store: Store, name: str) -> Client:
    """Remove a client by name or id; its tokens stop working at once."""
    with store.write() as conn:
        row = conn.execute(
            f"SELECT {_COLUMNS} FROM pact_clients WHERE name = ? OR client_id = ?", (name, name)
        ).fetchone()
        if row is None:
            raise NotFound(f"no PACT client named {name!r}; see `glid pact client list`")
        client = _client(row)
        conn.execute("DELETE FROM pact_tokens WHERE client_id = ?", (client.client_id,))
        conn.execute("DELETE FROM pact_clients WHERE client_id = ?", (client.client_id,))
        store.audit(conn, "cli", "pact_client_remove", client.name, {"client_id": client.client_id})
    return client


def issue_token(
    store: Store, client_id: str, secret: str, *, now: float | None = None
) -> tuple[str, int]:
    """A bearer token and its lifetime in seconds, for a client that proves its secret."""
    row = store.conn.execute(
        "SELECT secret_hash FROM pact_clients WHERE client_id = ?", (client_id,)
    ).fetchone()
    if row is None or not check_secret(secret, row[0]):
        raise BadCredentials(f"client {client_id!r}: unknown client id or wrong secret")
    token = secrets.token_urlsafe(32)
    moment = int(time.time() if now is None else now)
    with store.write() as conn:
        conn.execute("DELETE FROM pact_tokens WHERE expires_at <= ?", (moment,))
        conn.execute(
            "INSERT INTO pact_tokens (token_hash, client_id, expires_at) VALUES (?, ?, ?)",
            (_token_hash(token), client_id, moment + TOKEN_LIFETIME_SECONDS),
        )
    return token, TOKEN_LIFETIME_SECONDS


def client_of_token(conn: sqlite3.Connection, token: str, *, now: float | None = None) -> Client:
    """The client a bearer token belongs to; raises :class:`UnknownToken` or
    :class:`ExpiredToken`."""
    row = conn.execute(
        f"SELECT t.expires_at, {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))}"
        " FROM pact_tokens t JOIN pact_clients c ON c.client_id = t.client_id"
        " WHERE t.token_hash = ?",
        (_token_hash(token),),
    ).fetchone()
    if row is None:
        raise UnknownToken(
            "the bearer token is not one this node issued; obtain one at /auth/token"
        )
    if row[0] <= (time.time() if now is None else now):
        raise ExpiredToken("the bearer token has expired; obtain a new one at /auth/token")
    return _client(row[1:])


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _client(row: tuple[str, ...]) -> Client:
    client_id, name, url, callback_id, callback_secret, created_at = row
    callback = None
    if url is not None and callback_id is not None and callback_secret is not None:
        callback = Callback(url, callback_id, callback_secret)
    return Client(client_id, name, callback, created_at)
