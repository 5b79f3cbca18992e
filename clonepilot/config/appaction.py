"""An app's start, stop, check and info keywords as OpenSVC reads them (a number, a boolean, a command)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class AppAction(BaseModel):
    """One of an app's start, stop, check or info keywords, as OpenSVC reads it.

    `false` skips the action; `true` or a number runs `<script> <verb>` (a number also orders the
    apps at start, and in reverse at stop); anything else is the admin's own command line.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    run: bool
    order: int | None = None
    command: str | None = None

    def __str__(self) -> str:
        if not self.run:
            return "false (skipped)"
        if self.command is not None:
            return self.command
        return f"{self.order} (script, order {self.order})" if self.order is not None else "true (script)"


# The argument OpenSVC gives the script for each action: the check runs `<script> status`.
SCRIPT_VERBS: dict[str, str] = {"start": "start", "stop": "stop", "check": "status", "info": "info"}
