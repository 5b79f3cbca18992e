"""Whole actions over symsim: refresh ends with the database up, or refuses/fails for the right reason."""

from __future__ import annotations

import json

import pytest

from clonepilot.engine.runbook import execute, runbook
from clonepilot.engine.service import select_resources
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import (
    db_status,
    demo_text,
    prepare_demo,
    register_vgs,
    state_changing_calls,
)
from tests.plugins.symsim import SymsimArray


def _run(make_ctx: MakeCtx, service, action: str, *, dry_run: bool = False, **kwargs):
    with make_ctx(service, dry_run=dry_run) as ctx:
        return execute(ctx, runbook(service, action, **kwargs), action=action)


def _pairs(state: dict) -> dict[str, tuple[str, float | None]]:
    """Each pair's state and point in time: what a refresh would change."""
    return {f"{p['src']}:{p['tgt']}": (p["state"], p["pit"]) for a in state["arrays"] for p in a["pairs"]}


def test_refresh_starts_the_db_and_refuses_while_up(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = prepare_demo(symsim_array, make_service, make_ctx)
    report = _run(make_ctx, service, "refresh")
    assert report.ok, report.summary()
    assert db_status(symsim_array) == 0
    assert [s.outcome for s in report.stages] == ["done"] * len(report.stages)
    # The clone commands in order: both recreates before any activate, data (sync#1) first.
    clone_lines = [line for line in report.log_lines() if "symclone" in line]
    who = [line.split(" - ")[0] for line in clone_lines]
    # The recreates run side by side (either may log first); the activates in rid order.
    assert sorted(who[:2]) == ["DEMO.SYNC#1", "DEMO.SYNC#2"] and who[2:] == ["DEMO.SYNC#1", "DEMO.SYNC#2"]
    assert all(" recreate " in line and "-precopy" in line for line in clone_lines[:2])
    assert all(" activate " in line for line in clone_lines[2:])
    summary = report.summary()
    assert "DEMO.APP#1 - INFO - /bin/sh -c" in summary and "refresh of demo: ok" in summary
    assert any(line.startswith("DEMO.SYNC#2 - INFO - copied state reached in") for line in report.log_lines())
    json.dumps(report.to_dict())  # --json must serialise

    # The service is up: a second refresh changes nothing, not even a symclone call.
    before = len(state_changing_calls(symsim_array))
    refused = _run(make_ctx, service, "refresh")
    assert not refused.ok and refused.error_type == "ServiceNotDown"
    assert refused.stages[0].name == "check_down" and refused.stages[0].outcome == "failed"
    assert "not down" in refused.error and "app#1 is up" in refused.error and "fs#1 is up" in refused.error
    assert {s.outcome for s in refused.stages[1:]} == {"not-run"}
    assert len(state_changing_calls(symsim_array)) == before
    assert db_status(symsim_array) == 0

    # Stop first, then refresh: the database comes back up on the new image.
    again = _run(make_ctx, service, "refresh", stop_first=True)
    assert again.ok, again.summary()
    assert again.stages[0].name == "stop app" and again.stages[0].outcome == "done"
    assert db_status(symsim_array) == 0


def test_logs_activated_before_data_fail_the_db_start(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = prepare_demo(symsim_array, make_service, make_ctx, swap=True)
    report = _run(make_ctx, service, "refresh")
    assert not report.ok
    app = report.stage("start app")
    assert app.outcome == "failed"
    assert "archived logs end at" in app.error and "app#1" in app.error
    assert "stage" in report.error and "start app" in report.error
    assert db_status(symsim_array) == 1
    assert "FAILED" in report.summary()
    assert report.error_type == "HostCommandError"
    assert any(line.startswith("DEMO.APP#1 - ERROR - app#1: `/bin/sh -c") for line in report.log_lines())


def test_dry_run_refresh_lists_the_commands_and_changes_nothing(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = prepare_demo(symsim_array, make_service, make_ctx)
    state_before = json.loads(symsim_array.admin("state", "--json").stdout)
    changing_before = len(state_changing_calls(symsim_array))
    report = _run(make_ctx, service, "refresh", dry_run=True)
    assert report.ok, report.summary()
    pending = [e for e in report.commands if not e.executed]
    host = f"{symsim_array.bin_dir}/symsim-host"
    commands = [e.command for e in pending]
    assert [c for c in commands if c.startswith(host)] == [
        f"{host} ip add 10.9.0.5 lan0",
        f"{host} vg import vgdata",
        f"{host} vg activate vgdata",
        f"{host} vg import vgarch",
        f"{host} vg activate vgarch",
        f"{host} fs fsck /dev/vgdata/lv_data",
        f"{host} fs mount /dev/vgdata/lv_data /u01",
        f"{host} fs fsck /dev/vgarch/lv_arch",
        f"{host} fs mount /dev/vgarch/lv_arch /arch",
    ]
    symclone = [c for c in commands if "symclone" in c]
    assert len(symclone) == 4 and sum(" recreate " in c for c in symclone) == 2, symclone
    assert pending[-1].argv[:2] == ("/bin/sh", "-c")
    assert pending[-1].argv[2].endswith("db start ORA --data /u01 --logs /arch")
    summary = report.summary()
    assert "(dry run)" in summary and f"commands that would run ({len(pending)})" in summary
    assert len(state_changing_calls(symsim_array)) == changing_before
    state_after = json.loads(symsim_array.admin("state", "--json").stdout)
    assert state_after["host"] == state_before["host"]
    assert _pairs(state_after) == _pairs(state_before)
    before = _pairs(state_before)
    assert len(before) == 3 and all(state == "Copied" and pit for state, pit in before.values())


def test_restart_retries_a_locked_recreate(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    register_vgs(symsim_array)
    service = make_service(demo_text(symsim_array, host=False, sync_extra="restart = 1\n"), name="demo")
    for action in ("provision", "sync_break"):
        assert _run(make_ctx, service, action).ok
    symsim_array.admin("fault", "add", "symclone:recreate", "lock", "--times", "1")
    report = _run(make_ctx, service, "sync_update")
    assert report.ok, report.summary()
    results = {r.rid: r for r in report.stage("recreate").results}
    assert sorted(r.attempts for r in results.values()) == [1, 2]
    assert len([c for c in state_changing_calls(symsim_array) if "recreate" in c["argv"]]) == 3


def test_a_lock_without_restart_fails_the_step(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = prepare_demo(symsim_array, make_service, make_ctx)
    symsim_array.admin("fault", "add", "symclone:recreate", "lock", "--times", "1")
    # sync#2 alone: the last clone set may go without the others (sync#1 alone must take sync#2 along).
    report = _run(make_ctx, service, "sync_update", **{"selection": select_resources(service, ["sync#2"])})
    assert not report.ok
    (result,) = report.stage("recreate").results
    assert result.outcome == "failed" and result.attempts == 1 and result.error_type == "SymcliRetryable"
    assert report.stage("wait_activable").outcome == "not-run"


@pytest.mark.parametrize("action", ["sync_nodes", "sync_drp"])
def test_sync_nodes_and_drp_run_only_hooks(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path, action: str
) -> None:
    marker = tmp_path / "hook.out"
    extra = f"pre_{action} = echo $CLONEPILOT_ACTION:$CLONEPILOT_RID >> {marker}\n"
    service = make_service(demo_text(symsim_array, host=False).replace("[sync#2]", extra + "\n[sync#2]"))
    report = _run(make_ctx, service, action)
    assert report.ok
    assert marker.read_text() == f"{action}:sync#1\n"
    assert [e.argv[0] for e in report.commands] == ["/bin/sh"]


def test_dry_run_of_refresh_stop_first_predicts_the_real_run_exactly(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    """On a running service, the dry run's commands are exactly those the real run then executes.

    The dry run must carry what its own earlier stages would change (stopped resources, exported
    volume groups, recreated pairs) into its later reads, or it would print a refusal at the down
    check, or miss the vgimport, that the real run does not.
    """
    service = prepare_demo(symsim_array, make_service, make_ctx)
    assert _run(make_ctx, service, "refresh").ok
    dry = _run(make_ctx, service, "refresh", dry_run=True, stop_first=True)
    assert dry.ok, dry.summary()
    predicted = [(e.stage, e.argv) for e in dry.commands if not e.executed]
    real = _run(make_ctx, service, "refresh", stop_first=True)
    assert real.ok, real.summary()
    executed = [(e.stage, e.argv) for e in real.commands if e.changes_state]
    assert sorted(predicted) == sorted(executed)
    assert any("import" in argv for _, argv in predicted)
    assert db_status(symsim_array) == 0
