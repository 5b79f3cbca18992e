"""The fault matrix: every refresh stage × {each symsim fault, SIGKILL, SIGTERM}, then the end state.

Each case is one refresh of the seed's example through the product's real entry, the Prefect flow
`flows.actions.refresh` (run lock, signal handling, Cancel watch, checkpoint, plan check), on a
fresh world (tests/faults/conftest.py). At most one rerun follows, a plain refresh: no manual step.
After it the world must be right (tests/faults/endstate.py); a case still wrong would need a hand,
and fails.

* Faults hit the command the case's stage issues, armed the moment the run announces the stage
  (so an earlier stage's reads never meet them): `symclone recreate` and `activate` for those
  stages, the `symdev list` reads that the waits poll. Each error fires once (`--times 1`): the
  transient ones (lock, unreachable) must be survived by the run's own retries; the permanent ones
  stop the run at that stage and the rerun resumes. `none` is a slow command (`--delay 10`, 1 s at
  symsim's time scale) for the control actions, and a stalled copy for the waits: the recreate's
  precopy stops at 50% (`--stall-at 50`), so the wait for it times out (precopy_max_wait 3 s); for
  the wait for Copied, a refresh set to activate a precopy from 40% on (precopy_activate_percent)
  activates it and then waits for a copy that does not move (copied_max_wait 3 s). Faults are
  cleared before the rerun: the fault is gone, as a real one goes.
* SIGKILL and SIGTERM need a process of their own (tests/faults/driver.py runs the same flow
  against the session's Prefect server). In the stages that send a control action (recreate,
  each activate) the signal comes while that `symclone` command runs on the node (slowed to 1 s
  by a `none --delay` fault): a killed run leaves it running there, to land behind the rerun's
  back, and a stopped run must wait for it. In the other stages it comes as soon as the run
  announces the stage. The host stages (check down, start ip/disk/fs/app) get these two only:
  symsim's host has no fault injection.

`pytest -s` or not, the end of the session prints the table of cases, first runs and reruns.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.faults import endstate, report
from tests.faults.conftest import World
from tests.faults.driver import ANNOUNCE
from tests.flows.conftest import run_flow

REPO = Path(__file__).resolve().parents[2]
# The command each array stage issues, as `symsim fault add` names it.
STAGE_COMMANDS = {
    "recreate": "symclone:recreate",
    "wait_activable": "symdev:list",
    "activate sync#1": "symclone:activate",
    "activate sync#2": "symclone:activate",
    "wait_copied": "symdev:list",
}
# A wait's copy is the recreate's precopy: a stall is armed there. The wait for Copied meets it once
# the refresh activates a precopy that is not complete.
STALLED_WAITS = ("wait_activable", "wait_copied")
STALL_SETTINGS = {"wait_copied": {"CLONEPILOT_PRECOPY_ACTIVATE_PERCENT": "40"}}
STAGES = (
    "check_down",
    "recreate",
    "wait_activable",
    "start ip",
    "activate sync#1",
    "activate sync#2",
    "wait_copied",
    "start disk",
    "start fs",
    "start app",
)
# The control action each such stage sends: (action word, its pairs file's tail, `--times` of a delay
# fault armed before the run so that this stage's command is the one slowed).
CONTROL_COMMANDS = {
    "recreate": ("recreate", ".sync-", 1),
    "activate sync#1": ("activate", ".sync-1.pairs", 1),
    "activate sync#2": ("activate", ".sync-2.pairs", 2),
}
TRANSIENT = ("lock", "unreachable")
PERMANENT = ("not-ready", "wrong-state", "pair-invalid")
SIGNALS = ("SIGKILL", "SIGTERM")
# A run stopped by SIGTERM ends once the command running is done (at most the 1 s slowed control
# action here) and its stop is recorded; bounded generously for a loaded 2-core box.
SIGTERM_BOUND = 30.0


@dataclass(frozen=True)
class Case:
    stage: str
    fault: str  # lock, not-ready, wrong-state, unreachable, pair-invalid, none, SIGKILL or SIGTERM

    @property
    def id(self) -> str:
        return f"{self.stage.replace(' ', '-')}:{self.fault}"

    @property
    def expect_survived(self) -> bool | None:
        """What the first run must do: survive (True), stop at the stage (False), either (None)."""
        if self.fault in TRANSIENT:
            return True
        if self.fault in PERMANENT:
            return False
        if self.fault == "none":
            return self.stage not in STALLED_WAITS  # a slow command is survived, a stall is not
        return None  # a signal's moment within the stage decides

    def fault_args(self) -> tuple[str, list[str]]:
        """(stage to arm at, `symsim fault add` arguments)."""
        if self.fault == "none" and self.stage in STALLED_WAITS:
            return "recreate", [STAGE_COMMANDS["recreate"], "none", "--stall-at", "50"]
        if self.fault == "none":
            return self.stage, [STAGE_COMMANDS[self.stage], "none", "--delay", "10", "--times", "1"]
        return self.stage, [STAGE_COMMANDS[self.stage], self.fault, "--times", "1"]


CASES = [
    *(Case(stage, fault) for stage in STAGE_COMMANDS for fault in (*TRANSIENT, *PERMANENT, "none")),
    *(Case(stage, sig) for stage in STAGES for sig in SIGNALS),
]


class ArmAt(logging.Handler):
    """Calls `arm` when the run announces `stage`: synchronously, so before the stage's first command."""

    def __init__(self, service: str, stage: str, arm: Callable[[], None]) -> None:
        super().__init__(logging.INFO)
        self.prefix, self.stage, self.arm = f"{service}: stage ", stage, arm
        self.fired = False
        self.error: Exception | None = None

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        found = ANNOUNCE.search(message) if message.startswith(self.prefix) else None
        if self.fired or found is None or found.group(1) != self.stage:
            return
        self.fired = True
        try:
            self.arm()
        except Exception as exc:  # reported by the test, not swallowed by logging
            self.error = exc


