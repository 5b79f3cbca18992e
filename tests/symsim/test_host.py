"""symsim-host verbs, in process, against a real simulated array driven by the simulated symclone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from symsim import admin, calllog, cli, host, symclone
from symsim.errors import SymError

SID = "000197900123"
ISO_US = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"
# Sources 00100-00102 clone onto 00108-0010A; 0010C is a plain device no clone ever touches.
DATA = {"00100": "00108", "00101": "00109"}
LOGS = {"00102": "0010A"}


@dataclass
class Run:
    code: int
    out: str
    err: str


class Sim:
    """One array, three host volume groups, and the host/symclone commands run in this process."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.home = home
        self.capsys = capsys

    def host(self, *argv: str) -> Run:
        self.capsys.readouterr()
        code = host.main(list(argv))
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def ok(self, *argv: str) -> Run:
        run = self.host(*argv)
        assert run.code == 0, (argv, run)
        return run

    def symclone(self, pairs: dict[str, str], *action: str) -> None:
        path = self.home / f"pairs-{'-'.join(pairs)}"
        path.write_text("\n".join(f"{s} {t}" for s, t in pairs.items()))
        self.capsys.readouterr()
        code = cli.run_tool("symclone", symclone.body, ["-sid", SID, "-f", str(path), "-noprompt", *action])
        assert code == 0, self.capsys.readouterr()

    def create(self) -> None:
        self.symclone(DATA | LOGS, "create", "-diff", "-precopy")

    def bring_up(self) -> None:
        """The staged start after a refresh: import, activate, fsck, mount both volume groups."""
        for vg, lv, mnt in (("vgdata", "lvdata", "/u01/data"), ("vgarch", "lvarch", "/u01/arch")):
            self.ok("vg", "import", vg)
            self.ok("vg", "activate", vg)
            self.ok("fs", "fsck", f"/dev/{vg}/{lv}")
            self.ok("fs", "mount", f"/dev/{vg}/{lv}", mnt)

    def refresh(self) -> None:
        """A correct refresh: data activated consistently, then the archived logs after it."""
        self.create()
        self.symclone(DATA, "activate", "-consistent")
        self.symclone(LOGS, "activate")
        self.bring_up()


@pytest.fixture
def sim(symsim_home: Path, capsys: pytest.CaptureFixture[str]) -> Sim:
    home = symsim_home
    assert admin.main(["--home", str(home), "init", SID, "--devs", "00100-0010F", "--size-gb", "1"]) == 0
    # Faster than the shared fixture's speed: in-process symclone calls and millisecond control actions
    # keep these many-step scenarios quick, while separate activates still get distinct points in time.
    assert admin.main(["--home", str(home), "speed", "--time-scale", "1000", "--op-time", "0.01"]) == 0
    host.register_vg(home, "vgdata", SID[-3:], ["00108", "00109"])
    host.register_vg(home, "vgarch", SID, ["10A"])
    host.register_vg(home, "/dev/vgplain", SID, ["0010C"])
    return Sim(home, capsys)


DB_ARGS = ("db", "start", "ORA", "--data", "/u01/data", "--logs", "/u01/arch")


# --- registration and host_state -----------------------------------------------------------------


def test_register_vg_stores_array_spelling_and_pv_paths(sim: Sim) -> None:
    state = host.host_state(sim.home)
    assert state["vgs"]["vgarch"]["devs"] == ["0010A"]
    assert state["vgs"]["vgdata"]["sid"] == SID
    assert state["vgs"]["vgplain"]["pvs"] == {"0010C": "/dev/disk/disk4"}
    assert set(state) == {"vgs", "mounts", "ips", "dbs"}


@pytest.mark.parametrize(
    ("sid", "devs", "needle"),
    [
        ("999", ["00108"], "not valid"),
        (SID, ["00FFF"], "not found"),
        (SID, ["0010C"], "already belong to vgplain"),
        (SID, [], "at least one device"),
        (SID, ["00108", "108"], "listed twice"),
    ],
)
def test_register_vg_refuses_bad_definitions(sim: Sim, sid: str, devs: list[str], needle: str) -> None:
    with pytest.raises(SymError, match=needle):
        host.register_vg(sim.home, "vgnew", sid, devs)


