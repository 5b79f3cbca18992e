"""Fleet test set-up: several services on the simulated arrays, in one services directory.

The clone pairs are put in their states with symsim's own symclone (not clonepilot), so the
fleet's reads are checked against states set independently of the code under test.

    alpha    array 1: sync#1 00100:00110 00101:00111, sync#2 00102:00112 Copied; app#1 up   → up
    beta     array 1: sync#1 00103:00113 00104:00114, only the first activated             → warn
    charlie  array 1: sync#1 00105:00115, no clone session                                → down
    delta    array 2: sync#1 00200:00210 Copied                                            → up
    broken   a sync section without pairs                                                  → invalid
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from clonepilot.settings import Settings
from tests.plugins.symsim import SymsimArray

SID2 = "000197900456"
HEAD = "[DEFAULT]\nnodes = localhost\nhost_profile = sim\n\n"
# One pass through the array; the tests count calls, so nothing retries behind their back.
SETTINGS: dict[str, Any] = {"command_timeout": 60.0, "transient_retries": 0}


def sync(rid: str, sid: str, pairs: str, extra: str = "") -> str:
    return f"[{rid}]\ntype = symclone\nsymid = {sid}\npairs = {pairs}\n{extra}\n"


@dataclass
class Fleet:
    array: SymsimArray
    services_dir: Path
    tmp: Path

    def settings(self, **overrides: Any) -> Settings:
        values = {**SETTINGS, "symcli_bin": self.array.bin_dir, "services_dir": self.services_dir}
        return Settings(**{**values, **overrides})

    def write(self, name: str, text: str) -> Path:
        path = self.services_dir / f"{name}.conf"
        path.write_text(text if text.startswith("[DEFAULT]") else HEAD + text)
        return path

    def symclone(self, sid: str, pairs: str, *action: str) -> None:
        """symsim's symclone on a pairs file, as an administrator would run it by hand."""
        path = self.tmp / f"pairs-{sid}-{pairs.replace(' ', '_').replace(':', '-')}"
        path.write_text("\n".join(p.replace(":", " ") for p in pairs.split()) + "\n")
        done = self.array.run("symclone", "-sid", sid, "-f", str(path), "-nop", *action)
        assert done.returncode == 0, done.stdout + done.stderr

    def calls(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = json.loads(self.array.admin("calls", "--json").stdout)
        return records

    def clear_calls(self) -> None:
        self.array.admin("calls", "--clear")

    def env(self) -> dict[str, str]:
        """The CLONEPILOT_* settings of this fleet, for a CLI subprocess or a flow."""
        return {
            "CLONEPILOT_SERVICES_DIR": str(self.services_dir),
            "CLONEPILOT_SYMCLI_BIN": str(self.array.bin_dir),
            "CLONEPILOT_STATE_DIR": str(self.tmp / "state"),
            "CLONEPILOT_TRANSIENT_RETRIES": "0",
        }


@pytest.fixture
def fleet(symsim_array: SymsimArray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fleet]:
    array = symsim_array
    array.admin("init", SID2, "--devs", "00200-0021F", "--size-gb", "1")
    array.admin("speed", "--tracks-per-sec", str(8192 * 16))
    services = tmp_path / "services"
    services.mkdir()
    for name in [n for n in os.environ if n.startswith("CLONEPILOT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env or clonepilot.toml
    monkeypatch.setenv("CLONEPILOT_LOCK_DIR", str(tmp_path / "locks"))
    fleet = Fleet(array, services, tmp_path)
    sid = array.sid
    fleet.write(
        "alpha",
        sync("sync#1", sid, "00100:00110 00101:00111")
        + sync("sync#2", sid, "00102:00112")
        + "[app#1]\nstart = /bin/true\nstop = /bin/true\ncheck = /bin/true\n",
    )
    fleet.write("beta", sync("sync#1", sid, "00103:00113 00104:00114", "consistent = false"))
    fleet.write("charlie", sync("sync#1", sid, "00105:00115"))
    fleet.write("delta", sync("sync#1", SID2, "00200:00210"))
    fleet.write("broken", "[sync#1]\ntype = symclone\nsymid = 000197900123\n")
    for pairs in ("00100:00110 00101:00111", "00102:00112", "00103:00113 00104:00114"):
        fleet.symclone(sid, pairs, "create", "-diff", "-precopy")
    fleet.symclone(SID2, "00200:00210", "create", "-diff", "-precopy")
    for pairs in ("00100:00110 00101:00111", "00102:00112", "00103:00113"):
        fleet.symclone(sid, pairs, "activate")
    fleet.symclone(SID2, "00200:00210", "activate")
    fleet.clear_calls()
    yield fleet
