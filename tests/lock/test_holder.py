"""The holder record and the decision that a holder is dead: pure functions."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from clonepilot.lock import Holder, dead_because
from clonepilot.lock.holder import CLOCK_MARGIN, process_start


def holder(**changes: object) -> Holder:
    base = Holder.for_this_process(
        "demo", "refresh", lease=60.0, keys=("service-demo",), run_name="refresh demo"
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_record_round_trips_and_refuses_what_is_not_one() -> None:
    h = holder(flow_run_id="0e6c", prefect_api="http://127.0.0.1:4200/api")
    assert Holder.from_json(h.to_json()) == h
    assert Holder.from_json('{"token": "x"}') is None  # no format: another writer's file
    assert Holder.from_json('{"format": 1, "token": "x"}') is None  # fields missing
    assert Holder.from_json('{"format": 1, "tok') is None  # half written
    assert Holder.from_json(h.to_json().replace('"format": 1', '"format": 2')) is None


def test_a_live_holder_of_this_process_is_alive() -> None:
    assert dead_because(holder()) is None


def test_an_expired_lease_is_dead_wherever_its_controller_is() -> None:
    h = holder(controller="elsewhere")
    assert dead_because(h, now=h.renewed + h.lease + CLOCK_MARGIN - 1) is None  # within the skew margin
    reason = dead_because(h, now=h.renewed + h.lease + CLOCK_MARGIN + 1)
    assert reason is not None and "lease expired" in reason and "not renewed for 66 s" in reason


def test_a_holder_on_another_controller_is_judged_by_its_lease_only() -> None:
    # Its pid means nothing here: a pid that does not exist on this machine is no proof of death.
    assert dead_because(holder(controller="elsewhere", pid=2**22 + 7)) is None


def test_a_gone_process_on_this_controller_is_dead_at_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = int(done.stdout)
    reason = dead_because(holder(pid=gone, pid_start=None))
    assert reason is not None and f"process {gone}" in reason and "is gone" in reason


def test_a_reused_pid_is_told_from_the_holder_by_its_start_time() -> None:
    # This process's pid, but recorded with another start time: the holder was an earlier process.
    me = os.getpid()
    assert process_start(me) is not None
    reason = dead_because(holder(pid=me, pid_start="1"))
    assert reason is not None and "another process" in reason


def test_describe_names_the_run_the_flow_run_the_process_and_the_start() -> None:
    text = holder(flow_run_id="0e6c").describe()
    assert text.startswith("'refresh demo' (flow run 0e6c, pid ")
    assert "running since " in text