def test_register_vg_refuses_redefining_an_imported_vg(sim: Sim) -> None:
    sim.ok("vg", "import", "vgplain")
    with pytest.raises(SymError, match="export it"):
        host.register_vg(sim.home, "vgplain", SID, ["0010D"])


def test_host_state_shows_mounts_ips_and_dbs(sim: Sim) -> None:
    sim.refresh()
    sim.ok(*DB_ARGS)
    sim.ok("ip", "add", "10.0.0.5/25", "lan1")
    state = host.host_state(sim.home)
    assert state["mounts"]["/u01/data"]["dev"] == "/dev/vgdata/lvdata"
    assert (state["ips"]["10.0.0.5"]["cidr"], state["ips"]["10.0.0.5"]["dev"]) == ("10.0.0.5/25", "lan1")
    assert state["dbs"]["ORA"]["running"] is True


# --- volume groups -------------------------------------------------------------------------------


def test_vg_import_activate_deactivate_export_cycle(sim: Sim) -> None:
    assert sim.host("vg", "status", "vgplain").code == 1
    assert "exported" in sim.host("vg", "status", "vgplain").out
    assert "successfully created" in sim.ok("vg", "import", "vgplain").out
    run = sim.host("vg", "status", "vgplain")
    assert (run.code, run.out.strip()) == (1, "vg /dev/vgplain: down (imported, not active)")
    assert "Activated volume group." in sim.ok("vg", "activate", "/dev/vgplain").out
    run = sim.host("vg", "status", "vgplain")
    assert run.code == 0
    assert run.out.startswith("vg /dev/vgplain: up (active on /dev/disk/disk4=000197900123:0010C)")
    sim.ok("vg", "deactivate", "vgplain")
    assert sim.host("vg", "status", "vgplain").code == 1
    assert "successfully removed" in sim.ok("vg", "export", "vgplain").out
    assert "exported" in sim.host("vg", "status", "vgplain").out


def test_vg_status_of_unknown_vg_is_down(sim: Sim) -> None:
    run = sim.host("vg", "status", "vgnone")
    assert run.code == 1
    assert "no such volume group" in run.out


def test_vg_import_twice_and_unknown_vg_fail(sim: Sim) -> None:
    sim.ok("vg", "import", "vgplain")
    run = sim.host("vg", "import", "vgplain")
    assert run.code == 1
    assert 'already exists in the "/etc/lvmtab" file' in run.err
    run = sim.host("vg", "import", "vgnone")
    assert run.code == 1
    assert 'Couldn\'t import volume group "/dev/vgnone"' in run.err


def test_vg_import_needs_readable_devices(sim: Sim) -> None:
    sim.create()  # targets Not Ready until activate
    run = sim.host("vg", "import", "vgdata")
    assert run.code == 1
    assert 'Cannot read physical volume header on "/dev/rdisk/disk1"' in run.err
    assert "000197900123:00108: Not Ready" in run.err
    assert "exported" in sim.host("vg", "status", "vgdata").out  # the refusal changed nothing


def test_vg_activate_fails_while_clones_not_ready_after_create(sim: Sim) -> None:
    sim.ok("vg", "import", "vgdata")  # the plain devices are readable before the clone exists
    sim.create()
    run = sim.host("vg", "activate", "vgdata")
    assert run.code == 1
    assert "Couldn't attach to the volume group physical volume" in run.err
    assert "Quorum not present, or some physical volume(s) are missing." in run.err
    assert "imported, not active" in sim.host("vg", "status", "vgdata").out
    sim.symclone(DATA, "activate", "-consistent")
    sim.ok("vg", "activate", "vgdata")


def test_vg_activate_fails_after_recreate_until_activate(sim: Sim) -> None:
    sim.refresh()
    for argv in (("fs", "umount", "/dev/vgdata/lvdata"), ("vg", "deactivate", "vgdata")):
        sim.ok(*argv)
    sim.symclone(DATA, "recreate", "-precopy")
    assert sim.host("vg", "activate", "vgdata").code == 1
    sim.symclone(DATA, "activate", "-consistent")
    sim.ok("vg", "activate", "vgdata")


def test_vg_activate_of_exported_vg_fails(sim: Sim) -> None:
    run = sim.host("vg", "activate", "vgplain")
    assert run.code == 1
    assert 'Volume group "/dev/vgplain" does not exist in the "/etc/lvmtab" file.' in run.err


