"""Each kind of bad input gives an error naming the file, the section and the keyword."""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.config import ServiceConfigError, ServiceNotFoundError, load_service, load_service_file
from tests.config.helpers import BASE, find_issue, issues_of


def test_unknown_keyword_suggests_the_close_one(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "precopyy = true\n")
    issue = find_issue(path, issues, "sync#1", "precopyy", "unknown keyword")
    assert "'precopy'" in issue.message


def test_unknown_section(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[gadget#1]\nname = x\n[nosharp]\nname = y\n")
    find_issue(path, issues, "gadget#1", None, "unknown resource kind 'gadget'")
    find_issue(path, issues, "nosharp", None, "unknown section")
    assert f"{path}: [nosharp]: unknown section" in str(issues[1])


def test_opensvc_sections_clonepilot_does_not_drive_are_refused_naming_the_feature(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[container#1]\ntype = docker\n[task#backup]\ncommand = x\n")
    find_issue(path, issues, "container#1", None, "OpenSVC's containers")
    find_issue(path, issues, "task#backup", None, "OpenSVC's tasks")


@pytest.mark.parametrize(
    ("keyword", "value"), [("consistent", "maybe"), ("restart", "many"), ("restart", "-1")]
)
def test_wrong_type(tmp_path: Path, keyword: str, value: str) -> None:
    path, issues = issues_of(tmp_path, BASE + f"{keyword} = {value}\n")
    find_issue(path, issues, "sync#1", keyword, value)


def test_wrong_type_in_other_resources(tmp_path: Path) -> None:
    text = BASE + "[app#1]\ntimeout = soon\noptional = perhaps\n"
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "app#1", "timeout", "'soon' is not a duration")
    find_issue(path, issues, "app#1", "optional", "not a boolean")


def test_missing_symid(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("symid = 000197900123\n", ""))
    find_issue(path, issues, "sync#1", "symid", "missing")


def test_missing_pairs(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("pairs = 00B60:00B61 00B62:00B63\n", ""))
    find_issue(path, issues, "sync#1", "pairs", "missing required keyword")


def test_missing_type(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("type = symclone\n", ""))
    find_issue(path, issues, "sync#1", "type", "missing required keyword")


@pytest.mark.parametrize("pair", ["00B60-00B61", "00B60:", ":00B61", "00B60:00B61:00B62"])
def test_malformed_pair(tmp_path: Path, pair: str) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("00B62:00B63", pair))
    find_issue(path, issues, "sync#1", "pairs", "is not a pair")


@pytest.mark.parametrize("device", ["00G60", "0B6", "000B600", "DEV001"])
def test_non_hex_device_id(tmp_path: Path, device: str) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("00B62:00B63", f"00B62:{device}"))
    find_issue(path, issues, "sync#1", "pairs", "not a hex device id")


def test_target_equal_to_source_after_normalising(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("00B62:00B63", "00B62:0b62"))
    find_issue(path, issues, "sync#1", "pairs", "own source")


def test_target_used_twice(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("00B62:00B63", "00B62:00b61"))
    find_issue(path, issues, "sync#1", "pairs", "already used by 00B60:00B61")


def test_one_target_in_two_resources(tmp_path: Path) -> None:
    text = BASE + "[sync#2]\ntype = symclone\nsymid = 000197900123\npairs = 00C00:0B63\n"
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "sync#2", "pairs", "also a target of sync#1")


def test_same_device_number_on_another_array_is_another_device(tmp_path: Path) -> None:
    text = BASE + "[sync#2]\ntype = symclone\nsymid = 000197900999\npairs = 00C00:00B63\n"
    _, issues = issues_of(tmp_path, text)
    assert issues == []


@pytest.mark.parametrize(
    "value", ["fs#1(up", "fs#1)", "fs#1((up))", "fs#1(up,,down)", "fs#1(upp)", "fs1(up)"]
)
def test_bad_depends_syntax(tmp_path: Path, value: str) -> None:
    path, issues = issues_of(
        tmp_path, BASE + f"start_depends = {value}\n[fs#1]\ndev = /dev/x\nmnt = /x\ntype = ext4\n"
    )
    find_issue(path, issues, "sync#1", "start_depends", "")
    assert len(issues) == 1


