"""The resource action wrapper: disable, noaction, optional, restart (retry only what is retryable)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.engine.host import host_driver
from clonepilot.engine.resource import Backoff, run_resource_action
from clonepilot.engine.runbook import execute, run_step, runbook
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import host_state
from tests.plugins.symsim import SymsimArray

FAST = Backoff(first=0.05, cap=0.2)


def test_backoff_grows_and_is_capped() -> None:
    assert [Backoff().delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_disabled_and_noaction_resources_are_skipped_untouched(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = make_service(
        "[ip#1]\nipname = 10.9.0.5\nipdev = lan0\ndisable = true\npre_start = exit 1\n\n"
        "[ip#2]\nipname = 10.9.0.6\nipdev = lan0\ntags = noaction\nblocking_pre_start = exit 1\n"
    )
    with make_ctx(service) as ctx:
        disabled = run_step(ctx, "start", service.resource("ip#1"))
        noaction = run_step(ctx, "start", service.resource("ip#2"))
        assert ctx.journal.snapshot() == ()
    assert (disabled.outcome, disabled.message, disabled.attempts) == ("skipped", "disabled", 0)
    assert noaction.outcome == "skipped" and "noaction" in noaction.message
    assert host_state(symsim_array)["ips"] == {}


def test_optional_failure_is_passed_over_and_the_run_goes_on(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    # fs#1 (a dump area, say) sits on a VG the host does not have: its fsck fails.
    service = make_service(
        "[ip#1]\nipname = 10.9.0.5\nipdev = lan0\n\n"
        "[fs#1]\ndev = /dev/vgdump/lv_dump\nmnt = /dump\ntype = vxfs\noptional = true\n\n"
        "[fs#2]\ndev = /dev/vgnone/lv\nmnt = /data\ntype = vxfs\n"
    )
    with make_ctx(service) as ctx:
        optional = run_step(ctx, "start", service.resource("fs#1"))
        report = execute(ctx, runbook(service, "start", (service.resource("ip#1"), service.resource("fs#1"))))
        required = run_step(ctx, "start", service.resource("fs#2"))
    assert optional.outcome == "failed-optional" and not optional.failed
    assert "optional, passed over" in optional.message and "vgdump" in optional.message
    assert report.ok and report.stage("start fs").outcome == "failed-optional"
    assert "10.9.0.5" in host_state(symsim_array)["ips"]
    assert required.outcome == "failed" and required.failed and required.error_type == "HostCommandError"


def test_restart_retries_a_timed_out_command(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    # The first start hangs (and is killed at the 1 s timeout: retryable); the second succeeds.
    marker = tmp_path / "tried"
    start = f"if [ -e {marker} ]; then exit 0; fi; touch {marker}; sleep 30"
    service = make_service(f"[app#1]\nstart = {start}\ntimeout = 1\nrestart = 2\n")
    resource = service.resource("app#1")
    with make_ctx(service) as ctx:
        result = run_resource_action(ctx, resource, "start", host_driver(ctx, resource).start, backoff=FAST)
        exits = [e.exit_code for e in ctx.journal.snapshot()]
    assert result.outcome == "done", result.message
    assert result.attempts == 2
    assert exits == [None, 0]  # the killed command has no exit code


def test_transient_retries_apply_without_restart(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    marker = tmp_path / "tried"
    start = f"if [ -e {marker} ]; then exit 0; fi; touch {marker}; sleep 30"
    service = make_service(f"[app#1]\nstart = {start}\ntimeout = 1\n")
    resource = service.resource("app#1")
    with make_ctx(service, transient_retries=1) as ctx:
        result = run_resource_action(ctx, resource, "start", host_driver(ctx, resource).start, backoff=FAST)
    assert result.outcome == "done" and result.attempts == 2


def test_without_retries_a_retryable_failure_fails_at_once(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = make_service("[app#1]\nstart = sleep 30\ntimeout = 1\n")
    resource = service.resource("app#1")
    with make_ctx(service) as ctx:
        result = run_resource_action(ctx, resource, "start", host_driver(ctx, resource).start, backoff=FAST)
    assert result.outcome == "failed" and result.attempts == 1 and result.error_type == "CommandTimeout"


@pytest.mark.parametrize("restart", [0, 3])
def test_permanent_failures_are_never_retried(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, restart: int
) -> None:
    service = make_service(f"[app#1]\nstart = echo broken >&2; exit 2\nrestart = {restart}\n")
    resource = service.resource("app#1")
    with make_ctx(service) as ctx:
        result = run_resource_action(ctx, resource, "start", host_driver(ctx, resource).start, backoff=FAST)
        runs = len(ctx.journal.snapshot())
    assert (result.outcome, result.attempts, runs) == ("failed", 1, 1)
    assert "exit 2" in result.message and "broken" in result.message
