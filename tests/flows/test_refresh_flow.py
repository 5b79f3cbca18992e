"""The refresh flow on the seed's example service, over real SSH, in the Prefect test harness.

One module-scoped set-up provisions and refreshes the example (data in sync#1, archive logs in
sync#2, ip, two vgs, two filesystems, the database); the tests read what that run did, then act on
the running service (refused refresh, refresh with stop first, dry runs). Each test leaves the
service up, as the set-up does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flows.prefect_runner import ActionFailed
from tests.flows.conftest import (
    FlowEnv,
    FlowRun,
    example_service_text,
    make_flow_env,
    run_flow,
    state_changing,
)
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID

ARRAY_TOOLS = ("symclone", "symdev")
HOST_READS = {"status"}


@dataclass
class Demo:
    env: FlowEnv
    name: str
    provision: FlowRun
    refresh: FlowRun
    calls: list[dict[str, Any]]  # the array's call log after provision + refresh
    logins_before: int


def register_vgs(env: FlowEnv) -> None:
    env.admin("vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    env.admin("vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")


@pytest.fixture(scope="module")
def demo(
    prefect_harness: None,
    sshd: SSHServer,
    tmp_path_factory: pytest.TempPathFactory,
    module_monkeypatch: pytest.MonkeyPatch,
) -> Demo:
    env = make_flow_env(tmp_path_factory.mktemp("demo"), sshd, module_monkeypatch)
    register_vgs(env)
    # The first full precopy (3 × 1 GB sharing 4096 tracks/s) lasts about 6 s, well beyond the
    # time the refresh flow takes to reach its wait: the differential refresh later must be faster.
    env.admin("speed", "--tracks-per-sec", "4096")
    name = env.write_service(example_service_text(sshd, env.bin_dir), "demo")
    logins = sshd.accepted_logins()
    provision = run_flow("provision", name)
    assert provision.ok, provision.result
    refresh = run_flow("refresh", name)
    assert refresh.ok, refresh.result.report.summary() if isinstance(refresh.result, ActionFailed) else ""
    return Demo(env, name, provision, refresh, env.calls(), logins)


def _pairs_file_rid(call: dict[str, Any]) -> str:
    """sync#N of a symclone call, from its pairs file (/var/tmp/clonepilot-USER/SVC.sync-N.pairs)."""
    path = call["argv"][call["argv"].index("-f") + 1]
    return "sync#" + Path(path).name.split(".")[1].removeprefix("sync-")


