"""Linux hosts (sim-linux profile, local transport): the targets' rescan after activate, cloned VG imports."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from clonepilot.config import Service
from clonepilot.engine.host import HostCommandError, HostValueError, RescanDriver, host_driver
from clonepilot.engine.runbook import execute, run_step, runbook
from clonepilot.engine.service import select_resources
from clonepilot.errors import PermanentError
from tests.engine.helpers_host import demo_text, register_vgs
from tests.plugins.symsim import SymsimArray


def _linux_demo(
    array: SymsimArray, make_service: Any, make_ctx: Any, *setup: str, extra: str = ""
) -> Service:
    """The demo on a Linux host, its clone sets created and activated once: where a start begins."""
    register_vgs(array)
    array.admin("speed", "--tracks-per-sec", "81920")
    assert array.run("symsim-host", "linux", "setup", *setup).returncode == 0
    text = demo_text(array, extra=extra).replace("host_profile = sim\n", "host_profile = sim-linux\n")
    service: Service = make_service(text, name="demo")
    for action in ("provision", "sync_break"):
        with make_ctx(service) as ctx:
            report = execute(ctx, runbook(service, action), action=action)
        assert report.ok, report.summary()
    return service


def _host(array: SymsimArray, *args: str) -> subprocess.CompletedProcess[str]:
    return array.run("symsim-host", *args)


def _ran(ctx: Any) -> list[str]:
    return [e.command.split("symsim-host linux ", 1)[-1] for e in ctx.journal.snapshot() if e.executed]


def test_start_runbook_rescans_between_wait_copied_and_vg_on_linux_only(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    service = _linux_demo(symsim_array, make_service, make_ctx)
    names = [s.name for s in runbook(service, "start")]
    assert names[names.index("wait_copied") + 1 : names.index("start disk")] == ["rescan targets"]
    rescan = next(s for s in runbook(service, "refresh") if s.name == "rescan targets")
    assert (rescan.step, rescan.rids, rescan.parallel) == ("rescan", ("sync#1", "sync#2"), False)
    # Starting the filesystems alone activates nothing: nothing to rescan.
    only_fs = runbook(service, "start", select_resources(service, ["fs#1"]))
    assert "rescan targets" not in [s.name for s in only_fs]
    sim = make_service(demo_text(symsim_array), name="plain")
    assert "rescan targets" not in [s.name for s in runbook(sim, "refresh")]


def test_vg_start_fails_until_the_rescan_then_works(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    service = _linux_demo(symsim_array, make_service, make_ctx)
    with make_ctx(service) as ctx:
        with pytest.raises(HostCommandError, match="Input/output error"):
            host_driver(ctx, service.resource("disk#1")).start()
        done = RescanDriver(ctx, service.resource("sync#1"), "rescan targets").rescan()
        assert done.changed and done.message == "rescanned 00110=sdc, 00111=sdd"
        assert [c.split("symsim-host linux ", 1)[-1] for c in done.commands] == [
            "tee /sys/block/sdc/device/rescan",
            "sg_turs /dev/sdc",
            "tee /sys/block/sdd/device/rescan",
            "sg_turs /dev/sdd",
        ]
        started = host_driver(ctx, service.resource("disk#1")).start()
        assert started.changed
        assert [c.split("symsim-host linux ", 1)[-1] for c in started.commands] == [
            "vgimport vgdata",
            "vgchange -a y vgdata",
        ]
        # The array was read on the symcli node for the WWNs, the host listed its disks, once per run.
        reads = [c for c in _ran(ctx) if c.startswith("lsblk")]
        assert len(reads) == 1


def test_a_dry_run_rescans_nothing(symsim_array: SymsimArray, make_service: Any, make_ctx: Any) -> None:
    service = _linux_demo(symsim_array, make_service, make_ctx)
    with make_ctx(service, dry_run=True) as ctx:
        planned = RescanDriver(ctx, service.resource("sync#2"), "rescan targets").rescan()
        assert [c.split("symsim-host linux ", 1)[-1] for c in planned.commands] == [
            "tee /sys/block/sdb/device/rescan",
            "sg_turs /dev/sdb",
        ]
        assert not [c for c in _ran(ctx) if c.startswith(("tee", "sg_turs"))]
    assert _host(symsim_array, "linux", "vgimport", "vgarch").returncode == 5  # still stale


def test_multipath_members_get_their_map_reloaded(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    service = _linux_demo(symsim_array, make_service, make_ctx, "--multipath")
    with make_ctx(service) as ctx:
        done = RescanDriver(ctx, service.resource("sync#2"), "rescan targets").rescan()
        assert [c.split("symsim-host linux ", 1)[-1] for c in done.commands] == [
            "tee /sys/block/sdb/device/rescan",
            "sg_turs /dev/sdb",
            "tee /sys/block/sdc/device/rescan",
            "sg_turs /dev/sdc",
            "multipath -v0 -r /dev/sdb",
        ]
        assert host_driver(ctx, service.resource("disk#2")).start().changed


CLONE_SYNCS = """
[disk#1]
clone_syncs = sync#1
"""


def _with(service_text: str, section: str, line: str) -> str:
    return service_text.replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("auto", "vgimportclone --basevgname vgdata /dev/sdc /dev/sdd"),
        ("vgimportclone", "vgimportclone --basevgname vgdata /dev/sdc /dev/sdd"),
    ],
)
def test_beside_its_source_a_clone_is_imported_with_vgimportclone(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any, mode: str, expected: str
) -> None:
    base = _linux_demo(symsim_array, make_service, make_ctx, "--source-visible")
    text = base.path.read_text()
    text = _with(_with(text, "disk#1", "clone_syncs = sync#1"), "disk#1", f"clone_import = {mode}")
    service = make_service(text, name="demo2")
    with make_ctx(service) as ctx:
        RescanDriver(ctx, service.resource("sync#1"), "rescan targets").rescan()
        started = host_driver(ctx, service.resource("disk#1")).start()
        assert [c.split("symsim-host linux ", 1)[-1] for c in started.commands] == [
            expected,
            "vgchange -a y vgdata",
        ]
        # Repeated: the VG is known under its name now, nothing to do.
        assert not host_driver(ctx, service.resource("disk#1")).start().changed


def test_plain_vgimport_beside_the_source_fails_with_lvm_duplicates(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    base = _linux_demo(symsim_array, make_service, make_ctx, "--source-visible")
    service = make_service(_with(base.path.read_text(), "disk#1", "clone_import = vgimport"), name="demo2")
    with make_ctx(service) as ctx:
        RescanDriver(ctx, service.resource("sync#1"), "rescan targets").rescan()
        with pytest.raises(HostCommandError, match="with duplicates"):
            host_driver(ctx, service.resource("disk#1")).start()
        # auto, but which targets are this VG's is not said while the service has two VGs.
        auto = make_service(base.path.read_text(), name="demo3")
    with make_ctx(auto) as ctx, pytest.raises(HostValueError, match="set clone_syncs"):
        host_driver(ctx, auto.resource("disk#1")).start()


def test_a_target_the_service_node_does_not_see_is_named(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    base = _linux_demo(symsim_array, make_service, make_ctx)
    extra = "\n[sync#3]\ntype = symclone\nsymid = 000197900123\npairs = 00103:00113\n"
    service = make_service(base.path.read_text() + extra, name="demo2")
    with (
        make_ctx(service) as ctx,
        pytest.raises(PermanentError, match=r"00113 .* is not visible on localhost"),
    ):
        RescanDriver(ctx, service.resource("sync#3"), "rescan targets").rescan()


def test_a_target_still_not_ready_is_rescanned_again_then_fails(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    service = _linux_demo(symsim_array, make_service, make_ctx)
    with make_ctx(service) as ctx:
        # Recreated: the targets are Not Ready until the next activate.
        report = execute(ctx, runbook(service, "sync_update"), action="sync_update")
        assert report.ok, report.summary()
    with make_ctx(service, transient_retries=1, retry_backoff_first=0.01, retry_backoff_max=0.01) as ctx:
        result = run_step(ctx, "rescan", service.resource("sync#2"), stage="rescan targets")
        assert result.outcome == "failed" and result.attempts == 2
        assert "sg_turs /dev/sdb" in result.message and "device not ready" in result.message
        assert [c for c in _ran(ctx) if c.startswith("tee")] == ["tee /sys/block/sdb/device/rescan"] * 2


def test_an_imported_vg_whose_volumes_are_inactive_is_down_and_start_activates_it(
    symsim_array: SymsimArray, make_service: Any, make_ctx: Any
) -> None:
    """After a host reboot without LVM auto-activation: imported, not active, so not usable."""
    service = _linux_demo(symsim_array, make_service, make_ctx)
    with make_ctx(service) as ctx:
        RescanDriver(ctx, service.resource("sync#1"), "rescan targets").rescan()
        driver = host_driver(ctx, service.resource("disk#1"))
        driver.start()
        assert driver.status().status.value == "up"
        assert _host(symsim_array, "linux", "vgchange", "-a", "n", "vgdata").returncode == 0
        assert driver.status().status.value == "down"
        started = host_driver(ctx, service.resource("disk#1")).start()
        # Still imported: only the activation runs, and the VG is usable again.
        assert [c.split("symsim-host linux ", 1)[-1] for c in started.commands] == ["vgchange -a y vgdata"]
        assert driver.status().status.value == "up"
