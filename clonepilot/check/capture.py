"""`check --capture DIR`: every raw output of the check, as a bug report attachment or test fixture.

DIR/index.json lists the calls in the order they ran, with the check's report; for each call
DIR/calls/NNN-TOOL-ACTION.json holds the whole record (node, argv, command line, exit code, stdout,
stderr, what the parser did not understand) and NNN-TOOL-ACTION.stdout the raw stdout byte for
byte as decoded, ready to become a fixture (.stderr too when the call wrote any). The format is
described in README.md, "Preflight: check".
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from clonepilot.check.calls import Call
from clonepilot.check.findings import CheckReport
from clonepilot.symcli.coverage import Coverage, coverage

FORMAT = "clonepilot-check-capture/1"
_SLUG = re.compile(r"[^A-Za-z0-9]+")


def call_name(call: Call) -> str:
    """`003-symdev-list`: sequence, tool, action word; stable and safe as a file name."""
    tool = call.argv[0].rsplit("/", 1)[-1]
    if tool == "sh":
        tool, action = "host", "programs"
    else:
        words = [a for a in call.argv[1:] if not a.startswith("-")]
        action = next((w for w in words if w.lower() in _ACTIONS), "")
    slug = _SLUG.sub("-", f"{tool}-{action}".strip("-")).strip("-")
    return f"{call.seq:03d}-{slug}"


_ACTIONS = {"list", "show", "query", "verify"}


def call_coverage(call: Call) -> Coverage | None:
    """What the parser did not understand in a successful call's stdout (errors are not parsed)."""
    if not call.ok:
        return None
    return coverage(call.kind, call.stdout)


def call_record(call: Call, name: str, cover: Coverage | None) -> dict[str, Any]:
    return {
        "seq": call.seq,
        "name": name,
        "node": call.node,
        "kind": call.kind,
        "argv": list(call.argv),
        "command": call.command,
        "exit_code": call.exit_code,
        "error": call.error,
        "started": call.started,
        "duration": round(call.duration, 3),
        "stdout": call.stdout,
        "stderr": call.stderr,
        "coverage": cover.to_dict() if cover is not None else None,
    }


def write_bundle(directory: Path, report: CheckReport, calls: Sequence[Call]) -> CheckReport:
    """Write the bundle; return the report with the capture's place and what was not understood."""
    calls_dir = directory / "calls"
    calls_dir.mkdir(parents=True, exist_ok=True)
    index: list[dict[str, Any]] = []
    unread: list[str] = []
    for call in calls:
        name = call_name(call)
        cover = call_coverage(call)
        record = call_record(call, name, cover)
        (calls_dir / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
        (calls_dir / f"{name}.stdout").write_text(call.stdout)
        files = {"record": f"calls/{name}.json", "stdout": f"calls/{name}.stdout"}
        if call.stderr:
            (calls_dir / f"{name}.stderr").write_text(call.stderr)
            files["stderr"] = f"calls/{name}.stderr"
        if cover is not None:
            if cover.problem:
                unread.append(f"{name} ({call.kind}): {cover.problem}")
            unread.extend(f"{name} ({call.kind}): {item}" for item in cover.not_understood)
        summary = {k: v for k, v in record.items() if k not in ("stdout", "stderr", "coverage")}
        summary["files"] = files
        summary["not_understood"] = [str(u) for u in cover.not_understood] if cover else []
        index.append(summary)
    final = replace(report, capture_dir=str(directory), not_understood=tuple(unread), calls=len(calls))
    document = {
        "format": FORMAT,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "calls": index,
        "report": final.to_dict(),
    }
    (directory / "index.json").write_text(json.dumps(document, indent=2) + "\n")
    return final
