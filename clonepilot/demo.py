"""`clonepilot demo`: a simulated array and host with the sample service, ready to refresh.

The demo drives symsim only through its command line (`python -m symsim.admin ...`), as an
administrator would: clonepilot never imports the simulator.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from clonepilot.errors import ClonepilotError

DEMO_SID = "000197900123"
# Production sources 00100-00102, their clone targets 00110-00112 (see examples/services/demo.conf).
DEMO_DEVS = "00100-0011F"
# 8 GB devices copied at 16384 tracks of 128 KB per second (2 GB/s, shared by the pairs copying):
# the first full copy of the three pairs takes about 12 s, later differential ones a second or two.
DEMO_SIZE_GB = 8
DEMO_TRACKS_PER_SEC = 16384
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "services" / "demo.conf"


class DemoError(ClonepilotError):
    """Setting up the simulated array failed."""


@dataclass(frozen=True)
class DemoEnv:
    home: Path
    symsim_home: Path
    symcli_bin: Path
    services_dir: Path
    service: str = "demo"


def _symsim(symsim_home: Path, *args: str) -> str:
    argv = [sys.executable, "-m", "symsim.admin", "--home", str(symsim_home), *args]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise DemoError(f"symsim {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


def prepare(home: Path, example: Path = EXAMPLE) -> DemoEnv:
    """Start from a fresh simulated array and host in `home`, and write the demo service there."""
    if not example.is_file():
        raise DemoError(f"the demo service file {example} is missing from this checkout")
    home = home.resolve()
    if home.exists():
        shutil.rmtree(home)
    env = DemoEnv(
        home=home,
        symsim_home=home / "symsim",
        symcli_bin=home / "symcli" / "bin",
        services_dir=home / "services",
    )
    env.symsim_home.mkdir(parents=True)
    env.services_dir.mkdir(parents=True)
    _symsim(env.symsim_home, "init", DEMO_SID, "--devs", DEMO_DEVS, "--size-gb", str(DEMO_SIZE_GB))
    _symsim(env.symsim_home, "speed", "--tracks-per-sec", str(DEMO_TRACKS_PER_SEC))
    _symsim(env.symsim_home, "bin", str(env.symcli_bin))
    _symsim(env.symsim_home, "vg", "vgdata", "--sid", DEMO_SID, "--devs", "00110,00111")
    _symsim(env.symsim_home, "vg", "vgarch", "--sid", DEMO_SID, "--devs", "00112")
    # The sample's app commands name /usr/symcli/bin, where a real host has SYMCLI; here the
    # simulator's executables live in the demo directory instead.
    text = example.read_text().replace("/usr/symcli/bin/", f"{env.symcli_bin}/")
    (env.services_dir / f"{env.service}.conf").write_text(text)
    return env


def array_state(env: DemoEnv) -> str:
    return _symsim(env.symsim_home, "state")
