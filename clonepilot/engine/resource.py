"""The wrapper every resource action goes through: the seed's resource keywords, in one place.

Order: disable → skipped; tag noaction → skipped; `<action>_depends`; blocking_pre hook (failure
stops); pre hook (failure logged); the body, retried `restart` more times on RetryableError only,
with a growing, capped backoff; post hook (failure logged); blocking_post hook (failure fails).
An optional resource's failure is logged and passed over (outcome failed-optional).

Retrying is safe because bodies re-read the state before acting (clone sets and host drivers do),
so a repeated body does only what is still missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from clonepilot.config.models import Action, AnyResource
from clonepilot.engine.context import RunContext
from clonepilot.engine.depends import check_depends
from clonepilot.engine.hooks import HookResult, run_hook
from clonepilot.engine.stopping import RunStopped
from clonepilot.errors import ClonepilotError, RetryableError

Outcome = Literal["done", "skipped", "failed-optional", "failed"]


@dataclass(frozen=True)
class ResourceActionResult:
    rid: str
    action: str
    outcome: Outcome
    message: str
    duration: float
    attempts: int
    error_type: str | None = None  # the exception class name of a failure, for reports

    @property
    def failed(self) -> bool:
        """A failure that stops the run (an optional resource's failure does not)."""
        return self.outcome == "failed"


@dataclass(frozen=True)
class Backoff:
    """Delay before retry n (1-based): first * 2**(n-1), never more than cap."""

    first: float = 1.0
    cap: float = 8.0

    def delay(self, retry: int) -> float:
        return min(self.first * 2 ** (retry - 1), self.cap)


@dataclass(frozen=True)
class Phase:
    """Which parts of the wrapper a step runs: an action split into steps (recreate, then
    wait_activable) runs depends and pre hooks with its first step, post hooks with its last."""

    pre: bool = True
    post: bool = True


WHOLE = Phase()


def run_resource_action(
    ctx: RunContext,
    resource: AnyResource,
    action: Action,
    body: Callable[[], object],
    *,
    stage: str = "",
    phase: Phase = WHOLE,
    depends_wait: float | None = None,
    backoff: Backoff | None = None,
) -> ResourceActionResult:
    """Run body as `action` of resource with its keywords applied; never raises a ClonepilotError.

    `depends_wait` and `backoff` default to the settings'.
    """
    started = time.monotonic()
    stage = stage or action

    def result(
        outcome: Outcome, message: str, attempts: int, error: BaseException | None = None
    ) -> ResourceActionResult:
        return ResourceActionResult(
            resource.rid,
            action,
            outcome,
            message,
            time.monotonic() - started,
            attempts,
            type(error).__name__ if error is not None else None,
        )

    if resource.disable:
        return result("skipped", "disabled", 0)
    if resource.noaction:
        return result("skipped", "tagged noaction: no state-changing action", 0)

    notes: list[str] = []
    if backoff is None:
        backoff = Backoff(ctx.settings.retry_backoff_first, ctx.settings.retry_backoff_max)
    if depends_wait is None:
        depends_wait = ctx.settings.depends_wait
    retrier = _Retrier(ctx, resource, backoff)
    try:
        if phase.pre:
            checked = check_depends(ctx, resource, action, max_wait=depends_wait, stage=stage)
            if checked:
                notes.append(checked)
            run_hook(ctx, resource, "blocking_pre", action, stage=stage)
            _note_hook(notes, run_hook(ctx, resource, "pre", action, stage=stage))
        notes.insert(0, retrier(body))
        if phase.post:
            _note_hook(notes, run_hook(ctx, resource, "post", action, stage=stage))
            run_hook(ctx, resource, "blocking_post", action, stage=stage)
    except ClonepilotError as exc:
        attempts = retrier.attempts
        text = f"{exc} (after {attempts} attempts)" if attempts > 1 else str(exc)
        if resource.optional and not isinstance(exc, RunStopped):
            ctx.logger.warning("%s: %s failed, passed over (optional): %s", resource.rid, action, text)
            return result("failed-optional", f"optional, passed over: {text}", attempts, exc)
        ctx.logger.error("%s: %s failed: %s", resource.rid, action, text)
        return result("failed", text, attempts, exc)
    return result("done", "; ".join(n for n in notes if n), retrier.attempts)


def _note_hook(notes: list[str], hook: HookResult | None) -> None:
    if hook is not None and not hook.ok:
        notes.append(f"{hook.keyword} hook failed (exit {hook.exit_code}), passed over")


class _Retrier:
    """Runs the body, repeating it on RetryableError; `attempts` stays readable after a failure."""

    def __init__(self, ctx: RunContext, resource: AnyResource, backoff: Backoff) -> None:
        self.ctx = ctx
        self.resource = resource
        self.backoff = backoff
        self.attempts = 0

    def __call__(self, body: Callable[[], object]) -> str:
        # Transient errors get the configured extra attempts; `restart` asks for more on top.
        limit = 1 + self.ctx.settings.transient_retries + self.resource.restart
        while True:
            self.attempts += 1
            try:
                done = body()
            except RetryableError as exc:
                if self.attempts >= limit:
                    raise
                delay = self.backoff.delay(self.attempts)
                self.ctx.logger.warning(
                    "%s: attempt %d of %d failed, retrying in %g s: %s",
                    self.resource.rid,
                    self.attempts,
                    limit,
                    delay,
                    exc,
                )
                self.ctx.stop.pause(delay)
                continue
            return str(getattr(done, "message", "") or "")
