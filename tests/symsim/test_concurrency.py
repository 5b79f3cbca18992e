"""Racing symcli processes: device locks held for the operation time, -i/-c retries, no lost updates."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from symsim import errors
from tests.plugins.symsim import SymsimArray


def _pairs(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _start(arr: SymsimArray, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [arr.tool("symclone"), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_racing_creates_one_wins_the_other_gets_the_lock_error(
    symsim_array: SymsimArray, tmp_path: Path
) -> None:
    symsim_array.admin("speed", "--op-time", "1.0")
    # Two sessions from one source (multi-target clone): both need the source device's lock.
    a = _pairs(tmp_path, "a", "00100 00101")
    b = _pairs(tmp_path, "b", "00100 00102")
    procs = [_start(symsim_array, "-sid", "123", "-f", f, "-nop", "create") for f in (a, b)]
    results = [(p.wait(timeout=30), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, errors.SYM_IS_LOCKED], results
    loser = next(r for r in results if r[0] != 0)
    assert "locked by another process" in loser[2]
    state = json.loads(symsim_array.admin("state", "--json").stdout)
    assert len(state["arrays"][0]["pairs"]) == 1
    assert all(d["lock"] is None for d in state["arrays"][0]["devices"])


def test_with_retries_the_loser_waits_and_succeeds(symsim_array: SymsimArray, tmp_path: Path) -> None:
    symsim_array.admin("speed", "--op-time", "0.6")
    a = _pairs(tmp_path, "a", "00100 00101")
    b = _pairs(tmp_path, "b", "00100 00102")
    start = time.time()
    procs = [
        _start(symsim_array, "-sid", "123", "-f", f, "-nop", "create", "-i", "1", "-c", "5") for f in (a, b)
    ]
    results = [(p.wait(timeout=30), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0], results
    # The loser retried 1 s later, then ran its own 0.6 s operation.
    assert time.time() - start >= 1.5
    state = json.loads(symsim_array.admin("state", "--json").stdout)
    assert sorted(p["tgt"] for p in state["arrays"][0]["pairs"]) == ["00101", "00102"]


def test_same_pair_race_loser_retrying_sees_the_new_state(symsim_array: SymsimArray, tmp_path: Path) -> None:
    symsim_array.admin("speed", "--op-time", "0.6")
    f = _pairs(tmp_path, "p", "00100 00101")
    assert symsim_array.run("symclone", "-sid", "123", "-f", f, "-nop", "create").returncode == 0
    procs = [
        _start(symsim_array, "-sid", "123", "-f", f, "-nop", "activate", "-i", "1", "-c", "5") for _ in "ab"
    ]
    codes = sorted(p.wait(timeout=30) for p in procs)
    assert codes == [0, errors.ALREADY_IN_STATE]


def test_a_dead_process_lock_is_ignored(symsim_array: SymsimArray, tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    state_file = symsim_array.home / "state.json"
    state = json.loads(state_file.read_text())
    state["arrays"]["000197900123"]["locks"]["00100"] = {"pid": dead.pid, "expires": time.time() + 600}
    state_file.write_text(json.dumps(state))
    f = _pairs(tmp_path, "p", "00100 00101")
    result = symsim_array.run("symclone", "-sid", "123", "-f", f, "-nop", "create")
    assert result.returncode == 0, result.stderr


def test_concurrent_writers_lose_no_update(symsim_array: SymsimArray) -> None:
    procs = [
        subprocess.Popen([symsim_array.tool("symdg"), "create", f"g{i}", "-type", "REGULAR"])
        for i in range(8)
    ]
    assert [p.wait(timeout=30) for p in procs] == [0] * 8
    out = symsim_array.run("symdg", "list", "-output", "xml_e").stdout
    assert all(f"<name>g{i}</name>" in out for i in range(8))
    calls = [json.loads(line) for line in (symsim_array.home / "calls.jsonl").read_text().splitlines()]
    assert sum(1 for c in calls if c["tool"] == "symdg" and "create" in c["argv"]) == 8