def _stage_of(message: str) -> str:
    found = re.search(r"stage \d+ \(([^)]+)\)", message)
    return found.group(1) if found else "?"


def _describe(state_type: str, message: str, error_type: str = "") -> str:
    """How a run ended, for the table: `completed`, `failed at recreate (SymcliPermanent)`, ..."""
    kind = state_type.lower()
    if kind == "completed":
        return kind
    where = ""
    if "stage " in message:
        where = f" {'before' if 'before stage ' in message else 'at'} {_stage_of(message)}"
    return f"{kind}{where}" + (f" ({error_type})" if error_type else "")


def _describe_run(run: Any) -> str:
    report = getattr(run.result, "report", None)
    return _describe(run.state.type.value, run.state.message or "", getattr(report, "error_type", ""))


def _first_run_with_fault(world: World, case: Case) -> tuple[bool, str]:
    from prefect.logging.configuration import ensure_logging_setup

    arm_stage, args = case.fault_args()

    def arm_fault() -> None:
        world.admin("fault", "add", *args)

    arm = ArmAt(world.service, arm_stage, arm_fault)
    # Prefect configures its loggers once, replacing their handlers: before ours is added.
    ensure_logging_setup()
    runs_logger = logging.getLogger("prefect.flow_runs")
    runs_logger.addHandler(arm)
    try:
        run = run_flow("refresh", world.service)
    finally:
        runs_logger.removeHandler(arm)
    assert arm.error is None, f"arming the fault failed: {arm.error}"
    assert arm.fired, f"the run never announced {arm_stage}: {_describe_run(run)}"
    world.admin("fault", "clear")  # the fault is gone, as a real one goes
    return run.ok, _describe_run(run)


def _api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    assert url, "the Prefect test harness has no API URL"
    return str(url)


