"""CloneSet.status against the simulated array: the seed's up / warn / down, plus n/a and undef."""

from __future__ import annotations

from pathlib import Path

from clonepilot.engine.clones import CloneSet, clone_set
from clonepilot.engine.status import Status
from tests.engine.conftest import sync_section
from tests.plugins.symsim import SymsimArray

FAST = 8192 * 16


def _copied(cs: CloneSet) -> None:
    cs.provision()
    cs.wait_activable()
    cs.activate()
    cs.wait_copied()


def test_status_up_while_recreated_and_after_copy(make_service, make_ctx, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    cs.recreate()
    cs.wait_activable()
    # Recreated and waiting for the service's start (activate): a fresh image is on its way.
    report = cs.status()
    assert report.status is Status.UP, report.reason
    assert report.reason.startswith("last refresh ") and "PreCopy=2" in report.reason
    assert report.detail["states"] == {"PreCopy": 2}


def test_status_warn_when_last_action_older_than_sync_max_delay(make_service, make_ctx, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    resource = ctx.service.syncs[0]
    _copied(clone_set(ctx, resource))
    # The file format wants at least 1 minute; 0 makes any past refresh too old without waiting.
    impatient = resource.model_copy(update={"sync_max_delay": 0})
    report = CloneSet(ctx, impatient).status()
    assert report.status is Status.WARN
    assert "old, more than sync_max_delay (0 min)" in report.reason
    assert report.last_action is not None
    assert clone_set(ctx, resource).status().status is Status.UP


def test_status_warn_when_only_some_pairs_are_activated(
    make_service, make_ctx, symsim_array: SymsimArray, set_speed, tmp_path
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section(consistent=False)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.wait_activable()
    one = tmp_path / "one.pairs"
    one.write_text("00100 00110")
    assert (
        symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(one), "-nop", "activate").returncode
        == 0
    )
    report = cs.status()
    assert report.status is Status.WARN
    assert report.reason.startswith("only 1 of 2 pairs activated; not yet: 00101:00111 (PreCopy")


def test_status_down_without_sessions(make_service, make_ctx):
    ctx = make_ctx(make_service(sync_section()))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.DOWN
    assert report.reason == "no clone session: 00100:00110 (NoSession), 00101:00111 (NoSession)"


def test_status_down_for_a_missing_device(make_service, make_ctx):
    ctx = make_ctx(make_service(sync_section("00100:00110 00101:00200")))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.DOWN
    assert report.reason.startswith("device missing: ") and "00200" in report.reason
    assert "\n" not in report.reason


def test_status_warn_for_a_restored_pair_naming_what_it_means(
    make_service, make_ctx, symsim_array: SymsimArray, set_speed, tmp_path: Path
):
    # OpenSVC reports such a set neither active nor down; clonepilot says warn and why (issue 12).
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    pairs = tmp_path / "restore.pairs"
    pairs.write_text("00101 00111")
    assert (
        symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(pairs), "-nop", "restore").returncode
        == 0
    )
    report = cs.status()
    assert report.status is Status.WARN
    assert report.reason.startswith("rest") and "00101:00111 (Rest" in report.reason, report.reason


def test_status_warn_for_a_partly_provisioned_set(
    make_service, make_ctx, symsim_array: SymsimArray, set_speed, tmp_path: Path
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    one = tmp_path / "one.pairs"
    one.write_text("00100 00110")
    created = symsim_array.run(
        "symclone", "-sid", symsim_array.sid, "-f", str(one), "-nop", "create", "-differential", "-precopy"
    )
    assert created.returncode == 0, created.stderr
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.WARN
    assert report.reason.startswith("partly provisioned: no clone session for 00101:00111"), report.reason


def test_status_na_with_nostatus_tag_reads_nothing(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section(tags="nostatus")))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.NA and report.reason == "nostatus tag"
    assert symsim_calls() == []


def test_status_undef_when_the_array_cannot_be_read(make_service, make_ctx, symsim_array: SymsimArray):
    symsim_array.admin("fault", "add", "symdev", "unreachable")
    ctx = make_ctx(make_service(sync_section()))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.UNDEF
    assert report.reason.startswith("cannot read the array: ") and "not reachable" in report.reason
