"""What a run did: per stage and per resource outcomes, the commands, and a plain-text summary.

The summary's command lines read like the seed's log (`SVC.SYNC#1 - INFO - /usr/symcli/bin/...`),
then the stages with their durations; a dry run also lists the commands that would have run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from clonepilot.engine.context import JournalEntry
from clonepilot.engine.resource import ResourceActionResult

# Wait steps and what they wait for, for the seed-like log ("waiting for copied state").
_WAITS = {"wait_activable": "activable (recreated or precopied)", "wait_copied": "copied"}
# Worst first; a stage takes the worst outcome of its steps.
_OUTCOME_RANK = {"failed": 3, "failed-optional": 2, "done": 1, "skipped": 0}


def stage_outcome(results: Sequence[ResourceActionResult]) -> str:
    if not results:
        return "done"
    return max((r.outcome for r in results), key=lambda o: _OUTCOME_RANK[o])


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


def _entry_dict(entry: JournalEntry) -> dict[str, Any]:
    return {
        "rid": entry.rid,
        "stage": entry.stage,
        "node": entry.node,
        "command": entry.command,
        "argv": list(entry.argv),
        "changes_state": entry.changes_state,
        "executed": entry.executed,
        "exit_code": entry.exit_code,
        "duration": round(entry.duration, 3),
        "started": _iso(entry.started),
    }


@dataclass(frozen=True)
class StageReport:
    name: str
    step: str
    rids: tuple[str, ...]
    node: str
    started: float | None
    ended: float | None
    # done, skipped, failed-optional, failed, not-run (after an earlier failure) or done-earlier (resumed)
    outcome: str
    results: tuple[ResourceActionResult, ...] = ()
    commands: tuple[JournalEntry, ...] = ()
    error: str = ""
    error_type: str = ""  # the failure's exception class (ServiceNotDown, HookFailed, WaitTimeout...)

    @classmethod
    def not_run(cls, name: str, step: str, rids: tuple[str, ...], node: str) -> StageReport:
        return cls(name, step, rids, node, None, None, "not-run")

    @classmethod
    def done_earlier(cls, name: str, step: str, rids: tuple[str, ...], node: str) -> StageReport:
        """A stage an interrupted run of the same action completed; the resumed run skips it."""
        return cls(name, step, rids, node, None, None, "done-earlier")

    @property
    def duration(self) -> float | None:
        return None if self.started is None or self.ended is None else self.ended - self.started

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "step": self.step,
            "rids": list(self.rids),
            "node": self.node,
            "started": _iso(self.started) if self.started is not None else None,
            "ended": _iso(self.ended) if self.ended is not None else None,
            "duration": round(self.duration, 3) if self.duration is not None else None,
            "outcome": self.outcome,
            "error": self.error,
            "error_type": self.error_type,
            "resources": [
                {
                    "rid": r.rid,
                    "action": r.action,
                    "outcome": r.outcome,
                    "message": r.message,
                    "duration": round(r.duration, 3),
                    "attempts": r.attempts,
                    "error_type": r.error_type,
                }
                for r in self.results
            ],
            "commands": [_entry_dict(e) for e in self.commands],
        }


@dataclass(frozen=True)
class RunReport:
    service: str
    action: str
    dry_run: bool
    stages: tuple[StageReport, ...]
    commands: tuple[JournalEntry, ...]
    started: float
    ended: float
    error: str = ""
    error_type: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def duration(self) -> float:
        return self.ended - self.started

    def stage(self, name: str) -> StageReport:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(f"no stage {name!r} in this run: {', '.join(s.name for s in self.stages)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "action": self.action,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "error": self.error,
            "error_type": self.error_type,
            "started": _iso(self.started),
            "ended": _iso(self.ended),
            "duration": round(self.duration, 3),
            "stages": [s.to_dict() for s in self.stages],
            "commands": [_entry_dict(e) for e in self.commands],
        }

    def log_lines(self) -> list[str]:
        """The run as the seed logs it, `SVC.RID - LEVEL - text`: each state-changing command, each
        wait, each failure, stage by stage."""
        svc = self.service.upper()
        lines = []
        for stage in self.stages:
            for entry in stage.commands:
                if not entry.changes_state:
                    continue
                bad = entry.exit_code not in (0, None)
                level, suffix = ("ERROR", f" (exit {entry.exit_code})") if bad else ("INFO", "")
                lines.append(f"{svc}.{entry.rid.upper()} - {level} - {entry.command}{suffix}")
            for result in stage.results:
                prefix = f"{svc}.{result.rid.upper()}"
                if result.outcome == "failed":
                    lines.append(f"{prefix} - ERROR - {result.message}")
                elif result.outcome == "failed-optional":
                    lines.append(f"{prefix} - WARNING - {result.message}")
                elif result.outcome == "done" and stage.step in _WAITS:
                    lines.append(
                        f"{prefix} - INFO - {_WAITS[stage.step]} state reached in {result.duration:.1f}s"
                    )
            if stage.error and not stage.results:
                lines.append(f"{svc} - ERROR - {stage.error}")
        return lines

    def summary(self) -> str:
        what = f"{self.action or 'run'} of {self.service}" + (" (dry run)" if self.dry_run else "")
        lines = [f"{what}:"]
        if not self.dry_run:
            lines += self.log_lines()
        lines.append("stages:")
        width = max((len(s.name) for s in self.stages), default=0)
        for stage in self.stages:
            took = f"{stage.duration:7.2f}s" if stage.duration is not None else "      - "
            rids = " ".join(stage.rids) or "-"
            lines.append(f"  {stage.name:<{width}}  {took}  {stage.outcome:<15} {rids}")
            for result in stage.results:
                if result.outcome != "done" and result.message:
                    lines.append(f"      {result.rid}: {result.outcome}: {result.message}")
        if self.dry_run:
            pending = [e for e in self.commands if not e.executed]
            lines.append(f"commands that would run ({len(pending)}):")
            lines += [f"  {e.node}: {e.command}" for e in pending]
        status = "ok" if self.ok else f"FAILED: {self.error}"
        lines.append(f"{what}: {status} ({self.duration:.2f}s)")
        return "\n".join(lines)
