"""The refresh flow refuses a plan that would fail halfway before any change, over real SSH.

The flows call the engine's `execute`, which checks the whole plan first: a refresh of the seed's
example whose second clone set names a device the array lacks, and whose archive-log target sits
in another source's session, fails at its first stage 'check plan' naming both, and symsim's call
log shows that nothing was recreated, activated or started.
"""

from __future__ import annotations

from flows.prefect_runner import ActionFailed
from tests.flows.conftest import FlowEnv, example_service_text, run_flow, state_changing
from tests.flows.test_copies import failure


def test_a_refresh_with_two_bad_clone_sets_fails_before_any_change(flow_env: FlowEnv) -> None:
    env = flow_env
    text = example_service_text(env.sshd, env.bin_dir)
    name = env.write_service(text, "plan")
    provision = run_flow("provision", name)
    assert provision.ok, failure(provision)
    # sync#1 lists a device the array lacks; sync#2's target is cloned from 00102, not 00103.
    bad = text.replace("00101:00111", "00101:001F1").replace("00102:00112", "00103:00112")
    (env.services_dir / f"{name}.conf").write_text(bad)
    env.clear_calls()

    refresh = run_flow("refresh", name)

    assert not refresh.ok and refresh.state.is_failed()
    assert isinstance(refresh.result, ActionFailed), refresh.result
    report = refresh.result.report
    assert report.error_type == "PlanRefused" and report.error.startswith("check plan failed: 2 problems")
    first, *rest = report.stages
    assert first.name == "check plan" and first.outcome == "failed"
    assert {s.outcome for s in rest} == {"not-run"}
    messages = {r.rid: r.message for r in first.results}
    assert "device 001F1 (target of pair 00101:001F1) is not on array" in messages["sync#1"]
    assert "target 00112 is in a clone session with source 00102" in messages["sync#2"]
    assert state_changing(env.calls()) == []
    assert env.host("db", "status", "ORA") != 0
