"""Resource hooks: pre_/post_/blocking_pre_/blocking_post_<action> shell commands.

They run on the service node through /bin/sh, with the OpenSVC variables an existing hook script
may read (OPENSVC_SVCNAME, OPENSVC_RID, OPENSVC_ACTION) and clonepilot's own. A failing pre/post
hook is logged and passed over; a failing blocking hook stops the action (seed: "Errors
interrupt the action"). Hooks may change anything, so a dry run journals them without running.
"""

from __future__ import annotations

from dataclasses import dataclass

from clonepilot.config.keywords import HOOK_ACTIONS
from clonepilot.config.models import Action, AnyResource, HookKind
from clonepilot.engine.context import RunContext
from clonepilot.errors import PermanentError


class HookFailed(PermanentError):
    """A blocking hook exited non-zero; the message carries its exit code and stderr."""

    def __init__(self, rid: str, keyword: str, command: str, exit_code: int | None, stderr: str) -> None:
        detail = stderr.strip() or "(no stderr)"
        super().__init__(f"{rid}: {keyword} hook `{command}` failed (exit {exit_code}): {detail}")
        self.rid = rid
        self.keyword = keyword
        self.exit_code = exit_code
        self.stderr = stderr


@dataclass(frozen=True)
class HookResult:
    keyword: str
    command: str
    exit_code: int | None  # None: journaled by a dry run, not run
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code in (0, None)


def hook_env(ctx: RunContext, resource: AnyResource, action: str) -> dict[str, str]:
    return {
        "OPENSVC_SVCNAME": ctx.service.name,
        "OPENSVC_RID": resource.rid,
        "OPENSVC_ACTION": action,
        "CLONEPILOT_SERVICE": ctx.service.name,
        "CLONEPILOT_RID": resource.rid,
        "CLONEPILOT_ACTION": action,
    }


def run_hook(
    ctx: RunContext, resource: AnyResource, kind: HookKind, action: Action, *, stage: str = ""
) -> HookResult | None:
    """Run one hook if it is set. Raises HookFailed for a failing blocking hook; returns None if unset."""
    if action not in HOOK_ACTIONS:
        return None  # the seed has no hook keywords for this action (sync_break has only depends)
    command = resource.hook(kind, action)
    if not command:
        return None
    keyword = f"{kind}_{action}"
    result = ctx.run(
        ctx.service.node,
        ["/bin/sh", "-c", command],
        rid=resource.rid,
        stage=stage or keyword,
        changes_state=True,
        env=hook_env(ctx, resource, action),
    )
    if result is None:
        return HookResult(keyword, command, None, "")
    outcome = HookResult(keyword, command, result.exit_code, result.stderr)
    if result.ok:
        return outcome
    if kind.startswith("blocking_"):
        raise HookFailed(resource.rid, keyword, command, result.exit_code, result.stderr)
    ctx.logger.warning(
        "%s: %s hook `%s` failed (exit %s), passed over: %s",
        resource.rid,
        keyword,
        command,
        result.exit_code,
        result.stderr.strip() or "(no stderr)",
    )
    return outcome
