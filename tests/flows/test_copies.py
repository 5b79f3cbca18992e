"""Refresh flows and the array: activation order, calls per pair count, copies side by side, dry run.

The clone sessions a test starts from are made with symsim's own symclone (as an operator on the
host would), so each test runs only the flows it is about.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from flows.prefect_runner import ActionFailed
from tests.flows.conftest import (
    FlowEnv,
    example_service_text,
    run_flow,
    state_changing,
    sync_only_text,
)
from tests.plugins.symsim import DEFAULT_SID

OTHER_SID = "000197900456"
TRACKS_PER_GB = 8192
WAIT_STAGES = ("wait_activable", "wait_copied")


def establish(env: FlowEnv, sid: str, pairs: list[tuple[str, str]]) -> None:
    """Create and activate clone sessions with symclone itself; return once every pair is Copied."""
    path = env.home.parent / f"setup-{sid}-{pairs[0][0]}.pairs"
    path.write_text("".join(f"{s} {t}\n" for s, t in pairs))
    env.admin("speed", "--sid", sid, "--tracks-per-sec", str(TRACKS_PER_GB * 1000))
    symclone = str(env.bin_dir / "symclone")
    for action in (["create", "-diff", "-precopy"], ["activate", "-consistent"]):
        done = subprocess.run(
            [symclone, "-sid", sid, "-f", str(path), "-noprompt", *action], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    deadline = time.monotonic() + 10
    while True:
        states = {
            (p["src"], p["tgt"]): p["state"]
            for a in env.state()["arrays"]
            if a["sid"] == sid
            for p in a["pairs"]
        }
        if all(states.get(pair) == "Copied" for pair in pairs):
            return
        assert time.monotonic() < deadline, states
        time.sleep(0.05)  # test set-up polling the simulator, not product code


def pair_list(sources: range, offset: int) -> list[tuple[str, str]]:
    return [(f"{s:05X}", f"{s + offset:05X}") for s in sources]


def pairs_keyword(pairs: list[tuple[str, str]]) -> str:
    return " ".join(f"{s}:{t}" for s, t in pairs)


def failure(run: Any) -> str:
    return run.result.report.summary() if isinstance(run.result, ActionFailed) else str(run.result)


# --- 2. activation order -------------------------------------------------------------------------


def test_archive_logs_activated_before_data_make_the_database_refuse(flow_env: FlowEnv) -> None:
    env = flow_env
    env.admin("vg", "vgdata", "--sid", DEFAULT_SID, "--devs", "00110,00111")
    env.admin("vg", "vgarch", "--sid", DEFAULT_SID, "--devs", "00112")
    env.admin("speed", "--tracks-per-sec", str(TRACKS_PER_GB * 10))
    name = env.write_service(example_service_text(env.sshd, env.bin_dir, swap=True), "swap")
    provision = run_flow("provision", name)
    assert provision.ok, failure(provision)

    refresh = run_flow("refresh", name)
    assert not refresh.ok and refresh.state.is_failed()
    assert isinstance(refresh.result, ActionFailed)
    report = refresh.result.report
    outcomes = {s.name: s.outcome for s in report.stages}
    assert outcomes["start app"] == "failed", report.summary()
    assert all(outcome == "done" for stage, outcome in outcomes.items() if stage != "start app"), outcomes
    assert [s.name for s in report.stages if s.name.startswith("activate")] == [
        "activate sync#1",
        "activate sync#2",
    ]
    # The report names the app and carries the database's own reason: the logs end before the data.
    assert report.error.startswith("stage 10 (start app) failed: app#1: ")
    assert "ORA-01195" in report.error or "archived logs end at" in report.error, report.error
    app = report.stage("start app").results[0]
    assert app.rid == "app#1" and app.outcome == "failed"
    assert "the logs were activated before the data" in app.message, app.message
    assert env.host("db", "status", "ORA") == 1


# --- 4. symcli calls per refresh do not grow with the pairs --------------------------------------


def _refresh_calls(env: FlowEnv, name: str) -> tuple[int, int, dict[str, int]]:
    """(symclone+symdev calls of one refresh that are not wait polls, wait polls, actions counted)."""
    env.clear_calls()
    run = run_flow("refresh", name)
    assert run.ok, failure(run)
    array_calls = env.calls(("symclone", "symdev"))
    journal = [c for c in run.result["commands"] if Path(c["argv"][0]).name in ("symclone", "symdev")]
    # The array saw exactly the calls the report lists: nothing hidden, nothing invented.
    assert len(array_calls) == len(journal)
    polls = [c for c in journal if c["stage"] in WAIT_STAGES]
    assert all(Path(c["argv"][0]).name == "symdev" and "list" in c["argv"] for c in polls)
    actions: dict[str, int] = {}
    for call in array_calls:
        word = next((w for w in ("recreate", "activate", "create", "terminate") if w in call["argv"]), "read")
        actions[word] = actions.get(word, 0) + 1
    return len(array_calls) - len(polls), len(polls), actions


def test_symcli_calls_per_refresh_do_not_grow_with_the_pairs(flow_env: FlowEnv) -> None:
    env = flow_env
    small = [pair_list(range(0x100, 0x101), 0x10), pair_list(range(0x102, 0x103), 0x10)]
    large = [pair_list(range(0x120, 0x126), 0x10), pair_list(range(0x126, 0x12C), 0x10)]
    establish(env, DEFAULT_SID, [pair for pairs in small + large for pair in pairs])
    # Differential refreshes of 1 GB devices: tracks written since the activate, copied at once.
    env.admin("speed", "--tracks-per-sec", str(TRACKS_PER_GB * 32))
    services = {
        size: env.write_service(
            sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(p)) for p in sets]), size
        )
        for size, sets in (("small", small), ("large", large))
    }
    small_reads, small_polls, small_actions = _refresh_calls(env, services["small"])
    large_reads, large_polls, large_actions = _refresh_calls(env, services["large"])
    # One read and one control call per resource and operation, whatever the number of pairs.
    assert small_actions["recreate"] == large_actions["recreate"] == 2
    assert small_actions["activate"] == large_actions["activate"] == 2
    # Per resource: a read before recreate and before activate (2 resources: 4), the two control
    # calls (4), the checkpoint's reads of what the recreate and the activate left (4; after a wait
    # it keeps the wait's last poll), and the pairs-table reads before and after the run (4).
    assert small_reads == large_reads == 16
    # Polls: at least one per resource and wait, and only a few more when the copy is quick.
    for polls in (small_polls, large_polls):
        assert 4 <= polls <= 16, (small_polls, large_polls)


# --- 5. two resources copy side by side -----------------------------------------------------------


def test_two_resources_copy_side_by_side(flow_env: FlowEnv) -> None:
    env = flow_env
    env.admin("init", OTHER_SID, "--devs", "00200-0020F", "--size-gb", "1")
    data, logs = pair_list(range(0x100, 0x102), 0x10), pair_list(range(0x200, 0x201), 0x8)
    establish(env, DEFAULT_SID, data)
    establish(env, OTHER_SID, logs)
    # Each clone set alone copies for 3 s: 2 GB on one array, 1 GB on the other at half the speed.
    # Every source track is rewritten since the activate, so the recreate copies whole devices.
    copy_alone = 3.0
    env.admin("speed", "--sid", DEFAULT_SID, "--tracks-per-sec", str(round(2 * TRACKS_PER_GB / copy_alone)))
    env.admin("speed", "--sid", OTHER_SID, "--tracks-per-sec", str(round(TRACKS_PER_GB / copy_alone)))
    env.admin("speed", "--write-rate", "100000000")
    time.sleep(0.01)
    env.admin("speed", "--write-rate", "2")
    name = env.write_service(
        sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(data)), (OTHER_SID, pairs_keyword(logs))]),
        "par",
    )
    env.clear_calls()
    run = run_flow("refresh", name)
    assert run.ok, failure(run)

    calls = env.calls(("symclone", "symdev"))
    sid_of = {DEFAULT_SID: "sync#1", OTHER_SID: "sync#2"}

    def rid(call: dict[str, Any]) -> str:
        return sid_of[call["argv"][call["argv"].index("-sid") + 1]]

    recreates = {rid(c): c for c in calls if "recreate" in c["argv"]}
    first_activate = min(c["start"] for c in calls if "activate" in c["argv"])
    polls: dict[str, list[dict[str, Any]]] = {"sync#1": [], "sync#2": []}
    last_recreate_end = max(c["end"] for c in recreates.values())
    for call in calls:
        if call["tool"] == "symdev" and last_recreate_end <= call["start"] < first_activate:
            polls[rid(call)].append(call)
    assert set(recreates) == {"sync#1", "sync#2"}
    assert all(len(p) >= 2 for p in polls.values()), {k: len(v) for k, v in polls.items()}
    wait1_end = max(c["end"] for c in polls["sync#1"])
    # sync#2's copy began while sync#1's was still running...
    assert recreates["sync#2"]["start"] < wait1_end
    # ...and the two waits polled over the same time span: their [first start, last end] overlap.
    spans = {r: (min(c["start"] for c in p), max(c["end"] for c in p)) for r, p in polls.items()}
    assert max(s for s, _ in spans.values()) < min(e for _, e in spans.values()), spans
    # Side by side, waiting takes about one copy's time, not the two copies' one after another. The
    # wait stage is measured, not the whole run, whose fixed costs grow on a loaded machine.
    wait = {s["name"]: s for s in run.result["stages"]}["wait_activable"]["duration"]
    assert wait >= copy_alone * 0.8, "the recreate did not copy whole devices"
    assert wait < 2 * copy_alone, run.result["summary"]


# --- 6. dry run ----------------------------------------------------------------------------------


def test_dry_run_refresh_changes_nothing_and_lists_what_the_real_run_does(flow_env: FlowEnv) -> None:
    env = flow_env
    sets = [pair_list(range(0x100, 0x102), 0x10), pair_list(range(0x102, 0x103), 0x10)]
    establish(env, DEFAULT_SID, [pair for pairs in sets for pair in pairs])
    env.admin("speed", "--tracks-per-sec", str(TRACKS_PER_GB * 32))
    name = env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(p)) for p in sets]), "dry")
    pairs_before = [(p["src"], p["tgt"], p["state"], p["pit"]) for p in env.state()["arrays"][0]["pairs"]]
    env.clear_calls()

    dry = run_flow("refresh", name, dry_run=True)
    assert dry.ok, failure(dry)
    assert dry.result["dry_run"] is True
    calls = env.calls()
    assert calls and state_changing(calls) == [], calls
    assert [
        (p["src"], p["tgt"], p["state"], p["pit"]) for p in env.state()["arrays"][0]["pairs"]
    ] == pairs_before
    would = [(c["rid"], c["argv"]) for c in dry.result["commands"] if not c["executed"]]
    assert all(c["changes_state"] for c in dry.result["commands"] if not c["executed"])
    assert [(r, next(w for w in ("recreate", "activate") if w in a)) for r, a in would] in (
        [("sync#1", "recreate"), ("sync#2", "recreate"), ("sync#1", "activate"), ("sync#2", "activate")],
        [("sync#2", "recreate"), ("sync#1", "recreate"), ("sync#1", "activate"), ("sync#2", "activate")],
    )
    assert f"commands that would run ({len(would)}):" in dry.result["summary"]

    # The would-run commands are exactly those the real refresh then runs.
    real = run_flow("refresh", name)
    assert real.ok, failure(real)
    ran = [(c["rid"], c["argv"]) for c in real.result["commands"] if c["changes_state"]]
    assert sorted(ran) == sorted(would)
