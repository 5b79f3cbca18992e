"""`<action>_depends`: met, met after a wait (polling), never met (clear failure), dry run."""

from __future__ import annotations

import threading

import pytest

from clonepilot.engine.depends import DependsNotMet, check_depends
from clonepilot.engine.runbook import run_step
from tests.engine.conftest import MakeCtx, MakeService, sync_section
from tests.engine.helpers_host import register_vgs
from tests.plugins.symsim import SymsimArray

HOSTS = """
[disk#1]
type = vg
name = vgdata

[fs#1]
dev = /dev/vgdata/lv_data
mnt = /u01
type = vxfs
start_depends = disk#1(up)

[fs#2]
dev = /dev/vgdata/lv_other
mnt = /u02
type = vxfs
start_depends = sync#1(down,warn) disk#1
"""


@pytest.fixture
def service(symsim_array: SymsimArray, make_service: MakeService):
    register_vgs(symsim_array)  # on plain devices (no clone session yet): the VG imports as is
    return make_service(sync_section() + HOSTS)


def test_met_depends_let_the_action_run(symsim_array: SymsimArray, service, make_ctx: MakeCtx) -> None:
    with make_ctx(service) as ctx:
        assert run_step(ctx, "start", service.resource("disk#1")).outcome == "done"
        result = run_step(ctx, "start", service.resource("fs#1"))
    assert result.outcome == "done"
    assert "start_depends met: disk#1(up)" in result.message


def test_the_action_waits_until_the_depends_are_met(
    symsim_array: SymsimArray, service, make_ctx: MakeCtx
) -> None:
    # Another actor brings the VG up while the fs start waits for it.
    def bring_up() -> None:
        symsim_array.run("symsim-host", "vg", "import", "vgdata")
        symsim_array.run("symsim-host", "vg", "activate", "vgdata")

    timer = threading.Timer(0.5, bring_up)
    with make_ctx(service) as ctx:
        timer.start()
        try:
            result = run_step(ctx, "start", service.resource("fs#1"), depends_wait=30)
        finally:
            timer.join()
        polls = [e for e in ctx.journal.snapshot() if e.argv[1:3] == ("vg", "status")]
    assert result.outcome == "done", result.message
    assert result.duration >= 0.5
    assert len(polls) >= 2  # read until up, not once


def test_unmet_depends_fail_naming_resource_state_and_wanted(
    symsim_array: SymsimArray, service, make_ctx: MakeCtx
) -> None:
    with make_ctx(service, depends_wait=0.6) as ctx:  # the setting, as an operator gives it
        result = run_step(ctx, "start", service.resource("fs#1"))
        changing = [e for e in ctx.journal.snapshot() if e.changes_state]
    assert result.outcome == "failed" and result.error_type == "DependsNotMet"
    assert result.duration >= 0.6
    assert "fs#1: start refused after waiting 0.6 s" in result.message
    assert "disk#1 is down (vg /dev/vgdata: down (exported)), wanted up" in result.message
    assert changing == []


def test_sync_state_and_default_states(symsim_array: SymsimArray, service, make_ctx: MakeCtx) -> None:
    # sync#1 has no clone session: down, which fs#2 accepts; disk#1 (default 'up,stdby up') is not.
    with make_ctx(service) as ctx, pytest.raises(DependsNotMet) as caught:
        check_depends(ctx, service.resource("fs#2"), "start", max_wait=0.2)
    assert "sync#1" not in str(caught.value)
    assert "disk#1 is down" in str(caught.value) and "wanted up or stdby up" in str(caught.value)


def test_dry_run_reports_unmet_depends_without_waiting(
    symsim_array: SymsimArray, service, make_ctx: MakeCtx
) -> None:
    with make_ctx(service, dry_run=True) as ctx:
        result = run_step(ctx, "start", service.resource("fs#1"), depends_wait=30)
    assert result.outcome == "done"
    assert result.duration < 5
    assert "start_depends not met now" in result.message and "disk#1 is down" in result.message
