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
import time
from dataclasses import dataclass

from registry.errors import NotFound, RegistryError
from registry.principals import check_secret, hash_secret
from registry.records import utc_timestamp
from registry.store import Store, Tables
from registry.store.pact_clients import Callback, Client

TOKEN_LIFETIME_SECONDS = 3600


class ClientExists(RegistryError, ValueError):
    """A PACT client with this name already exists; pick another name or remove it first."""


class BadCredentials(RegistryError, PermissionError):
    """The client id or secret is wrong."""


class UnknownToken(RegistryError, PermissionError):
    """The bearer token is not one this node issued (or its client was removed)."""


class ExpiredToken(UnknownToken):
    """The bearer token has expired; obtain a new one from /auth/token."""


@dataclass(frozen=True, slots=True)
class Issued:
    """A new client's credentials: the secret is shown once, never stored in clear."""

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
    with store.write() as tx:
        if tx.pact_clients.find(name) is not None:
            raise ClientExists(f"a PACT client named {name!r} already exists on this node")
        tx.pact_clients.add(client, hash_secret(secret))
        tx.audit.add("cli", "pact_client_add", name, {"client_id": client.client_id})
    return Issued(client, secret)


def remove(store: Store, name: str) -> Client:
    """Remove a client by name or id; its tokens stop working at once."""
    with store.write() as tx:
        client = tx.pact_clients.find(name)
        if client is None:
            raise NotFound(f"no PACT client named {name!r}; see `glid pact client list`")
        tx.pact_clients.remove(client.client_id)
        tx.audit.add("cli", "pact_client_remove", client.name, {"client_id": client.client_id})
    return client


def issue_token(
    store: Store, client_id: str, secret: str, *, now: float | None = None
) -> tuple[str, int]:
    """A bearer token and its lifetime in seconds, for a client that proves its secret."""
    require_secret(client_id, secret, store.pact_clients.secret_hash(client_id))
    return record_token(store, client_id, now=now)


def require_secret(client_id: str, secret: str, stored: str | None) -> None:
    """Refuse unless ``secret`` matches the client's ``stored`` hash (None: no such client).
    scrypt makes this slow on purpose, so a daemon runs it in a thread of its own, neither
    on its event loop nor in the thread that makes its writes."""
    if stored is None or not check_secret(secret, stored):
        raise BadCredentials(f"client {client_id!r}: unknown client id or wrong secret")


def record_token(store: Store, client_id: str, *, now: float | None = None) -> tuple[str, int]:
    """A new bearer token for a client whose secret was checked, and its lifetime."""
    token = secrets.token_urlsafe(32)
    moment = int(time.time() if now is None else now)
    with store.write() as tx:
        tx.pact_clients.add_token(
            _token_hash(token), client_id, expires_at=moment + TOKEN_LIFETIME_SECONDS, now=moment
        )
    return token, TOKEN_LIFETIME_SECONDS


def client_of_token(tables: Tables, token: str, *, now: float | None = None) -> Client:
    """The client a bearer token belongs to; raises :class:`UnknownToken` or
    :class:`ExpiredToken`."""
    found = tables.pact_clients.of_token(_token_hash(token))
    if found is None:
        raise UnknownToken(
            "the bearer token is not one this node issued; obtain one at /auth/token"
        )
    expires_at, client = found
    if expires_at <= (time.time() if now is None else now):
        raise ExpiredToken("the bearer token has expired; obtain a new one at /auth/token")
    return client


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
