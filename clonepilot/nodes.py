"""Node addresses as written in service files: `host`, `user@host`, `user@host:port` or `localhost`.

`localhost` (alone, with no user or port) means "run locally, without SSH"; any other form
is an SSH destination.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A DNS name or an IPv4 address; kept strict because node names end up in SSH calls and logs.
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?"
_USER = r"[A-Za-z_][A-Za-z0-9_.-]{0,31}"
_NODE_RE = re.compile(rf"^(?:(?P<user>{_USER})@)?(?P<host>{_HOST})(?::(?P<port>[0-9]{{1,5}}))?$")

LOCAL = "localhost"


class NodeSyntaxError(ValueError):
    """A node string that is neither `localhost` nor `[user@]host[:port]`."""


@dataclass(frozen=True)
class NodeAddress:
    """Where commands for one node run."""

    host: str
    user: str | None = None
    port: int | None = None

    @property
    def is_local(self) -> bool:
        return self.host == LOCAL and self.user is None and self.port is None

    def __str__(self) -> str:
        text = self.host
        if self.user:
            text = f"{self.user}@{text}"
        if self.port is not None:
            text = f"{text}:{self.port}"
        return text


def parse_node(text: str) -> NodeAddress:
    """Parse a node string; raise NodeSyntaxError saying what is wrong with it."""
    value = text.strip()
    match = _NODE_RE.match(value)
    if not match:
        raise NodeSyntaxError(
            f"{text!r} is not a node: expected 'localhost', 'host', 'user@host' or 'user@host:port'"
        )
    port = match.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise NodeSyntaxError(f"{text!r} is not a node: port {port} is outside 1-65535")
    return NodeAddress(host=match.group("host"), user=match.group("user"), port=int(port) if port else None)
