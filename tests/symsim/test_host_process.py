"""symsim-host as the product runs it: the generated executable, as separate (and concurrent) processes."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

from symsim import host, host_store
from tests.plugins.symsim import SymsimArray


def _spawn(array: SymsimArray, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [array.tool("symsim-host"), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_generated_executable_runs_staged_start(symsim_array: SymsimArray) -> None:
    symsim_array.admin("vg", "vgapp", "--sid", "123", "--devs", "00120,00121")
    run = symsim_array.run("symsim-host", "vg", "status", "vgapp")
    assert (run.returncode, run.stdout.strip()) == (1, "vg /dev/vgapp: down (exported)")
    assert symsim_array.run("symsim-host", "vg", "import", "vgapp").returncode == 0
    assert symsim_array.run("symsim-host", "vg", "activate", "vgapp").returncode == 0
    run = symsim_array.run("symsim-host", "fs", "mount", "/dev/vgapp/lvol1", "/app")
    assert run.returncode == 0, run.stderr
    run = symsim_array.run("symsim-host", "vg", "export", "vgapp")
    assert run.returncode == 1
    assert "is still active" in run.stderr
    state = json.loads(symsim_array.admin("state", "--json").stdout)
    assert state["host"]["mounts"]["/app"]["dev"] == "/dev/vgapp/lvol1"


def test_admin_vg_rejects_unknown_device(symsim_array: SymsimArray) -> None:
    run = symsim_array.admin("vg", "vgbad", "--sid", symsim_array.sid, "--devs", "0FFFF", check=False)
    assert run.returncode != 0
    assert "was not found" in run.stderr


def test_concurrent_calls_lose_no_update(symsim_array: SymsimArray) -> None:
    procs = [_spawn(symsim_array, "ip", "add", f"10.0.1.{n}") for n in range(6)]
    # Six racing adds of one address: the lock lets exactly one of them win.
    procs += [_spawn(symsim_array, "ip", "add", "10.0.2.1") for _ in range(4)]
    codes = [p.wait(timeout=60) for p in procs]
    for proc in procs:
        proc.communicate()
    assert codes[:6] == [0] * 6
    assert sorted(codes[6:]) == [0, 1, 1, 1]
    ips = host.host_state(symsim_array.home)["ips"]
    assert set(ips) == {*(f"10.0.1.{n}" for n in range(6)), "10.0.2.1"}


def test_missing_symsim_home_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SYMSIM_HOME", raising=False)
    assert host.main(["ip", "status", "10.0.0.1"]) == 2
    monkeypatch.setenv("SYMSIM_HOME", str(tmp_path / "absent"))
    assert host.main(["ip", "status", "10.0.0.1"]) == 2


def test_transaction_serialises_read_modify_write(symsim_home: Path) -> None:
    # Threads each open the lock file, so flock serialises them just as it does separate processes; the
    # sleep between read and write would lose updates without it.
    def bump() -> None:
        for _ in range(5):
            with host_store.transaction(symsim_home) as state:
                count = state["ips"].get("counter", 0)
                time.sleep(0.002)
                state["ips"]["counter"] = count + 1

    threads = [threading.Thread(target=bump) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with host_store.transaction(symsim_home, write=False) as state:
        assert state["ips"]["counter"] == 30
