"""Valid service files: defaults, scoping, both pair forms, depends, the shipped examples."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from clonepilot.config import (
    DependsCondition,
    DevicePair,
    load_service,
    load_service_file,
)
from clonepilot.nodes import NodeAddress
from tests.config.helpers import BASE, find_issue, issues_of, write_service

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "services"


def test_defaults_are_applied(tmp_path: Path) -> None:
    service = load_service_file(write_service(tmp_path, BASE + "[ip#1]\nipname = 10.0.0.1\nipdev = eth0\n"))
    sync = service.syncs[0]
    assert (sync.consistent, sync.precopy, sync.sync_max_delay, sync.restart) == (True, True, 1440, 0)
    assert (sync.optional, sync.disable, sync.monitor) == (False, False, False)
    assert sync.tags == frozenset() and sync.subset is None and sync.schedule is None
    assert sync.hooks == {} and sync.depends == {} and sync.always_on == ()
    assert sync.origins["precopy"] == "default" and sync.origins["pairs"] == "pairs"
    assert service.host_profile == "linux"
    assert service.node == NodeAddress("node1")
    # symcli runs on the service node unless told otherwise.
    assert service.symcli_node == service.node
    assert service.origins["symcli_node"].startswith("default")
    assert service.ips[0].netmask is None
    assert service.approval == ()


def test_approval_lists_actions_in_either_spelling_once_each(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1", "drpnodes = drp1\napproval = refresh sync-update sync_update")
    assert load_service_file(write_service(tmp_path, text)).approval == ("refresh", "sync_update")


def test_explicit_values_override_defaults(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1", "drpnodes = drp1\nsymcli_node = admin@mgmt:2222") + (
        "consistent = no\nprecopy = 0\nsync_max_delay = 60\nrestart = 2\ntags = noaction db\n"
        "optional = True\nalways_on = nodes drpnodes\npre_sync_update = /bin/echo before\n"
        "blocking_post_start = /usr/local/bin/check.sh --strict\n"
    )
    service = load_service_file(write_service(tmp_path, text))
    sync = service.syncs[0]
    assert (sync.consistent, sync.precopy, sync.sync_max_delay, sync.restart) == (False, False, 60, 2)
    assert sync.noaction and not sync.nostatus and sync.tags == {"noaction", "db"}
    assert sync.optional is True
    assert sync.always_on == ("nodes", "drpnodes")
    assert sync.hook("pre", "sync_update") == "/bin/echo before"
    assert sync.hook("blocking_post", "start") == "/usr/local/bin/check.sh --strict"
    assert sync.hook("post", "stop") is None
    assert service.symcli_node == NodeAddress("mgmt", user="admin", port=2222)


@pytest.mark.parametrize(
    ("text", "expected"), [("True", True), ("false", False), ("yes", True), ("0", False)]
)
def test_boolean_spellings(tmp_path: Path, text: str, expected: bool) -> None:
    service = load_service_file(write_service(tmp_path, BASE + f"precopy = {text}\n"))
    assert service.syncs[0].precopy is expected


def test_symid_form_keeps_device_ids_as_written(tmp_path: Path) -> None:
    service = load_service_file(write_service(tmp_path, BASE.replace("00B62:00B63", "0b62:00b63")))
    sync = service.syncs[0]
    assert not sync.uses_device_group
    assert sync.symid == "000197900123"
    assert sync.pairs == (
        DevicePair(source="00B60", target="00B61"),
        DevicePair(source="0b62", target="00b63"),
    )
    assert sync.targets == ("00B61", "00b63")


def test_device_group_form(tmp_path: Path) -> None:
    text = BASE.replace("symid = 000197900123", "symdg = DGCVI").replace(
        "00B60:00B61 00B62:00B63", "DEV001:CLONE001 DEV002:CLONE002"
    )
    sync = load_service_file(write_service(tmp_path, text)).syncs[0]
    assert sync.uses_device_group and sync.symdg == "DGCVI" and sync.symid is None
    assert sync.sources == ("DEV001", "DEV002") and sync.targets == ("CLONE001", "CLONE002")


def test_symid_and_symdg_on_one_resource_are_refused(tmp_path: Path) -> None:
    # The run would drive the group and ignore symid: which one the admin meant is theirs to say.
    text = BASE.replace("symid = 000197900123", "symid = 000197900123\nsymdg = DGCVI").replace(
        "00B60:00B61 00B62:00B63", "DEV001:CLONE001"
    )
    path, issues = issues_of(tmp_path, text)
    issue = find_issue(path, issues, "sync#1", "symdg", "both set")
    assert "symid = 000197900123 and symdg = DGCVI" in issue.message and "not both" in issue.message


SCOPED = BASE + "precopy = true\nprecopy@nodes = false\n"


def test_scope_nodes_applies_to_nodes_only(tmp_path: Path) -> None:
    path = write_service(tmp_path, SCOPED)
    on_node = load_service_file(path).syncs[0]
    assert on_node.precopy is False and on_node.origins["precopy"] == "precopy@nodes"
    assert load_service_file(path, node="drp1").syncs[0].precopy is True


def test_scope_drpnodes(tmp_path: Path) -> None:
    path = write_service(tmp_path, BASE + "pairs@drpnodes = 00C60:00C61\n")
    assert load_service_file(path).syncs[0].targets == ("00B61", "00B63")
    drp = load_service_file(path, node="drp1")
    assert drp.node == NodeAddress("drp1")
    assert drp.syncs[0].targets == ("00C61",)


def test_scope_node_name_beats_nodes_which_beats_plain(tmp_path: Path) -> None:
    text = BASE + "restart = 1\nrestart@nodes = 2\nrestart@node2 = 3\n"
    path = write_service(tmp_path, text)
    assert load_service_file(path, node="node1").syncs[0].restart == 2
    service = load_service_file(path, node="node2")
    assert service.syncs[0].restart == 3 and service.syncs[0].origins["restart"] == "restart@node2"
    assert load_service_file(path, node="drp1").syncs[0].restart == 1


def test_scope_in_default_section(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1", "drpnodes = drp1\nhost_profile@drp1 = hpux")
    path = write_service(tmp_path, text)
    assert load_service_file(path).host_profile == "linux"
    assert load_service_file(path, node="drp1").host_profile == "hpux"


def test_node_with_user_and_port_is_matched_by_host(tmp_path: Path) -> None:
    text = BASE.replace("nodes = node1 node2", "nodes = root@node1:2222") + "restart@node1 = 4\n"
    service = load_service_file(write_service(tmp_path, text), node="node1")
    assert service.node == NodeAddress("node1", user="root", port=2222)
    assert service.syncs[0].restart == 4


def test_evaluating_for_a_foreign_node_is_an_error(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE, node="elsewhere")
    find_issue(path, issues, "DEFAULT", "nodes", "'elsewhere'")


def test_depends_in_a_service(tmp_path: Path) -> None:
    text = BASE + (
        "start_depends = ip#1\n"
        "stop_depends = ip#1(down) app#1(stdby up,up)\n"
        "sync_break_depends =\n"
        "[ip#1]\nipname = 10.0.0.1\nipdev = eth0\n"
        "[app#1]\nstart = /bin/true\n"
    )
    sync = load_service_file(write_service(tmp_path, text)).syncs[0]
    assert sync.depends_on("start") == (DependsCondition(rid="ip#1", states=("up", "stdby up")),)
    assert sync.depends_on("stop") == (
        DependsCondition(rid="ip#1", states=("down",)),
        DependsCondition(rid="app#1", states=("stdby up", "up")),
    )
    assert sync.depends_on("sync_break") == ()


def test_models_are_frozen(tmp_path: Path) -> None:
    service = load_service_file(write_service(tmp_path, BASE))
    with pytest.raises(ValidationError):
        service.syncs[0].precopy = False  # type: ignore[misc]


def test_resources_are_ordered_by_kind_then_number(tmp_path: Path) -> None:
    text = (
        BASE
        + "[fs#2]\ndev = /dev/b\nmnt = /b\ntype = xfs\n[app#1]\nstart = /bin/true\n"
        + "[fs#1]\ndev = /dev/a\nmnt = /a\ntype = xfs\nmnt_opt = rw,noatime\n"
        + "[sync#10]\ntype = symclone\nsymid = 000197900123\npairs = 00D00:00D01\n"
    )
    service = load_service_file(write_service(tmp_path, text))
    assert [r.rid for r in service.resources] == ["sync#1", "sync#10", "fs#1", "fs#2", "app#1"]
    assert service.resource("fs#1").mnt_opt == "rw,noatime"  # type: ignore[union-attr]


def test_demo_example() -> None:
    service = load_service("demo", EXAMPLES)
    assert service.host_profile == "sim" and service.node.is_local
    data, archivelogs = service.syncs
    assert data.symid == archivelogs.symid == "000197900123"
    assert [str(p) for p in data.pairs] == ["00100:00110", "00101:00111"]
    assert data.consistent and data.precopy
    assert data.schedule is not None and data.schedule.windows[0].start == time(2, 0)
    assert [str(p) for p in archivelogs.pairs] == ["00102:00112"]
    assert (service.ips[0].ipname, service.ips[0].ipdev, service.ips[0].netmask) == (
        "192.0.2.41",
        "eth0",
        "255.255.255.0",
    )
    assert [d.name for d in service.disks] == ["vgdata", "vgarch"]
    assert [(f.dev, f.mnt) for f in service.fss] == [
        ("/dev/vgdata/lv_data", "/u01"),
        ("/dev/vgarch/lv_arch", "/arch"),
    ]
    app = service.apps[0]
    start, stop, check = (app.command(verb) for verb in ("start", "stop", "check"))
    assert start and "db start" in start and stop and check


def test_hpux_example() -> None:
    service = load_service("aastmphpux", EXAMPLES)
    assert service.host_profile == "hpux"
    (sync,) = service.syncs
    assert sync.rid == "sync#2" and sync.symdg == "DGCVI"
    assert [str(p) for p in sync.pairs] == ["DEV001:CLONE001"]
    ip = service.ips[0]
    assert (ip.ipdev, ip.ipname, ip.netmask) == ("lan900:1", "192.168.32.41", "255.255.252.0")
    assert service.disks[0].name == "vgCVI"
    fs = service.fss[0]
    assert (fs.dev, fs.mnt, fs.type) == ("/dev/vgCVI/lv_CVI", "/aaststcvi", "vxfs")


def test_pairs_may_continue_on_indented_lines(tmp_path: Path) -> None:
    text = BASE.replace("00B60:00B61 00B62:00B63", "00B60:00B61\n    00B62:00B63\n    00B64:00B65")
    assert load_service_file(write_service(tmp_path, text)).syncs[0].targets == ("00B61", "00B63", "00B65")


def test_a_command_cannot_span_lines(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "pre_start = /bin/echo one\n    /bin/echo two\n")
    find_issue(path, issues, "sync#1", "pre_start", "one line")