def test_vg_export_requires_deactivated(sim: Sim) -> None:
    sim.ok("vg", "import", "vgplain")
    sim.ok("vg", "activate", "vgplain")
    run = sim.host("vg", "export", "vgplain")
    assert run.code == 1
    assert 'Volume group "/dev/vgplain" is still active.' in run.err
    assert sim.host("vg", "status", "vgplain").code == 0
    sim.ok("vg", "deactivate", "vgplain")
    sim.ok("vg", "export", "vgplain")
    assert sim.host("vg", "export", "vgplain").code == 1


def test_vg_deactivate_refused_while_fs_mounted(sim: Sim) -> None:
    sim.refresh()
    run = sim.host("vg", "deactivate", "vgdata")
    assert run.code == 1
    assert "Device busy (/dev/vgdata/lvdata mounted on /u01/data)" in run.err
    assert sim.host("vg", "status", "vgdata").code == 0
    sim.ok("fs", "umount", "/dev/vgdata/lvdata", "/u01/data")
    sim.ok("vg", "deactivate", "vgdata")


def test_vg_status_down_when_clones_recreated_under_active_vg(sim: Sim) -> None:
    sim.refresh()
    assert sim.host("vg", "status", "vgdata").code == 0
    sim.symclone(DATA, "recreate", "-precopy")
    run = sim.host("vg", "status", "vgdata")
    assert run.code == 1
    assert "active, but its physical volumes fail I/O" in run.out
    assert "000197900123:00108) Not Ready" in run.out
    # Activated again, the devices are readable but hold another image than the one activated on.
    sim.symclone(DATA, "activate", "-consistent")
    run = sim.host("vg", "status", "vgdata")
    assert run.code == 1
    assert "the data under it was replaced" in run.out
    assert sim.host("vg", "status", "vgarch").code == 0


# --- file systems --------------------------------------------------------------------------------


def test_fs_mount_needs_an_existing_lv(sim: Sim) -> None:
    run = sim.host("fs", "mount", "/dev/vgplain/lvol1", "/mnt/plain")
    assert run.code == 1
    assert "No such file or directory" in run.err
    sim.ok("vg", "import", "vgplain")
    run = sim.host("fs", "mount", "/dev/vgplain/lvol1", "/mnt/plain")
    assert run.code == 1
    assert "No such device or address" in run.err
    sim.ok("vg", "activate", "vgplain")
    # A device no clone touched holds a live, cleanly mounted file system: no fsck needed.
    sim.ok("fs", "mount", "/dev/vgplain/lvol1", "/mnt/plain")
    run = sim.host("fs", "status", "/dev/vgplain/lvol1")
    assert (run.code, run.out.strip()) == (0, "fs /dev/vgplain/lvol1: up (mounted on /mnt/plain)")


def test_fs_mount_of_a_clone_image_needs_fsck(sim: Sim) -> None:
    sim.create()
    sim.symclone(DATA, "activate", "-consistent")
    sim.ok("vg", "import", "vgdata")
    sim.ok("vg", "activate", "vgdata")
    run = sim.host("fs", "mount", "/dev/vgdata/lvdata", "/u01/data")
    assert run.code == 1
    assert "V-3-21268: /dev/vgdata/lvdata is corrupted. needs checking" in run.err
    assert "log replay in progress" in sim.ok("fs", "fsck", "/dev/vgdata/lvdata").out
    assert "log replay is not required" in sim.ok("fs", "fsck", "/dev/vgdata/lvdata").out
    sim.ok("fs", "mount", "/dev/vgdata/lvdata", "/u01/data")


def test_fs_fsck_refused_on_mounted_or_missing_fs(sim: Sim) -> None:
    run = sim.host("fs", "fsck", "/dev/vgplain/lvol1")
    assert run.code == 1
    assert "No such file or directory" in run.err
    sim.refresh()
    run = sim.host("fs", "fsck", "/dev/vgdata/lvdata")
    assert run.code == 1
    assert "is mounted on /u01/data" in run.err


def test_fs_fsck_and_mount_fail_with_io_errors_on_not_ready_devices(sim: Sim) -> None:
    sim.refresh()
    sim.ok("fs", "umount", "/dev/vgdata/lvdata")
    sim.symclone(DATA, "recreate")
    run = sim.host("fs", "fsck", "/dev/vgdata/lvdata")
    assert run.code == 1
    assert "I/O error" in run.err
    assert sim.host("fs", "mount", "/dev/vgdata/lvdata", "/u01/data").code == 1


