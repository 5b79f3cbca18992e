"""The refresh flow resumes an interrupted refresh only in the world it left, and on request never.

The first refresh fails at its last stage (an application that may not start yet), leaving its
checkpoint. Then either an administrator refreshes the clones by hand (same states, other action
times), or the next run asks `restart=True`: both times the rerun starts over, refreshing the
clones again, and its log in the Prefect UI says why.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.flows.conftest import FlowEnv, run_flow, state_changing, sync_only_text
from tests.flows.test_approval import _logs
from tests.flows.test_copies import establish, failure, pair_list, pairs_keyword
from tests.plugins.symsim import DEFAULT_SID

PAIRS = pair_list(range(0x100, 0x102), 0x10)


def _interrupted(env: FlowEnv) -> tuple[str, Path]:
    """A service whose refresh failed at `start app`; returns its name and the app's flag file."""
    establish(env, DEFAULT_SID, PAIRS)
    flag, running = env.home.parent / "app-may-start", env.home.parent / "app-running"
    app = (
        f"\n[app#1]\nstart = test -e {flag} && touch {running}\nstop = rm -f {running}\n"
        f"check = test -e {running}\ntimeout = 30\n"
    )
    name = env.write_service(sync_only_text(env.sshd, [(DEFAULT_SID, pairs_keyword(PAIRS))]) + app, "again")
    first = run_flow("refresh", name)
    assert not first.ok and "app#1" in failure(first), failure(first)
    assert list((env.home.parent / "state").glob(f"{name}.refresh.checkpoint.json"))
    return name, flag


def _recreates(env: FlowEnv) -> int:
    return len([c for c in state_changing(env.calls()) if "recreate" in c["argv"]])


def _started_over(env: FlowEnv, name: str, **parameters: object) -> str:
    """Run the refresh again; check it ran every stage itself; return its start-over log line."""
    env.clear_calls()
    second = run_flow("refresh", name, **parameters)
    assert second.ok, failure(second)
    outcomes = {s["name"]: s["outcome"] for s in second.result["stages"]}
    assert set(outcomes.values()) == {"done"}, outcomes
    assert _recreates(env) == 1  # the clones refreshed again, not taken for the interrupted run's
    said = "starting the refresh over"
    lines = [line for line in _logs(second.flow_run_id, said) if said in line]
    assert lines, f"no log line says {said!r}"
    return lines[0]


def test_clones_refreshed_by_hand_since_make_the_rerun_start_over(flow_env: FlowEnv) -> None:
    env = flow_env
    name, flag = _interrupted(env)
    # The administrator's own refresh of the pairs: recreate, then activate, in a later second
    # than the refresh's activate (the array keeps action times to the second).
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)
    path = env.home.parent / "by-hand.pairs"
    path.write_text("".join(f"{s} {t}\n" for s, t in PAIRS))
    for action in (["recreate", "-precopy"], ["activate"]):
        done = subprocess.run(
            [str(env.bin_dir / "symclone"), "-sid", DEFAULT_SID, "-f", str(path), "-noprompt", *action],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    flag.touch()

    line = _started_over(env, name)

    assert "does not hold: sync#1: pairs now C" in line, line  # CopyInProg or Copied, activated now
    assert "but the interrupted refresh left them Copied/activated" in line, line


def test_restart_true_starts_over_on_purpose(flow_env: FlowEnv) -> None:
    env = flow_env
    name, flag = _interrupted(env)
    flag.touch()

    line = _started_over(env, name, restart=True)

    assert "restart asked: the checkpoint in" in line and "is discarded" in line, line
