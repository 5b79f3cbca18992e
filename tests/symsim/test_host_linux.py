"""symsim-host's Linux mode: stale targets until rescanned, multipath maps, cloned VGs beside their source."""

from __future__ import annotations

import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from symsim import admin, cli, host, symdev
from tests.symsim.test_host import DATA, LOGS, SID, Run, Sim

VGS = ("--noheadings", "-o", "vg_name,vg_attr")


class Linux(Sim):
    """The array of test_host (data 00100-01 → 00108-09, logs 00102 → 0010A) and a Linux host."""

    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> None:
        super().__init__(home, capsys)
        self.mp = mp

    def run(self, *argv: str, stdin: str = "") -> Run:
        self.mp.setattr(sys, "stdin", io.StringIO(stdin))
        self.capsys.readouterr()
        code = host.main(["linux", *argv])
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def ok(self, *argv: str, stdin: str = "") -> Run:
        run = self.run(*argv, stdin=stdin)
        assert run.code == 0, (argv, run)
        return run

    def refresh_array(self, *, first: bool = False) -> None:
        self.symclone(
            DATA | LOGS, "create" if first else "recreate", *(("-diff",) if first else ()), "-precopy"
        )
        self.symclone(DATA | LOGS, "activate", "-consistent")

    def rescan(self, *paths: str) -> None:
        for sd in paths:
            self.ok("tee", f"/sys/block/{sd}/device/rescan", stdin="1")
            self.ok("sg_turs", f"/dev/{sd}")

    def lsblk(self) -> list[dict[str, str]]:
        out = self.ok("lsblk", "-p", "-n", "-P", "-o", "NAME,KNAME,WWN,TYPE,PKNAME").out
        rows = []
        for line in out.splitlines():
            rows.append(dict(part.split("=", 1) for part in line.split(" ")))
        return [{k: v.strip('"') for k, v in row.items()} for row in rows]


