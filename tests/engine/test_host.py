"""Host drivers (ip, vg, fs, app) against the simulated host: idempotent start/stop, status, dry run."""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.engine.host import AppDriver, HostCommandError, ProfileDriver, host_driver
from clonepilot.engine.status import Status
from tests.engine.helpers_host import demo_text, host_state, register_vgs, write_service
from tests.plugins.symsim import SymsimArray


@pytest.fixture
def service(symsim_array: SymsimArray, tmp_path: Path):
    register_vgs(symsim_array)
    extra = """
    [app#2]
    check = test -e {flag}
    start = touch {flag}
    stop = rm {flag}
    timeout = 5

    [app#3]
    check = false
    tags = nostatus

    [ip#2]
    ipname = 10.9.0.6
    ipdev = lan1
    tags = nostatus
    """.format(flag=tmp_path / "app2.flag")
    return write_service(tmp_path / "services", demo_text(symsim_array, extra=extra))


def _changing(ctx) -> list[str]:
    return [e.command for e in ctx.journal.snapshot() if e.changes_state]


def test_ip_start_is_idempotent_and_stop_undoes_it(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service) as ctx:
        ip = host_driver(ctx, service.resource("ip#1"))
        assert ip.status().status is Status.DOWN
        first = ip.start()
        assert first.changed
        assert _changing(ctx) == [f"{symsim_array.bin_dir}/symsim-host ip add 10.9.0.5 lan0"]
        assert host_state(symsim_array)["ips"]["10.9.0.5"]["dev"] == "lan0"
        assert ip.status().status is Status.UP
        again = ip.start()
        assert not again.changed and "already up" in again.message
        assert len(_changing(ctx)) == 1
        assert ip.stop().changed
        assert ip.status().status is Status.DOWN
        # Stopping a stopped address is a no-op, not the simulator's "not assigned" error.
        assert not ip.stop().changed
        assert len(_changing(ctx)) == 2
    assert host_state(symsim_array)["ips"] == {}


def test_vg_start_skips_import_of_an_imported_vg(symsim_array: SymsimArray, service, make_ctx) -> None:
    # Imported but not active: a run that died between vgimport and vgchange -a y.
    assert symsim_array.run("symsim-host", "vg", "import", "vgdata").returncode == 0
    with make_ctx(service) as ctx:
        vg = host_driver(ctx, service.resource("disk#1"))
        assert vg.status().status is Status.DOWN
        result = vg.start()
        host = f"{symsim_array.bin_dir}/symsim-host"
        assert _changing(ctx) == [f"{host} vg activate vgdata"]
        assert "not needed" in result.message and "vg import vgdata" in result.message
        assert vg.status().status is Status.UP
        vg.stop()
        assert _changing(ctx)[1:] == [f"{host} vg deactivate vgdata", f"{host} vg export vgdata"]
        # Exported: stop again has nothing to undo (a second vgexport would fail).
        assert not vg.stop().changed
    assert host_state(symsim_array)["vgs"]["vgdata"]["imported"] is False


def test_fs_start_checks_then_mounts_and_stop_unmounts(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service) as ctx:
        vg, fs = host_driver(ctx, service.resource("disk#1")), host_driver(ctx, service.resource("fs#1"))
        with pytest.raises(HostCommandError, match=r"fs#1: .*fs fsck /dev/vgdata/lv_data.*exit 1"):
            fs.start()  # the VG is not imported: the simulator's error text reaches the message
        vg.start()
        result = fs.start()
        assert [c.split("symsim-host ")[1] for c in result.commands] == [
            "fs fsck /dev/vgdata/lv_data",
            "fs mount /dev/vgdata/lv_data /u01",
        ]
        assert fs.status().status is Status.UP
        assert "/u01" in host_state(symsim_array)["mounts"]
        assert not fs.start().changed
        assert fs.stop().changed
        assert not fs.stop().changed
        assert fs.status().status is Status.DOWN


def test_app_check_start_stop_follow_the_exit_codes(
    symsim_array: SymsimArray, service, make_ctx, tmp_path
) -> None:
    flag = tmp_path / "app2.flag"
    with make_ctx(service) as ctx:
        app = host_driver(ctx, service.resource("app#2"))
        assert isinstance(app, AppDriver) and app.timeout == 5.0
        assert app.status().status is Status.DOWN
        assert app.start().changed and flag.exists()
        assert app.status().status is Status.UP
        # Already up: the start command does not run twice.
        assert not app.start().changed
        assert app.stop().changed and not flag.exists()
        assert not app.stop().changed
        argvs = [e.argv for e in ctx.journal.snapshot() if e.changes_state]
        assert argvs == [("/bin/sh", "-c", f"touch {flag}"), ("/bin/sh", "-c", f"rm {flag}")]


def test_app_without_commands_does_nothing(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service) as ctx:
        app = host_driver(ctx, service.resource("app#3"))
        assert not app.start().changed
        assert not app.stop().changed
        report = app.status()
        assert report.status is Status.NA and "nostatus" in report.reason
        assert ctx.journal.snapshot() == ()


def test_nostatus_reads_nothing(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service) as ctx:
        ip = host_driver(ctx, service.resource("ip#2"))
        assert isinstance(ip, ProfileDriver)
        assert ip.status().status is Status.NA
        assert ctx.journal.snapshot() == ()


def test_failing_app_start_names_the_command_and_output(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service) as ctx:
        app = host_driver(ctx, service.resource("app#1"))
        with pytest.raises(HostCommandError) as caught:
            app.start()
    assert caught.value.exit_code == 1
    assert "app#1" in str(caught.value) and "db start ORA" in str(caught.value)
    assert "/u01 is not a mounted file system" in str(caught.value)


def test_dry_run_start_journals_without_changing(symsim_array: SymsimArray, service, make_ctx) -> None:
    with make_ctx(service, dry_run=True) as ctx:
        vg = host_driver(ctx, service.resource("disk#1"))
        result = vg.start()
        pending = [e for e in ctx.journal.snapshot() if not e.executed]
        host = f"{symsim_array.bin_dir}/symsim-host"
        assert [e.command for e in pending] == [f"{host} vg import vgdata", f"{host} vg activate vgdata"]
        assert result.changed
    assert host_state(symsim_array)["vgs"]["vgdata"]["imported"] is False
