"""Point in time of activated targets (consistent vs not) and the api the host simulator reads."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from symsim.api import DeviceView, SymsimError, device_views, resolve_sid
from tests.symsim.simkit import SLOW, make_array, make_group, set_speed, sym


@pytest.fixture
def dg3(symsim_home: Path) -> Path:
    make_array(symsim_home)
    make_group("dg", [("00100", "00101"), ("00102", "00103"), ("00104", "00105")])
    with __import__("symsim.store").store.transaction(symsim_home) as state:
        state["op_time_per_dev"] = 0.05  # pairs activated one after another, 50 ms apart
    set_speed(symsim_home, SLOW)
    assert sym("symclone", "-g", "dg", "-nop", "create", "-diff").code == 0
    return symsim_home


def _target_pits(home: Path) -> list[float | None]:
    return [v.pit for v in device_views(home, "000197900123", ["00101", "00103", "00105"])]


def test_consistent_activate_gives_one_point_in_time(dg3: Path) -> None:
    assert _target_pits(dg3) == [None, None, None]
    before = time.time()
    assert sym("symclone", "-g", "dg", "-nop", "activate", "-consistent").code == 0
    after = time.time()
    pits = _target_pits(dg3)
    assert len(set(pits)) == 1
    assert before <= pits[0] <= after  # type: ignore[operator]
    time.sleep(0.05)
    assert _target_pits(dg3) == pits  # frozen, while the sources keep moving
    src = device_views(dg3, "123", ["100"])[0]
    assert src.role == "source" and src.pit is not None and src.pit > pits[0]  # type: ignore[operator]


def test_activate_without_consistent_gives_each_pair_its_own_time(dg3: Path) -> None:
    assert sym("symclone", "-g", "dg", "-nop", "activate").code == 0
    pits = _target_pits(dg3)
    assert all(p is not None for p in pits)
    assert pits == sorted(pits) and len(set(pits)) == 3
    assert pits[1] - pits[0] == pytest.approx(0.05, abs=0.01)  # type: ignore[operator]


def test_recreate_drops_the_old_point_in_time_and_terminate_keeps_a_complete_image(dg3: Path) -> None:
    set_speed(dg3, 1e9)
    assert sym("symclone", "-g", "dg", "-nop", "activate", "-consistent").code == 0
    first = _target_pits(dg3)[0]
    assert sym("symclone", "-g", "dg", "-nop", "recreate", "DEV001", "sym", "ld", "TGT001").code == 0
    view = device_views(dg3, "123", ["101"])[0]
    assert view == DeviceView(sid="000197900123", dev="00101", ready=False, pit=None, role="target")
    assert sym("symclone", "-g", "dg", "-nop", "terminate", "DEV002", "sym", "ld", "TGT002").code == 0
    kept = device_views(dg3, "123", ["103"])[0]
    assert (kept.role, kept.ready, kept.pit) == ("none", True, first)


def test_api_errors_and_sid_resolution(symsim_home: Path) -> None:
    make_array(symsim_home)
    make_array(symsim_home, sid="000197800123", devs="0200-0201")
    assert resolve_sid(symsim_home, "900123") == "000197900123"
    assert resolve_sid(symsim_home, "000197800123") == "000197800123"
    with pytest.raises(SymsimError, match="ambiguous"):
        resolve_sid(symsim_home, "123")
    with pytest.raises(SymsimError, match="not valid"):
        resolve_sid(symsim_home, "777")
    with pytest.raises(SymsimError, match="not found"):
        device_views(symsim_home, "800123", ["0300"])
    view = device_views(symsim_home, "800123", ["200"])[0]
    assert (view.dev, view.role, view.ready) == ("0200", "none", True)