@pytest.fixture
def linux(symsim_home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Linux:
    home = symsim_home
    assert admin.main(["--home", str(home), "init", SID, "--devs", "00100-0010F", "--size-gb", "1"]) == 0
    assert admin.main(["--home", str(home), "speed", "--time-scale", "1000", "--op-time", "0.01"]) == 0
    host.register_vg(home, "vgdata", SID, ["00108", "00109"])
    host.register_vg(home, "vgarch", SID, ["0010A"])
    sim = Linux(home, capsys, monkeypatch)
    # vgarch sorts first: sdb is 0010A, sdc and sdd are vgdata's 00108 and 00109.
    assert sim.ok("setup").out.splitlines()[0] == f"{SID}:0010A target vgarch: /dev/sdb"
    return sim


def bring_up(sim: Linux) -> None:
    sim.ok("vgimport", "vgdata")
    sim.ok("vgchange", "-a", "y", "vgdata")
    fsck(sim, "/dev/vgdata/lv_data")
    sim.ok("mount", "-t", "ext4", "/dev/vgdata/lv_data", "/u01")


def fsck(sim: Linux, path: str) -> Run:
    """fsck of a new clone image: e2fsck replays its journal and exits 1 ("errors corrected")."""
    first = sim.run("fsck", "-t", "ext4", "-y", path)
    assert first.code == 1 and f"{path}: recovering journal" in first.out, first
    again = sim.ok("fsck", "-t", "ext4", "-y", path)
    assert "recovering journal" not in again.out
    return first


def test_a_target_reads_stale_after_activate_until_it_is_rescanned(linux: Linux) -> None:
    linux.refresh_array(first=True)
    # The array says Ready, so TEST UNIT READY passes; the kernel's view is still the old one.
    linux.ok("sg_turs", "/dev/sdc")
    listed = linux.run("vgs", *VGS, "vgdata")
    assert listed.code == 5
    assert "/dev/sdc: read failed after 0 of 4096 at 0: Input/output error" in listed.err
    imported = linux.run("vgimport", "vgdata")
    assert imported.code == 5
    assert 'Volume group "vgdata" not found' in imported.err
    assert "/dev/sdd: read failed" in imported.err

    linux.rescan("sdc")  # one of the two PVs only: still not importable
    assert "/dev/sdd: read failed" in linux.run("vgimport", "vgdata").err
    linux.rescan("sdd")
    assert linux.ok("vgs", *VGS, "vgdata").out == "  vgdata wzx-n-\n"
    bring_up(linux)
    assert linux.ok("findmnt", "-n", "/u01").out.startswith("/u01 /dev/mapper/vgdata-lv_data ext4")


def test_each_activate_makes_the_view_stale_again(linux: Linux) -> None:
    linux.refresh_array(first=True)
    linux.rescan("sdc", "sdd")
    bring_up(linux)
    linux.ok("umount", "/u01")
    linux.ok("vgchange", "-a", "n", "vgdata")
    linux.ok("vgexport", "vgdata")
    linux.refresh_array()
    assert linux.run("vgimport", "vgdata").code == 5
    linux.rescan("sdc", "sdd")
    linux.ok("vgimport", "vgdata")
    linux.ok("vgchange", "-a", "y", "vgdata")


def test_fsck_and_mount_fail_on_a_stale_view_like_linux(linux: Linux) -> None:
    linux.refresh_array(first=True)
    linux.rescan("sdc", "sdd")
    linux.ok("vgimport", "vgdata")
    linux.ok("vgchange", "-a", "y", "vgdata")
    linux.refresh_array()  # under the active VG: the host did not rescan since
    fsck = linux.run("fsck", "-t", "ext4", "-y", "/dev/vgdata/lv_data")
    assert fsck.code == 8
    assert fsck.err.startswith("fsck.ext4: Input/output error")
    assert "while trying to open /dev/vgdata/lv_data" in fsck.err
    mounted = linux.run("mount", "/dev/vgdata/lv_data", "/u01")
    assert mounted.code == 32
    assert "can't read superblock on /dev/mapper/vgdata-lv_data" in mounted.err


def test_a_target_still_not_ready_fails_sg_turs_and_stays_unusable(linux: Linux) -> None:
    linux.symclone(DATA | LOGS, "create", "-diff", "-precopy")  # targets Not Ready until activate
    linux.ok("tee", "/sys/block/sdc/device/rescan", stdin="1")
    turs = linux.run("sg_turs", "/dev/sdc")
    assert (turs.code, turs.err.strip()) == (2, "device not ready")
    linux.symclone(DATA | LOGS, "activate", "-consistent")
    linux.ok("sg_turs", "/dev/sdc")
    # What the earlier rescan saw was Not Ready: the kernel view is still stale.
    assert "/dev/sdc: read failed" in linux.run("vgimport", "vgdata").err


def test_rescan_refuses_unknown_devices_and_bad_input(linux: Linux) -> None:
    assert linux.run("tee", "/sys/block/sdz/device/rescan", stdin="1").code == 1
    assert "Invalid argument" in linux.run("tee", "/sys/block/sdc/device/rescan", stdin="0").err
    assert linux.run("sg_turs", "/dev/sdz").code == 15
    assert linux.run("multipath", "-v0", "-r", "/dev/sdc").code == 1  # no multipath on this host
    assert linux.run("frobnicate").code == 127


def test_lsblk_lists_each_target_by_its_array_wwn(linux: Linux) -> None:
    rows = linux.lsblk()
    assert rows[0]["NAME"] == "/dev/sda"
    by_name = {r["NAME"]: r for r in rows}
    assert by_name["/dev/sdc"]["WWN"] == "0x" + symdev.wwn(SID, "00108").lower()
    assert {r["TYPE"] for r in rows} == {"disk"}


def test_symdev_pd_name_is_the_linux_device(linux: Linux) -> None:
    linux.capsys.readouterr()
    code = cli.run_tool(
        "symdev", symdev.body, ["-sid", SID, "list", "-v", "-devs", "00108", "-output", "xml_e"]
    )
    out = linux.capsys.readouterr().out
    assert code == 0
    assert ET.fromstring(out).findtext(".//Dev_Info/pd_name") == "/dev/sdc"


def test_multipath_maps_need_a_reload_after_the_paths_are_rescanned(linux: Linux) -> None:
    linux.ok("setup", "--multipath")
    rows = linux.lsblk()
    maps = [r for r in rows if r["TYPE"] == "mpath"]
    # Two paths per target, each with its map above it: vgarch (sdb, sdc), vgdata (sdd+sde, sdf+sdg).
    assert [(m["NAME"], m["PKNAME"]) for m in maps] == [
        ("/dev/mapper/mpatha", "/dev/sdb"),
        ("/dev/mapper/mpatha", "/dev/sdc"),
        ("/dev/mapper/mpathb", "/dev/sdd"),
        ("/dev/mapper/mpathb", "/dev/sde"),
        ("/dev/mapper/mpathc", "/dev/sdf"),
        ("/dev/mapper/mpathc", "/dev/sdg"),
    ]
    linux.refresh_array(first=True)
    linux.rescan("sdd", "sde", "sdf", "sdg")
    stale = linux.run("vgimport", "vgdata")
    assert "/dev/mapper/mpathb: read failed" in stale.err
    assert "multipath map /dev/mapper/mpathb not reloaded" in stale.err
    linux.ok("multipath", "-v0", "-r", "/dev/sdd")
    linux.ok("multipath", "-v0", "-r", "/dev/sdf")
    bring_up(linux)


def test_with_the_source_visible_vgimport_fails_and_vgimportclone_works(linux: Linux) -> None:
    linux.ok("setup", "--source-visible")
    linux.refresh_array(first=True)
    rows = {r["NAME"]: r["WWN"] for r in linux.lsblk()}
    # Sources after the targets: 00100, 00101 (vgdata's), 00102 (vgarch's) on sde, sdf, sdg... in pair order.
    assert "0x" + symdev.wwn(SID, "00100").lower() in rows.values()
    linux.rescan("sdc", "sdd")
    plain = linux.run("vgimport", "vgdata")
    assert plain.code == 5
    assert "WARNING: Not using device /dev/sdc for PV" in plain.err
    assert "because device is used by LV" in plain.err
    assert "Cannot use device /dev/sdc with duplicates." in plain.err
    assert linux.run("vgs", *VGS, "vgdata").code == 5
    assert linux.run("vgimportclone", "--basevgname", "vgdata", "/dev/sdc").code == 5  # not all PVs
    assert linux.run("vgimportclone", "--basevgname", "vgdata", "/dev/sdc", "/dev/sdz").code == 5
    linux.ok("vgimportclone", "--basevgname", "vgdata", "/dev/sdc", "/dev/sdd")
    assert linux.ok("vgs", *VGS, "vgdata").out == "  vgdata wz--n-\n"
    linux.ok("vgchange", "-a", "y", "vgdata")
    fsck(linux, "/dev/vgdata/lv_data")
    linux.ok("mount", "/dev/vgdata/lv_data", "/u01")
    # The next refresh writes the source's identity onto the targets again.
    linux.ok("umount", "/u01")
    linux.ok("vgchange", "-a", "n", "vgdata")
    linux.ok("vgexport", "vgdata")
    linux.refresh_array()
    linux.rescan("sdc", "sdd")
    assert "duplicates" in linux.run("vgchange", "-a", "y", "vgdata").err
    linux.ok("vgimportclone", "--basevgname", "vgdata", "/dev/sdc", "/dev/sdd")


def test_the_mode_must_be_set_up_first(symsim_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert admin.main(["--home", str(symsim_home), "init", SID, "--devs", "00100-0010F"]) == 0
    capsys.readouterr()
    assert host.main(["linux", "vgs", *VGS, "vgdata"]) == 2
    assert "not in Linux mode" in capsys.readouterr().err


def test_ip_commands_read_like_iproute2(linux: Linux) -> None:
    linux.ok("ip", "addr", "add", "192.0.2.41/24", "dev", "eth0")
    shown = linux.ok("ip", "-o", "addr", "show", "dev", "eth0").out
    assert "inet 192.0.2.41/24 scope global eth0" in shown
    assert linux.run("ip", "addr", "add", "192.0.2.41/24", "dev", "eth0").code == 1
    linux.ok("ip", "addr", "del", "192.0.2.41/24", "dev", "eth0")
    assert linux.ok("ip", "-o", "addr", "show", "dev", "eth0").out == ""
