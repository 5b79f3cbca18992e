"""A refresh on a Linux service host (the sim-linux profile), over real SSH, in the Prefect test harness.

symsim-host's Linux mode keeps the stale view a Linux kernel has of a clone target after activate:
its volume group cannot be imported until the target's SCSI device is rescanned. The refresh's
`rescan targets` stage does that, once per target, between the wait for Copied and the vg stage.
With the source devices visible too, the clones' PVs are duplicates and only vgimportclone works.
"""

from __future__ import annotations

import subprocess
from typing import Any

from flows.prefect_runner import ActionFailed
from tests.flows.conftest import FlowEnv, FlowRun, node_line, run_flow
from tests.plugins.symsim import DEFAULT_SID
from tests.service_texts import host_sections

# vgarch sorts first on the simulated host: 00112 is sdb, vgdata's 00110 and 00111 sdc and sdd.
TARGET_PATHS = {"sdb", "sdc", "sdd"}
STAGES = [
    "check_down",
    "recreate",
    "wait_activable",
    "start ip",
    "activate sync#1",
    "activate sync#2",
    "wait_copied",
    "rescan targets",
    "start disk",
    "start fs",
    "start app",
]


def _service(env: FlowEnv, *, clone_syncs: bool = False) -> str:
    node = node_line(env.sshd)
    hosts = host_sections(env.bin_dir)
    if clone_syncs:
        # Which clone set holds which VG's PVs: vgimportclone is given exactly those.
        for vg, sync in (("vgdata", "sync#1"), ("vgarch", "sync#2")):
            hosts = hosts.replace(f"name = {vg}\n", f"name = {vg}\nclone_syncs = {sync}\n")
    text = (
        f"[DEFAULT]\nnodes = {node}\nsymcli_node = {node}\nhost_profile = sim-linux\n\n"
        f"[sync#1]\ntype = symclone\nsymid = {DEFAULT_SID}\npairs = 00100:00110 00101:00111\n\n"
        f"[sync#2]\ntype = symclone\nsymid = {DEFAULT_SID}\npairs = 00102:00112\n\n" + hosts
    )
    return env.write_service(text, "lnx")


def _linux_host(env: FlowEnv, *options: str) -> None:
    env.admin("vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    env.admin("vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")
    assert env.host("linux", "setup", *options) == 0


def _ok(run: FlowRun) -> None:
    assert run.ok, run.result.report.summary() if isinstance(run.result, ActionFailed) else run.result


def _linux_calls(env: FlowEnv) -> list[dict[str, Any]]:
    """symsim-host linux calls as (command, args): what the host was asked, in order."""
    return [c for c in env.calls(("symsim-host",)) if c["argv"][1:2] == ["linux"]]


def _words(call: dict[str, Any]) -> list[str]:
    return [str(a) for a in call["argv"][2:]]


def _host(env: FlowEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(env.bin_dir / "symsim-host"), *args], capture_output=True, text=True, timeout=60
    )


def test_refresh_rescans_each_target_once_after_activate_and_before_vgimport(flow_env: FlowEnv) -> None:
    env = flow_env
    _linux_host(env)
    name = _service(env)
    _ok(run_flow("provision", name))
    env.clear_calls()
    refresh = run_flow("refresh", name)
    _ok(refresh)
    assert [s["name"] for s in refresh.result["stages"]] == STAGES
    assert env.host("db", "status", "ORA") == 0

    calls = env.calls()
    last_activate = max(
        c["end"] for c in calls if c["tool"] == "symclone" and "activate" in [a.lower() for a in c["argv"]]
    )
    linux = _linux_calls(env)
    rescans = [c for c in linux if _words(c)[0] == "tee"]
    # Each target path exactly once, written "1" like OpenSVC, each followed by its sg_turs.
    assert sorted(_words(c)[1] for c in rescans) == sorted(
        f"/sys/block/{sd}/device/rescan" for sd in TARGET_PATHS
    )
    assert all(c["exit_code"] == 0 and c["start"] >= last_activate for c in rescans)
    turs = [c for c in linux if _words(c)[0] == "sg_turs"]
    assert sorted(_words(c)[1] for c in turs) == sorted(f"/dev/{sd}" for sd in TARGET_PATHS)
    imports = [c for c in linux if _words(c)[0] == "vgimport"]
    assert sorted(_words(c)[1] for c in imports) == ["vgarch", "vgdata"]
    assert max(c["end"] for c in rescans + turs) <= min(c["start"] for c in imports)
    # No source on this host: plain vgimport, never vgimportclone; no multipath on it either.
    assert not [c for c in linux if _words(c)[0] in ("vgimportclone", "multipath")]
    # The rescan stage ran on the service node, through the profile's argv.
    stage = next(s for s in refresh.result["stages"] if s["name"] == "rescan targets")
    assert stage["rids"] == ["sync#1", "sync#2"]
    assert {c["node"] for c in stage["commands"]} == {node_line(env.sshd)}


