"""Status words and per-resource status reports, shared by every resource driver.

The words are the seed's: up, warn, down, n/a (plus undef, for a resource whose status could
not be read at all, e.g. its node is unreachable).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime


class Status(enum.Enum):
    UP = "up"
    WARN = "warn"
    DOWN = "down"
    NA = "n/a"
    UNDEF = "undef"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class ResourceStatusReport:
    """The status of one resource and why: `reason` is one line an operator can act on."""

    rid: str
    status: Status
    reason: str = ""
    last_action: datetime | None = None
    detail: dict[str, object] = field(default_factory=dict)
