"""A small trust hierarchy with fixed keys: top node 88 → secondary 88.118 → enterprise 88.118.8."""

from dataclasses import dataclass, field
from typing import Any

from signing.certificates import (
    TrustAnchor,
    check_delegation_request,
    issue_certificate,
    issue_delegation,
    issue_device_certificate,
    issue_signing_certificate,
    make_delegation_request,
    make_trust_anchor,
    parse_trust_anchor,
)
from signing.keys import SigningKey
from signing.record_signature import sign_record
from signing.revocation import make_revocation_list

T0 = 1767225600  # 2026-01-01T00:00:00Z
YEAR = 365 * 24 * 3600
HANDLE = "88.118.8/coil-1"


def key(n: int) -> SigningKey:
    return SigningKey.from_seed(bytes([n]) * 32)


def value(index: int, type_: str, data_value: Any, fmt: str | None = None) -> dict[str, Any]:
    return {
        "index": index,
        "type": type_,
        "data": {
            "format": fmt or ("string" if isinstance(data_value, str) else "json"),
            "value": data_value,
        },
        "ttl": 86400,
        "timestamp": "2026-01-01T00:00:00Z",
    }


def footprint_values() -> list[dict[str, Any]]:
    return [
        value(1001, "TEMPLATE", "88/tpl.product-footprint@1.0.0"),
        value(2000, "product_name", "Cold rolled coil"),
        value(2001, "pcf", {"value": "12.5", "unit": "kgCO2e"}),
        value(2002, "declared_unit", "t"),
    ]


def reading_values() -> list[dict[str, Any]]:
    return [
        value(1001, "TEMPLATE", "88/tpl.device-reading@1.0.0"),
        value(2000, "meter", "88.118.8/meter-7"),
        value(2001, "energy", {"value": "431.5", "unit": "kWh"}),
    ]


@dataclass
class World:
    top: SigningKey = field(default_factory=lambda: key(1))
    secondary: SigningKey = field(default_factory=lambda: key(2))
    enterprise: SigningKey = field(default_factory=lambda: key(3))
    signer: SigningKey = field(default_factory=lambda: key(4))
    device: SigningKey = field(default_factory=lambda: key(5))
    t0: int = T0  # the moment everything is built around; tests over HTTP use the clock

    @property
    def anchor(self) -> TrustAnchor:
        return parse_trust_anchor(make_trust_anchor("88", self.top.verify_key))

    def secondary_cert(self, **validity: int) -> str:
        request = make_delegation_request("88.118", self.secondary, self.t0)
        checked = check_delegation_request(request)
        return issue_delegation(self.top, "88", checked, **self._validity(validity))

    def enterprise_cert(self, **validity: int) -> str:
        return issue_certificate(
            self.secondary,
            issuer="88.118",
            subject="88.118.8",
            subject_key=self.enterprise.verify_key,
            perms=["delegate", "sign"],
            issued_at=self.t0 - 100,
            **self._validity(validity),
        )

    def signer_cert(self, **validity: int) -> str:
        return issue_signing_certificate(
            self.enterprise, "88.118.8", self.signer.verify_key, **self._validity(validity)
        )

    def device_cert(self) -> str:
        return issue_device_certificate(
            self.enterprise, "88.118.8", self.device.verify_key, **self._validity({})
        )

    def lists(self, issued_at: int | None = None, next_update: int | None = None) -> list[str]:
        """A current, empty revocation list from every issuer in :meth:`chain`."""
        issued = self.t0 - 100 if issued_at is None else issued_at
        due = self.t0 + YEAR if next_update is None else next_update
        issuers = [(self.top, "88"), (self.secondary, "88.118"), (self.enterprise, "88.118.8")]
        return [
            make_revocation_list(k, prefix, 1, [], issued_at=issued, next_update=due)
            for k, prefix in issuers
        ]

    def chain(self) -> list[str]:
        return [self.secondary_cert(), self.enterprise_cert(), self.signer_cert()]

    def _validity(self, given: dict[str, int]) -> dict[str, int]:
        return {
            "valid_from": given.get("valid_from", self.t0 - YEAR),
            "valid_until": given.get("valid_until", self.t0 + YEAR),
        }

    def bundle(
        self,
        values: list[dict[str, Any]] | None = None,
        *,
        signer: SigningKey | None = None,
        chain: list[str] | None = None,
        handle: str = HANDLE,
        signed_at: int | None = None,
        version: int = 1,
    ) -> dict[str, Any]:
        values = footprint_values() if values is None else values
        moment = self.t0 if signed_at is None else signed_at
        token = sign_record(handle, version, values, signer or self.signer, moment)
        return {
            "handle": handle,
            "version": version,
            "values": values,
            "signature": token,
            "chain": self.chain() if chain is None else chain,
            "revocations": self.lists(),
        }