def test_unknown_rid_in_depends(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "sync_update_depends = sync#9(up)\n")
    find_issue(path, issues, "sync#1", "sync_update_depends", "unknown resource 'sync#9'")


def test_self_dependency(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "stop_depends = sync#1\n")
    find_issue(path, issues, "sync#1", "stop_depends", "itself")


@pytest.mark.parametrize(
    "value",
    [
        '["25:00-01:00 mon"]',
        '["00:00-01:00@61 funday"]',
        '["00:00-01:00 mon-"]',
        '["00:00"]',
        "[00:00-01:00]",
        "[]",
    ],
)
def test_bad_schedule(tmp_path: Path, value: str) -> None:
    path, issues = issues_of(tmp_path, BASE + f"schedule = {value}\n")
    find_issue(path, issues, "sync#1", "schedule", "")


@pytest.mark.parametrize(
    ("line", "key", "message"),
    [
        ("host_profile = aix", "host_profile", "unknown host profile 'aix'"),
        ("approval = refresh status", "approval", "'status' is not an action that changes anything"),
        ("approval@node1 = refresh", "approval@node1", "not scopable"),
    ],
)
def test_bad_default_keyword(tmp_path: Path, line: str, key: str, message: str) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("drpnodes = drp1", f"drpnodes = drp1\n{line}"))
    find_issue(path, issues, "DEFAULT", key, message)


@pytest.mark.parametrize(("keyword", "value"), [("nodes", "node1 bad;host"), ("symcli_node", "root@:22")])
def test_bad_node(tmp_path: Path, keyword: str, value: str) -> None:
    text = BASE.replace("nodes = node1 node2\n", f"nodes = node1 node2\n{keyword} = {value}\n")
    if keyword == "nodes":
        text = BASE.replace("nodes = node1 node2", f"nodes = {value}")
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "DEFAULT", keyword, "is not a node")


def test_node_in_both_nodes_and_drpnodes(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("drpnodes = drp1", "drpnodes = node2"))
    find_issue(path, issues, "DEFAULT", "drpnodes", "also in nodes")


def test_missing_default_section(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("[DEFAULT]\nnodes = node1 node2\ndrpnodes = drp1\n", ""))
    find_issue(path, issues, "DEFAULT", "nodes", "missing")


@pytest.mark.parametrize("keyword", ["symid", "sync_max_delay", "always_on", "type"])
def test_scope_on_non_scopable_keyword(tmp_path: Path, keyword: str) -> None:
    path, issues = issues_of(tmp_path, BASE + f"{keyword}@nodes = 1\n")
    find_issue(path, issues, "sync#1", f"{keyword}@nodes", "not scopable")


def test_scope_that_is_not_a_node(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "precopy@node9 = false\n")
    find_issue(path, issues, "sync#1", "precopy@node9", "not 'nodes', 'drpnodes' nor a node")


def test_scoped_value_for_another_node_is_still_checked(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "precopy@drp1 = sometimes\n")
    find_issue(path, issues, "sync#1", "precopy@drp1", "not a boolean")


def test_unsupported_types(tmp_path: Path) -> None:
    text = BASE.replace("type = symclone", "type = symsnap") + "[disk#1]\ntype = zpool\nname = vg1\n"
    text += "[disk#2]\ntype = pond\nname = vg2\n"
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "sync#1", "type", "type = symsnap is OpenSVC's TimeFinder/Snap")
    find_issue(path, issues, "disk#1", "type", "type = zpool is OpenSVC's ZFS pools")
    find_issue(path, issues, "disk#2", "type", "unsupported type 'pond'")


def test_duplicate_keyword(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "precopy = true\nprecopy = false\n")
    find_issue(path, issues, "sync#1", "precopy", "set twice")


@pytest.mark.parametrize("keyword", ["precopy", "always_on"])
def test_empty_value(tmp_path: Path, keyword: str) -> None:
    path, issues = issues_of(tmp_path, BASE + f"{keyword} =\n")
    find_issue(path, issues, "sync#1", keyword, "empty value")


