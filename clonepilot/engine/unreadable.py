"""SYMCLI output clonepilot could not read: kept whole for a bug report, and named in the error.

A parser that meets an unexpected shape never guesses a value; the run stops with an error that
names the node, the command and what was unexpected, and the raw output is written under
`state_dir/unreadable/` so the administrator can attach it (it becomes a test fixture).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from clonepilot.settings import Settings
from clonepilot.symcli import CommandOutcome, SymcliParseError

T = TypeVar("T")
SUBDIR = "unreadable"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "output"


def keep_unreadable(settings: Settings, node: str, outcome: CommandOutcome, problem: str) -> Path | None:
    """Write the call and its whole output to a new file; None when that is impossible.

    Keeping the output must never hide the parse error itself, so write failures are swallowed.
    """
    program = outcome.argv[0].rsplit("/", 1)[-1] if outcome.argv else "symcli"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    directory = Path(settings.state_dir).expanduser() / SUBDIR
    text = (
        f"# node: {node}\n# command: {shlex.join(outcome.argv)}\n# exit code: {outcome.exit_code}\n"
        f"# not understood: {problem}\n# ---- stdout ----\n{outcome.stdout}\n# ---- stderr ----\n"
        f"{outcome.stderr}\n"
    )
    with contextlib.suppress(OSError):
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stamp}-{_safe(node)}-{_safe(program)}-{os.getpid()}.txt"
        suffix = 1
        while path.exists():
            suffix += 1
            path = directory / f"{stamp}-{_safe(node)}-{_safe(program)}-{os.getpid()}-{suffix}.txt"
        path.write_text(text)
        return path
    return None


def parse_output(settings: Settings, node: str, outcome: CommandOutcome, parser: Callable[[str], T]) -> T:
    """`parser(stdout)`, or a SymcliParseError naming node, command and problem, output kept."""
    try:
        return parser(outcome.stdout)
    except SymcliParseError as exc:
        problem = exc.symcli_message or str(exc)
        kept = keep_unreadable(settings, node, outcome, problem)
        where = f"raw output kept in {kept}" if kept is not None else "raw output could not be saved"
        raise SymcliParseError(
            f"{problem}\n{where}: attach it to a bug report",
            argv=outcome.argv,
            exit_code=outcome.exit_code,
            node=node,
        ) from exc
