"""The device-group form (`symdg` + logical pairs) against the simulated array."""

from __future__ import annotations

from clonepilot.engine.clones import clone_set
from clonepilot.engine.status import Status
from clonepilot.symcli import CloneState
from tests.plugins.symsim import SymsimArray

FAST = 8192 * 16

DG_SECTION = """\
[sync#2]
type = symclone
symdg = DGCVI
pairs = {pairs}
consistent = false
"""


def test_dg_read_provision_recreate_activate(group, make_service, make_ctx, symsim_calls, set_speed):
    set_speed(FAST)
    ctx = make_ctx(make_service(DG_SECTION.format(pairs="DEV001:CLONE001 DEV002:CLONE002")))
    cs = clone_set(ctx, ctx.service.syncs[0])
    fresh = cs.read()
    assert [(p.key, p.state) for p in fresh.pairs] == [("DEV001:CLONE001", None), ("DEV002:CLONE002", None)]
    (query,) = symsim_calls("symclone", "query")
    # The whole group's table, the form real captures show; the pairs are picked from its rows.
    assert query["argv"][1:] == ["-g", "DGCVI", "query"]

    assert cs.provision().changed
    assert cs.read().all_in([CloneState.PRECOPY])
    cs.wait_activable()
    assert cs.activate().message == "activated 2 pairs"
    assert cs.wait_copied().all_in([CloneState.COPIED])

    result = cs.recreate()
    assert result.pairs == ("DEV001:CLONE001", "DEV002:CLONE002")
    (recreate,) = symsim_calls("symclone", "recreate")
    # The seed's log line: `symclone -g DGCVI -noprompt recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001`.
    assert recreate["argv"][1:] == [
        "-g", "DGCVI", "-noprompt", "recreate", "-precopy", "-i", "1", "-c", "1",
        "DEV001", "sym", "ld", "CLONE001", "DEV002", "sym", "ld", "CLONE002",
    ]  # fmt: skip
    assert not cs.recreate().changed
    cs.wait_activable()
    cs.activate()
    report = cs.status()
    assert report.status is Status.UP, report.reason
    assert report.last_action is not None  # read with a symdev list of the DG's targets


def test_dg_partial_recreate_names_only_the_pairs_that_need_it(
    group, make_service, make_ctx, symsim_calls, symsim_array: SymsimArray, set_speed
):
    set_speed(FAST)
    ctx = make_ctx(make_service(DG_SECTION.format(pairs="DEV001:CLONE001 DEV002:CLONE002")))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    cs.wait_activable()
    cs.activate()
    cs.wait_copied()
    by_hand = symsim_array.run(
        "symclone", "-g", "DGCVI", "-nop", "recreate", "DEV002", "sym", "ld", "CLONE002"
    )
    assert by_hand.returncode == 0, by_hand.stderr
    result = cs.recreate()
    assert result.pairs == ("DEV001:CLONE001",)
    calls = symsim_calls("symclone", "recreate")
    assert calls[-1]["argv"][-4:] == ["DEV001", "sym", "ld", "CLONE001"] and "DEV002" not in calls[-1]["argv"]


def test_dg_status_down_for_a_device_not_in_the_group(group, make_service, make_ctx):
    ctx = make_ctx(make_service(DG_SECTION.format(pairs="DEV001:CLONE001 DEV002:CLONE009")))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.DOWN
    assert report.reason == "sync#2: devices missing from device group DGCVI: CLONE009"


def test_dg_status_down_without_sessions(group, make_service, make_ctx):
    ctx = make_ctx(make_service(DG_SECTION.format(pairs="DEV001:CLONE001")))
    report = clone_set(ctx, ctx.service.syncs[0]).status()
    assert report.status is Status.DOWN and report.reason == "no clone session: DEV001:CLONE001 (NoSession)"