def _read_lines(stream: Any, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _wait_for(what: str, test: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not test():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling another process's progress


def _command_running(action: str, pairs_file: str) -> bool:
    return any(action in p and pairs_file in p for p in endstate.case_processes(pairs_file))


def _first_run_signalled(world: World, case: Case, notes: list[str]) -> tuple[bool, str]:
    control = CONTROL_COMMANDS.get(case.stage)
    if control is not None:
        action, _, times = control
        world.admin("fault", "add", f"symclone:{action}", "none", "--delay", "10", "--times", str(times))
    env = {**os.environ, "PREFECT_API_URL": _api_url(), "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.faults.driver", world.service],
        env=env,
        cwd=world.root,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    assert proc.stdout is not None
    reader = threading.Thread(target=_read_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + 120
        while True:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
            assert line is not None, f"the run ended before {case.stage}:\n" + "\n".join(output[-40:])
            output.append(line)
            if line == f"STAGE {case.stage}":
                break
        if control is not None:
            action, tail, _ = control
            _wait_for(
                f"symclone {action} of {case.stage}", lambda: _command_running(action, world.service + tail)
            )
        proc.send_signal(signal.Signals[case.fault])
        sent = time.monotonic()
        proc.wait(timeout=90)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    reader.join(timeout=30)
    world.admin("fault", "clear")
    while not lines.empty():
        if (line := lines.get_nowait()) is not None:
            output.append(line)
    states = [line.split(" ", 2)[1:] for line in output if line.startswith("STATE ")]
    if proc.returncode == -signal.SIGKILL:
        return False, "killed" + (f" during symclone {control[0]}" if control else "")
    if not states:
        return False, f"exit {proc.returncode}, no final state"
    state_type, message = (states[-1] + [""])[:2]
    if case.fault == "SIGTERM":
        notes.append(f"stopped {took:.1f} s after SIGTERM")
        if took > SIGTERM_BOUND:
            notes.append(f"VIOLATION: SIGTERM took {took:.1f} s (> {SIGTERM_BOUND:.0f} s)")
        if state_type not in ("CANCELLED", "COMPLETED"):
            notes.append(f"VIOLATION: SIGTERM ended the run {state_type}, not Cancelled: {message[:200]}")
    return state_type == "COMPLETED", _describe(state_type, message)


def test_the_matrix_covers_every_stage_of_the_refresh(world: World) -> None:
    from clonepilot.config import load_service
    from clonepilot.engine.runbook import runbook
    from clonepilot.settings import load_settings

    service = load_service(world.service, load_settings().services_dir)
    assert tuple(s.name for s in runbook(service, "refresh")) == STAGES
    assert set(STAGE_COMMANDS) | set(CONTROL_COMMANDS) <= set(STAGES)


@pytest.fixture(scope="module")
def matrix_clock() -> Iterator[None]:
    report.started()
    yield


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_refresh_ends_right_after_at_most_one_rerun(
    world: World, case: Case, matrix_clock: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    began = time.monotonic()
    notes: list[str] = []
    if case.fault == "none":
        for key, value in STALL_SETTINGS.get(case.stage, {}).items():
            monkeypatch.setenv(key, value)
    if case.fault in SIGNALS:
        ok, first = _first_run_signalled(world, case, notes)
    else:
        ok, first = _first_run_with_fault(world, case)
    wrong = endstate.problems(world) if ok else ["the first run did not complete"]
    if ok and wrong:
        notes.append(f"VIOLATION: the run completed but left: {'; '.join(wrong)}")
    reruns: int | None = 0
    if wrong:
        reruns = 1
        rerun = run_flow("refresh", world.service)
        wrong = endstate.problems(world)
        if not rerun.ok or wrong:
            reruns = None
            notes.append(f"after the rerun ({_describe_run(rerun)}): {'; '.join(wrong) or 'world right'}")
    expected = case.expect_survived
    if expected is not None and (reruns == 0) != expected:
        want = "survive it" if expected else "stop at the stage"
        notes.append(f"VIOLATION: the first run should {want}")
    report.record(report.Row(case.id, first, reruns, time.monotonic() - began, "; ".join(notes)))
    assert reruns is not None, f"{case.id}: needs a hand: {'; '.join(notes)}"
    violations = [n for n in notes if n.startswith("VIOLATION")]
    assert not violations, f"{case.id}: first run {first}: {'; '.join(violations)}"
