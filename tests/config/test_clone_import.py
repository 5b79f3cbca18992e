"""The vg keywords of cloned volume groups on Linux hosts: clone_import and clone_syncs."""

from __future__ import annotations

from pathlib import Path

from clonepilot.config import check_service_file
from clonepilot.config.models import VgResource
from tests.config.helpers import BASE, find_issue, issues_of

DISK = "\n[disk#1]\ntype = vg\nname = vgdata\n"


def test_defaults_are_auto_and_every_sync(tmp_path: Path) -> None:
    _path, issues = issues_of(tmp_path, BASE + DISK)
    assert issues == []
    service, _ = check_service_file(tmp_path / "svc.conf")
    assert service is not None
    disk = service.resource("disk#1")
    assert isinstance(disk, VgResource)
    assert (disk.clone_import, disk.clone_syncs) == ("auto", ())
    assert service.host_profile == "linux"


def test_explicit_values_and_the_sim_linux_profile(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1\n", "drpnodes = drp1\nhost_profile = sim-linux\n")
    text += DISK + "clone_import = VGImportClone\nclone_syncs = sync#1 sync#1\n"
    _path, issues = issues_of(tmp_path, text)
    assert issues == []
    service, _ = check_service_file(tmp_path / "svc.conf")
    assert service is not None and service.host_profile == "sim-linux"
    disk = service.resource("disk#1")
    assert isinstance(disk, VgResource)
    assert (disk.clone_import, disk.clone_syncs) == ("vgimportclone", ("sync#1",))


def test_bad_values_name_file_section_and_keyword(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + DISK + "clone_import = rename\nclone_syncs = disk#1\n")
    find_issue(path, issues, "disk#1", "clone_import", "not a clone import mode")
    find_issue(path, issues, "disk#1", "clone_syncs", "not a sync resource id")


def test_clone_syncs_must_name_sync_resources_of_the_service(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + DISK + "clone_syncs = sync#1 sync#7\n")
    issue = find_issue(path, issues, "disk#1", "clone_syncs", "unknown sync resource 'sync#7'")
    assert "sync resources: sync#1" in issue.message


def test_unknown_host_profile_lists_sim_linux(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1\n", "drpnodes = drp1\nhost_profile = aix\n")
    path, issues = issues_of(tmp_path, text)
    issue = find_issue(path, issues, "DEFAULT", "host_profile", "unknown host profile")
    assert "sim-linux" in issue.message
