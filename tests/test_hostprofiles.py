"""Host command profiles: each profile and operation renders the exact argv; status reads right."""

from __future__ import annotations

import pytest

from clonepilot.engine.host import parse_host_disks, symdev_wwns
from clonepilot.hostprofiles import (
    PROFILES,
    STATUS_PROBE,
    Each,
    Guard,
    HostProfile,
    Opt,
    ResourceStatus,
    get_profile,
    interpret_probe,
    interpret_status,
    parse_lsblk_pairs,
    probe_command,
    render,
    render_action,
    status_command,
    step_guards,
    step_ok_codes,
    step_stdin,
)
from clonepilot.symcli import parse_symdev_list

HPUX = get_profile("hpux")
LINUX = get_profile("linux")
SIM = get_profile("sim")
SIM_LINUX = get_profile("sim-linux")

SEED_IP = {"addr": "192.168.32.41", "prefix": "22", "dev": "lan900:1"}
SEED_VG = {"svc": "aastmphpux", "vg": "vgCVI"}
SEED_FS = {"device": "/dev/vgCVI/lv_CVI", "mountpoint": "/aaststcvi"}


def _lines(commands: list[list[str]]) -> list[str]:
    return [" ".join(argv) for argv in commands]


def test_hpux_reproduces_the_seed_log_lines_exactly() -> None:
    assert _lines(render_action(HPUX, "ip", "start", SEED_IP)) == [
        "ifconfig lan900:1 192.168.32.41 netmask 255.255.252.0 up"
    ]
    assert _lines(render_action(HPUX, "vg", "start", SEED_VG)) == [
        "vgimport -m /var/lib/opensvc/vg_aastmphpux_vgCVI.map -s -N vgCVI",
        "vgchange -a y vgCVI",
    ]
    assert _lines(render_action(HPUX, "fs", "start", SEED_FS)) == [
        "fsck -F vxfs -y /dev/vgCVI/lv_CVI",
        "mount -F vxfs /dev/vgCVI/lv_CVI /aaststcvi",
    ]


def test_hpux_map_dir_is_a_profile_value() -> None:
    (vgimport, _) = render_action(HPUX, "vg", "start", {**SEED_VG, "map_dir": "/etc/lvmconf"})
    assert vgimport[2] == "/etc/lvmconf/vg_aastmphpux_vgCVI.map"


def test_hpux_reverse_and_status_commands() -> None:
    assert render_action(HPUX, "ip", "stop", SEED_IP) == [["ifconfig", "lan900:1", "0.0.0.0"]]
    assert render_action(HPUX, "vg", "stop", SEED_VG) == [
        ["vgchange", "-a", "n", "vgCVI"],
        ["vgexport", "vgCVI"],
    ]
    assert render_action(HPUX, "fs", "stop", SEED_FS) == [["umount", "/aaststcvi"]]
    assert status_command(HPUX, "ip", SEED_IP) == ["ifconfig", "lan900:1"]
    assert status_command(HPUX, "vg", SEED_VG) == ["vgdisplay", "vgCVI"]
    assert status_command(HPUX, "fs", SEED_FS) == ["mount", "-p"]
    (_, mount) = render_action(HPUX, "fs", "start", {**SEED_FS, "options": "delaylog,largefiles"})
    assert mount == ["mount", "-F", "vxfs", "-o", "delaylog,largefiles", "/dev/vgCVI/lv_CVI", "/aaststcvi"]


