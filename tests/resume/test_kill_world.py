"""A refresh killed mid-way resumes only in the world it left; the rerun says which it does, and why.

Killed and rerun as in test_kill_rerun, the rerun's log must say it resumes (it really does: a run
that started over would be refused by its down check once the ip is up). Clones refreshed by hand
between the kill and the rerun make the rerun start over instead, naming the clone set and what
the array shows now against what the killed run left; the down check then refuses, changing
nothing.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.plugins.symsim import SymsimArray
from tests.resume.test_kill_rerun import ROOT, _driver, _run_until_killed, _symclone_actions, provisioned

__all__ = ["provisioned"]  # the fixture, shared with test_kill_rerun


def _rerun(argv: list[str]) -> tuple[dict, str]:
    """The rerun's report and its log (the driver logs on stdout)."""
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, out.stdout + out.stderr
    return json.loads(lines[-1][len("REPORT ") :]), out.stdout


@pytest.mark.parametrize("stage", ["activate sync#2", "wait_copied", "start fs"])
def test_a_killed_refresh_resumes_and_says_so(provisioned: SymsimArray, tmp_path: Path, stage: str) -> None:
    argv = _driver(provisioned, tmp_path)
    _run_until_killed(argv, stage)

    report, log = _rerun(argv)

    assert report["ok"], report["error"]
    assert "demo: resuming the refresh started" in log, log
    assert "starting the refresh over" not in log, log
    assert _symclone_actions(provisioned, 0).count("activate") == 2


def test_clones_refreshed_by_hand_after_the_kill_make_the_rerun_start_over(
    provisioned: SymsimArray, tmp_path: Path
) -> None:
    argv = _driver(provisioned, tmp_path)
    _run_until_killed(argv, "start fs")
    # The array keeps action times to the second: the administrator acts in a later one.
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.02)
    pairs = tmp_path / "by-hand.pairs"
    pairs.write_text("00100 00110\n00101 00111\n")
    for action in (["recreate", "-precopy"], ["activate"]):
        done = provisioned.run("symclone", "-sid", provisioned.sid, "-f", str(pairs), "-noprompt", *action)
        assert done.returncode == 0, done.stdout + done.stderr
    by_hand = time.time()

    report, log = _rerun(argv)

    start_over = [line for line in log.splitlines() if "starting the refresh over" in line]
    assert start_over, log
    assert "does not hold: sync#1: pairs now C" in start_over[0], start_over[0]
    assert "but the interrupted refresh left them Copied/activated" in start_over[0], start_over[0]
    assert "sync#2" not in start_over[0]  # untouched: still what the killed run left
    assert report["error_type"] == "ServiceNotDown", report["error"]
    assert _symclone_actions(provisioned, by_hand) == []
