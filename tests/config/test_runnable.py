"""What validate accepts, a run accepts: values the run's builders refuse fail validation, located.

Each case is a value the keyword converters alone let through and a run refused halfway (the
builders check again as a value goes into a command line); the test also asks the builder itself,
so that it fails if the two ever agree again by a change of the builder and the case goes stale.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clonepilot.cli import app
from clonepilot.config import check_service_file
from clonepilot.hostprofiles import get_profile, resolve_values
from clonepilot.symcli import validate
from clonepilot.symcli.pairsfile import pairs_file_name
from tests.config.helpers import BASE, find_issue, issues_of, write_service

DG_SYNC = BASE.replace("symid = 000197900123", "symdg = DGCVI").replace(
    "00B60:00B61 00B62:00B63", "DEV001:CLONE001"
)
FS = "\n[fs#1]\ndev = /dev/vgdata/lv_data\nmnt = /u01\ntype = ext4\n"
IP = "\n[ip#1]\nipname = 10.0.0.5\nipdev = eth0\n"
LINUX = get_profile("linux")


def _builder_refuses(check: Callable[..., object], *args: object) -> None:
    with pytest.raises(ValueError):
        check(*args)


@pytest.mark.parametrize(
    ("text", "section", "keyword", "fragment", "builder"),
    [
        (
            DG_SYNC.replace("DEV001:CLONE001", "-DEV001:CLONE001"),
            "sync#1",
            "pairs",
            "invalid source logical device name '-DEV001'",
            lambda: validate.group_name("-DEV001"),
        ),
        (
            DG_SYNC.replace("symdg = DGCVI", "symdg = -DGCVI"),
            "sync#1",
            "symdg",
            "invalid device group name '-DGCVI'",
            lambda: validate.group_name("-DGCVI"),
        ),
        (
            BASE + FS.replace("type = ext4", "type = _xfs"),
            "fs#1",
            "type",
            "invalid filesystem type '_xfs'",
            lambda: resolve_values(LINUX, {"fstype": "_xfs"}),
        ),
        (
            BASE + FS + "mnt_opt = rw,uid=@dba\n",
            "fs#1",
            "mnt_opt",
            "invalid mount options",
            lambda: resolve_values(LINUX, {"options": "rw,uid=@dba"}),
        ),
        (
            BASE + FS.replace("mnt = /u01", "mnt = /u01/../etc"),
            "fs#1",
            "mnt",
            "invalid mount point '/u01/../etc'",
            lambda: resolve_values(LINUX, {"mountpoint": "/u01/../etc"}),
        ),
        (
            BASE + IP + "netmask = 64\n",
            "ip#1",
            "netmask",
            "prefix /64 too long for 10.0.0.5",
            lambda: resolve_values(LINUX, {"addr": "10.0.0.5", "prefix": "64"}),
        ),
    ],
    ids=["logical-dash", "symdg-dash", "fs-type", "mount-options", "dotdot-mountpoint", "prefix-too-long"],
)
def test_a_value_the_builders_refuse_fails_validation(
    tmp_path: Path, text: str, section: str, keyword: str, fragment: str, builder: Callable[[], object]
) -> None:
    _builder_refuses(builder)
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, section, keyword, fragment)


def test_a_dotted_service_name_is_refused_where_it_names_pairs_files(tmp_path: Path) -> None:
    _builder_refuses(pairs_file_name, "prod.db", "sync#1")
    path = write_service(tmp_path, BASE, name="prod.db")
    service, issues = check_service_file(path)
    assert service is None
    issue = find_issue(path, issues, None, None, "cannot name the pairs file of [sync#1]")
    assert (
        "'prod.db'" in issue.message
        and "prod.db.conf" in issue.message
        and "rename the file" in issue.message
    )
    # The device-group form writes no pairs file: the same name is fine there.
    service, issues = check_service_file(write_service(tmp_path, DG_SYNC, name="test.db"))
    assert issues == [] and service is not None and service.name == "test.db"


def test_clone_import_choices_the_vg_driver_refuses(tmp_path: Path) -> None:
    disk = "\n[disk#{n}]\ntype = vg\nname = vg{n}\n"
    hpux = BASE.replace("drpnodes = drp1\n", "drpnodes = drp1\nhost_profile = hpux\n")
    path, issues = issues_of(tmp_path, hpux + disk.format(n=1) + "clone_import = vgimportclone\n")
    find_issue(path, issues, "disk#1", "clone_import", "host profile hpux has no vgimportclone")

    two = BASE + disk.format(n=1) + "clone_import = vgimportclone\n" + disk.format(n=2)
    path, issues = issues_of(tmp_path, two)
    issue = find_issue(path, issues, "disk#1", "clone_syncs", "needs this volume group's own PVs")
    assert "(disk#2)" in issue.message
    path, issues = issues_of(
        tmp_path, two.replace("vgimportclone\n", "vgimportclone\nclone_syncs = sync#1\n")
    )
    assert issues == []

    # auto (the default) reads the sources' visibility from the array form's device ids only.
    path, issues = issues_of(tmp_path, DG_SYNC + disk.format(n=1))
    issue = find_issue(path, issues, "disk#1", "clone_import", "auto (the default) cannot tell")
    assert "sync#1" in issue.message
    path, issues = issues_of(tmp_path, DG_SYNC + disk.format(n=1) + "clone_import = vgimport\n")
    assert issues == []


def test_every_refusal_is_listed_in_one_pass(tmp_path: Path) -> None:
    text = DG_SYNC.replace("symdg = DGCVI", "symdg = -DGCVI") + FS.replace("type = ext4", "type = _xfs")
    _path, issues = issues_of(tmp_path, text + IP + "netmask = 64\n")
    assert {(i.section, i.keyword) for i in issues} == {
        ("sync#1", "symdg"),
        ("fs#1", "type"),
        ("ip#1", "netmask"),
    }


def test_validate_names_file_section_and_keyword(runner: CliRunner, tmp_path: Path) -> None:
    services = tmp_path / "services"
    services.mkdir()
    path = write_service(services, BASE + FS + "mnt_opt = rw,uid=@dba\n", name="shop")
    result = runner.invoke(app, ["--services-dir", str(services), "-s", "shop", "validate"])
    assert result.exit_code == 1
    assert f"{path}: [fs#1] mnt_opt: invalid mount options 'rw,uid=@dba'" in result.output


def test_depends_that_wait_for_each_other_are_refused(tmp_path: Path) -> None:
    text = (
        BASE
        + IP
        + "start_depends = app#1\n\n[app#1]\nstart = /bin/true\nstart_depends = ip#1(up)\n"
        + "stop_depends = ip#1\n"
    )
    path, issues = issues_of(tmp_path, text)
    issue = find_issue(path, issues, "ip#1", "start_depends", "wait for each other: ip#1 → app#1 → ip#1")
    assert "no start can ever run" in issue.message and "[app#1] start_depends" in issue.message
    assert len(issues) == 1  # app#1's stop_depends on ip#1 alone is no cycle


def test_a_longer_cycle_is_named_whole_and_a_chain_is_fine(tmp_path: Path) -> None:
    chain = BASE + FS + "stop_depends = app#1\n\n[app#1]\nstop = /bin/true\nstop_depends = sync#1(up)\n"
    assert issues_of(tmp_path, chain)[1] == []
    loop = chain.replace(
        "pairs = 00B60:00B61 00B62:00B63\n", "pairs = 00B60:00B61 00B62:00B63\nstop_depends = fs#1\n"
    )
    assert loop != chain
    path, issues = issues_of(tmp_path, loop)
    find_issue(path, issues, "sync#1", "stop_depends", "sync#1 → fs#1 → app#1 → sync#1")
