"""Resource order within a driver group, as OpenSVC orders it.

OpenSVC sorts a group's resources by rid (`core/resource.py`: `sort_key = rid`); an app with a
numeric `start` sorts by `("app#<start>", rid)` instead (`drivers/resource/app`). Both compare as
text, so sync#10 comes before sync#2. Start runs that order; stop runs it reversed, except for sync
resources, which OpenSVC always runs in ascending order (`resourceset.sort_resources`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from clonepilot.config.models import AppResource, Resource

R = TypeVar("R", bound=Resource)


def _key(resource: Resource) -> tuple[str, str]:
    if isinstance(resource, AppResource) and resource.start_order is not None:
        return (f"app#{resource.start_order}", resource.rid)
    return (resource.rid, resource.rid)


def start_order(resources: Sequence[R]) -> list[R]:
    return sorted(resources, key=_key)


def stop_order(resources: Sequence[R]) -> list[R]:
    ordered = start_order(resources)
    return ordered if all(r.kind == "sync" for r in resources) else ordered[::-1]
