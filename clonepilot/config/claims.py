"""Devices that two service files claim: a clone target one service recreates under another.

Two services may share a *source* (several test copies of one production database); they must
never share a *target*, and one service's target must not be another's source: recreating it
would pull the storage from under the other service. Array-form pairs are keyed by array and
device id (compared without leading zeros); device-group pairs by group and logical name, since
the array alone knows which device a logical name is (the state-changing runs check that).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clonepilot.config.models import Service


@dataclass(frozen=True)
class Claim:
    """One resource's use of a device: as `target` or as `source`."""

    service: str
    path: str
    rid: str
    role: str

    def describe(self) -> str:
        return f"{self.role} of {self.path} [{self.rid}]"


@dataclass(frozen=True)
class SharedDevice:
    """A device claimed by more than one service file, at least once as a clone target."""

    where: str  # "array 000197900123" or "device group DGCVI"
    device: str
    claims: tuple[Claim, ...]

    def describe(self) -> str:
        files = len({claim.path for claim in self.claims})
        claims = "; ".join(claim.describe() for claim in self.claims)
        return f"{self.where} device {self.device} is claimed by {files} service files: {claims}"

    def as_json(self) -> dict[str, object]:
        return {
            "where": self.where,
            "device": self.device,
            "claims": [
                {"service": c.service, "file": c.path, "section": c.rid, "role": c.role} for c in self.claims
            ],
        }


def _key(device: str) -> str:
    return device.strip().upper().lstrip("0") or "0"


def shared_devices(services: Iterable[Service]) -> tuple[SharedDevice, ...]:
    """Every device that two service files claim where one of them changes it (a target)."""
    found: dict[tuple[str, str], list[Claim]] = {}
    shown: dict[tuple[str, str], str] = {}
    for service in services:
        for sync in service.syncs:
            where = f"array {sync.symid}" if sync.symdg is None else f"device group {sync.symdg}"
            for pair in sync.pairs:
                for role, device in (("target", pair.target), ("source", pair.source)):
                    # Logical names in a group are case-insensitive; array ids ignore leading zeros.
                    key = (where, _key(device) if sync.symdg is None else device.upper())
                    shown.setdefault(key, device)
                    found.setdefault(key, []).append(Claim(service.name, str(service.path), sync.rid, role))
    shared = []
    for key, claims in found.items():
        files = {claim.path for claim in claims}
        if len(files) > 1 and any(claim.role == "target" for claim in claims):
            shared.append(SharedDevice(key[0], shown[key], tuple(claims)))
    return tuple(sorted(shared, key=lambda s: (s.where, _key(s.device))))
