"""OpenSVC's keywords in three tiers: understood with OpenSVC's meaning, accepted and ignored with a
warning, refused naming the feature. Each test quotes the OpenSVC source the meaning comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from clonepilot.config import AppResource, Service, VgResource, load_service_file
from clonepilot.config.appaction import AppAction
from clonepilot.config.values import to_app_action, to_command, to_duration, to_duration_minutes
from clonepilot.engine.app_command import app_command
from clonepilot.engine.runbook import runbook
from tests.config.helpers import BASE, find_issue, issues_of, write_service


def _load(tmp_path: Path, text: str, node: str | None = None) -> Service:
    return load_service_file(write_service(tmp_path, text), node=node)


def _warned(service: Service, section: str, keyword: str | None, fragment: str) -> None:
    for warning in service.warnings:
        if warning.section == section and warning.keyword == keyword and fragment in warning.message:
            return
    raise AssertionError(f"no warning [{section}] {keyword} ~ {fragment!r} in {service.warnings}")


# --- durations (utilities/converters convert_duration, duration_minute) ----------------------


@pytest.mark.parametrize(
    ("text", "seconds"), [("300", 300), ("90m", 5400), ("1d3h", 97200), ("1w", 604800), ("1H30M", 5400)]
)
def test_durations_read_as_opensvc_reads_them(text: str, seconds: int) -> None:
    assert to_duration(text) == seconds


@pytest.mark.parametrize(("text", "minutes"), [("1440", 1440), ("1d3h", 1620), ("90m", 90), ("2h", 120)])
def test_sync_max_delay_is_minutes_or_a_duration(text: str, minutes: int) -> None:
    assert to_duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["1d3", "soon", "1.5h", "-3", "h"])
def test_durations_opensvc_would_half_read_are_refused(text: str) -> None:
    # OpenSVC drops the digits after the last unit: "1d3" is one day there, a typo here.
    with pytest.raises(ValueError, match="not a duration"):
        to_duration(text)


def test_sync_max_delay_below_a_minute_is_refused() -> None:
    with pytest.raises(ValueError, match="whole, positive number of minutes"):
        to_duration_minutes("90s")


def test_default_sync_max_delay_is_inherited_by_every_sync(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1\n", "drpnodes = drp1\nsync_max_delay = 1d3h\n")
    text += "\n[sync#2]\ntype = symclone\nsymid = 000197900123\npairs = 00B70:00B71\nsync_max_delay = 2h\n"
    service = _load(tmp_path, text)
    assert [s.sync_max_delay for s in service.syncs] == [1620, 120]


def test_recreate_and_restore_timeouts_are_durations(tmp_path: Path) -> None:
    service = _load(tmp_path, BASE + "recreate_timeout = 4h\nrestore_timeout = 600\n")
    assert (service.syncs[0].recreate_timeout, service.syncs[0].restore_timeout) == (14400, 600)
    assert _load(tmp_path, BASE).syncs[0].recreate_timeout is None


# --- the app driver (drivers/resource/app/__init__.py get_cmd) --------------------------------


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("50", AppAction(run=True, order=50)),
        ("0", AppAction(run=True, order=0)),
        ("true", AppAction(run=True)),
        ("yes", AppAction(run=True)),
        ("false", AppAction(run=False)),
        ("none", AppAction(run=False)),
        ("/etc/init.d/db start", AppAction(run=True, command="/etc/init.d/db start")),
    ],
)
def test_app_action_values_mean_what_opensvc_means(text: str, action: AppAction) -> None:
    assert to_app_action(text) == action


@pytest.mark.parametrize("text", ["true", "10", "no", "1.5"])
def test_a_number_or_boolean_is_never_a_hook_command(text: str) -> None:
    with pytest.raises(ValueError, match="not a command"):
        to_command(text)


APP_SCRIPT = """
[app#db]
script = /etc/init.d/oracle
start = 50
stop = true
check = true
info = false
user = oracle
cwd = /u01/app
environment = ORACLE_SID=ORA NLS_LANG="AMERICAN_AMERICA.UTF8"
timeout = 5m
start_timeout = 10m
retcodes = 0:up 1:down 3:n/a
"""


def test_app_script_idiom_runs_the_script_with_start_stop_status(tmp_path: Path) -> None:
    service = _load(tmp_path, BASE + APP_SCRIPT)
    app = service.apps[0]
    assert isinstance(app, AppResource)
    assert app.command("start") == "/etc/init.d/oracle start"
    assert app.command("stop") == "/etc/init.d/oracle stop"
    assert app.command("check") == "/etc/init.d/oracle status"
    assert app.command("info") is None
    assert (app.timeout_for("start"), app.timeout_for("stop")) == (600, 300)
    assert (app.status_of(0), app.status_of(3), app.status_of(7)) == ("up", "n/a", "warn")

    start = app_command(app, "start", service.name, "linux")
    assert start is not None
    assert start.argv == [
        "runuser",
        "-u",
        "oracle",
        "--",
        "/bin/sh",
        "-c",
        "cd /u01/app && /etc/init.d/oracle start",
    ]
    assert start.env == {
        "OPENSVC_RID": "app#db",
        "OPENSVC_NAME": "svc",
        "OPENSVC_SVCNAME": "svc",
        "ORACLE_SID": "ORA",
        "NLS_LANG": "AMERICAN_AMERICA.UTF8",
    }
    hpux = app_command(app, "check", service.name, "hpux")
    assert hpux is not None and hpux.argv == [
        "/usr/bin/su",
        "oracle",
        "-c",
        "/bin/sh -c 'cd /u01/app && /etc/init.d/oracle status'",
    ]


def test_app_number_or_true_without_script_is_refused(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[app#1]\nstart = 10\ncheck = true\n")
    find_issue(path, issues, "app#1", "start", "no script is set")
    find_issue(path, issues, "app#1", "check", "no script is set")


def test_check_true_without_a_script_never_runs_true(tmp_path: Path) -> None:
    # Before, `check = true` ran /bin/sh -c true: an app that looked up forever.
    path, issues = issues_of(tmp_path, BASE + "[app#1]\nstart = /bin/db start\ncheck = true\n")
    find_issue(path, issues, "app#1", "check", "no script is set")


def test_script_without_user_warns_that_opensvc_would_run_it_as_its_owner(tmp_path: Path) -> None:
    service = _load(tmp_path, BASE + "[app#1]\nscript = /etc/init.d/web\nstart = true\n")
    _warned(service, "app#1", "script", "as the script file's owner")


def test_app_type_simple_is_refused_naming_the_feature(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[app#1]\ntype = simple\nstart = /bin/web\n")
    find_issue(path, issues, "app#1", "type", "simple apps")


# --- order (core/resource.py sort_key, resourceset.sort_resources) ----------------------------


def test_apps_start_by_their_start_number_and_stop_in_reverse(tmp_path: Path) -> None:
    apps = "".join(
        f"[app#{name}]\nscript = /etc/init.d/{name}\nuser = root\nstart = {order}\n"
        for name, order in (("web", 30), ("db", 10), ("batch", 20))
    )
    service = _load(tmp_path, BASE + apps)
    assert [a.rid for a in service.apps] == ["app#db", "app#batch", "app#web"]
    stages = {s.name: s.rids for s in runbook(service, "stop")}
    assert stages["stop app"] == ("app#web", "app#batch", "app#db")


def test_named_rids_sort_as_opensvc_sorts_them_and_the_text_order_is_warned(tmp_path: Path) -> None:
    syncs = "".join(
        f"[sync#{n}]\ntype = symclone\nsymid = 000197900123\npairs = 00C{i}0:00C{i}1\n"
        for i, n in enumerate(("2", "10", "arch"))
    )
    service = _load(tmp_path, BASE.split("[sync#1]")[0] + syncs)
    # As text: "10" < "2" < "arch".
    assert [s.rid for s in service.syncs] == ["sync#10", "sync#2", "sync#arch"]
    _warned(service, "sync#10", None, "as text")


# --- sections, types and keywords of OpenSVC ------------------------------------------------


def test_deprecated_vg_section_and_vgname_read_as_a_disk(tmp_path: Path) -> None:
    # The seed's own log: [vg#1] vgname = ... (OpenSVC's DEPRECATED_SECTIONS / DEPRECATED_KEYWORDS).
    service = _load(tmp_path, BASE + "[vg#1]\nvgname = vgdata\n[disk#2]\ntype = lvm\nname = vgarch\n")
    assert [(d.rid, d.kind, d.name) for d in service.disks] == [
        ("disk#2", "disk", "vgarch"),
        ("vg#1", "disk", "vgdata"),
    ]
    assert all(isinstance(d, VgResource) and d.type == "vg" for d in service.disks)


def test_vg_needs_a_name_and_not_two(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[disk#1]\ntype = vg\n[disk#2]\nname = a\nvgname = b\n")
    find_issue(path, issues, "disk#1", "name", "missing required keyword")
    find_issue(path, issues, "disk#2", "vgname", "not both")


def test_requires_is_read_as_depends(tmp_path: Path) -> None:
    text = (
        BASE
        + "[ip#1]\nipname = 192.0.2.1\nipdev = eth0\n[app#1]\nstart = /bin/a\nstart_requires = ip#1(up)\n"
    )
    service = _load(tmp_path, text)
    assert [str(c) for c in service.apps[0].depends_on("start")] == ["ip#1(up)"]


def test_ignored_keywords_are_warned_about_and_change_nothing(tmp_path: Path) -> None:
    text = BASE.replace(
        "drpnodes = drp1\n", "drpnodes = drp1\nid = 7a3c4b2e-1111-2222-3333-444455556666\norchestrate = no\n"
    )
    text += "shared = true\n[disk#1]\nname = vg1\npvs = /dev/sdb\n"
    text += "[fs#1]\ntype = ext4\ndev = /dev/vg1/lv\nmnt = /u01\nsize = 10g\n"
    service = _load(tmp_path, text)
    _warned(service, "DEFAULT", "id", "ignored")
    _warned(service, "DEFAULT", "orchestrate", "ignored")
    _warned(service, "sync#1", "shared", "ignored")
    _warned(service, "disk#1", "pvs", "ignored")
    _warned(service, "fs#1", "size", "ignored")


@pytest.mark.parametrize(
    ("addition", "section", "keyword", "fragment"),
    [
        ("orchestrate = ha\n", "DEFAULT", "orchestrate", "start or fail over the service by itself"),
        ("topology = flex\n", "DEFAULT", "topology", "flex services"),
        ("flex_target = 2\n", "DEFAULT", "flex_target", "flex services"),
        ("precopy_timeout = 300\n", "DEFAULT", "precopy_timeout", "write recreate_timeout"),
    ],
)
def test_cluster_features_and_old_keywords_are_refused_naming_them(
    tmp_path: Path, addition: str, section: str, keyword: str, fragment: str
) -> None:
    text = BASE.replace("drpnodes = drp1\n", "drpnodes = drp1\n" + addition)
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, section, keyword, fragment)


def test_node_selectors_only_a_cluster_resolves_are_refused(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE.replace("nodes = node1 node2", "nodes = *"))
    find_issue(path, issues, "DEFAULT", "nodes", "node selector")


def test_drpnode_is_the_first_drp_node(tmp_path: Path) -> None:
    text = BASE.replace("drpnodes = drp1\n", "drpnode = drp0\ndrpnodes = drp1\n")
    assert [str(n) for n in _load(tmp_path, text).drpnodes] == ["drp0", "drp1"]


# --- references (core/extconfig.py handle_reference) ------------------------------------------


def test_references_expand_as_opensvc_expands_them(tmp_path: Path) -> None:
    text = BASE + (
        "[env]\nsid = ora\nhome = /u01/{svcname}\n"
        "[fs#data]\ntype = ext4\ndev = /dev/vg_{svcname}/lv\nmnt = {env.home}/{rindex}\n"
        "[app#db]\nstart = /bin/db start {env.sid} on {nodename} ${ORACLE_HOME} {upper:env.sid}\n"
        "post_start = /bin/log {rid} started\n"
    )
    service = _load(tmp_path, text, node="node2")
    fs = service.fss[0]
    assert (fs.dev, fs.mnt) == ("/dev/vg_svc/lv", "/u01/svc/data")
    assert service.apps[0].command("start") == "/bin/db start ora on node2 ${ORACLE_HOME} ORA"
    assert service.apps[0].hooks["post_start"] == "/bin/log app#db started"


def test_references_clonepilot_cannot_answer_are_refused(tmp_path: Path) -> None:
    text = BASE + "[app#1]\nstart = /bin/a {clusternodes}\nstop = /bin/b {env.missing}\n"
    path, issues = issues_of(tmp_path, text)
    find_issue(path, issues, "app#1", "start", "only OpenSVC's cluster knows")
    find_issue(path, issues, "app#1", "stop", "[env] has no keyword 'missing'")


def test_a_bare_keyword_reference_reads_the_section_then_default(tmp_path: Path) -> None:
    text = BASE + "[fs#1]\ntype = ext4\ndev = /dev/vg/lv\nmnt = /data\nmnt_opt = {type}\n"
    text += "[app#1]\nstart = /bin/run {nodes} {mnt}\n"
    service = _load(tmp_path, text)
    assert service.fss[0].mnt_opt == "ext4"
    # {mnt} is no keyword of app#1 nor of [DEFAULT]: left as written, as OpenSVC leaves it.
    assert service.apps[0].command("start") == "/bin/run node1 node2 {mnt}"


def test_a_reference_to_itself_is_refused(tmp_path: Path) -> None:
    path, issues = issues_of(tmp_path, BASE + "[app#1]\nstart = /bin/a {stop}\nstop = /bin/b {start}\n")
    find_issue(path, issues, "app#1", "start", "without end")
