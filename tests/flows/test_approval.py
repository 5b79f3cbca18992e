"""Approval before change: a refresh pauses with its plan, and only an approval lets it change anything.

Each refresh runs in a thread, as a worker would run it; the test plays the person in the UI: it
finds the paused run, reads the plan on its Resume form and answers with `resume_flow_run`, the
call the UI's Resume button makes.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterState,
    FlowRunFilterStateType,
    LogFilter,
    LogFilterFlowRunId,
)
from prefect.client.schemas.objects import StateType
from prefect.flow_runs import resume_flow_run
from prefect.input.actions import read_flow_run_input
from prefect.input.run_input import keyset_from_paused_state

from tests.flows.conftest import FlowEnv, FlowRun, run_flow, state_changing, sync_only_text
from tests.flows.test_copies import establish, failure, pair_list, pairs_keyword
from tests.plugins.symsim import DEFAULT_SID

PAUSE_DEADLINE = 90.0  # a loaded 2-core machine: the run first plans over SSH


class Background:
    """A flow run in a thread; `join()` returns its FlowRun."""

    def __init__(self, action: str, service: str, **parameters: Any) -> None:
        self._result: list[FlowRun] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, args=(action, service), kwargs=parameters)
        self._thread.start()

    def _run(self, action: str, service: str, **parameters: Any) -> None:
        try:
            self._result.append(run_flow(action, service, **parameters))
        except BaseException as exc:  # reported by join(), in the test's thread
            self._error.append(exc)

    def join(self, timeout: float = 120.0) -> FlowRun:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the flow run did not end"
        if self._error:
            raise self._error[0]
        return self._result[0]


def _paused(name: str, background: Background) -> Any:
    """The flow run named `name` once it is paused (what the UI lists as Paused)."""
    deadline = time.monotonic() + PAUSE_DEADLINE
    paused = FlowRunFilter(
        name=FlowRunFilterName(any_=[name]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
    )
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(flow_run_filter=paused)
            if runs:
                assert len(runs) == 1, runs
                return runs[0]
            if not background._thread.is_alive():
                raise AssertionError(f"{name} ended without pausing: {failure(background.join())}")
            assert time.monotonic() < deadline, f"{name} not paused"
            time.sleep(0.1)  # the test polls the harness's server as the UI would


def _form_description(run: Any) -> str:
    keyset = keyset_from_paused_state(run.state)
    return str(read_flow_run_input(keyset["description"], flow_run_id=run.id))


def _service(env: FlowEnv, *, approval: str | None) -> tuple[str, list[tuple[str, str]]]:
    pairs = pair_list(range(0x100, 0x102), 0x10)
    establish(env, DEFAULT_SID, pairs)
    text = sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(pairs))])
    if approval is not None:
        text = text.replace("[DEFAULT]\n", f"[DEFAULT]\napproval = {approval}\n")
    return env.write_service(text, "appr"), pairs


def _pairs(env: FlowEnv) -> list[tuple[str, str, str, Any]]:
    return [(p["src"], p["tgt"], p["state"], p["pit"]) for p in env.state()["arrays"][0]["pairs"]]


def _logs(flow_run_id: Any, expected: str) -> list[str]:
    """The run's log lines as the UI shows them, once one holds `expected` (they ship in batches)."""
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))
            lines = [entry.message for entry in logs]
            if any(expected in line for line in lines) or time.monotonic() > deadline:
                return lines
            time.sleep(0.2)  # the log handler ships in batches


def _service_slots(name: str) -> int:
    with get_client(sync_client=True) as client:
        return int(client.read_global_concurrency_limit_by_name(f"clonepilot-service-{name}").active_slots)


def test_service_that_asks_for_approval_pauses_with_the_plan_and_runs_it_once_approved(
    flow_env: FlowEnv,
) -> None:
    env = flow_env
    name, pairs = _service(env, approval="refresh sync-update")
    # A dry run changes nothing, so it asks nobody.
    dry = run_flow("refresh", name, dry_run=True)
    assert dry.ok, failure(dry)
    env.clear_calls()

    background = Background("refresh", name)
    paused = _paused(f"refresh {name}", background)

    # The Resume form shows the plan: the exact commands, computed from the array's state now.
    plan = _form_description(paused)
    assert f"## Approve the refresh of {name}?" in plan, plan
    would = [line.strip() for line in plan.splitlines() if "symclone" in line and "-noprompt" in line]
    assert [w for w in would if " recreate" in w] and [w for w in would if " activate" in w], plan
    assert "Tick **approve** and resume" in plan
    # Nothing changed while it waits; it reads only.
    assert state_changing(env.calls()) == []
    with get_client(sync_client=True) as client:
        # Filtered on the server: an unfiltered read returns one page, and a long session holds more.
        run_artifacts = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[paused.id]))
        keys = {a.key for a in client.read_artifacts(artifact_filter=run_artifacts)}
    assert f"{name}-refresh-plan" in keys, keys

    resume_flow_run(paused.id, run_input={"approve": True, "comment": "change 4711"})
    run = background.join()
    assert run.ok, failure(run)
    # It ran what was approved: every state-changing command of the run was in the plan.
    ran = [c for c in run.result["commands"] if c["changes_state"]]
    assert {"recreate", "activate"} <= {w for c in ran for w in c["argv"]}
    for command in ran:
        assert any(command["command"] in line for line in would), (command["command"], would)
    assert all(p[2] == "Copied" for p in _pairs(env)), _pairs(env)
    assert {(s, t) for s, t, _, _ in _pairs(env)} == set(pairs)


def test_rejected_run_is_cancelled_having_changed_nothing_and_frees_the_service(flow_env: FlowEnv) -> None:
    env = flow_env
    name, _ = _service(env, approval=None)  # the service does not ask: this run does
    before = _pairs(env)
    env.clear_calls()

    background = Background("refresh", name, approval=True)
    paused = _paused(f"refresh {name}", background)
    assert _service_slots(name) == 1  # held while waiting: a second run of it would be refused
    resume_flow_run(paused.id, run_input={"approve": False, "comment": "not during month end"})
    run = background.join()

    assert run.state.is_cancelled(), run.state
    assert run.state.message == f"refresh of {name} was rejected (not during month end): nothing was changed"
    assert state_changing(env.calls()) == []
    assert _pairs(env) == before
    assert _service_slots(name) == 0


def test_unanswered_run_fails_after_approval_timeout_having_changed_nothing(
    flow_env: FlowEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = flow_env
    name, _ = _service(env, approval="refresh")
    before = _pairs(env)
    monkeypatch.setenv("CLONEPILOT_APPROVAL_TIMEOUT", "2")
    env.clear_calls()

    run = run_flow("refresh", name)

    assert run.state.is_failed(), run.state
    said = f"refresh of {name} was not approved within 2 s (setting approval_timeout): nothing was changed"
    assert "never resumed" in str(run.result)  # the server's words for an expired pause
    lines = _logs(run.flow_run_id, said)
    assert any(said in line for line in lines), lines
    assert state_changing(env.calls()) == []
    assert _pairs(env) == before
    # And a run told not to ask (as the CLI does once its operator said yes) just runs.
    run = run_flow("refresh", name, approval=False)
    assert run.ok, failure(run)