def _symclone(calls: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [c for c in calls if c["tool"] == "symclone" and action in [a.lower() for a in c["argv"][1:]]]


def test_provision_then_refresh_over_ssh(demo: Demo, sshd: SSHServer) -> None:
    result = demo.refresh.result
    assert result["ok"] and result["error"] == ""
    assert [s["outcome"] for s in result["stages"]] == ["done"] * len(result["stages"])
    assert [s["name"] for s in result["stages"]] == [
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
    ]
    # The database came up on the refreshed clones, and says so to anyone who asks the host.
    assert demo.env.host("db", "status", "ORA") == 0

    # Everything went over the SSH node, which really was logged into.
    node = f"{sshd.user}@{sshd.host}:{sshd.port}"
    commands = demo.provision.result["commands"] + result["commands"]
    assert commands and {c["node"] for c in commands} == {node}
    assert sshd.accepted_logins() > demo.logins_before

    symclone = [c for c in commands if Path(c["argv"][0]).name == "symclone"]
    assert {(c["rid"], c["argv"][c["argv"].index("-noprompt") + 1]) for c in symclone} == {
        ("sync#1", "create"),
        ("sync#2", "create"),
        ("sync#1", "activate"),
        ("sync#2", "activate"),
    }
    assert all(c["executed"] and c["exit_code"] == 0 for c in symclone), symclone
    assert "-consistent" in next(
        c["argv"] for c in symclone if c["rid"] == "sync#1" and "activate" in c["argv"]
    )

    # Data first: sync#1's activate finished before sync#2's began, on the array's own clock.
    activates = _symclone(demo.calls, "activate")
    assert [(_pairs_file_rid(c), c["exit_code"]) for c in activates] == [("sync#1", 0), ("sync#2", 0)]
    assert activates[0]["end"] <= activates[1]["start"]


def _task_runs_and_artifacts(flow_run_id: Any) -> tuple[list[Any], list[Any]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )

    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return task_runs, artifacts


def test_task_runs_are_named_after_service_rid_and_stage_and_waits_have_progress(demo: Demo) -> None:
    task_runs, artifacts = _task_runs_and_artifacts(demo.refresh.flow_run_id)
    names = sorted(t.name for t in task_runs)
    svc = demo.name
    expected = [
        f"{svc} check down",
        *(f"{svc} {rid} {stage}" for rid in ("sync#1", "sync#2") for stage in ("recreate", "wait_activable")),
        f"{svc} ip#1 start ip",
        f"{svc} sync#1 activate sync#1",
        f"{svc} sync#2 activate sync#2",
        *(f"{svc} {rid} wait_copied" for rid in ("sync#1", "sync#2")),
        f"{svc} disk#1 start disk",
        f"{svc} disk#2 start disk",
        f"{svc} fs#1 start fs",
        f"{svc} fs#2 start fs",
        f"{svc} app#1 start app",
    ]
    assert names == sorted(expected)
    assert all(t.state is not None and t.state.is_completed() for t in task_runs)

    progress = {a.key: a for a in artifacts if a.type == "progress"}
    for rid in ("sync-1", "sync-2"):
        for goal in ("activable", "copied"):
            key = f"{svc}-{rid}-{goal}"
            assert key in progress, sorted(progress)
            assert progress[key].data == 100, (key, progress[key].data)
    summary = [a for a in artifacts if a.type == "markdown" and a.key == f"{svc}-refresh-summary"]
    assert len(summary) == 1 and f"refresh of {svc}: ok" in str(summary[0].data)
    # The pairs as the array showed them before the refresh (precopied) and after it (copied).
    tables = {a.key: json.loads(a.data) for a in artifacts if a.type == "table"}
    before, after = tables[f"{svc}-refresh-pairs-before"], tables[f"{svc}-refresh-pairs-after"]
    expected_pairs = {
        ("sync#1", "00100", "00110"),
        ("sync#1", "00101", "00111"),
        ("sync#2", "00102", "00112"),
    }
    assert {(r["rid"], r["source"], r["target"]) for r in before} == expected_pairs
    assert {r["state"] for r in before} == {"PreCopy"}
    assert {(r["state"], r["percent"]) for r in after} == {("Copied", 100)}


def test_refresh_refused_while_up_then_refresh_with_stop_first(demo: Demo) -> None:
    env = demo.env
    assert env.host("db", "status", "ORA") == 0
    began = time.time()
    refused = run_flow("refresh", demo.name)
    assert not refused.ok
    assert isinstance(refused.result, ActionFailed)
    report = refused.result.report
    assert report.error_type == "ServiceNotDown"
    assert report.error.startswith("stage 1 (check_down) failed: service ")
    for rid in ("ip#1", "disk#1", "disk#2", "fs#1", "fs#2", "app#1"):
        assert f"{rid} is up" in report.error
    assert [s.outcome for s in report.stages][1:] == ["not-run"] * (len(report.stages) - 1)
    # Nothing changed: after the refusal began, only reads reached the array and the host.
    after = [c for c in env.calls() if c["start"] >= began]
    assert after, "the down check read nothing"
    assert state_changing(after) == []
    host_calls = [c for c in after if c["tool"] == "symsim-host"]
    assert host_calls and {c["argv"][2] for c in host_calls} == HOST_READS, host_calls
    assert env.host("db", "status", "ORA") == 0

    again = run_flow("refresh", demo.name, stop_first=True)
    assert again.ok, again.result.report.summary() if isinstance(again.result, ActionFailed) else ""
    stages = {s["name"]: s for s in again.result["stages"]}
    assert all(s["outcome"] == "done" for s in stages.values())
    recreates = [c for c in again.result["commands"] if "recreate" in c["argv"]]
    assert sorted(c["rid"] for c in recreates) == ["sync#1", "sync#2"]
    assert all(c["exit_code"] == 0 for c in recreates)
    # Differential: only the tracks written since the last activate are copied again, so waiting
    # for the precopy takes a fraction of a full copy (the targets' tracks at the array's shared
    # rate). Measured against the full copy, not the first refresh's wait: that wait is what was
    # left of the copy provision started, and shrinks as the flow does more before it.
    array = env.state()["arrays"][0]
    full_copy = sum(pair["total_tracks"] for pair in array["pairs"]) / array["tracks_per_sec"]
    assert full_copy > 4.0, full_copy
    assert stages["wait_activable"]["duration"] < full_copy / 3
    assert env.host("db", "status", "ORA") == 0


def test_dry_run_refresh_with_stop_first_lists_the_commands_and_changes_nothing(demo: Demo) -> None:
    """A dry run says what `refresh --stop-first` would do to the running service, changing nothing."""
    env = demo.env
    assert env.host("db", "status", "ORA") == 0
    before = env.state()
    began = time.time()
    dry = run_flow("refresh", demo.name, dry_run=True, stop_first=True)
    after = [c for c in env.calls() if c["start"] >= began]
    assert state_changing(after) == []
    assert {c["argv"][2] for c in after if c["tool"] == "symsim-host"} <= HOST_READS
    assert env.state()["host"] == before["host"]
    assert env.host("db", "status", "ORA") == 0
    # What a real run would do: stop the app, filesystems, vgs and ip, then pass the down check,
    # recreate both clone sets, activate them in rid order and start everything again.
    assert dry.ok, dry.result.report.summary() if isinstance(dry.result, ActionFailed) else ""
    pending = [c for c in dry.result["commands"] if not c["executed"]]
    words = [" ".join(c["argv"][1:]) for c in pending]
    assert any("db stop ORA" in w for w in words)
    symclone = [c for c in pending if Path(c["argv"][0]).name == "symclone"]
    recreate = [c["rid"] for c in symclone if "recreate" in c["argv"]]
    activate = [c["rid"] for c in symclone if "activate" in c["argv"]]
    assert sorted(recreate) == ["sync#1", "sync#2"] and activate == ["sync#1", "sync#2"]
    assert any("db start ORA" in w for w in words)
    assert "commands that would run" in dry.result["summary"]
