"""OpenSVC's own service files (tests/fixtures/opensvc/, sources in SOURCES.md), read unchanged.

A file whose resources clonepilot all drives loads, with a warning for each keyword it ignores;
any other is refused, and the refusal names the OpenSVC feature (not "unknown keyword"). Every
fixture must have an expectation here, so a new one cannot go unread.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.config import check_service_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "opensvc"
NODES = "OpenSVC's default is the node that holds the file"
SELECTOR = "OpenSVC node selector"
CONTAINERS = "OpenSVC's containers"
VOLUMES = "OpenSVC volumes"
ORCHESTRATE = "lets OpenSVC's daemon start or fail over"
FLEX = "flex services"

# file → the warnings of a file that loads; or the (section, fragment) pairs its refusal must hold.
LOADS: dict[str, list[tuple[str, str | None, str]]] = {
    "doc-getting-started": [
        ("DEFAULT", "app", "ignored"),
        ("DEFAULT", "id", "OpenSVC's service uuid"),
        ("disk#0", "pvs", "ignored: used when OpenSVC provisions"),
    ],
}
REFUSED: dict[str, list[tuple[str, str]]] = {
    "doc-btrfs": [("sync#1", "btrfs send/receive"), ("sync#2", "btrfs send/receive")],
    "doc-docker-drp": [("DEFAULT", ORCHESTRATE), ("container#1", CONTAINERS), ("sync#1", "dds replication")],
    "doc-docker-multi-containers": [("container#1", CONTAINERS)],
    "doc-docker-registry": [("DEFAULT", NODES), ("ip#0", "netns ip"), ("disk#0", "loop devices")],
    "doc-getting-started-app": [("DEFAULT", NODES), ("app#web", "relative: OpenSVC looks for it")],
    "doc-lxc": [("default", "[DEFAULT], in capitals")],
    "doc-provisioning-amazon": [("ip#0", "amazon ip"), ("disk#0", "Amazon EBS"), ("sync#0", "docker image")],
    "doc-symclone-legacy-2012": [("DEFAULT", NODES)],
    "doc-sync-failover-docker": [
        ("ip#0", "netns ip"),
        ("container#0", CONTAINERS),
        ("sync#0", "docker image"),
    ],
    "doc-sync-flex-docker": [("DEFAULT", FLEX), ("DEFAULT", ORCHESTRATE)],
    "doc-sync-flexfailover-docker": [("DEFAULT", FLEX), ("container#0", CONTAINERS)],
    "osvc-template-DEFAULT": [("DEFAULT", NODES)],
    "osvc-template-app": [("DEFAULT", NODES)],
    "osvc-template-sync-symclone": [("DEFAULT", NODES)],
    "osvc-template-sync-symsnap": [("DEFAULT", NODES)],
    "osvc-test-disk-lvm": [("DEFAULT", NODES), ("disk#scsireserv", "SCSI-3 persistent reservations")],
    "tpl-collector": [("DEFAULT", ORCHESTRATE), ("ip#0", "cni ip"), ("volume#0", VOLUMES)],
    "tpl-dns": [
        ("DEFAULT", SELECTOR),
        ("DEFAULT", FLEX),
        ("container#config", "only OpenSVC's cluster knows"),
    ],
    "tpl-guacamole": [("DEFAULT", SELECTOR), ("DEFAULT", ORCHESTRATE), ("container#0", CONTAINERS)],
    "tpl-haproxy-acme-split": [("DEFAULT", SELECTOR), ("volume#1", VOLUMES), ("ip#0", "cni ip")],
    "tpl-mdadm": [("DEFAULT", SELECTOR), ("disk#10", "Linux md software RAID")],
    "tpl-nfsv4-container": [("DEFAULT", SELECTOR), ("task#export", "OpenSVC's tasks")],
    "tpl-nfsv4": [("DEFAULT", SELECTOR), ("disk#1", "single logical volumes")],
    "tpl-vip": [("DEFAULT", SELECTOR), ("DEFAULT", ORCHESTRATE)],
}


def test_every_fixture_has_an_expectation_and_a_source() -> None:
    files = {path.stem for path in FIXTURES.glob("*.conf")}
    assert files == set(LOADS) | set(REFUSED)
    sources = (FIXTURES / "SOURCES.md").read_text()
    assert all(f"| {name}.conf |" in sources for name in files)


@pytest.mark.parametrize("name", sorted(LOADS))
def test_files_clonepilot_drives_load_unchanged_with_warnings(name: str) -> None:
    service, issues = check_service_file(FIXTURES / f"{name}.conf")
    assert service is not None, "\n".join(map(str, issues))
    found = {(w.section, w.keyword) for w in service.warnings}
    for section, keyword, fragment in LOADS[name]:
        assert any(
            w.section == section and w.keyword == keyword and fragment in w.message for w in service.warnings
        ), (section, keyword, fragment, found)
    assert len(service.warnings) == len(LOADS[name]), service.warnings


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_files_clonepilot_cannot_drive_are_refused_naming_the_feature(name: str) -> None:
    service, issues = check_service_file(FIXTURES / f"{name}.conf")
    assert service is None
    for section, fragment in REFUSED[name]:
        assert any(i.section == section and fragment in i.message for i in issues), (
            section,
            fragment,
            "\n".join(map(str, issues)),
        )
