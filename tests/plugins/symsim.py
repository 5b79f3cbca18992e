"""Pytest fixtures for the simulated array: a fresh state directory and an initialised array.

Generic on purpose: other suites (symcli wrappers, flows, host simulator) build on these.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SYMSIM = [sys.executable, "-m", "symsim.admin"]
DEFAULT_SID = "000197900123"
DEFAULT_DEVS = "00100-0013F"
# 1 GB devices are 8192 tracks of 128 KB: at 8192 tracks/s one copy takes about a second.
FAST_TRACKS_PER_SEC = 8192
# Control actions hold their device locks 0.2 s: long enough to race on, short enough for tests.
FAST_OP_TIME = 0.2


def run_admin(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `symsim ARGS` against a state directory."""
    return subprocess.run(
        [*SYMSIM, "--home", str(home), *args], capture_output=True, text=True, check=check, timeout=60
    )


@dataclass
class SymsimArray:
    home: Path
    sid: str
    bin_dir: Path

    def tool(self, name: str) -> str:
        """Absolute path of a generated executable (symclone, symdev, ..., symsim-host)."""
        return str(self.bin_dir / name)

    def run(
        self, tool: str, *args: str, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run a generated symcli executable as a host would; never raises on a non-zero exit."""
        return subprocess.run(
            [self.tool(tool), *args],
            capture_output=True,
            text=True,
            input=input if input is not None else "",
            timeout=timeout,
        )

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_admin(self.home, *args, check=check)


@pytest.fixture
def symsim_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "symsim-home"
    home.mkdir()
    monkeypatch.setenv("SYMSIM_HOME", str(home))
    yield home


@pytest.fixture
def symsim_array(symsim_home: Path, tmp_path: Path) -> SymsimArray:
    """One array (000197900123, devices 00100-0013F of 1 GB) fast enough that a copy takes ~1 s."""
    run_admin(symsim_home, "init", DEFAULT_SID, "--devs", DEFAULT_DEVS, "--size-gb", "1")
    run_admin(
        symsim_home,
        "speed",
        "--tracks-per-sec",
        str(FAST_TRACKS_PER_SEC),
        "--op-time",
        str(FAST_OP_TIME),
    )
    bin_dir = tmp_path / "symcli-bin"
    run_admin(symsim_home, "bin", str(bin_dir))
    return SymsimArray(home=symsim_home, sid=DEFAULT_SID, bin_dir=bin_dir)
