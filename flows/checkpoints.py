"""Refresh checkpoints kept on the Prefect server (setting `checkpoint_store = prefect`).

With several workers, a rerun of an interrupted refresh may land on another host than the run it
resumes: a checkpoint file on the first host would not be seen there. A Prefect variable is, by
every worker of the server, and the UI lists it under Variables while a refresh is unfinished.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from prefect.variables import Variable

from clonepilot.engine.checkpoint_store import CheckpointStore, register_store, store_for
from clonepilot.settings import Settings

VARIABLE_PREFIX = "clonepilot-checkpoint-"
# Variable names allow lower-case letters, digits, dashes and underscores, up to 255 characters.
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]")


def variable_name(service: str, action: str) -> str:
    """The variable of one service's action; a name that had to be changed gets a hash of the original."""
    wanted = f"{service}-{action}"
    name = _NOT_ALLOWED.sub("-", wanted.lower())
    if name != wanted:
        name += "-" + hashlib.sha256(wanted.encode()).hexdigest()[:8]
    return VARIABLE_PREFIX + name[:200]


@dataclass(frozen=True)
class VariableStore:
    """A checkpoint as a Prefect variable whose value is the checkpoint's JSON object."""

    name: str

    def __str__(self) -> str:
        return f"Prefect variable {self.name}"

    def load(self) -> Any:
        return Variable.get(self.name)

    def save(self, data: dict[str, Any]) -> None:
        Variable.set(self.name, data, tags=["clonepilot", "checkpoint"], overwrite=True)

    def delete(self) -> None:
        Variable.unset(self.name)


def _variable_store(settings: Settings, service: str, action: str) -> CheckpointStore:
    return VariableStore(variable_name(service, action))


# From here on the engine reaches this store too: another action of the service marks it stale.
register_store("prefect", _variable_store)


def checkpoint_store(settings: Settings, service: str, action: str) -> CheckpointStore:
    return store_for(settings, service, action)
