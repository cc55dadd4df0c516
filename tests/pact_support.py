"""The PACT v3 schema and conformance tool the tests hold the node to.

Both ship with the official conformance tool, which sits outside the repository: in CI
``shared/`` lies beside the clone (``../shared/tools``); ``GLID_SHARED_DIR`` points
elsewhere when it does not.
"""

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_FOOTPRINTS = ROOT / "docs" / "pact" / "sample-footprints.jsonl"


def tools_dir() -> Path:
    shared = Path(os.environ.get("GLID_SHARED_DIR", ROOT.parent / "shared"))
    tools = shared / "tools"
    if not (tools / "pact-conformance.sh").is_file():
        pytest.fail(
            f"the PACT conformance tool is not at {tools}/pact-conformance.sh; put shared/"
            " beside the clone or set GLID_SHARED_DIR"
        )
    return tools


@cache
def _openapi() -> dict[str, Any]:
    path = tools_dir() / "pact-conformance" / "src" / "schemas" / "openapi_v3_0.yaml"
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


@cache
def validator(component: str) -> Draft202012Validator:
    """A validator for one schema of the PACT v3 OpenAPI document (ProductFootprint, …)."""
    schema = {**_openapi(), "$ref": f"#/components/schemas/{component}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def assert_valid(component: str, document: Any) -> None:
    errors = sorted(validator(component).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def self_signed(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate and key for ``host`` (what docs/PACT.md makes with openssl)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file
