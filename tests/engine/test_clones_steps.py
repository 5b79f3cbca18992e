"""CloneSet reads and state-changing steps against the simulated array (array + pairs-file form)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest

from clonepilot.engine.clones import CloneSet, PairStateError, clone_set
from clonepilot.symcli import CloneState, SymcliRetryable
from tests.engine.conftest import sync_section
from tests.plugins.symsim import SymsimArray

FAST = 8192 * 16  # tracks/s: a full 1 GB copy of up to 16 pairs in about a second


def _pairs(count: int) -> str:
    return " ".join(f"{0x100 + i:05X}:{0x120 + i:05X}" for i in range(count))


def _copied(cs: CloneSet) -> None:
    """Bring the set to Copied through the driver itself (the path under test elsewhere)."""
    cs.provision()
    cs.wait_activable()
    cs.activate()
    cs.wait_copied()


def test_read_fresh_array_shows_no_sessions(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section()))
    snapshot = clone_set(ctx, ctx.service.syncs[0]).read()
    assert [(p.src, p.tgt, p.state, p.percent, p.last_action) for p in snapshot.pairs] == [
        ("00100", "00110", None, None, None),
        ("00101", "00111", None, None, None),
    ]
    assert snapshot.states == {"NoSession": 2}
    assert snapshot.last_action is None and snapshot.percent == 0
    calls = symsim_calls()
    assert [c["argv"] for c in calls] == [
        ["symdev", "-sid", "000197900123", "list", "-v", "-devs", "00110,00111", "-output", "xml_e"]
    ]


def test_provision_then_read_shows_precopy_sessions(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    result = cs.provision()
    assert result.changed and result.pairs == ("00100:00110", "00101:00111")
    assert result.message == "created 2 pairs (-diff -precopy)"
    (create,) = symsim_calls("symclone", "create")
    assert create["argv"][1:] == [
        "-sid",
        "000197900123",
        "-f",
        ctx.pairs_dir + "/svc.sync-1.pairs",
        "-noprompt",
        "create",
        "-diff",
        "-precopy",
        "-i",
        "1",
        "-c",
        "1",
    ]
    assert Path(ctx.pairs_dir, "svc.sync-1.pairs").read_text() == "00100 00110\n00101 00111"
    snapshot = cs.read()
    assert snapshot.all_in([CloneState.PRECOPY])
    assert all(p.last_action is not None and p.percent is not None for p in snapshot.pairs)
    # A second provision finds the sessions and does nothing.
    again = cs.provision()
    assert not again.changed and again.message.startswith("already provisioned: 00100:00110 (PreCopy")
    assert len(symsim_calls("symclone", "create")) == 1


def test_full_cycle_provision_activate_copied_status_up(make_service, make_ctx, symsim_calls, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    assert cs.provision().changed
    activable = cs.wait_activable()
    assert all(p.state is CloneState.PRECOPY and p.percent == 100 for p in activable.pairs)
    result = cs.activate()
    assert result.message == "activated 2 pairs (-consistent)"
    (activate,) = symsim_calls("symclone", "activate")
    assert "-consistent" in activate["argv"]
    copied = cs.wait_copied()
    assert copied.all_in([CloneState.COPIED]) and copied.percent == 100
    report = cs.status()
    assert report.status.value == "up", report.reason
    assert "Copied=2" in report.reason and report.last_action == copied.last_action


@pytest.mark.parametrize("count", [2, 8])
def test_recreate_is_one_symclone_call_whatever_the_pair_count(
    count, make_service, make_ctx, symsim_calls, symsim_array: SymsimArray, set_speed
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section(_pairs(count))))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    symsim_array.admin("calls", "--clear")
    result = cs.recreate()
    assert result.changed and len(result.pairs) == count
    assert result.message == f"recreated {count} pairs (-precopy)"
    calls = symsim_calls("symclone")
    assert len(calls) == 1 and "recreate" in calls[0]["argv"]
    # ...and one symdev read before it, never one call per device.
    assert len(symsim_calls("symdev")) == 1
    assert len(Path(ctx.pairs_dir, "svc.sync-1.pairs").read_text().splitlines()) == count


def test_rerun_recreate_and_activate_do_not_repeat(make_service, make_ctx, symsim_calls, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    assert cs.recreate().changed
    second = cs.recreate()
    assert not second.changed and second.pairs == ()
    assert second.message.startswith("already recreated: 00100:00110 (PreCopy")
    assert len(symsim_calls("symclone", "recreate")) == 1
    cs.wait_activable()
    assert cs.activate().changed
    again = cs.activate()
    assert not again.changed and again.message.startswith("already activated: 00100:00110 (")
    # One activate from _copied, one after the recreate: the rerun added none.
    assert len(symsim_calls("symclone", "activate")) == 2


def test_partial_recreate_acts_only_on_the_pairs_that_need_it(
    make_service, make_ctx, symsim_calls, symsim_array: SymsimArray, set_speed, tmp_path
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section(precopy=False)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    # A crashed earlier run got as far as recreating the first pair only.
    one = tmp_path / "one.pairs"
    one.write_text("00100 00110")
    done = symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(one), "-nop", "recreate")
    assert done.returncode == 0, done.stderr
    symsim_array.admin("calls", "--clear")
    result = cs.recreate()
    assert result.pairs == ("00101:00111",)
    # The first pair's percent shows the tracks the source changed since its activate.
    assert result.message.startswith("recreated 1 of 2 pairs; already recreated: 00100:00110 (Recreated ")
    (call,) = symsim_calls("symclone", "recreate")
    pairs_file = call["argv"][call["argv"].index("-f") + 1]
    assert pairs_file.endswith("svc.sync-1.recreate.pairs")
    assert Path(pairs_file).read_text() == "00101 00111"
    assert cs.read().all_in([CloneState.RECREATED])


def test_consistent_partial_activate_is_refused(
    make_service, make_ctx, symsim_calls, symsim_array: SymsimArray, set_speed, tmp_path
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.wait_activable()
    one = tmp_path / "one.pairs"
    one.write_text("00101 00111")
    done = symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(one), "-nop", "activate")
    assert done.returncode == 0, done.stderr
    with pytest.raises(PairStateError) as caught:
        cs.activate()
    message = str(caught.value)
    assert "refusing to activate only 1 of 2 pairs with -consistent" in message
    assert "00101:00111 (Co" in message and "another point in time" in message and "resync" in message
    assert len(symsim_calls("symclone", "activate")) == 1  # only the one made by hand
    assert cs.read().pairs[0].state is CloneState.PRECOPY


def test_non_consistent_partial_activate_activates_the_rest(
    make_service, make_ctx, symsim_calls, symsim_array: SymsimArray, set_speed, tmp_path
):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section(consistent=False)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.wait_activable()
    one = tmp_path / "one.pairs"
    one.write_text("00101 00111")
    assert (
        symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(one), "-nop", "activate").returncode
        == 0
    )
    result = cs.activate()
    assert result.pairs == ("00100:00110",) and "-consistent" not in result.message
    assert cs.wait_copied().all_in([CloneState.COPIED])


def test_blocked_pairs_are_refused_naming_pairs_and_states(
    make_service, make_ctx, symsim_calls, symsim_array: SymsimArray
):
    ctx = make_ctx(make_service(sync_section(precopy=False)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    with pytest.raises(PairStateError) as no_session:
        cs.recreate()
    assert "cannot recreate: 00100:00110 (NoSession): no clone session" in str(no_session.value)
    # A copy that cannot finish: recreate is illegal in CopyInProg, for both pairs.
    symsim_array.admin("fault", "add", "symclone:activate", "none", "--stall-at", "50")
    cs.provision()
    cs.activate()
    with pytest.raises(PairStateError) as in_progress:
        cs.recreate()
    message = str(in_progress.value)
    assert "00100:00110 (CopyInProg" in message and "00101:00111 (CopyInProg" in message
    assert "recreate is not possible in state CopyInProg" in message and "Nothing was done" in message
    assert symsim_calls("symclone", "recreate") == []


def test_lock_fault_surfaces_as_retryable(make_service, make_ctx, symsim_array: SymsimArray, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    _copied(cs)
    symsim_array.admin("fault", "add", "symclone:recreate", "lock", "--times", "1")
    with pytest.raises(SymcliRetryable) as caught:
        cs.recreate()
    error = caught.value
    assert error.node == "localhost" and "locked by another process" in error.symcli_message
    assert "recreate" in error.argv and "-i" in error.argv
    assert "command: " + shlex.join(error.argv) in str(error)
    assert cs.read().all_in([CloneState.COPIED])  # nothing happened; the caller may retry
    assert cs.recreate().changed


def test_unprovision_terminates_sessions_once(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    result = cs.unprovision()
    assert result.changed and result.message == "terminated 2 pairs"
    assert cs.read().states == {"NoSession": 2}
    again = cs.unprovision()
    assert not again.changed and again.message == "no clone session to terminate"
    assert len(symsim_calls("symclone", "terminate")) == 1


def test_noaction_tag_changes_nothing(make_service, make_ctx, symsim_calls):
    ctx = make_ctx(make_service(sync_section(tags="noaction")))
    cs = clone_set(ctx, ctx.service.syncs[0])
    for step in (cs.provision, cs.recreate, cs.activate, cs.unprovision):
        result = step()
        assert not result.changed and result.message == "noaction tag"
    assert symsim_calls("symclone") == []


def test_clone_set_is_one_object_per_rid_per_run(make_service, make_ctx):
    service = make_service(sync_section() + "\n" + sync_section("00102:00112", rid="sync#2"))
    ctx = make_ctx(service)
    first, second = service.syncs
    assert clone_set(ctx, first) is clone_set(ctx, first)
    assert clone_set(ctx, second) is not clone_set(ctx, first)
    assert clone_set(make_ctx(service), first) is not clone_set(ctx, first)


def test_unprovision_ends_a_finished_restore_with_restored_and_refuses_one_in_progress(
    make_service, make_ctx, symsim_array: SymsimArray, symsim_calls
):
    ctx = make_ctx(make_service(sync_section()))
    cs = clone_set(ctx, ctx.service.syncs[0])
    symsim_array.admin("speed", "--tracks-per-sec", str(FAST))
    _copied(cs)
    # The sources get written, then an operator restores 00100 from its clone, slowly.
    symsim_array.admin("speed", "--tracks-per-sec", "1", "--write-rate", "100000")
    one = Path(ctx.pairs_dir) / "restore-one.pairs"
    one.parent.mkdir(parents=True, exist_ok=True)
    one.write_text("00100 00110\n")
    restore = symsim_array.run("symclone", "-sid", symsim_array.sid, "-f", str(one), "-noprompt", "restore")
    assert restore.returncode == 0, restore.stderr
    symsim_array.admin("speed", "--write-rate", "0")
    state = {p.src: p.state for p in cs.read().pairs}
    assert state["00100"] == CloneState.REST_IN_PROG, state

    with pytest.raises(PairStateError) as refused:
        cs.unprovision()
    assert "a restore to the source is in progress on 00100:00110" in str(refused.value)
    assert symsim_calls("symclone", "terminate") == []

    symsim_array.admin("speed", "--tracks-per-sec", str(FAST))
    deadline = time.monotonic() + 30
    while cs.read().pairs[0].state != CloneState.RESTORED:
        assert time.monotonic() < deadline
        time.sleep(0.1)  # the test waits for the simulated restore
    result = cs.unprovision()
    assert result.changed and result.message == "terminated 2 pairs (1 after a restore: -restored)"
    assert cs.read().states == {"NoSession": 2}
    calls = [c["argv"] for c in symsim_calls("symclone", "terminate")]
    assert len(calls) == 2 and sum("-restored" in argv for argv in calls) == 1