@pytest.mark.parametrize(
    ("section", "keyword", "value"),
    [
        ("sync#1", "symdg", "DG;reboot"),
        ("sync#1", "symdg", "A" * 33),
        ("sync#1", "symid", "0001979$(id)"),
        ("disk#1", "name", "vg$(reboot)"),
        ("fs#1", "dev", "/dev/vg/lv;reboot"),
        ("fs#1", "mnt", "relative/mnt"),
        ("fs#1", "mnt", "/mnt/with space"),
        ("fs#1", "mnt_opt", "rw,`id`"),
        ("fs#1", "type", "ext4 -o x"),
        ("ip#1", "ipdev", "eth0;reboot"),
        ("ip#1", "ipname", "1.2.3.4|x"),
        ("ip#1", "netmask", "255.0.255.0"),
        ("sync#1", "tags", "ok b@d"),
        ("sync#1", "subset", "a b"),
    ],
)
def test_injection_is_refused(tmp_path: Path, section: str, keyword: str, value: str) -> None:
    resources = {
        "disk#1": "[disk#1]\ntype = vg\nname = vg1\n",
        "fs#1": "[fs#1]\ndev = /dev/vg1/lv\nmnt = /mnt\ntype = ext4\n",
        "ip#1": "[ip#1]\nipname = 10.0.0.1\nipdev = eth0\n",
    }
    text = BASE
    for rid, block in resources.items():
        lines = [line for line in block.splitlines() if not line.startswith(f"{keyword} =") or rid != section]
        text += "\n".join(lines) + "\n"
    text = text.replace(f"[{section}]\n", f"[{section}]\n{keyword} = {value}\n", 1)
    if keyword == "symdg":
        text = text.replace("pairs = 00B60:00B61 00B62:00B63", "pairs = DEV001:CLONE001")
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, section, keyword, "")


def test_device_group_form_rejects_bad_logical_names(tmp_path: Path) -> None:
    text = BASE.replace("symid = 000197900123", "symdg = DGCVI").replace(
        "00B60:00B61 00B62:00B63", "DEV001:CLONE001 DEV002:CL;ONE"
    )
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "sync#1", "pairs", "not a logical device name")


def test_every_error_of_a_file_is_reported(tmp_path: Path) -> None:
    text = """\
        [DEFAULT]
        nodes = node1
        host_profile = solaris

        [sync#1]
        type = symclone
        symid = 000197900123
        pairs = 00B60:00B60 00B62:00ZZ3
        consistent = perhaps
        bogus = 1

        [ip#1]
        ipname = 10.0.0.1

        [fs#1]
        dev = /dev/x
        mnt = /x
        type = ext4
        start_depends = ip#7
        """
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "DEFAULT", "host_profile", "solaris")
    find_issue(path, issues, "sync#1", "consistent", "perhaps")
    find_issue(path, issues, "sync#1", "bogus", "unknown keyword")
    find_issue(path, issues, "sync#1", "pairs", "own source")
    find_issue(path, issues, "sync#1", "pairs", "00ZZ3")
    find_issue(path, issues, "ip#1", "ipdev", "missing")
    find_issue(path, issues, "fs#1", "start_depends", "ip#7")
    assert len(issues) == 7
    with pytest.raises(ServiceConfigError) as raised:
        load_service_file(path)
    assert len(raised.value.issues) == 7
    assert "7 errors" in str(raised.value)


def test_service_not_found_lists_the_services(tmp_path: Path) -> None:
    (tmp_path / "alpha.conf").write_text(BASE)
    (tmp_path / "beta.conf").write_text(BASE)
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(ServiceNotFoundError) as raised:
        load_service("gamma", tmp_path)
    assert "gamma" in str(raised.value)
    assert "alpha, beta" in str(raised.value)
    assert raised.value.found == ("alpha", "beta")


def test_service_name_cannot_escape_the_directory(tmp_path: Path) -> None:
    services = tmp_path / "services"
    services.mkdir()
    (tmp_path / "outside.conf").write_text(BASE)
    with pytest.raises(ServiceNotFoundError):
        load_service("../outside", services)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ServiceConfigError) as raised:
        load_service_file(tmp_path / "absent.conf")
    assert "absent.conf: no such file" in str(raised.value)


def test_always_on_names_nodes_of_the_service(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "always_on = nodes node7\n")
    find_issue(path, issues, "sync#1", "always_on", "'node7'")
