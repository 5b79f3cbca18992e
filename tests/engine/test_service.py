"""Selection, the down check and status aggregation; status reads over symsim change nothing."""

from __future__ import annotations

import json

import pytest

from clonepilot.engine.runbook import execute, runbook
from clonepilot.engine.service import (
    SelectionError,
    aggregate_avail,
    aggregate_overall,
    aggregate_sync,
    check_service_down,
    select_resources,
    service_status,
)
from clonepilot.engine.status import Status
from tests.engine.conftest import MakeCtx, MakeService, sync_section
from tests.engine.helpers_host import prepare_demo, state_changing_calls
from tests.plugins.symsim import SymsimArray

UP, WARN, DOWN, NA, UNDEF = Status.UP, Status.WARN, Status.DOWN, Status.NA, Status.UNDEF


@pytest.fixture
def small(make_service: MakeService):
    return make_service(
        sync_section(rid="sync#1", tags="data")
        + sync_section("00102:00112", rid="sync#2")
        + "[ip#1]\nipname = 10.9.0.5\nipdev = lan0\ntags = net data\n\n"
        + "[fs#1]\ndev = /dev/vg/lv\nmnt = /u01\ntype = vxfs\n"
    )


def test_select_by_rid_kind_and_tag(small) -> None:
    rids = lambda resources: [r.rid for r in resources]  # noqa: E731
    assert rids(select_resources(small)) == ["sync#1", "sync#2", "ip#1", "fs#1"]
    assert rids(select_resources(small, ["fs#1", "sync"])) == ["sync#1", "sync#2", "fs#1"]
    assert rids(select_resources(small, tags=["data"])) == ["sync#1", "ip#1"]
    assert rids(select_resources(small, ["sync"], ["data"])) == ["sync#1"]
    with pytest.raises(SelectionError, match=r"no resource 'fs#9'; resources: sync#1, sync#2, ip#1, fs#1"):
        select_resources(small, ["fs#9"])
    with pytest.raises(SelectionError, match="no selected resource has tag nope"):
        select_resources(small, tags=["nope"])


@pytest.mark.parametrize(
    ("statuses", "avail"),
    [
        ([UP, UP], UP),
        ([DOWN, DOWN], DOWN),
        ([UP, DOWN], WARN),
        ([UP, NA], UP),
        ([DOWN, NA, DOWN], DOWN),
        ([NA], NA),
        ([], NA),
        ([UP, UNDEF], WARN),
    ],
)
def test_avail_aggregate(statuses: list[Status], avail: Status) -> None:
    assert aggregate_avail(statuses) is avail


@pytest.mark.parametrize(
    ("statuses", "sync"),
    [
        ([UP, UP], UP),
        ([UP, WARN], WARN),
        ([WARN, DOWN, UP], DOWN),
        ([UP, NA], UP),
        ([NA], NA),
        ([UP, UNDEF], UNDEF),
    ],
)
def test_sync_aggregate_is_the_worst(statuses: list[Status], sync: Status) -> None:
    assert aggregate_sync(statuses) is sync


@pytest.mark.parametrize(
    ("avail", "sync", "overall"),
    [
        (UP, UP, UP),
        (UP, WARN, WARN),
        (UP, DOWN, WARN),
        (DOWN, UP, DOWN),
        (DOWN, DOWN, DOWN),
        (NA, WARN, WARN),
    ],
)
def test_overall(avail: Status, sync: Status, overall: Status) -> None:
    assert aggregate_overall(avail, sync) is overall


def test_status_follows_the_service_and_reads_only(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = prepare_demo(symsim_array, make_service, make_ctx)
    changing = len(state_changing_calls(symsim_array))
    with make_ctx(service) as ctx:
        status = service_status(ctx)
        symclone_reads = [
            e for e in ctx.journal.snapshot() if "symclone" in e.argv[0] or "symdev" in e.argv[0]
        ]
        assert not any(e.changes_state for e in ctx.journal.snapshot())
    # Clones just activated and copied, host down: the service is down, its data fresh.
    assert (status.avail, status.sync, status.overall) == (DOWN, UP, DOWN)
    assert len(symclone_reads) == 2  # one symcli call per sync resource
    assert [r.rid for r in status.resources] == [r.rid for r in service.resources]
    assert len(state_changing_calls(symsim_array)) == changing
    with make_ctx(service) as ctx:
        assert check_service_down(ctx) == []

        ip_only = select_resources(service, ["ip#1"])
        assert execute(ctx, runbook(service, "start", ip_only)).ok
        mixed = service_status(ctx)
        still_up = check_service_down(ctx)
    assert (mixed.avail, mixed.overall) == (WARN, WARN)
    assert [r.rid for r in still_up] == ["ip#1"]
    selected = service_status(make_ctx(service), select_resources(service, ["ip#1", "sync"]))
    assert (selected.avail, selected.sync, selected.overall) == (UP, UP, UP)

    with make_ctx(service) as ctx:
        assert execute(ctx, runbook(service, "start")).ok
        full = service_status(ctx)
    assert (full.avail, full.sync, full.overall) == (UP, UP, UP)
    data = json.loads(json.dumps(full.to_dict()))
    assert data["overall"] == "up" and data["resources"]["app#1"]["status"] == "up"
    assert set(data["resources"]) == {r.rid for r in service.resources}


def test_nostatus_and_disabled_resources_do_not_count(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    service = make_service(
        "[ip#1]\nipname = 10.9.0.5\nipdev = lan0\n\n"
        "[ip#2]\nipname = 10.9.0.6\nipdev = lan0\ntags = nostatus\n\n"
        "[ip#3]\nipname = 10.9.0.7\nipdev = lan0\ndisable = true\n"
    )
    symsim_array.run("symsim-host", "ip", "add", "10.9.0.5", "lan0")
    symsim_array.run("symsim-host", "ip", "add", "10.9.0.7", "lan0")  # up, but disabled: ignored
    with make_ctx(service) as ctx:
        status = service_status(ctx)
        assert [r.status for r in status.resources] == [UP, NA, NA]
        assert (status.avail, status.sync, status.overall) == (UP, NA, UP)
        assert [r.rid for r in check_service_down(ctx)] == ["ip#1"]
