"""fleet_status against the simulated arrays: one symdev list per array, broken and stale first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clonepilot.config import load_service
from clonepilot.engine.context import RunContext
from clonepilot.engine.fleet import FleetError, fleet_status
from clonepilot.engine.service import service_status
from clonepilot.engine.status import Status
from tests.fleet.conftest import SID2, Fleet, sync


def _symcli(fleet: Fleet) -> list[dict]:
    return [c for c in fleet.calls() if c["tool"] != "symsim-host"]


def test_one_symdev_list_per_array_for_the_whole_fleet(fleet: Fleet) -> None:
    report = fleet_status(fleet.settings())
    calls = _symcli(fleet)
    # Three services and four sync resources on array 1, one on array 2: two reads in all.
    assert [c["tool"] for c in calls] == ["symdev", "symdev"], calls
    by_sid = {c["argv"][c["argv"].index("-sid") + 1]: c["argv"] for c in calls}
    assert set(by_sid) == {fleet.array.sid, SID2}
    one = by_sid[fleet.array.sid]
    assert one[one.index("-sid") + 2 :] == [
        "list", "-v", "-devs", "00110,00111,00112,00113,00114,00115", "-output", "xml_e"
    ]  # fmt: skip
    assert by_sid[SID2][-3] == "00210"
    assert [(a.symid, a.services, a.error) for a in sorted(report.arrays, key=lambda a: a.symid)] == [
        (fleet.array.sid, ("alpha", "beta", "charlie"), None),
        (SID2, ("delta",), None),
    ]
    assert report.notes == ()


def test_broken_and_stale_first_with_their_reasons(fleet: Fleet) -> None:
    report = fleet_status(fleet.settings())
    assert [(e.name, e.overall) for e in report.entries] == [
        ("broken", "invalid"),
        ("charlie", "down"),
        ("beta", "warn"),
        ("alpha", "up"),
        ("delta", "up"),
    ]
    entries = {e.name: e for e in report.entries}
    assert entries["broken"].error is not None
    assert "broken.conf: [sync#1]" in entries["broken"].error and "pairs" in entries["broken"].error
    charlie = entries["charlie"].worst
    assert charlie is not None and charlie.rid == "sync#1" and charlie.status is Status.DOWN
    assert charlie.reason == "no clone session: 00105:00115 (NoSession)"
    beta = entries["beta"].worst
    assert beta is not None and beta.status is Status.WARN
    assert beta.reason.startswith("only 1 of 2 pairs activated; not yet: 00104:00114 (PreCopy")
    alpha = entries["alpha"].status
    assert alpha is not None
    assert [(r.rid, r.status) for r in alpha.resources] == [
        ("sync#1", Status.UP), ("sync#2", Status.UP), ("app#1", Status.UP)
    ]  # fmt: skip
    assert (alpha.avail, alpha.sync, alpha.overall) == (Status.UP, Status.UP, Status.UP)
    assert [(s, r.rid, str(r.status)) for s, r in report.problems()] == [
        ("charlie", "sync#1", "down"),
        ("beta", "sync#1", "warn"),
    ]
    rows = report.rows()
    error = entries["broken"].error
    assert rows[0] == {
        "service": "broken",
        "rid": "",
        "status": "invalid",
        "reason": error,
        "last_action": "",
    }
    assert [r["service"] for r in rows][:3] == ["broken", "charlie", "beta"]


def test_the_shared_listing_judges_as_each_service_reading_its_own(fleet: Fleet) -> None:
    settings = fleet.settings()
    report = fleet_status(settings)
    for entry in report.entries:
        if entry.status is None:
            continue
        service = load_service(entry.name, fleet.services_dir)
        with RunContext(service, settings) as ctx:
            alone = service_status(ctx)
        assert (alone.avail, alone.sync, alone.overall) == (
            entry.status.avail, entry.status.sync, entry.status.overall
        )  # fmt: skip
        for mine, theirs in zip(entry.status.resources, alone.resources, strict=True):
            assert (mine.rid, mine.status, mine.last_action) == (
                theirs.rid,
                theirs.status,
                theirs.last_action,
            )
            # Same words, but for the age of the refresh ("(3 s ago)"), read a moment apart.
            assert re.sub(r"\(\d+ s ago\)", "", mine.reason) == re.sub(r"\(\d+ s ago\)", "", theirs.reason)
            assert (mine.detail.get("states"), mine.detail.get("pairs")) == (
                theirs.detail.get("states"), theirs.detail.get("pairs")
            )  # fmt: skip


def test_a_missing_device_spoils_no_other_service(fleet: Fleet) -> None:
    # 00230 does not exist on array 2: SYMCLI refuses the whole listing, so each resource reads its own.
    fleet.write("echo", sync("sync#1", SID2, "00201:00230"))
    report = fleet_status(fleet.settings())
    entries = {e.name: e for e in report.entries}
    echo = entries["echo"].status
    assert echo is not None and echo.resources[0].status is Status.DOWN
    assert echo.resources[0].reason.startswith("device missing: ") and "00230" in echo.resources[0].reason
    assert entries["delta"].overall == "up"
    assert [e.name for e in report.entries][:3] == ["broken", "charlie", "echo"]
    assert any(n.startswith(f"array {SID2}: ") and "each resource read its own" in n for n in report.notes)
    sid2 = [c for c in _symcli(fleet) if SID2 in c["argv"]]
    assert len(sid2) == 3  # the shared read, then delta's and echo's own
    # Array 1 still read once for its three services.
    assert len([c for c in _symcli(fleet) if fleet.array.sid in c["argv"]]) == 1


def test_services_disagreeing_about_the_symcli_node_are_read_on_the_first_ones(fleet: Fleet) -> None:
    # zulu's symcli node does not resolve: its clone sets are read on alpha's node (localhost), first by name.
    fleet.write(
        "zulu",
        "[DEFAULT]\nnodes = localhost\nsymcli_node = nohost.invalid\nhost_profile = sim\n\n"
        + sync("sync#1", fleet.array.sid, "00100:00110 00101:00111"),
    )
    report = fleet_status(fleet.settings())
    zulu = {e.name: e for e in report.entries}["zulu"]
    assert zulu.overall == "up", zulu.to_dict()
    assert report.notes == (
        f"array {fleet.array.sid}: services disagree about the symcli node; read on localhost "
        "(service alpha), not on zulu on nohost.invalid",
    )
    assert len(_symcli(fleet)) == 2


def test_an_unknown_array_is_down_as_the_service_alone_would_say(fleet: Fleet) -> None:
    fleet.write("foxtrot", sync("sync#1", "000197900999", "00100:00110"))
    report = fleet_status(fleet.settings())
    foxtrot = {e.name: e for e in report.entries}["foxtrot"]
    assert foxtrot.overall == "down"
    assert foxtrot.worst is not None
    assert foxtrot.worst.reason.startswith("device missing: ") and "000197900999" in foxtrot.worst.reason
    assert [e.name for e in report.entries][:4] == ["broken", "charlie", "foxtrot", "beta"]
    assert {e.name: e.overall for e in report.entries}["alpha"] == "up"


def test_an_unreachable_array_is_undef_for_its_clone_sets_only(fleet: Fleet) -> None:
    fleet.array.admin("fault", "add", "symdev:list", "unreachable", "--times", "2")
    report = fleet_status(fleet.settings())
    # Both shared reads failed, and nothing read again: undef says the state is unknown, not down.
    assert [c["tool"] for c in _symcli(fleet)] == ["symdev", "symdev"]
    assert all(a.error for a in report.arrays)
    overall = {e.name: e.overall for e in report.entries}
    assert overall == {
        "alpha": "warn",
        "beta": "undef",
        "charlie": "undef",
        "delta": "undef",
        "broken": "invalid",
    }
    assert [e.name for e in report.entries] == ["beta", "broken", "charlie", "delta", "alpha"]
    alpha = {e.name: e for e in report.entries}["alpha"].status
    assert alpha is not None
    assert [str(r.status) for r in alpha.resources] == ["undef", "undef", "up"]
    assert alpha.resources[0].reason.startswith("cannot read the array: ")


def test_an_unusable_services_directory_is_an_error(fleet: Fleet, tmp_path: Path) -> None:
    with pytest.raises(FleetError, match="does not exist"):
        fleet_status(fleet.settings(), tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FleetError, match=r"no service files \(\*\.conf\)"):
        fleet_status(fleet.settings(), tmp_path / "empty")
