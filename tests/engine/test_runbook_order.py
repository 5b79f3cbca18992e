"""Runbooks as data: the stages of each action, in order, for a selection; no command runs."""

from __future__ import annotations

import pytest

from clonepilot.engine.runbook import Stage, runbook
from clonepilot.engine.service import select_resources
from tests.engine.conftest import MakeService, sync_section

HOSTS = """
[ip#1]
ipname = 10.9.0.5
ipdev = lan0

[disk#1]
type = vg
name = vgdata

[disk#2]
type = vg
name = vgarch

[fs#1]
dev = /dev/vgdata/lv_data
mnt = /u01
type = vxfs

[app#1]
start = /bin/true
"""


@pytest.fixture
def service(make_service: MakeService):
    # As OpenSVC sorts rids (as text), sync#10 comes before sync#2; they form one subset, activated together.
    return make_service(
        sync_section(rid="sync#1")
        + sync_section("00102:00112", rid="sync#2", subset="logs")
        + sync_section("00103:00113", rid="sync#10", subset="logs")
        + HOSTS
    )


def _names(stages: tuple[Stage, ...]) -> list[str]:
    return [s.name for s in stages]


def test_start_follows_the_seed_log_order(service) -> None:
    stages = runbook(service, "start")
    assert _names(stages) == [
        "start ip",
        "activate sync#1",
        "activate subset logs",
        "wait_copied",
        "start disk",
        "start fs",
        "start app",
    ]
    subset = stages[2]
    assert subset.rids == ("sync#10", "sync#2") and subset.parallel and subset.step == "activate"
    assert stages[1] == Stage("activate sync#1", "activate", ("sync#1",), False, "start")
    assert stages[3].rids == ("sync#1", "sync#10", "sync#2") and stages[3].parallel
    assert stages[4].rids == ("disk#1", "disk#2") and not stages[4].parallel


def test_refresh_checks_down_before_any_change(service) -> None:
    stages = runbook(service, "refresh")
    assert _names(stages)[:3] == ["check_down", "recreate", "wait_activable"]
    assert _names(stages)[3:] == _names(runbook(service, "start"))
    assert stages[0].rids == ("ip#1", "disk#1", "disk#2", "fs#1", "app#1")
    assert stages[1].hook_action == "sync_update" and stages[1].parallel
    assert {s.hook_action for s in stages[3:]} == {"start"}


def test_refresh_with_stop_first_stops_before_checking(service) -> None:
    names = _names(runbook(service, "refresh", stop_first=True))
    assert names[:5] == ["stop app", "stop fs", "stop disk", "stop ip", "check_down"]
    with pytest.raises(ValueError, match="refresh only"):
        runbook(service, "start", stop_first=True)


def test_other_actions(service) -> None:
    assert _names(runbook(service, "stop")) == ["stop app", "stop fs", "stop disk", "stop ip"]
    for action in ("sync_update", "sync_resync"):
        stages = runbook(service, action)
        assert _names(stages) == ["check_down", "recreate", "wait_activable"]
        assert stages[1].hook_action == action
    brk = runbook(service, "sync_break")
    assert _names(brk) == ["activate sync#1", "activate subset logs", "wait_copied"]
    assert {s.hook_action for s in brk} == {"sync_break"}
    assert runbook(service, "provision") == (
        Stage("provision", "provision", ("sync#1", "sync#10", "sync#2"), True, "provision"),
    )
    assert _names(runbook(service, "unprovision")) == ["unprovision"]
    assert runbook(service, "sync_nodes") == (
        Stage("sync_nodes", "noop", ("sync#1", "sync#10", "sync#2"), False, "sync_nodes"),
    )
    with pytest.raises(ValueError, match="unknown action 'restart'"):
        runbook(service, "restart")


def test_selection_limits_stages_but_not_the_down_check(service) -> None:
    selection = select_resources(service, ["sync#2", "fs"])
    stages = runbook(service, "refresh", selection)
    assert _names(stages) == [
        "check_down",
        "recreate",
        "wait_activable",
        "activate sync#2",
        "wait_copied",
        "start fs",
    ]
    # The whole service must be down, whatever was selected.
    assert stages[0].rids == ("ip#1", "disk#1", "disk#2", "fs#1", "app#1")


def test_stop_hooks_of_sync_resources_get_a_stage(make_service: MakeService) -> None:
    service = make_service(sync_section(pre_stop="echo bye") + sync_section("00102:00112", rid="sync#2"))
    assert runbook(service, "stop") == (Stage("stop sync", "noop", ("sync#1",), False, "stop"),)
