"""pre_/post_/blocking_ hooks around a real ip start on the simulated host."""

from __future__ import annotations

from pathlib import Path

from clonepilot.engine.runbook import run_step
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import host_state
from tests.plugins.symsim import SymsimArray


def _service(make_service: MakeService, hooks: str):
    return make_service(f"[ip#1]\nipname = 10.9.0.5\nipdev = lan0\n{hooks}")


def test_failing_pre_and_post_hooks_are_passed_over(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    service = _service(
        make_service,
        f"pre_start = echo pre >> {log}; exit 3\npost_start = echo post >> {log}; exit 4\n",
    )
    with make_ctx(service) as ctx:
        result = run_step(ctx, "start", service.resource("ip#1"))
    assert result.outcome == "done", result.message
    assert "pre_start hook failed (exit 3), passed over" in result.message
    assert "post_start hook failed (exit 4), passed over" in result.message
    assert log.read_text() == "pre\npost\n"
    assert "10.9.0.5" in host_state(symsim_array)["ips"]


def test_failing_blocking_pre_hook_stops_before_any_change(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    service = _service(
        make_service,
        f"blocking_pre_start = echo no maintenance window >&2; exit 7\npre_start = echo pre >> {log}\n",
    )
    with make_ctx(service) as ctx:
        result = run_step(ctx, "start", service.resource("ip#1"))
        changing = [e.argv for e in ctx.journal.snapshot() if e.changes_state]
    assert result.outcome == "failed" and result.error_type == "HookFailed"
    assert "blocking_pre_start hook" in result.message
    assert "exit 7" in result.message and "no maintenance window" in result.message
    assert host_state(symsim_array)["ips"] == {}
    assert not log.exists()  # nothing after the blocking hook ran, not even the pre hook
    assert len(changing) == 1


def test_failing_blocking_post_hook_fails_the_action(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = _service(make_service, "blocking_post_start = exit 5\n")
    with make_ctx(service) as ctx:
        result = run_step(ctx, "start", service.resource("ip#1"))
    assert (
        result.outcome == "failed" and "blocking_post_start" in result.message and "exit 5" in result.message
    )
    assert "10.9.0.5" in host_state(symsim_array)["ips"]  # the body ran; the run must still stop


def test_hooks_see_the_opensvc_and_clonepilot_variables(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    env = tmp_path / "env.txt"
    service = _service(make_service, f"pre_stop = env > {env}\n")
    with make_ctx(service) as ctx:
        assert run_step(ctx, "stop", service.resource("ip#1")).outcome == "done"
    seen = dict(line.split("=", 1) for line in env.read_text().splitlines() if "=" in line)
    assert seen["OPENSVC_SVCNAME"] == seen["CLONEPILOT_SERVICE"] == "svc"
    assert seen["OPENSVC_RID"] == seen["CLONEPILOT_RID"] == "ip#1"
    assert seen["OPENSVC_ACTION"] == seen["CLONEPILOT_ACTION"] == "stop"


def test_dry_run_journals_hooks_without_running_them(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    service = _service(make_service, f"blocking_pre_start = touch {marker}\n")
    with make_ctx(service, dry_run=True) as ctx:
        result = run_step(ctx, "start", service.resource("ip#1"))
        pending = [e.argv for e in ctx.journal.snapshot() if not e.executed]
    assert result.outcome == "done"
    assert pending[0] == ("/bin/sh", "-c", f"touch {marker}")
    assert pending[1][1:] == ("ip", "add", "10.9.0.5", "lan0")
    assert not marker.exists()
    assert host_state(symsim_array)["ips"] == {}