def test_fs_mount_point_and_device_must_be_free(sim: Sim) -> None:
    sim.refresh()
    run = sim.host("fs", "mount", "/dev/vgdata/lvdata", "/u01/other")
    assert run.code == 1
    assert "V-3-21264" in run.err
    assert "is mounted on /u01/data" in run.err
    run = sim.host("fs", "mount", "/dev/vgdata/lvother", "/u01/arch")
    assert run.code == 1
    assert "/u01/arch holds /dev/vgarch/lvarch" in run.err


def test_fs_umount_and_status(sim: Sim) -> None:
    sim.refresh()
    run = sim.host("fs", "status", "/dev/vgdata/lvdata", "/u01/arch")
    assert (run.code, run.out.strip()) == (
        1,
        "fs /dev/vgdata/lvdata: down (mounted on /u01/data, not on /u01/arch)",
    )
    assert sim.host("fs", "umount", "/dev/vgdata/lvdata", "/u01/arch").code == 1
    sim.ok("fs", "umount", "/dev/vgdata/lvdata", "/u01/data")
    run = sim.host("fs", "status", "/dev/vgdata/lvdata")
    assert (run.code, run.out.strip()) == (1, "fs /dev/vgdata/lvdata: down (not mounted)")
    run = sim.host("fs", "umount", "/dev/vgdata/lvdata")
    assert run.code == 1
    assert "not mounted" in run.err


def test_fs_status_down_when_devices_pulled(sim: Sim) -> None:
    sim.refresh()
    sim.symclone(LOGS, "recreate")
    run = sim.host("fs", "status", "/dev/vgarch/lvarch", "/u01/arch")
    assert run.code == 1
    assert "mounted on /u01/arch, but its physical volumes fail I/O" in run.out


def test_fs_umount_refused_while_db_uses_it(sim: Sim) -> None:
    sim.refresh()
    sim.ok(*DB_ARGS)
    for dev in ("/dev/vgdata/lvdata", "/dev/vgarch/lvarch"):
        run = sim.host("fs", "umount", dev)
        assert run.code == 1
        assert "Device busy (in use by database ORA)" in run.err
    sim.ok("db", "stop", "ORA")
    sim.ok("fs", "umount", "/dev/vgarch/lvarch")


def test_fs_bad_device_path_is_a_usage_error(sim: Sim) -> None:
    assert sim.host("fs", "fsck", "/dev/sda1").code == 2
    assert sim.host("fs", "mount", "/dev/vgplain/lvol1").code == 2


# --- ip ------------------------------------------------------------------------------------------


def test_ip_add_status_del(sim: Sim) -> None:
    run = sim.host("ip", "status", "10.0.0.5")
    assert (run.code, run.out.strip()) == (1, "ip 10.0.0.5: down (not assigned)")
    sim.ok("ip", "add", "10.0.0.5")
    run = sim.host("ip", "status", "10.0.0.5")
    assert (run.code, run.out.strip()) == (0, "ip 10.0.0.5: up (10.0.0.5/24 on lan0)")
    assert sim.host("ip", "status", "10.0.0.5", "lan1").code == 1
    run = sim.host("ip", "add", "10.0.0.5/24", "lan1")
    assert run.code == 1
    assert "address 10.0.0.5 already assigned to lan0" in run.err
    run = sim.host("ip", "del", "10.0.0.5", "lan1")
    assert run.code == 1
    assert "Cannot assign requested address" in run.err
    sim.ok("ip", "del", "10.0.0.5")
    run = sim.host("ip", "del", "10.0.0.5")
    assert run.code == 1
    assert "address 10.0.0.5 is not assigned" in run.err
    assert sim.host("ip", "add", "10.0.0.300").code == 2


# --- database ------------------------------------------------------------------------------------


def _iso_times(text: str) -> list[datetime]:
    return [datetime.fromisoformat(t) for t in re.findall(ISO_US, text)]


