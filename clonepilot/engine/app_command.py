"""The argv that runs one action of an app resource on its node: a pure function.

The command itself is the admin's (a shell line, or `<script> <verb>` in OpenSVC's script form);
around it come what OpenSVC's app driver sets up: the OPENSVC_* variables and `environment`, the
working directory, and the user and group (runuser on Linux, su on HP-UX). Each argv element is one
word, so nothing the file says is ever re-split by a shell but the command line itself.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from clonepilot.config.models import AppResource


@dataclass(frozen=True)
class AppCommand:
    argv: list[str]
    # Set by the transport (over SSH: `env` on the command line), so the logged argv stays the
    # admin's command.
    env: dict[str, str]


def app_command(resource: AppResource, verb: str, service: str, host_profile: str) -> AppCommand | None:
    """What `verb` (start, stop, check, info) runs, or None when the resource runs nothing for it."""
    command = resource.command(verb)
    if command is None:
        return None
    line = command if resource.cwd is None else f"cd {shlex.quote(resource.cwd)} && {command}"
    shell = ["/bin/sh", "-c", line]
    env = {"OPENSVC_RID": resource.rid, "OPENSVC_NAME": service, "OPENSVC_SVCNAME": service}
    env.update(resource.environment)
    return AppCommand(_as_user(resource, host_profile, shell), env)


def _as_user(resource: AppResource, host_profile: str, shell: list[str]) -> list[str]:
    if resource.user is None:
        return shell
    if host_profile == "hpux":
        if resource.group is not None:
            raise ValueError(f"{resource.rid}: group is not supported on HP-UX (su switches the user only)")
        # su hands its -c argument to the user's shell, so the command travels as one quoted line.
        return ["/usr/bin/su", resource.user, "-c", shlex.join(shell)]
    group = ["-g", resource.group] if resource.group is not None else []
    return ["runuser", "-u", resource.user, *group, "--", *shell]