def test_without_the_rescan_vgimport_fails_and_start_rescans_first(flow_env: FlowEnv) -> None:
    env = flow_env
    _linux_host(env)
    name = _service(env)
    _ok(run_flow("provision", name))
    _ok(run_flow("refresh", name))
    _ok(run_flow("stop", name))
    # A new point in time with no start after it: sync_update recreates, sync_break activates.
    _ok(run_flow("sync_update", name))
    _ok(run_flow("sync_break", name))
    stale = _host(env, "linux", "vgimport", "vgdata")
    assert stale.returncode == 5
    assert "/dev/sdc: read failed after 0 of 4096 at 0: Input/output error" in stale.stderr
    assert 'Volume group "vgdata" not found' in stale.stderr
    env.clear_calls()
    start = run_flow("start", name)
    _ok(start)
    assert "rescan targets" in [s["name"] for s in start.result["stages"]]
    assert sum(1 for c in _linux_calls(env) if _words(c)[0] == "tee") == len(TARGET_PATHS)
    assert env.host("db", "status", "ORA") == 0


def test_a_host_seeing_the_sources_imports_the_clones_with_vgimportclone(flow_env: FlowEnv) -> None:
    env = flow_env
    _linux_host(env, "--source-visible", "--multipath")
    name = _service(env, clone_syncs=True)
    _ok(run_flow("provision", name))
    for attempt in range(2):  # the second refresh finds the clones under the source's identity again
        env.clear_calls()
        refresh = run_flow("refresh", name, stop_first=attempt > 0)
        _ok(refresh)
        linux = _linux_calls(env)
        clones = sorted(_words(c) for c in linux if _words(c)[0] == "vgimportclone")
        # Multipath: the maps are the PVs (vgarch's mpatha, vgdata's mpathb and mpathc).
        assert clones == [
            ["vgimportclone", "--basevgname", "vgarch", "/dev/mapper/mpatha"],
            ["vgimportclone", "--basevgname", "vgdata", "/dev/mapper/mpathb", "/dev/mapper/mpathc"],
        ]
        assert not [c for c in linux if _words(c)[0] == "vgimport"]
        # Two paths per target rescanned, one map reload per target, all before the imports.
        rescans = [c for c in linux if _words(c)[0] == "tee"]
        reloads = [c for c in linux if _words(c)[0] == "multipath"]
        assert len(rescans) == 6 and len(reloads) == 3
        first_import = min(c["start"] for c in linux if _words(c)[0] == "vgimportclone")
        assert max(c["end"] for c in rescans + reloads) <= first_import
        assert env.host("db", "status", "ORA") == 0
    # What the profile avoids: a plain vgimport of a clone beside its source.
    _ok(run_flow("stop", name))
    _ok(run_flow("sync_update", name))
    _ok(run_flow("sync_break", name))
    for sd in ("sdd", "sde", "sdf", "sdg"):
        assert (
            subprocess.run(
                [str(env.bin_dir / "symsim-host"), "linux", "tee", f"/sys/block/{sd}/device/rescan"],
                input="1",
                capture_output=True,
                text=True,
                timeout=60,
            ).returncode
            == 0
        )
    for sd in ("sdd", "sdf"):
        assert env.host("linux", "multipath", "-v0", "-r", f"/dev/{sd}") == 0
    plain = _host(env, "linux", "vgimport", "vgdata")
    assert plain.returncode == 5
    assert "WARNING: Not using device /dev/mapper/mpathb for PV" in plain.stderr
    assert "with duplicates" in plain.stderr
