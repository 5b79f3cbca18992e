"""The programs a service's host resources will run, derived from its host profile's templates.

The first element of every argv template (and probe) of the resource kinds the service has is a
program name or an absolute path (`{symcli_bin}/symsim-host`); a service with clone sets also needs
the profile's "target" commands (the rescan after an activate); app resources add the first word
of their start, stop and check commands. The check then asks each node for all of them in one
read-only call (readonly.programs) and reads the answer here.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clonepilot.config.models import AppResource, FsResource, IpResource, Service, VgResource
from clonepilot.hostprofiles import HostProfile, Opt, get_profile

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Profile resource keys a service resource maps to; a key not listed here (added to a profile for
# every service, such as a disk rescan) is needed by every service that has host resources.
_KIND_KEYS = {"ip": "ip", "disk": "vg", "fs": "fs"}
_TARGET_KEY = "target"
# A first word that is a plain program name or path (not an assignment, redirection or quote).
_PROGRAM = re.compile(r"^[A-Za-z0-9_./+][A-Za-z0-9_./+-]*$")


@dataclass(frozen=True)
class Needed:
    """A program and who needs it: `ip#1 start`, `app#1 check`..."""

    program: str
    users: tuple[str, ...]


def _program(first: object, values: Mapping[str, str]) -> str | None:
    if isinstance(first, Opt) or not isinstance(first, str):
        return None
    missing = [name for name in _PLACEHOLDER.findall(first) if not values.get(name)]
    if missing:
        return None
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], first)


def profile_programs(
    profile: HostProfile, keys: Iterable[str], values: Mapping[str, str]
) -> dict[str, list[str]]:
    """program → ["vg start", "fs status", ...] for the profile's templates of these resource keys."""
    wanted = set(keys)
    known = {*_KIND_KEYS.values(), _TARGET_KEY}
    found: dict[str, list[str]] = {}
    merged = {**profile.defaults, **values}
    entries = [((res, verb), templates) for (res, verb), templates in profile.actions.items()]
    entries += [((res, f"probe {name}"), (probe.template,)) for (res, name), probe in profile.probes.items()]
    for (resource, verb), templates in entries:
        if resource not in wanted and resource in known:
            continue
        for template in templates:
            program = _program(template[0] if template else None, merged)
            if program is not None:
                users = found.setdefault(program, [])
                if f"{resource} {verb}" not in users:
                    users.append(f"{resource} {verb}")
    return found


def app_programs(apps: Iterable[AppResource]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for app in apps:
        for verb in ("start", "stop", "check"):
            line = app.command(verb)
            if not line:
                continue
            try:
                words = shlex.split(line)
            except ValueError:
                continue
            if words and _PROGRAM.match(words[0]) and "=" not in words[0]:
                found.setdefault(words[0], []).append(f"{app.rid} {verb}")
    return found


def service_programs(service: Service, symcli_bin: str) -> tuple[Needed, ...]:
    """Every program the service's ip, disk, fs and app resources run on its nodes."""
    hosts = [r for r in service.resources if isinstance(r, IpResource | VgResource | FsResource)]
    keys = {_KIND_KEYS[r.kind] for r in hosts if not r.disable}
    if any(not r.disable for r in service.syncs):
        # After an activate the host rescans the clone targets (profiles with ("target", "rescan")).
        keys.add(_TARGET_KEY)
    merged: dict[str, list[str]] = {}
    if keys:
        profile = get_profile(service.host_profile)
        by_program = profile_programs(profile, keys, {"symcli_bin": symcli_bin})
        for program, users in by_program.items():
            merged.setdefault(program, []).extend(f"{service.host_profile} {u}" for u in users)
    for program, users in app_programs(a for a in service.apps if not a.disable).items():
        merged.setdefault(program, []).extend(users)
    return tuple(Needed(program, tuple(users)) for program, users in sorted(merged.items()))


def parse_programs(text: str) -> dict[str, str | None]:
    """The lookup's answer: program → where it was found, or None when the node lacks it."""
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if parts[0] == "found" and len(parts) >= 3:
            found[parts[1]] = parts[2]
        elif parts[0] == "missing" and len(parts) >= 2:
            found[parts[1]] = None
    return found