def test_linux_commands() -> None:
    ip = {"addr": "10.1.2.3", "prefix": "24", "dev": "eth0"}
    assert render_action(LINUX, "ip", "start", ip) == [["ip", "addr", "add", "10.1.2.3/24", "dev", "eth0"]]
    assert render_action(LINUX, "ip", "stop", ip) == [["ip", "addr", "del", "10.1.2.3/24", "dev", "eth0"]]
    assert status_command(LINUX, "ip", ip) == ["ip", "-o", "addr", "show", "dev", "eth0"]
    vg = {"vg": "vgapp"}
    assert render_action(LINUX, "vg", "start", vg) == [
        ["vgimport", "vgapp"],
        ["vgchange", "-a", "y", "vgapp"],
    ]
    assert render_action(LINUX, "vg", "stop", vg) == [["vgchange", "-a", "n", "vgapp"], ["vgexport", "vgapp"]]
    assert status_command(LINUX, "vg", vg) == ["lvs", "--noheadings", "-o", "vg_name,lv_attr", "vgapp"]
    fs = {"device": "/dev/vgapp/lvdata", "mountpoint": "/u01"}
    assert render_action(LINUX, "fs", "start", fs) == [
        ["fsck", "-y", "/dev/vgapp/lvdata"],
        ["mount", "/dev/vgapp/lvdata", "/u01"],
    ]
    full = {**fs, "fstype": "ext4", "options": "noatime,nodev"}
    assert render_action(LINUX, "fs", "start", full) == [
        ["fsck", "-t", "ext4", "-y", "/dev/vgapp/lvdata"],
        ["mount", "-t", "ext4", "-o", "noatime,nodev", "/dev/vgapp/lvdata", "/u01"],
    ]
    # An empty optional value drops its whole group, not just the value.
    assert render_action(LINUX, "fs", "start", {**full, "fstype": ""})[1] == [
        "mount",
        "-o",
        "noatime,nodev",
        "/dev/vgapp/lvdata",
        "/u01",
    ]
    assert render_action(LINUX, "fs", "stop", fs) == [["umount", "/u01"]]
    assert status_command(LINUX, "fs", fs) == ["findmnt", "-n", "/u01"]


def test_linux_ipv6() -> None:
    ip = {"addr": "fd00::10", "prefix": "64", "dev": "eth1"}
    assert render_action(LINUX, "ip", "start", ip) == [["ip", "addr", "add", "fd00::10/64", "dev", "eth1"]]
    out = "3: eth1    inet6 fd00::10/64 scope global \\       valid_lft forever preferred_lft forever\n"
    assert interpret_status(LINUX, "ip", 0, out, ip) is ResourceStatus.UP


def test_sim_commands() -> None:
    values = {"symcli_bin": "/opt/symsim/bin", "addr": "10.9.0.5", "dev": "sim0"}
    assert render_action(SIM, "ip", "start", values) == [
        ["/opt/symsim/bin/symsim-host", "ip", "add", "10.9.0.5", "sim0"]
    ]
    assert render_action(SIM, "ip", "stop", values) == [
        ["/opt/symsim/bin/symsim-host", "ip", "del", "10.9.0.5", "sim0"]
    ]
    assert status_command(SIM, "ip", values) == [
        "/opt/symsim/bin/symsim-host",
        "ip",
        "status",
        "10.9.0.5",
        "sim0",
    ]
    host = "/usr/symcli/bin/symsim-host"  # the default bin dir
    assert render_action(SIM, "vg", "start", {"vg": "vgapp"}) == [
        [host, "vg", "import", "vgapp"],
        [host, "vg", "activate", "vgapp"],
    ]
    assert render_action(SIM, "vg", "stop", {"vg": "vgapp"}) == [
        [host, "vg", "deactivate", "vgapp"],
        [host, "vg", "export", "vgapp"],
    ]
    assert status_command(SIM, "vg", {"vg": "vgapp"}) == [host, "vg", "status", "vgapp"]
    fs = {"device": "/dev/vgapp/lvdata", "mountpoint": "/u01"}
    assert render_action(SIM, "fs", "start", fs) == [
        [host, "fs", "fsck", "/dev/vgapp/lvdata"],
        [host, "fs", "mount", "/dev/vgapp/lvdata", "/u01"],
    ]
    assert render_action(SIM, "fs", "stop", fs) == [[host, "fs", "umount", "/dev/vgapp/lvdata", "/u01"]]
    assert status_command(SIM, "fs", fs) == [host, "fs", "status", "/dev/vgapp/lvdata", "/u01"]


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_covers_the_staged_start_stop(name: str) -> None:
    profile = PROFILES[name]
    for resource in ("ip", "vg", "fs"):
        for verb in ("start", "stop", "status"):
            assert (resource, verb) in profile.actions
        assert resource in profile.status
        assert len(profile.actions[(resource, "status")]) == 1


