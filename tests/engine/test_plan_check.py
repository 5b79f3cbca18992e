"""A run whose plan would fail halfway fails at its start, having changed nothing, naming every problem.

Each bad configuration a tester met refreshed one clone set and then failed on the other, leaving
the service's data not ready. Here each one runs on the simulated array and host: the run reports
a failed first stage 'check plan' (every stage after it not run), and symsim's call log shows no
state-changing call at all. The dry run reports the same problems; a good plan costs no extra read.
"""

from __future__ import annotations

import logging

import pytest

from clonepilot.engine.report import RunReport
from clonepilot.engine.runbook import execute, runbook
from clonepilot.engine.service import select_resources
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import (
    ARCH_SYNC,
    DATA_SYNC,
    db_status,
    prepare_demo,
    state_changing_calls,
)
from tests.plugins.symsim import SymsimArray


def _run(make_ctx: MakeCtx, service, action: str, *, dry_run: bool = False, rids=(), **kwargs) -> RunReport:
    selection = select_resources(service, rids) if rids else ()
    with make_ctx(service, dry_run=dry_run) as ctx:
        return execute(ctx, runbook(service, action, selection, **kwargs), action=action)


def _refused(report: RunReport) -> list[tuple[str, str]]:
    """(rid, message) of each problem, after checking the report reads as a refused first stage."""
    assert not report.ok and report.error_type == "PlanRefused", report.summary()
    first, *rest = report.stages
    assert (first.name, first.outcome, first.error_type) == ("check plan", "failed", "PlanRefused")
    assert rest and {s.outcome for s in rest} == {"not-run"}
    assert report.error.startswith("check plan failed: ") and "nothing was changed" in report.error
    assert all(r.outcome == "failed" for r in first.results)
    return [(r.rid, r.message) for r in first.results]


def _rewrite(make_service: MakeService, service, old: str, new: str):
    text = service.path.read_text()
    assert old in text, old
    return make_service(text.replace(old, new), name=service.name)


@pytest.fixture
def demo(symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx):
    """The demo service provisioned, activated (Copied) and down; symsim's call log cleared."""
    service = prepare_demo(symsim_array, make_service, make_ctx)
    symsim_array.admin("calls", "--clear")
    return service


