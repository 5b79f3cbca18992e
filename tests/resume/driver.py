"""A refresh in a process of its own, to be killed mid-way by test_kill_rerun.

It runs the engine's refresh runbook with a checkpoint, exactly as the refresh flow does, minus
the Prefect task wrappers (which add task-run records, not behaviour). Every stage it starts is
logged on stdout as `stage k/N: NAME`, which is what the test watches to kill it.

usage: python -m tests.resume.driver SERVICES_DIR SERVICE SYMCLI_BIN STATE_DIR PAIRS_DIR
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from clonepilot.config import load_service
from clonepilot.engine.checkpoint import open_checkpoint
from clonepilot.engine.context import RunContext
from clonepilot.engine.runbook import execute, runbook
from clonepilot.settings import Settings


def main(argv: list[str]) -> int:
    services_dir, name, symcli_bin, state_dir, pairs_dir = argv
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s", force=True)
    settings = Settings(
        services_dir=Path(services_dir),
        symcli_bin=Path(symcli_bin),
        state_dir=Path(state_dir),
        poll_interval_min=0.1,
        poll_interval_max=0.5,
        symclone_lock_retry_interval=1,
        symclone_lock_retry_count=5,
    )
    service = load_service(name, settings.services_dir)
    stages = runbook(service, "refresh", service.resources)
    checkpoint = open_checkpoint(settings, service.name, "refresh", stages)
    with RunContext(service, settings, pairs_dir=pairs_dir) as ctx:
        report = execute(ctx, stages, action="refresh", checkpoint=checkpoint)
    print("REPORT " + json.dumps(report.to_dict()), flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
