"""Errors raised while reading service files.

A service file is checked whole: every problem found becomes one `ConfigIssue`, and the
`ServiceConfigError` carrying them is raised only at the end, so an admin fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clonepilot.errors import PermanentError


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a service file, located by section and keyword."""

    file: str
    section: str | None
    keyword: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.section is not None:
            where += f": [{self.section}]"
        if self.keyword is not None:
            where += f" {self.keyword}"
        return f"{where}: {self.message}"


class ServiceConfigError(PermanentError):
    """A service file that does not validate; nothing may run on that service."""

    def __init__(self, path: Path, issues: Sequence[ConfigIssue]) -> None:
        self.path = path
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        count = len(self.issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{path}: {count} error{'s' if count != 1 else ''}:\n{lines}")


class ServiceNotFoundError(PermanentError):
    """A service name with no `<name>.conf` in the services directory."""

    def __init__(self, name: str, services_dir: Path, found: Sequence[str]) -> None:
        self.name = name
        self.services_dir = services_dir
        self.found: tuple[str, ...] = tuple(found)
        listing = ", ".join(self.found) if self.found else "none"
        super().__init__(
            f"service {name!r} not found: no file {services_dir / (name + '.conf')}; "
            f"services found in {services_dir}: {listing}"
        )
