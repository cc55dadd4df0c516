"""OAuth 2.0 client credentials for PACT: ``POST /auth/token`` and the bearer check.

The client authenticates with HTTP Basic (RFC 6749 section 2.3.1) and sends
``grant_type=client_credentials`` form-encoded; the answer is a bearer token with its
lifetime. A refused token request answers with both PACT's error body and OAuth's
(``error``, ``error_description``) so either kind of client can read it.
"""

import asyncio
import binascii
from base64 import b64decode

from aiohttp import web

from registry import pact_clients
from registry.pact_clients import BadCredentials, ExpiredToken, UnknownToken
from registry.store.pact_clients import Client
from resolver.pact.problems import PactProblem
from resolver.state import STORE, writer_of


def _oauth_refusal(status: int, error: str, message: str) -> PactProblem:
    code = "BadRequest" if status == 400 else "AccessDenied"
    return PactProblem(code, message, status=status, error=error, error_description=message)


def _basic_credentials(request: web.Request) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise _oauth_refusal(
            401, "invalid_client", "authenticate the client with HTTP Basic (client id, secret)"
        )
    try:
        client_id, sep, secret = b64decode(encoded.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep = ""
    if not sep:
        raise _oauth_refusal(401, "invalid_client", "the Basic credentials are not id:secret")
    return client_id, secret


async def token(request: web.Request) -> web.Response:
    client_id, secret = _basic_credentials(request)
    form = await request.post()
    grant = form.get("grant_type")
    if grant != "client_credentials":
        raise _oauth_refusal(
            400, "unsupported_grant_type", f"grant_type must be client_credentials, got {grant!r}"
        )
    stored = request.app[STORE].pact_clients.secret_hash(client_id)
    try:
        await asyncio.to_thread(pact_clients.require_secret, client_id, secret, stored)
    except BadCredentials as exc:
        raise _oauth_refusal(401, "invalid_client", str(exc)) from None
    issued, lifetime = await writer_of(request.app).write(
        lambda store: pact_clients.record_token(store, client_id)
    )
    return web.json_response(
        {"access_token": issued, "token_type": "bearer", "expires_in": lifetime},
        headers={"Cache-Control": "no-store"},
    )


async def openid_configuration(request: web.Request) -> web.Response:
    base = f"{request.scheme}://{request.host}"
    return web.json_response(
        {
            "issuer": base,
            "token_endpoint": f"{base}/auth/token",
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
    )


def bearer_client(request: web.Request) -> Client:
    """The client whose bearer token authorises this request, or a PACT refusal."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise PactProblem(
            "BadRequest",
            "send a bearer token from /auth/token (Authorization: Bearer …)",
            status=401,
        )
    try:
        return pact_clients.client_of_token(request.app[STORE], presented.strip())
    except ExpiredToken as exc:
        raise PactProblem("TokenExpired", str(exc)) from None
    except UnknownToken as exc:
        raise PactProblem("BadRequest", str(exc), status=401) from None
