"""What the preflight check found: one finding per check, per service, and how they print."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

# The checks, in the order they run on a service.
HOSTKEY, SYMCLI, ARRAY, DEVICES, PAIRS, PROGRAMS, CONFIG = (
    "ssh host key",
    "symcli",
    "array",
    "devices",
    "pairs",
    "host commands",
    "service file",
)


class Level(enum.StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    # Not checked because something it needs failed first (that failure is reported itself).
    SKIP = "skip"


@dataclass(frozen=True)
class Finding:
    """One check: which (`check`), about what and where (`subject`), what was found, what to do."""

    check: str
    subject: str
    level: Level
    found: str
    todo: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "check": self.check,
            "subject": self.subject,
            "level": str(self.level),
            "found": self.found,
            "todo": self.todo,
        }


def ok(check: str, subject: str, found: str) -> Finding:
    return Finding(check, subject, Level.OK, found)


def warn(check: str, subject: str, found: str, todo: str) -> Finding:
    return Finding(check, subject, Level.WARN, found, todo)


def fail(check: str, subject: str, found: str, todo: str) -> Finding:
    return Finding(check, subject, Level.FAIL, found, todo)


def skip(check: str, subject: str, why: str) -> Finding:
    return Finding(check, subject, Level.SKIP, why)


@dataclass(frozen=True)
class ServiceCheck:
    service: str
    path: str
    findings: tuple[Finding, ...]

    def count(self, level: Level) -> int:
        return sum(f.level is level for f in self.findings)

    @property
    def ok(self) -> bool:
        return self.count(Level.FAIL) == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "path": self.path,
            "ok": self.ok,
            "counts": {str(level): self.count(level) for level in Level},
            "findings": [f.to_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class CheckReport:
    services: tuple[ServiceCheck, ...]
    capture_dir: str | None = None
    # Parts of outputs no parser understood: (call file or command, path or line) for the summary.
    not_understood: tuple[str, ...] = ()
    calls: int = 0

    @property
    def ok(self) -> bool:
        return all(service.ok for service in self.services)

    def count(self, level: Level) -> int:
        return sum(service.count(level) for service in self.services)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": {str(level): self.count(level) for level in Level},
            "services": [service.to_dict() for service in self.services],
            "calls": self.calls,
            "capture_dir": self.capture_dir,
            "not_understood": list(self.not_understood),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def text(self) -> str:
        """For a terminal: one line per finding, what to do indented under each warn and fail."""
        lines: list[str] = []
        for index, service in enumerate(self.services):
            if index:
                lines.append("")
            lines.append(f"check of {service.service} ({service.path})")
            width_check = max((len(f.check) for f in service.findings), default=0)
            width_subject = max((len(f.subject) for f in service.findings), default=0)
            for finding in service.findings:
                lines.append(
                    f"  {finding.level!s:<4}  {finding.check:<{width_check}}  "
                    f"{finding.subject:<{width_subject}}  {finding.found}".rstrip()
                )
                if finding.todo:
                    lines.append(f"        -> {finding.todo}")
            lines.append(
                f"  {service.service}: {'ready' if service.ok else 'NOT ready'} ("
                + ", ".join(f"{service.count(level)} {level}" for level in Level)
                + ")"
            )
        if len(self.services) > 1:
            bad = sum(not s.ok for s in self.services)
            lines.append("")
            lines.append(f"{len(self.services)} services: {len(self.services) - bad} ready, {bad} not ready")
        if self.capture_dir is not None:
            lines.append("")
            lines.append(f"capture: {self.calls} calls written to {self.capture_dir} (index.json)")
            if self.not_understood:
                lines.append(f"not understood by the parsers ({len(self.not_understood)}):")
                lines.extend(f"  {item}" for item in self.not_understood)
            else:
                lines.append("not understood by the parsers: nothing")
        lines.append(f"result: {'ok' if self.ok else 'FAILED'}")
        return "\n".join(lines)
