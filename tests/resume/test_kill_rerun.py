"""A refresh whose process is killed at a stage, then run again, ends in the right state.

"Right" means: the database starts on a consistent image (data activated before archived logs),
no clone is recreated once the service's resources were started on it, no activate is repeated,
and the rerun resumes instead of refusing because of resources the dead run itself started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.helpers_host import demo_text, register_vgs, write_service
from tests.plugins.symsim import SymsimArray

ROOT = Path(__file__).resolve().parents[2]
STATE_CHANGING = {"create", "recreate", "activate", "terminate"}


def _driver(array: SymsimArray, tmp_path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tests.resume.driver",
        str(tmp_path / "services"),
        "demo",
        str(array.bin_dir),
        str(tmp_path / "state"),
        str(tmp_path / "pairs"),
    ]


def _run_until_killed(argv: list[str], stage: str, timeout: float = 60) -> None:
    """Start the refresh and SIGKILL it as soon as it announces `stage`."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        if f": {stage} (" in line and "stage " in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
        assert time.monotonic() < deadline, f"stage {stage} never started"
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the refresh ended by itself before {stage}"


def _run_to_end(argv: list[str]) -> dict:
    out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, out.stdout + out.stderr
    return json.loads(lines[-1][len("REPORT ") :])


def _symclone_actions(array: SymsimArray, since: float) -> list[str]:
    calls = json.loads(array.admin("calls", "--json").stdout)
    actions = []
    for call in calls:
        argv = call["argv"]
        if call["start"] >= since and Path(argv[0]).name == "symclone":
            actions += [a for a in argv if a in STATE_CHANGING]
    return actions


@pytest.fixture
def provisioned(symsim_array: SymsimArray, tmp_path: Path) -> SymsimArray:
    register_vgs(symsim_array)
    write_service(tmp_path / "services", demo_text(symsim_array))
    for rid_pairs in ("00100 00110\n00101 00111", "00102 00112"):
        pairs = tmp_path / f"p{len(rid_pairs)}"
        pairs.write_text(rid_pairs)
        args = ["-sid", symsim_array.sid, "-f", str(pairs), "-noprompt", "create", "-diff", "-precopy"]
        assert symsim_array.run("symclone", *args).returncode == 0
    return symsim_array


@pytest.mark.parametrize(
    "stage",
    ["recreate", "wait_activable", "start ip", "activate sync#2", "wait_copied", "start fs", "start app"],
)
def test_rerun_after_kill_resumes_and_the_database_starts(
    provisioned: SymsimArray, tmp_path: Path, stage: str
) -> None:
    argv = _driver(provisioned, tmp_path)
    _run_until_killed(argv, stage)
    killed_at = time.time()
    report = _run_to_end(argv)

    assert report["ok"], report["error"]
    db = provisioned.run("symsim-host", "db", "status", "ORA")
    assert db.returncode == 0, db.stdout + db.stderr
    rerun = _symclone_actions(provisioned, killed_at)
    # Once the first run got to its start stages, the data is in use: never recreated again.
    assert "recreate" not in rerun or stage in ("recreate", "wait_activable")
    # Each resource is activated exactly once over both runs.
    assert _symclone_actions(provisioned, 0).count("activate") == 2
    outcomes = {s["name"]: s["outcome"] for s in report["stages"]}
    if stage not in ("recreate",):
        assert outcomes["check_down"] in ("done", "done-earlier")
    assert not (tmp_path / "state" / "demo.refresh.checkpoint.json").exists()


def test_without_a_checkpoint_the_rerun_refuses_and_changes_nothing(provisioned: SymsimArray, tmp_path: Path):
    argv = _driver(provisioned, tmp_path)
    _run_until_killed(argv, "start disk")
    (tmp_path / "state" / "demo.refresh.checkpoint.json").unlink()
    killed_at = time.time()
    report = _run_to_end(argv)
    assert not report["ok"]
    assert report["error_type"] == "ServiceNotDown"
    assert "ip#1" in report["error"]
    assert _symclone_actions(provisioned, killed_at) == []
