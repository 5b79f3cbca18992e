"""`clonepilot check`: the read-only preflight, against symsim over the real OpenSSH sshd fixture.

Every test reads the simulated array's call log: the check must never send a state-changing
command, whatever it finds. The allow-list and the program lookup are tested as units too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from clonepilot.check.findings import Level
from clonepilot.check.pairs import judge_pairs
from clonepilot.check.programs import parse_programs, service_programs
from clonepilot.check.readonly import (
    PROGRAMS_SCRIPT,
    NotReadOnly,
    ReadOnlyCommand,
    arrays,
    clone_query,
    devices,
    group,
    programs,
    refuse_unless_read_only,
    version,
)
from clonepilot.cli import app
from clonepilot.config import load_service
from clonepilot.engine.clones_model import CloneSnapshot, PairView
from clonepilot.engine.context import RunContext
from clonepilot.engine.runbook import execute, runbook
from clonepilot.settings import load_settings
from clonepilot.symcli import CloneState, GroupTarget, symclone_activate, symclone_create, symdg_delete
from clonepilot.symcli.commands import ArrayTarget
from tests.cli.conftest import PROBE
from tests.flows.conftest import FlowEnv, example_service_text, make_flow_env, node_line, sync_only_text
from tests.plugins.sshd import SSHServer
from tests.plugins.symsim import DEFAULT_SID

BIN = "/usr/symcli/bin"
# What the check may send to the array: (tool, action word); `symcli` alone has none.
READ_ONLY = {
    ("symcli", None),
    ("symcfg", "list"),
    ("symdev", "list"),
    ("symdg", "list"),
    ("symclone", "query"),
}


@pytest.fixture
def env(sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlowEnv:
    """symsim and a services directory; the sshd node is the symcli node and the service node."""
    flow_env = make_flow_env(tmp_path / "env", sshd, monkeypatch)
    flow_env.admin("vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    flow_env.admin("vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")
    return flow_env


def check(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def action_of(call: dict[str, Any]) -> tuple[str, str | None]:
    words = [str(a).lower() for a in call["argv"][1:] if not str(a).startswith("-")]
    known = {"list", "show", "query", "verify", "create", "recreate", "activate", "terminate", "split"}
    return call["tool"], next((w for w in words if w in known), None)


def assert_read_only(env: FlowEnv) -> list[dict[str, Any]]:
    calls = env.calls()
    assert {action_of(c) for c in calls} <= READ_ONLY, [c["argv"] for c in calls]
    assert not [c for c in calls if c["tool"] == "symsim-host"], "the check ran a host command"
    return calls


def provision(service: str, env: FlowEnv) -> None:
    loaded = load_service(service, env.services_dir)
    with RunContext(loaded, load_settings()) as ctx:
        report = execute(ctx, runbook(loaded, "provision"), action="provision")
    assert report.ok, report.summary()


def pairs_of(env: FlowEnv) -> list[tuple[str, str, str]]:
    return [(p["src"], p["tgt"], p["state"]) for a in env.state()["arrays"] for p in a["pairs"]]


def lines(result: Result, level: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(f"  {level} ")]


# -- against the simulated array and host, over SSH -------------------------------------------


def test_a_healthy_service_passes_with_reads_only(env: FlowEnv, sshd: SSHServer) -> None:
    name = env.write_service(example_service_text(sshd, env.bin_dir))
    first = check("-s", name, "check")
    assert first.exit_code == 0, first.output
    node = node_line(sshd)
    (hostkey,) = [line for line in lines(first, "ok") if " ssh host key " in line]
    assert f"node {node}" in hostkey and f"ssh-ed25519 {sshd.host_key_fingerprint} matches" in hostkey
    assert "SYMCLI V10.1.0.0 (edit level 2752), SYMAPI V10.1.0.0 (edit level 2752)" in first.stdout
    # Not provisioned yet: a warning per clone set, which does not fail the check.
    warnings = lines(first, "warn")
    assert len(warnings) == 2 and all("no clone session" in w for w in warnings), first.stdout
    assert "provision will create it" in first.stdout
    assert lines(first, "fail") == [] and first.stdout.rstrip().endswith("result: ok")
    calls = assert_read_only(env)
    # One call each: the version, the arrays, one listing of all 6 devices of both clone sets.
    assert sorted(action_of(c) for c in calls) == [("symcfg", "list"), ("symcli", None), ("symdev", "list")]

    provision(name, env)
    before = pairs_of(env)
    env.clear_calls()
    second = check("-s", name, "check", "--json")
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["ok"] is True and report["counts"]["fail"] == 0 and report["counts"]["warn"] == 0
    findings = report["services"][0]["findings"]
    pairs = [f for f in findings if f["check"] == "pairs"]
    assert [(f["subject"], f["level"]) for f in pairs] == [("sync#1", "ok"), ("sync#2", "ok")]
    assert "PreCopy" in pairs[0]["found"]
    hosts = [f for f in findings if f["check"] == "host commands"]
    assert hosts == [
        {
            "check": "host commands",
            "subject": f"node {node}",
            "level": "ok",
            "found": "1 program found (symsim-host)",
            "todo": "",
        }
    ]
    assert_read_only(env)
    assert [(s, t) for s, t, _ in pairs_of(env)] == [(s, t) for s, t, _ in before]


def test_check_answers_without_prefect(env: FlowEnv, sshd: SSHServer) -> None:
    name = env.write_service(example_service_text(sshd, env.bin_dir))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "-s", name, "check"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    probe = json.loads(done.stderr.rpartition("\nPROBE ")[2])
    assert probe["prefect"] == [], probe


def test_missing_symcli_fails_naming_the_binary_and_the_node(
    env: FlowEnv, sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = env.write_service(example_service_text(sshd, env.bin_dir))
    empty = tmp_path / "no-symcli" / "bin"
    empty.mkdir(parents=True)
    monkeypatch.setenv("CLONEPILOT_SYMCLI_BIN", str(empty))
    result = check("-s", name, "check")
    assert result.exit_code == 1, result.output
    (symcli,) = [line for line in lines(result, "fail") if " symcli " in line]
    assert f"node {node_line(sshd)}" in symcli and f"SYMCLI not found: {empty}/symcli" in symcli
    assert "CLONEPILOT_SYMCLI_BIN" in result.stdout
    # What needs SYMCLI is not checked (and says why); the host's programs still are.
    assert len([line for line in lines(result, "skip") if "SYMCLI is not usable" in line]) == 3
    assert f"{empty}/symsim-host not found" in result.stdout
    assert env.calls() == []


def test_unknown_array_fails_naming_the_arrays_seen(env: FlowEnv, sshd: SSHServer) -> None:
    name = env.write_service(sync_only_text(sshd, [("000197900999", "00100:00110")]))
    result = check("-s", name, "check")
    assert result.exit_code == 1, result.output
    (failure,) = lines(result, "fail")
    assert "array 000197900999" in failure
    assert f"not among the arrays {node_line(sshd)} sees ({DEFAULT_SID})" in failure
    assert f"fix symid in [sync#1] of {env.services_dir / name}.conf" in result.stdout
    assert_read_only(env)


def test_missing_device_fails_naming_resource_pair_and_device(env: FlowEnv, sshd: SSHServer) -> None:
    # 0110 is 00110 written at another width: the same device. 00150 is not on the array.
    name = env.write_service(sync_only_text(sshd, [(DEFAULT_SID, "00100:0110 00101:00150")]))
    result = check("-s", name, "check")
    assert result.exit_code == 1, result.output
    (failure,) = lines(result, "fail")
    assert "devices" in failure and "sync#1 00101:00150" in failure
    assert f"target device 00150 is not on array {DEFAULT_SID}" in failure
    assert "skip  pairs" in result.stdout
    assert_read_only(env)


@pytest.mark.parametrize("known", ["empty", "other key"])
def test_unknown_or_changed_host_key_fails_before_any_login(
    env: FlowEnv, sshd: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, known: str
) -> None:
    name = env.write_service(example_service_text(sshd, env.bin_dir))
    known_hosts = tmp_path / "known_hosts"
    if known == "empty":
        known_hosts.write_text("")
    else:
        other = tmp_path / "other_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
        kind, b64 = other.with_suffix(".pub").read_text().split()[:2]
        known_hosts.write_text(f"[{sshd.host}]:{sshd.port} {kind} {b64}\n")
    recorded = known_hosts.read_text()
    monkeypatch.setenv("CLONEPILOT_SSH_KNOWN_HOSTS", str(known_hosts))
    monkeypatch.setenv("CLONEPILOT_SSH_ACCEPT_NEW_HOST_KEYS", "true")  # the check ignores it
    logins = sshd.accepted_logins()
    result = check("-s", name, "check")
    assert result.exit_code == 1, result.output
    (failure,) = lines(result, "fail")
    assert f"node {node_line(sshd)}" in failure and sshd.host_key_fingerprint in failure
    if known == "empty":
        assert "host key unknown" in failure
        assert f"ssh-keyscan -p {sshd.port} -t ssh-ed25519 {sshd.host} >> {known_hosts}" in result.stdout
    else:
        assert "HOST KEY CHANGED" in failure
        assert f"ssh-keygen -R '[{sshd.host}]:{sshd.port}' -f {known_hosts}" in result.stdout
    assert known_hosts.read_text() == recorded, "the check wrote to known_hosts"
    assert sshd.accepted_logins() == logins, "the check logged in to a node it does not trust"
    assert env.calls() == []


def test_capture_writes_the_bundle_and_lists_what_no_parser_reads(
    env: FlowEnv, sshd: SSHServer, tmp_path: Path
) -> None:
    name = env.write_service(example_service_text(sshd, env.bin_dir))
    provision(name, env)
    # An array whose SE release prints one more element in each clone session.
    symdev = env.bin_dir / "symdev"
    symdev.rename(env.bin_dir / "symdev.real")
    symdev.write_text(
        "#!/bin/sh\n"
        'out=$("$0.real" "$@"); rc=$?\n'
        "printf '%s\\n' \"$out\" | sed 's#<state>#<copy_mode>Differential</copy_mode><state>#'\n"
        "exit $rc\n"
    )
    symdev.chmod(0o755)
    env.clear_calls()
    bundle = tmp_path / "bundle"
    result = check("-s", name, "check", "--capture", str(bundle))
    assert result.exit_code == 0, result.output
    index = json.loads((bundle / "index.json").read_text())
    assert index["format"] == "clonepilot-check-capture/1" and index["report"]["ok"] is True
    names = [c["name"] for c in index["calls"]]
    assert names == ["001-symcli", "002-symcfg-list", "003-symdev-list", "004-host-programs"]
    for entry in index["calls"]:
        record = json.loads((bundle / entry["files"]["record"]).read_text())
        assert record["node"] == node_line(sshd) and record["exit_code"] == 0
        assert record["command"] == entry["command"] and record["argv"][0].endswith(
            ("/symcli", "/symcfg", "/symdev", "sh")
        )
        assert (bundle / entry["files"]["stdout"]).read_text() == record["stdout"]
        assert record["stderr"] == "" and "stderr" not in entry["files"]
    listing = index["calls"][2]  # 3 pairs: the sources and the targets each show the session
    assert listing["not_understood"] == ["Symmetrix/Device/CLONE_Device/copy_mode (x6): 'Differential'"]
    assert "003-symdev-list (symdev_list): Symmetrix/Device/CLONE_Device/copy_mode (x6)" in result.stdout
    assert f"capture: 4 calls written to {bundle}" in result.stdout
    assert_read_only(env)


def test_device_group_resources(env: FlowEnv, sshd: SSHServer) -> None:
    tool = str(env.bin_dir / "symdg")
    for argv in (
        [tool, "create", "-type", "REGULAR", "DGCHK"],
        [str(env.bin_dir / "symld"), "-g", "DGCHK", "add", "dev", "0120", "DEV001"],
        [str(env.bin_dir / "symld"), "-g", "DGCHK", "add", "dev", "00121", "CLONE001"],
    ):
        assert subprocess.run(argv, capture_output=True).returncode == 0, argv
    node = node_line(sshd)
    text = f"[DEFAULT]\nnodes = {node}\nsymcli_node = {node}\nhost_profile = sim\n\n"
    good = env.write_service(text + "[sync#1]\ntype = symclone\nsymdg = DGCHK\npairs = DEV001:CLONE001\n")
    bad = env.write_service(text + "[sync#1]\ntype = symclone\nsymdg = DGCHK\npairs = DEV001:CLONE009\n")
    env.clear_calls()
    result = check("-s", good, "check")
    assert result.exit_code == 0, result.output
    assert "2 logical devices present, on array 000197900123" in result.stdout
    assert "no clone session on its pair (DEV001:CLONE001)" in result.stdout

    created = subprocess.run(
        [
            str(env.bin_dir / "symclone"),
            "-g",
            "DGCHK",
            "-noprompt",
            "create",
            "-diff",
            "DEV001",
            "sym",
            "ld",
            "CLONE001",
        ],
        capture_output=True,
    )
    assert created.returncode == 0
    env.clear_calls()
    result = check("-s", good, "check")
    assert result.exit_code == 0 and "DEV001:CLONE001 (Created" in result.stdout, result.output
    failed = check("-s", bad, "check")
    assert failed.exit_code == 1
    (failure,) = lines(failed, "fail")
    assert "sync#1 DEV001:CLONE009" in failure
    assert "target CLONE009 is not a logical device of group DGCHK (it holds: DEV001, CLONE001)" in failure
    assert_read_only(env)
    subprocess.run(symdg_delete(str(env.bin_dir), "DGCHK"), capture_output=True)


def test_all_services_read_each_array_once(env: FlowEnv, sshd: SSHServer) -> None:
    env.write_service(sync_only_text(sshd, [(DEFAULT_SID, "00100:00110 00101:00111")]), prefix="a")
    env.write_service(
        sync_only_text(sshd, [(DEFAULT_SID, "00102:00112"), (DEFAULT_SID, "0100:0110")]), prefix="b"
    )
    result = check("check", "--all")
    assert result.exit_code == 0, result.output
    assert "2 services: 2 ready, 0 not ready" in result.stdout
    calls = assert_read_only(env)
    (listing,) = [c for c in calls if c["tool"] == "symdev"]
    assert listing["argv"][listing["argv"].index("-devs") + 1] == "00100,00101,00102,00110,00111,00112"
    assert sorted(c["tool"] for c in calls) == ["symcfg", "symcli", "symdev"]

    (env.services_dir / "broken.conf").write_text(
        "[DEFAULT]\nnodes = localhost\n\n[sync#1]\ntype = symclone\n"
    )
    env.clear_calls()
    result = check("check", "--all", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    broken = next(s for s in report["services"] if s["service"] == "broken")
    assert broken["ok"] is False and broken["findings"][0]["check"] == "service file"
    assert "pairs" in broken["findings"][0]["found"]


def test_usage_errors() -> None:
    assert check("check").exit_code == 2


# -- units: the allow-list, the program lookup, the pair judgments ----------------------------


def test_every_builder_is_read_only_and_nothing_else_gets_through() -> None:
    built = [
        version(BIN),
        arrays(BIN),
        devices(BIN, DEFAULT_SID, ["00100", "0110"]),
        group(BIN, "DGCVI"),
        clone_query(BIN, GroupTarget("DGCVI", (("DEV001", "CLONE001"),))),
        programs(["ip", "/usr/symcli/bin/symsim-host"]),
    ]
    for command in built:
        refuse_unless_read_only(command.argv)
    target = ArrayTarget(DEFAULT_SID, "/var/tmp/x.pairs")
    for argv in (
        symclone_create(BIN, target),
        symclone_activate(BIN, target),
        symdg_delete(BIN, "DGCVI"),
        [f"{BIN}/symclone", "-sid", DEFAULT_SID, "-f", "/tmp/p", "query", "-noprompt"],
        [f"{BIN}/symcfg", "discover"],
        [f"{BIN}/symcli", "-def"],
        ["sh", "-c", "vgimport vgdata"],
        ["vgimport", "vgdata"],
    ):
        with pytest.raises(NotReadOnly):
            refuse_unless_read_only(argv)
    with pytest.raises(NotReadOnly, match="builders"):
        ReadOnlyCommand(built[0].kind, ("/usr/symcli/bin/symclone", "-g", "X", "query"))
    with pytest.raises(NotReadOnly):
        programs(["-rf"])
    assert programs(["ip"]).argv == ("sh", "-c", PROGRAMS_SCRIPT, "sh", "ip")


def test_the_program_lookup_runs_names_as_arguments(tmp_path: Path) -> None:
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    plain = tmp_path / "plain"
    plain.write_text("")
    odd = "$(touch${IFS}" + str(tmp_path / "pwned") + ");true"  # no whitespace: names with it are refused
    argv = programs(["sh", "no-such-program-here", str(tool), str(plain), odd]).argv
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=10)
    assert done.returncode == 0, done.stderr
    assert parse_programs(done.stdout) == {
        "sh": done.stdout.split("\n")[0].split("\t")[2],
        "no-such-program-here": None,
        str(tool): str(tool),
        str(plain): None,
        odd: None,
    }
    assert not (tmp_path / "pwned").exists()


def test_programs_come_from_the_profile_templates(tmp_path: Path) -> None:
    text = (
        "[DEFAULT]\nnodes = localhost\nhost_profile = {profile}\n\n"
        f"[sync#1]\ntype = symclone\nsymid = {DEFAULT_SID}\npairs = 00100:00110\n\n"
        "[disk#1]\ntype = vg\nname = vgdata\n\n[fs#1]\ndev = /dev/vgdata/lv\nmnt = /u01\ntype = ext4\n\n"
        "[app#1]\nstart = /opt/db/bin/dbctl start\ncheck = FOO=1 /opt/db/bin/dbctl status\n"
    )
    for profile in ("linux", "sim"):
        (tmp_path / f"{profile}.conf").write_text(text.format(profile=profile))
    linux = {n.program: n.users for n in service_programs(load_service("linux", tmp_path), BIN)}
    assert {"vgimport", "vgchange", "vgs", "fsck", "mount", "umount", "findmnt"} <= set(linux)
    assert "ip" not in linux  # no ip resource
    assert linux["/opt/db/bin/dbctl"] == ("app#1 start",)
    assert "linux vg start" in linux["vgimport"]
    sim = {n.program for n in service_programs(load_service("sim", tmp_path), BIN)}
    assert sim == {f"{BIN}/symsim-host", "/opt/db/bin/dbctl"}


def _judged(views: list[PairView]) -> list[tuple[str, Level, str]]:
    service = load_service_stub()
    resource = service.syncs[0]
    snapshot = CloneSnapshot(resource.rid, tuple(views), 0.0)
    return [(f.subject, f.level, f.found) for f in judge_pairs(service, resource, snapshot)]


def load_service_stub() -> Any:
    from clonepilot.config.models import DevicePair, Service, SymcloneSync
    from clonepilot.nodes import NodeAddress

    pairs = tuple(DevicePair(source=s, target=t) for s, t in (("00100", "00110"), ("00101", "00111")))
    sync = SymcloneSync(rid="sync#1", symid=DEFAULT_SID, pairs=pairs)
    local = NodeAddress("localhost")
    return Service(
        name="svc", path=Path("/s/svc.conf"), node=local, nodes=(local,), symcli_node=local, syncs=(sync,)
    )


def test_pair_judgments() -> None:
    def view(tgt: str, state: CloneState | None, other: str | None = None) -> PairView:
        return PairView(
            "00100" if tgt == "00110" else "00101", tgt, state, 100 if state else None, None, other
        )

    judged = _judged([view("00110", CloneState.SPLIT), view("00111", CloneState.RESTORED)])
    assert [(s, lvl) for s, lvl, _ in judged] == [
        ("sync#1 00100:00110", Level.WARN),
        ("sync#1 00101:00111", Level.FAIL),
    ]
    assert "cannot recreate from Restored" in judged[1][2]
    judged = _judged([view("00110", CloneState.COPIED, other="00105"), view("00111", None)])
    assert judged[0][1] is Level.FAIL and "with source 00105" in judged[0][2]
    assert judged[1] == ("sync#1", Level.WARN, "no clone session on 1 of 2 pairs (00101:00111)")
    judged = _judged([view("00110", CloneState.COPIED), view("00111", CloneState.COPIED)])
    assert [(s, lvl) for s, lvl, _ in judged] == [("sync#1", Level.OK)]
