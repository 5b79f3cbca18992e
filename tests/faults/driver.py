"""One refresh in a process of its own, for the fault matrix to SIGKILL or SIGTERM mid-way.

It calls the product's refresh flow (`flows.actions.refresh`, with its run lock, signal handling,
Cancel watch, checkpoint and plan check) in its main thread, as `clonepilot -s SVC refresh` does,
against the Prefect server that PREFECT_API_URL names (the test session's harness: no temporary
server of its own). Settings come from the CLONEPILOT_* environment, like any run's.

What it adds is observation only: each stage the run announces is echoed on stdout as
`STAGE NAME` (what the test waits for to send its signal), and the run's final state as
`STATE TYPE MESSAGE`.

usage: python -m tests.faults.driver SERVICE
"""

from __future__ import annotations

import logging
import re
import sys

# "SVC: stage 3/10: wait_activable ('sync#1', 'sync#2')", logged by clonepilot.engine.runbook.execute.
ANNOUNCE = re.compile(r": stage \d+/\d+: (.+?) \(")


class _StageEcho(logging.Handler):
    def __init__(self, service: str) -> None:
        super().__init__(logging.INFO)
        self.prefix = f"{service}: stage "

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        found = ANNOUNCE.search(message) if message.startswith(self.prefix) else None
        if found:
            print(f"STAGE {found.group(1)}", flush=True)


def main(argv: list[str]) -> int:
    (service,) = argv
    from prefect.logging.configuration import ensure_logging_setup

    from flows.actions import refresh

    # Prefect configures its loggers once, replacing their handlers: before ours is added.
    ensure_logging_setup()
    logging.getLogger("prefect.flow_runs").addHandler(_StageEcho(service))
    print("READY", flush=True)
    state = refresh(service, return_state=True)
    message = (state.message or "").replace("\n", " ")
    print(f"STATE {state.type.value} {message}", flush=True)
    return 0 if state.is_completed() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