@pytest.mark.parametrize(
    ("profile", "resource", "exit_code", "stdout", "values", "status"),
    [
        (SIM, "ip", 0, "", {"addr": "10.0.0.5", "dev": "sim0"}, ResourceStatus.UP),
        (SIM, "ip", 1, "", {"addr": "10.0.0.5", "dev": "sim0"}, ResourceStatus.DOWN),
        (SIM, "vg", 2, "usage", {"vg": "vgapp"}, ResourceStatus.UNKNOWN),
        (
            LINUX,
            "fs",
            0,
            "/u01 /dev/mapper/vgapp-lvdata ext4 rw\n",
            {"mountpoint": "/u01"},
            ResourceStatus.UP,
        ),
        (LINUX, "fs", 1, "", {"mountpoint": "/u01"}, ResourceStatus.DOWN),
        (
            LINUX,
            "ip",
            0,
            "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n",
            {"addr": "10.0.0.5", "prefix": "24", "dev": "eth0"},
            ResourceStatus.UP,
        ),
        # 10.0.0.50 must not count as 10.0.0.5, nor the dot as any character.
        (
            LINUX,
            "ip",
            0,
            "2: eth0    inet 10.0.0.50/24 brd 10.0.0.255 scope global eth0\n",
            {"addr": "10.0.0.5", "prefix": "24", "dev": "eth0"},
            ResourceStatus.DOWN,
        ),
        (
            LINUX,
            "ip",
            0,
            "2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\n",
            {"addr": "10.0.1.5", "prefix": "24", "dev": "eth0"},
            ResourceStatus.DOWN,
        ),
        (
            LINUX,
            "ip",
            1,
            'Device "eth9" does not exist.\n',
            {"addr": "10.0.0.5", "dev": "eth9"},
            ResourceStatus.DOWN,
        ),
        (LINUX, "ip", 255, "", {"addr": "10.0.0.5", "dev": "eth0"}, ResourceStatus.UNKNOWN),
        # Up only while a logical volume of it is active: imported and inactive is not usable.
        (LINUX, "vg", 0, "  vgapp -wi-a-----\n", {"vg": "vgapp"}, ResourceStatus.UP),
        (LINUX, "vg", 0, "  vgapp -wi-------\n  vgapp -wi-a-----\n", {"vg": "vgapp"}, ResourceStatus.UP),
        (LINUX, "vg", 0, "  vgapp -wi-------\n", {"vg": "vgapp"}, ResourceStatus.DOWN),
        (LINUX, "vg", 5, '  Volume group "vgapp" is exported\n', {"vg": "vgapp"}, ResourceStatus.DOWN),
        (LINUX, "vg", 5, "", {"vg": "vgapp"}, ResourceStatus.DOWN),
        (
            HPUX,
            "ip",
            0,
            "lan900:1: flags=843<UP,BROADCAST,RUNNING,MULTICAST>\n"
            "        inet 192.168.32.41 netmask fffffc00 broadcast 192.168.35.255\n",
            SEED_IP,
            ResourceStatus.UP,
        ),
        (HPUX, "ip", 1, "ifconfig: no such interface\n", SEED_IP, ResourceStatus.DOWN),
        (HPUX, "vg", 0, "--- Volume groups ---\nVG Name /dev/vgCVI\n", SEED_VG, ResourceStatus.UP),
        (HPUX, "vg", 1, "", SEED_VG, ResourceStatus.DOWN),
        (
            HPUX,
            "fs",
            0,
            "/dev/vg00/lvol3 / vxfs delaylog 0 1\n/dev/vgCVI/lv_CVI /aaststcvi vxfs delaylog 0 2\n",
            SEED_FS,
            ResourceStatus.UP,
        ),
        (
            HPUX,
            "fs",
            0,
            "/dev/vg00/lvol3 / vxfs delaylog 0 1\n/dev/vgCVI/lv_CVI /aaststcvi2 vxfs rw 0 2\n",
            SEED_FS,
            ResourceStatus.DOWN,
        ),
    ],
)
def test_status_interpretation(
    profile: HostProfile,
    resource: str,
    exit_code: int,
    stdout: str,
    values: dict[str, str],
    status: ResourceStatus,
) -> None:
    assert interpret_status(profile, resource, exit_code, stdout, values) is status


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"addr": "192.168.32.300", "prefix": "22", "dev": "lan900:1"}, "IP address"),
        ({"addr": "192.168.32.41", "prefix": "33", "dev": "lan900:1"}, "too long"),
        ({"addr": "192.168.32.41", "prefix": "22", "dev": "-lan900"}, "interface"),
        ({"addr": "192.168.32.41", "prefix": "22", "dev": "lan0; reboot"}, "interface"),
        ({"addr": "192.168.32.41", "prefix": "22", "dev": "lan900:1", "colour": "red"}, "unknown"),
        ({"addr": "192.168.32.41", "prefix": "22"}, "missing value for dev"),
    ],
)
def test_bad_ip_values_refused(values: dict[str, str], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        render_action(HPUX, "ip", "start", values)


@pytest.mark.parametrize(
    "values",
    [
        {"device": "dev/vgCVI/lv_CVI", "mountpoint": "/aaststcvi"},
        {"device": "/dev/vgCVI/lv_CVI", "mountpoint": "/aast stcvi"},
        {"device": "/dev/vgCVI/lv_CVI", "mountpoint": "/mnt/../etc"},
        {"device": "/dev/vgCVI/lv_CVI", "mountpoint": "/aaststcvi", "options": "-rw"},
        {"device": "/dev/vgCVI/lv_CVI", "mountpoint": "/aaststcvi", "fstype": "vx fs"},
        {"device": "/dev/vgCVI/lv_CVI", "mountpoint": ""},
    ],
)
def test_bad_fs_values_refused(values: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        render_action(HPUX, "fs", "start", values)


def test_hpux_ipv6_has_no_dotted_netmask() -> None:
    with pytest.raises(ValueError, match="netmask"):
        render_action(HPUX, "ip", "start", {"addr": "fd00::1", "prefix": "64", "dev": "lan900:1"})


def test_render_keeps_each_element_whole() -> None:
    # A value with characters a shell would split on can never reach render (validation
    # refuses it), but render itself still never splits: one element in, one element out.
    assert render(("echo", "{vg}", Opt("-o", "{options}")), {"vg": "a b", "options": ""}) == ["echo", "a b"]


def test_unknown_profile_and_action() -> None:
    with pytest.raises(ValueError, match="known: hpux, linux, sim"):
        get_profile("aix")
    with pytest.raises(ValueError, match="no app start"):
        render_action(LINUX, "app", "start", {})


# --- guards and probes: what makes a repeated start/stop safe ---------------------------------


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_guard_matches_a_step_and_a_probe(name: str) -> None:
    profile = PROFILES[name]
    for (resource, verb), templates in profile.actions.items():
        guards = step_guards(profile, resource, verb)
        assert len(guards) == len(templates)
        for guard in guards:
            if guard is not None and guard.probe != STATUS_PROBE:
                assert (resource, guard.probe) in profile.probes
    assert step_guards(profile, "vg", "start")[0] == Guard("imported", ResourceStatus.UP)
    assert step_guards(profile, "vg", "start")[1] is None


def test_probe_commands() -> None:
    assert probe_command(HPUX, "vg", "imported", SEED_VG) == ["strings", "/etc/lvmtab"]
    assert probe_command(HPUX, "fs", "mounted", SEED_FS) == ["mount", "-p"]
    assert probe_command(LINUX, "fs", "mounted", {"mountpoint": "/u01"}) == ["findmnt", "-n", "/u01"]
    host = "/usr/symcli/bin/symsim-host"
    assert probe_command(SIM, "vg", "imported", {"vg": "vgapp"}) == [host, "vg", "status", "vgapp"]
    assert probe_command(SIM, "ip", STATUS_PROBE, {"addr": "10.0.0.5", "dev": "sim0"}) == [
        host,
        "ip",
        "status",
        "10.0.0.5",
        "sim0",
    ]
    with pytest.raises(ValueError, match="no ip probe 'imported'"):
        probe_command(SIM, "ip", "imported", {"addr": "10.0.0.5"})


SIM_FS = {"device": "/dev/vgapp/lvdata", "mountpoint": "/u01"}


@pytest.mark.parametrize(
    ("profile", "resource", "probe", "exit_code", "stdout", "values", "answer"),
    [
        (HPUX, "vg", "imported", 0, "/dev/vg00\n/dev/disk/disk1\n/dev/vgCVI\n", SEED_VG, ResourceStatus.UP),
        (HPUX, "vg", "imported", 0, "/dev/vg00\n/dev/vgCVI2\n", SEED_VG, ResourceStatus.DOWN),
        (HPUX, "vg", "imported", 2, "", SEED_VG, ResourceStatus.UNKNOWN),
        (LINUX, "vg", "imported", 0, "  vgapp wz--n-\n", {"vg": "vgapp"}, ResourceStatus.UP),
        (LINUX, "vg", "imported", 0, "  vgapp wzx-n-\n", {"vg": "vgapp"}, ResourceStatus.DOWN),
        (LINUX, "fs", "mounted", 1, "", {"mountpoint": "/u01"}, ResourceStatus.DOWN),
        # The simulator's status exits 1 for a down VG; the text tells imported from exported.
        (
            SIM,
            "vg",
            "imported",
            1,
            "vg /dev/vgapp: down (imported, not active)\n",
            {"vg": "vgapp"},
            ResourceStatus.UP,
        ),
        (
            SIM,
            "vg",
            "imported",
            1,
            "vg /dev/vgapp: down (active, but ...)\n",
            {"vg": "vgapp"},
            ResourceStatus.UP,
        ),
        (SIM, "vg", "imported", 0, "vg /dev/vgapp: up (active on ...)\n", {"vg": "vgapp"}, ResourceStatus.UP),
        (SIM, "vg", "imported", 1, "vg /dev/vgapp: down (exported)\n", {"vg": "vgapp"}, ResourceStatus.DOWN),
        (
            SIM,
            "fs",
            "mounted",
            1,
            "fs /dev/vgapp/lvdata: down (mounted on /u01, but x)\n",
            SIM_FS,
            ResourceStatus.UP,
        ),
        (
            SIM,
            "fs",
            "mounted",
            1,
            "fs /dev/vgapp/lvdata: down (mounted on /u02, not on /u01)\n",
            SIM_FS,
            ResourceStatus.DOWN,
        ),
        (SIM, "fs", "mounted", 1, "fs /dev/vgapp/lvdata: down (not mounted)\n", SIM_FS, ResourceStatus.DOWN),
    ],
)
def test_probe_interpretation(
    profile: HostProfile,
    resource: str,
    probe: str,
    exit_code: int,
    stdout: str,
    values: dict[str, str],
    answer: ResourceStatus,
) -> None:
    assert interpret_probe(profile, resource, probe, exit_code, stdout, values) is answer


def test_service_names_with_dots_fill_the_map_file() -> None:
    (vgimport, _) = render_action(HPUX, "vg", "start", {"svc": "aast.prod", "vg": "vgCVI"})
    assert vgimport[2] == "/var/lib/opensvc/vg_aast.prod_vgCVI.map"


# --- Linux hosts after activate: the targets' rescan, and cloned volume groups ------------------


def test_linux_rescans_a_target_path_as_opensvc_does() -> None:
    assert render_action(LINUX, "target", "rescan", {"sd": "sdc"}) == [
        ["tee", "/sys/block/sdc/device/rescan"],
        ["sg_turs", "/dev/sdc"],
    ]
    # tee is fed the "1" OpenSVC writes into the sysfs file: no shell redirection anywhere.
    assert step_stdin(LINUX, "target", "rescan") == ("1", None)
    assert render_action(LINUX, "target", "multipath", {"sd": "sdc"}) == [
        ["multipath", "-v0", "-r", "/dev/sdc"]
    ]
    assert step_stdin(LINUX, "target", "multipath") == (None,)
    assert render_action(LINUX, "target", "list", {}) == [
        ["lsblk", "-p", "-n", "-P", "-o", "NAME,KNAME,WWN,TYPE,PKNAME"]
    ]


@pytest.mark.parametrize("sd", ["../sda", "sdc/../../x", "sd c", "", "/dev/sdc", "SDC;reboot"])
def test_bad_kernel_device_names_refused(sd: str) -> None:
    with pytest.raises(ValueError):
        render_action(LINUX, "target", "rescan", {"sd": sd})


def test_linux_imports_a_clone_under_the_configured_name() -> None:
    values = {"vg": "vgdata_c", "pvs": "/dev/mapper/mpatha /dev/sdd"}
    assert render_action(LINUX, "vg", "start_clone", values) == [
        ["vgimportclone", "--basevgname", "vgdata_c", "/dev/mapper/mpatha", "/dev/sdd"],
        ["vgchange", "-a", "y", "vgdata_c"],
    ]
    # Safe to repeat: skipped once the VG is known under its new name, as vgimport is.
    assert step_guards(LINUX, "vg", "start_clone") == (Guard("imported", ResourceStatus.UP), None)
    with pytest.raises(ValueError, match="physical volume"):
        render_action(LINUX, "vg", "start_clone", {"vg": "vgdata_c", "pvs": "/dev/sdc ../etc"})
    with pytest.raises(ValueError, match="missing value for pvs"):
        render_action(LINUX, "vg", "start_clone", {"vg": "vgdata_c"})


def test_each_expands_one_element_per_item() -> None:
    assert render(("a", Each("{pvs}"), "z"), {"pvs": "/dev/sdb /dev/sdc"}) == [
        "a",
        "/dev/sdb",
        "/dev/sdc",
        "z",
    ]


def test_only_linux_profiles_rescan_and_import_clones() -> None:
    assert [p.name for p in PROFILES.values() if p.rescans_targets] == ["linux", "sim-linux"]
    assert [p.name for p in PROFILES.values() if p.imports_clones] == ["linux", "sim-linux"]


def test_sim_linux_runs_the_linux_argv_one_for_one() -> None:
    host = "/usr/symcli/bin/symsim-host"
    values = {
        "addr": "10.1.2.3",
        "prefix": "24",
        "dev": "eth0",
        "vg": "vgapp",
        "pvs": "/dev/sdb",
        "device": "/dev/vgapp/lvdata",
        "mountpoint": "/u01",
        "fstype": "ext4",
        "sd": "sdb",
    }
    assert set(SIM_LINUX.actions) == set(LINUX.actions)
    for (resource, verb), _templates in LINUX.actions.items():
        real = render_action(LINUX, resource, verb, values)
        simulated = render_action(SIM_LINUX, resource, verb, values)
        assert simulated == [[host, "linux", *argv] for argv in real]
        assert step_guards(SIM_LINUX, resource, verb) == step_guards(LINUX, resource, verb)
        assert step_stdin(SIM_LINUX, resource, verb) == step_stdin(LINUX, resource, verb)
    for resource, probe in LINUX.probes:
        assert probe_command(SIM_LINUX, resource, probe, values) == [
            host,
            "linux",
            *probe_command(LINUX, resource, probe, values),
        ]
    assert SIM_LINUX.status == LINUX.status


def test_lsblk_pairs_and_the_host_disks_they_show() -> None:
    out = (
        'NAME="/dev/sda" KNAME="/dev/sda" WWN="0x5000c500a1b2c3d4" TYPE="disk" PKNAME=""\n'
        'NAME="/dev/sdb" KNAME="/dev/sdb" WWN="0x60000970000197900123533030313130" TYPE="disk" PKNAME=""\n'
        'NAME="/dev/mapper/mpatha" KNAME="/dev/dm-2" WWN="" TYPE="mpath" PKNAME="/dev/sdb"\n'
        'NAME="/dev/sdc" KNAME="/dev/sdc" WWN="0x60000970000197900123533030313130" TYPE="disk" PKNAME=""\n'
        'NAME="/dev/mapper/mpatha" KNAME="/dev/dm-2" WWN="" TYPE="mpath" PKNAME="/dev/sdc"\n'
        'NAME="/dev/mapper/vg-lv" KNAME="/dev/dm-3" WWN="" TYPE="lvm" PKNAME="/dev/dm-2"\n'
    )
    rows = parse_lsblk_pairs(out)
    assert rows[2] == {
        "NAME": "/dev/mapper/mpatha",
        "KNAME": "/dev/dm-2",
        "WWN": "",
        "TYPE": "mpath",
        "PKNAME": "/dev/sdb",
    }
    view = parse_host_disks(out)
    assert view.paths["60000970000197900123533030313130"] == ["sdb", "sdc"]
    assert view.maps == {"sdb": "/dev/mapper/mpatha", "sdc": "/dev/mapper/mpatha"}


def test_symdev_wwns_keyed_by_device_id() -> None:
    xml = (
        "<SymCLI_ML><Symmetrix><Device><Dev_Info><dev_name>00110</dev_name></Dev_Info>"
        "<Product><wwn>60000970000197900123533030313130</wwn></Product></Device>"
        "<Device><Dev_Info><dev_name>00111</dev_name></Dev_Info></Device></Symmetrix></SymCLI_ML>"
    )
    assert symdev_wwns(parse_symdev_list(xml)) == {"110": "60000970000197900123533030313130"}


@pytest.mark.parametrize("name", ["linux", "sim-linux"])
def test_linux_fsck_exit_1_errors_corrected_is_success(name: str) -> None:
    """A clone's journal is replayed by e2fsck, which then exits 1; the mount must still follow."""
    assert step_ok_codes(get_profile(name), "fs", "start") == (frozenset({0, 1}), frozenset({0}))
    for other in ("hpux", "sim"):
        assert step_ok_codes(get_profile(other), "fs", "start") == (frozenset({0}),) * 2