def test_db_starts_on_consistent_data_and_later_logs(sim: Sim) -> None:
    sim.refresh()
    run = sim.ok(*DB_ARGS)
    lines = [line for line in run.out.splitlines() if "000197900123:" in line]
    assert [line.split()[0] for line in lines] == ["data", "data", "logs"]
    data_08, data_09, logs = (_iso_times(line)[0] for line in lines)
    assert data_08 == data_09 < logs
    run = sim.host("db", "status", "ORA")
    assert run.code == 0
    assert run.out.startswith("db ORA: up (running since ")
    assert sim.host(*DB_ARGS).code == 1  # already running
    assert "db ORA: stopped" in sim.ok("db", "stop", "ORA").out
    run = sim.host("db", "status", "ORA")
    assert (run.code, run.out.strip()) == (1, "db ORA: down (not running)")
    assert sim.host("db", "stop", "ORA").code == 1


def test_db_refuses_logs_older_than_data(sim: Sim) -> None:
    sim.create()
    sim.symclone(LOGS, "activate")
    sim.symclone(DATA, "activate", "-consistent")
    sim.bring_up()
    run = sim.host(*DB_ARGS)
    assert run.code == 1
    assert "recovery impossible: the archived logs end at" in run.err
    end, checkpoint = _iso_times(run.err.split("recovery impossible")[1])
    assert end < checkpoint
    assert "db ORA: down" in sim.host("db", "status", "ORA").out


def test_db_refuses_data_activated_without_consistent(sim: Sim) -> None:
    sim.create()
    sim.symclone(DATA, "activate")
    sim.symclone(LOGS, "activate")
    sim.bring_up()
    run = sim.host(*DB_ARGS)
    assert run.code == 1
    assert "inconsistent image" in run.err
    assert "activate -consistent" in run.err
    data_lines = [line for line in run.err.splitlines() if line.lstrip().startswith("data")]
    pits = {_iso_times(line)[0] for line in data_lines}
    assert len(data_lines) == 2
    assert len(pits) == 2


def test_db_refuses_unmounted_and_not_ready_storage(sim: Sim) -> None:
    sim.refresh()
    run = sim.host("db", "start", "ORA", "--data", "/u01/nowhere")
    assert run.code == 1
    assert "/u01/nowhere is not a mounted file system" in run.err
    sim.symclone(LOGS, "recreate")
    run = sim.host(*DB_ARGS)
    assert run.code == 1
    assert "device(s) unusable: 000197900123:0010A Not Ready" in run.err
    assert sim.host("db", "start", "ORA").code == 2


def test_db_status_down_when_storage_pulled_then_stop_cleans_up(sim: Sim) -> None:
    sim.refresh()
    sim.ok(*DB_ARGS)
    sim.symclone(DATA, "recreate", "-precopy")
    run = sim.host("db", "status", "ORA")
    assert run.code == 1
    assert "000197900123:00108 is Not Ready (storage pulled from under it)" in run.out
    sim.symclone(DATA, "activate", "-consistent")
    run = sim.host("db", "status", "ORA")
    assert run.code == 1
    assert "000197900123:00109 point in time changed from" in run.out
    assert len(_iso_times(run.out)) == 4
    assert "instance had already failed" in sim.ok("db", "stop", "ORA").out


def test_db_on_live_devices_stays_up(sim: Sim) -> None:
    sim.ok("vg", "import", "vgplain")
    sim.ok("vg", "activate", "vgplain")
    sim.ok("fs", "mount", "/dev/vgplain/lvol1", "/data")
    assert "live (now " in sim.ok("db", "start", "LIVE", "--data", "/data").out
    assert sim.host("db", "status", "LIVE").code == 0


# --- CLI plumbing --------------------------------------------------------------------------------


def test_usage_errors_exit_2(sim: Sim) -> None:
    for argv in (("vg", "explode", "vgdata"), ("ip",), (), ("db", "start", "X", "--data")):
        run = sim.host(*argv)
        assert run.code == 2, argv
        assert "usage: symsim-host" in run.err


def test_every_call_is_logged(sim: Sim) -> None:
    calllog.clear(sim.home)
    sim.host("ip", "add", "10.9.9.9")
    sim.host("ip", "add", "10.9.9.9")
    records = [r for r in calllog.read(sim.home) if r["tool"] == "symsim-host"]
    assert [(r["argv"], r["exit_code"]) for r in records] == [
        (["symsim-host", "ip", "add", "10.9.9.9"], 0),
        (["symsim-host", "ip", "add", "10.9.9.9"], 1),
    ]
    assert all(r["end"] >= r["start"] for r in records)
