"""Sort a section's OpenSVC keywords into understood, accepted-and-ignored, and refused.

The tables live in config.opensvc. Ignored keywords become warnings and are dropped before the
keywords are resolved; refused ones become issues. OpenSVC v2's `<action>_requires` is read as
clonepilot's `<action>_depends` (the seed's name for the same conditions).
"""

from __future__ import annotations

from typing import Protocol

from clonepilot.config.keywords import DEPENDS_ACTIONS
from clonepilot.config.opensvc import (
    DEFAULT_VALUES,
    IGNORED_BY_KIND,
    IGNORED_DEFAULT,
    IGNORED_RESOURCE,
    LEGACY,
    REFUSED_DEFAULT,
    REFUSED_RESOURCE,
    REFUSED_SECTIONS,
    REFUSED_TYPES,
)

__all__ = ["REFUSED_SECTIONS", "REFUSED_TYPES", "filter_default", "filter_resource"]


class _Sink(Protocol):
    """What the parser's issue list offers: add() for problems, warn() for what is ignored."""

    def add(self, section: str | None, keyword: str | None, message: str) -> None: ...

    def warn(self, section: str | None, keyword: str | None, message: str) -> None: ...


def _legacy(section: str, key: str, keyword: str, issues: _Sink) -> bool:
    if keyword not in LEGACY:
        return False
    issues.add(section, key, f"a keyword of older OpenSVC releases: write {LEGACY[keyword]} instead")
    return True


def filter_default(entries: dict[str, str], issues: _Sink) -> dict[str, str]:
    kept: dict[str, str] = {}
    for key, raw in entries.items():
        keyword = key.partition("@")[0]
        if keyword in IGNORED_DEFAULT:
            issues.warn("DEFAULT", key, f"ignored: {IGNORED_DEFAULT[keyword]}")
        elif keyword in REFUSED_DEFAULT:
            issues.add("DEFAULT", key, REFUSED_DEFAULT[keyword])
        elif keyword in DEFAULT_VALUES:
            allowed, why = DEFAULT_VALUES[keyword]
            if raw.strip() not in allowed:
                issues.add("DEFAULT", key, why.format(value=raw.strip()))
            else:
                issues.warn(
                    "DEFAULT", key, f"ignored: {keyword} = {raw.strip()} is how clonepilot runs anyway"
                )
        elif keyword == "sync_max_delay":
            pass  # inherited by the sync resources (OpenSVC's [DEFAULT] sync_max_delay)
        elif not _legacy("DEFAULT", key, keyword, issues):
            kept[key] = raw
    return kept


_REQUIRES = {f"{action}_requires": f"{action}_depends" for action in DEPENDS_ACTIONS}


def filter_resource(section: str, kind: str, entries: dict[str, str], issues: _Sink) -> dict[str, str]:
    kept: dict[str, str] = {}
    by_kind = IGNORED_BY_KIND.get(kind, {})
    for key, raw in entries.items():
        keyword, at, scope = key.partition("@")
        if keyword in _REQUIRES:
            target = _REQUIRES[keyword] + at + scope
            if target in entries:
                issues.add(section, key, f"{keyword} and {target} say the same thing: keep one")
                continue
            kept[target] = raw
        elif keyword in ("scsireserv", "prkey"):
            # A reservation protects the data from other nodes; dropping one silently would not.
            if keyword == "scsireserv" and raw.strip().lower() not in ("false", "no", "0", "f", "n", ""):
                issues.add(
                    section,
                    key,
                    "SCSI-3 persistent reservations, which clonepilot does not take: set scsireserv = false "
                    "(or leave the service with OpenSVC)",
                )
            else:
                issues.warn(section, key, "ignored: SCSI-3 reservations, which clonepilot does not take")
        elif kind == "ip" and keyword == "type":
            kept[key] = raw  # checked as the ip driver (host only)
        elif keyword in by_kind:
            issues.warn(section, key, f"ignored: {by_kind[keyword]}")
        elif keyword in IGNORED_RESOURCE:
            issues.warn(section, key, f"ignored: {IGNORED_RESOURCE[keyword]}")
        elif keyword in REFUSED_RESOURCE:
            issues.add(section, key, REFUSED_RESOURCE[keyword])
        elif not _legacy(section, key, keyword, issues):
            kept[key] = raw
    return kept