def test_devices_missing_from_the_array_are_refused_before_the_other_set_is_recreated(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    service = _rewrite(
        make_service, demo, ARCH_SYNC, ARCH_SYNC.replace("00102:00112", "00102:001F2 001F3:00113")
    )
    report = _run(make_ctx, service, "refresh")
    problems = _refused(report)
    assert [rid for rid, _ in problems] == ["sync#2", "sync#2"]
    first, second = (message for _, message in problems)
    assert "device 001F2 (target of pair 00102:001F2) is not on array 000197900123" in first
    assert "device 001F3 (source of pair 001F3:00113)" in second
    assert f"fix pairs in [sync#2] of {service.path}" in first
    assert state_changing_calls(symsim_array) == []


def test_a_missing_source_is_found_before_any_change(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    # The plan's read lists the sources with the targets: a missing source is found before any change.
    service = _rewrite(make_service, demo, "00102:00112", "001F3:00112")
    ((rid, message),) = _refused(_run(make_ctx, service, "sync_update"))
    assert rid == "sync#2" and "device 001F3 (source of pair 001F3:00112)" in message
    assert state_changing_calls(symsim_array) == []


def test_a_wrong_symid_names_the_arrays_the_node_sees(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    service = _rewrite(make_service, demo, ARCH_SYNC, ARCH_SYNC.replace("000197900123", "000197900999"))
    ((rid, message),) = _refused(_run(make_ctx, service, "sync_update"))
    assert rid == "sync#2"
    assert "symid 000197900999 of [sync#2] is not among the arrays localhost sees (000197900123)" in message
    assert f"fix symid in [sync#2] of {service.path}" in message
    assert state_changing_calls(symsim_array) == []


def test_a_target_in_another_sources_session_is_refused(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    # The array holds 00102 → 00112; the file now says 00103 → 00112.
    service = _rewrite(make_service, demo, "00102:00112", "00103:00112")
    ((rid, message),) = _refused(_run(make_ctx, service, "refresh"))
    assert rid == "sync#2" and "stage 'recreate': cannot recreate" in message
    assert "target 00112 is in a clone session with source 00102" in message
    assert "terminate that session" in message
    assert state_changing_calls(symsim_array) == []


def test_a_depends_the_plan_rules_out_is_refused_naming_the_late_stage(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    # ip#1 waits for the database, which the refresh starts last: it would wait, then fail, with
    # both clone sets already recreated and activated.
    service = _rewrite(make_service, demo, "[ip#1]\n", "[ip#1]\nstart_depends = app#1\n")
    ((rid, message),) = _refused(_run(make_ctx, service, "refresh"))
    assert rid == "ip#1"
    assert "stage 'start ip': start_depends app#1(up,stdby up) of [ip#1] cannot hold" in message
    assert "the down check found app#1 down" in message
    assert "app#1 is started only later, by stage 'start app'" in message
    assert state_changing_calls(symsim_array) == []


def test_every_problem_is_named_at_once_and_the_dry_run_names_the_same(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    text = demo.path.read_text().replace(DATA_SYNC, DATA_SYNC.replace("000197900123", "000197900999"))
    text = text.replace("00102:00112", "00103:00112").replace("[ip#1]\n", "[ip#1]\nstart_depends = app#1\n")
    service = make_service(text, name="demo")
    real = _refused(_run(make_ctx, service, "refresh"))
    assert sorted(rid for rid, _ in real) == ["ip#1", "sync#1", "sync#2"]
    dry = _refused(_run(make_ctx, service, "refresh", dry_run=True))
    assert sorted(dry) == sorted(real)
    assert state_changing_calls(symsim_array) == []


def test_a_refused_plan_also_names_a_service_that_is_not_down(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    assert _run(make_ctx, demo, "start").ok
    service = _rewrite(make_service, demo, "00102:00112", "00103:00112")
    problems = dict(_refused(_run(make_ctx, service, "refresh")))
    assert "app#1 is up" in problems["demo"] and "stop it first" in problems["demo"]
    assert db_status(symsim_array) == 0


def test_refreshing_the_data_without_the_archived_logs_is_refused(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    ((rid, message),) = _refused(_run(make_ctx, demo, "refresh", rids=["sync#1"]))
    assert rid == "sync#1"
    assert "a refresh of sync#1 must take sync#2 along" in message
    assert "the archived logs after the data" in message and "Add --rid sync#2" in message
    for action in ("sync_update", "sync_break", "start"):
        assert "must take sync#2 along" in _refused(_run(make_ctx, demo, action, rids=["sync#1"]))[0][1]
    assert state_changing_calls(symsim_array) == []
    # The later set alone keeps the order (its logs end later still); both together are the whole.
    assert _run(make_ctx, demo, "sync_update", rids=["sync#2"]).ok
    assert _run(make_ctx, demo, "refresh", rids=["sync"]).ok
    assert _run(make_ctx, demo, "start").ok
    assert db_status(symsim_array) == 0  # the database recovers: its logs end after its data


def test_a_subset_goes_together(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    text = demo.path.read_text()
    service = make_service(
        text.replace(DATA_SYNC, DATA_SYNC + "subset = db\n").replace(ARCH_SYNC, ARCH_SYNC + "subset = db\n"),
        name="demo",
    )
    ((rid, message),) = _refused(_run(make_ctx, service, "sync_update", rids=["sync#2"]))
    assert (
        rid == "sync#2"
        and "must take sync#1 along" in message
        and "sync#1 is in subset db with sync#2" in message
    )


def test_a_target_another_running_service_claims_is_refused(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo
) -> None:
    # A second service file lists, by mistake, the archive-log pair of demo, whose database runs.
    other = make_service(f"[sync#1]\n{ARCH_SYNC}", name="other")
    assert _run(make_ctx, demo, "start").ok
    symsim_array.admin("calls", "--clear")
    ((rid, message),) = _refused(_run(make_ctx, other, "sync_update"))
    assert rid == "sync#1"
    assert "target 00112 (array 000197900123) of [sync#1]" in message
    assert f"also the target of {demo.path} [sync#2]" in message
    assert "service demo is not down: " in message and "app#1 is up" in message
    assert state_changing_calls(symsim_array) == []
    assert db_status(symsim_array) == 0
    # Once demo is down, the plan goes through (the claim is validate --all's to report).
    assert _run(make_ctx, demo, "stop").ok
    assert _run(make_ctx, other, "sync_update", dry_run=True).ok


def test_an_optional_resource_s_problem_is_a_warning(
    symsim_array: SymsimArray,
    make_service: MakeService,
    make_ctx: MakeCtx,
    demo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    service = _rewrite(
        make_service, demo, ARCH_SYNC, ARCH_SYNC.replace("00102:00112", "00102:001F2") + "optional = true\n"
    )
    caplog.set_level(logging.WARNING, logger="clonepilot")
    report = _run(make_ctx, service, "sync_update", dry_run=True)
    assert report.ok, report.summary()
    warned = [r.getMessage() for r in caplog.records if r.module == "plan_check"]
    assert any("001F2" in m and "optional: the run passes its failure over" in m for m in warned), warned


def test_a_good_plan_costs_no_extra_read(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx, demo, symsim_calls
) -> None:
    report = _run(make_ctx, demo, "sync_update")
    assert report.ok, report.summary()
    # One read per clone set before the first change, and the recreate acts on that read.
    plan_reads = [e for e in report.commands if e.stage == "check plan"]
    assert sorted(e.rid for e in plan_reads) == ["sync#1", "sync#2"]
    assert not any(e.changes_state for e in plan_reads)
    assert [e for e in report.stage("recreate").commands if not e.changes_state] == []
    assert len([e for e in report.stage("recreate").commands if e.changes_state]) == 2
    assert len(symsim_calls("symclone", "recreate")) == 2
