"""PACT buyers' credentials and tokens: hashed at rest, refused when wrong, gone on removal."""

from collections.abc import Callable
from pathlib import Path

import pytest

from registry import pact_clients
from registry.errors import NotFound
from registry.pact_clients import (
    TOKEN_LIFETIME_SECONDS,
    BadCredentials,
    ClientExists,
    ExpiredToken,
    UnknownToken,
)
from registry.store import Store
from registry.store.pact_clients import Callback
from tests.store_file import raw_connection


@pytest.fixture
def store(make_node: Callable[..., Path]) -> Store:
    return Store.open(make_node())


def test_a_client_trades_its_secret_for_a_token_that_names_it(store: Store) -> None:
    issued = pact_clients.add(store, "acme", Callback("https://acme.example", "node", "s3"))
    stored = raw_connection(store).execute("SELECT secret_hash FROM pact_clients").fetchone()[0]
    assert issued.secret not in stored and stored.startswith("scrypt$")
    token, lifetime = pact_clients.issue_token(store, issued.client.client_id, issued.secret)
    assert lifetime == TOKEN_LIFETIME_SECONDS
    assert token not in str(raw_connection(store).execute("SELECT * FROM pact_tokens").fetchall())
    client = pact_clients.client_of_token(store, token)
    assert client.name == "acme" and client.callback == Callback(
        "https://acme.example", "node", "s3"
    )
    assert [c.name for c in store.pact_clients.all()] == ["acme"]


def test_wrong_credentials_foreign_and_expired_tokens_are_refused(store: Store) -> None:
    issued = pact_clients.add(store, "acme")
    with pytest.raises(BadCredentials):
        pact_clients.issue_token(store, issued.client.client_id, "not the secret")
    with pytest.raises(BadCredentials):
        pact_clients.issue_token(store, "no-such-client", issued.secret)
    with pytest.raises(UnknownToken, match="not one this node issued"):
        pact_clients.client_of_token(store, "forged")
    token, _ = pact_clients.issue_token(store, issued.client.client_id, issued.secret, now=1000)
    with pytest.raises(ExpiredToken, match="expired"):
        pact_clients.client_of_token(store, token, now=1000 + TOKEN_LIFETIME_SECONDS)


def test_removing_a_client_ends_its_tokens_and_a_duplicate_changes_nothing(store: Store) -> None:
    issued = pact_clients.add(store, "acme")
    token, _ = pact_clients.issue_token(store, issued.client.client_id, issued.secret)
    before = raw_connection(store).execute("SELECT * FROM pact_clients").fetchall()
    with pytest.raises(ClientExists):
        pact_clients.add(store, "acme")
    assert raw_connection(store).execute("SELECT * FROM pact_clients").fetchall() == before
    pact_clients.remove(store, "acme")
    with pytest.raises(UnknownToken):
        pact_clients.client_of_token(store, token)
    with pytest.raises(NotFound, match="no PACT client named 'acme'"):
        pact_clients.remove(store, "acme")
