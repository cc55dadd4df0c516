"""The ``pact_clients`` and ``pact_tokens`` tables: buyers on the PACT API and their tokens.

Only hashes of client secrets and of bearer tokens are stored (registry/pact_clients.py
makes them); the credentials the node itself presents at a buyer's API are kept as given,
since the node must be able to send them.
"""

from dataclasses import dataclass

from registry.store.backend import Row, Session


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


_COLUMNS = "client_id, name, callback_url, callback_client_id, callback_secret, created_at"


def _client(row: Row) -> Client:
    client_id, name, url, callback_id, callback_secret, created_at = row
    callback = None
    if url is not None and callback_id is not None and callback_secret is not None:
        callback = Callback(str(url), str(callback_id), str(callback_secret))
    return Client(str(client_id), str(name), callback, str(created_at))


class PactClientTable:
    """Buyers allowed on the PACT API, and the bearer tokens issued to them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, client: Client, secret_hash: str) -> None:
        """Inside a write transaction."""
        callback = client.callback
        self.session.run(
            f"INSERT INTO pact_clients ({_COLUMNS}, secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                client.client_id,
                client.name,
                None if callback is None else callback.url,
                None if callback is None else callback.client_id,
                None if callback is None else callback.client_secret,
                client.created_at,
                secret_hash,
            ),
        )

    def find(self, name_or_id: str) -> Client | None:
        row = self.session.one(
            f"SELECT {_COLUMNS} FROM pact_clients WHERE name = ? OR client_id = ?",
            (name_or_id, name_or_id),
        )
        return None if row is None else _client(row)

    def all(self) -> list[Client]:
        return [_client(row) for row in self.session.rows(
            f"SELECT {_COLUMNS} FROM pact_clients ORDER BY name"
        )]  # fmt: skip

    def secret_hash(self, client_id: str) -> str | None:
        row = self.session.one(
            "SELECT secret_hash FROM pact_clients WHERE client_id = ?", (client_id,)
        )
        return None if row is None else str(row[0])

    def remove(self, client_id: str) -> None:
        """Remove a client and every token issued to it; inside a write transaction."""
        self.session.run("DELETE FROM pact_tokens WHERE client_id = ?", (client_id,))
        self.session.run("DELETE FROM pact_clients WHERE client_id = ?", (client_id,))

    def add_token(self, token_hash: str, client_id: str, *, expires_at: int, now: int) -> None:
        """Store a token's hash, dropping expired tokens first; inside a write transaction."""
        self.session.run("DELETE FROM pact_tokens WHERE expires_at <= ?", (now,))
        self.session.run(
            "INSERT INTO pact_tokens (token_hash, client_id, expires_at) VALUES (?, ?, ?)",
            (token_hash, client_id, expires_at),
        )

    def of_token(self, token_hash: str) -> tuple[int, Client] | None:
        """(expiry in Unix seconds, client) of a token's hash, or None."""
        row = self.session.one(
            f"SELECT t.expires_at, {', '.join('c.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM pact_tokens t JOIN pact_clients c ON c.client_id = t.client_id"
            " WHERE t.token_hash = ?",
            (token_hash,),
        )
        return None if row is None else (int(row[0]), _client(row[1:]))
