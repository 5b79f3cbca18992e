"""CLI test set-up: the example service on the simulated array and host, run on `localhost`.

`cli_env` writes the service, points the CLONEPILOT_* settings at symsim and runs `clonepilot`
either in-process (typer's CliRunner) or as a fresh subprocess that reports its own CPU time and
whether it imported prefect.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from clonepilot.cli import app
from tests.flows.conftest import ARCH_SYNC, DATA_SYNC, unique_name
from tests.plugins.symsim import SymsimArray
from tests.service_texts import host_sections

REPO = Path(__file__).resolve().parents[2]
CLONEPILOT = REPO / ".venv" / "bin" / "clonepilot"
LOCK_RETRY = ("3", "4")  # -i 3 -c 4 on every symclone control call

# Runs the clonepilot command line, then reports on a last stderr line (after a marker) the
# process's own CPU time (its children, symsim's commands, excluded) and whether it imported prefect.
PROBE = textwrap.dedent(
    """
    import json, resource, sys
    from clonepilot.cli import main
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    loaded = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
    report = {"cpu": usage.ru_utime + usage.ru_stime, "prefect": loaded[:5]}
    sys.stderr.write("\\nPROBE " + json.dumps(report) + "\\n")
    sys.exit(code)
    """
)


@dataclass
class Probed:
    returncode: int
    stdout: str
    stderr: str
    cpu: float
    prefect_modules: list[str]


def demo_text(bin_dir: Path) -> str:
    """The seed's example service (data sync#1, archive logs sync#2, host resources) on localhost."""
    return (
        "[DEFAULT]\nnodes = localhost\nhost_profile = sim\n\n"
        f"[sync#1]\n{DATA_SYNC}precopy = true\n\n[sync#2]\n{ARCH_SYNC}\n" + host_sections(bin_dir)
    )


@dataclass
class CliEnv:
    array: SymsimArray
    services_dir: Path
    root: Path
    env: dict[str, str]
    service: str

    def invoke(self, *args: str) -> Result:
        """`clonepilot ARGS` in this process."""
        return CliRunner().invoke(app, list(args))

    def probe(self, *args: str, timeout: float = 60) -> Probed:
        """`clonepilot ARGS` in a fresh Python process: exit code, output, CPU time, prefect imported?"""
        done = subprocess.run(
            [sys.executable, "-c", PROBE, *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=timeout,
        )
        stderr, _, tail = done.stderr.rpartition("\nPROBE ")
        assert tail, f"the probe did not report:\n{done.stderr}"
        info = json.loads(tail)
        return Probed(done.returncode, done.stdout, stderr, info["cpu"], info["prefect"])

    def calls(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.array.admin("calls", "--json").stdout)
        return data

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.array.admin("state", "--json").stdout)
        return data


@pytest.fixture
def cli_env(symsim_array: SymsimArray, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliEnv]:
    array = symsim_array
    array.admin("vg", "vgdata", "--sid", array.sid, "--devs", "00110,00111")
    array.admin("vg", "vgarch", "--sid", array.sid, "--devs", "00112")
    services = tmp_path / "services"
    services.mkdir()
    # A name no concurrent run shares: pairs files live in /var/tmp/clonepilot-<user>/<service>.*.
    service = unique_name("cli")
    (services / f"{service}.conf").write_text(demo_text(array.bin_dir))
    for name in [n for n in os.environ if n.startswith("CLONEPILOT_")]:
        monkeypatch.delenv(name)
    settings = {
        "CLONEPILOT_SERVICES_DIR": str(services),
        "CLONEPILOT_SYMCLI_BIN": str(array.bin_dir),
        "CLONEPILOT_STATE_DIR": str(tmp_path / "state"),
        "CLONEPILOT_LOCK_DIR": str(tmp_path / "locks"),
        "CLONEPILOT_SYMCLONE_LOCK_RETRY_INTERVAL": LOCK_RETRY[0],
        "CLONEPILOT_SYMCLONE_LOCK_RETRY_COUNT": LOCK_RETRY[1],
        "CLONEPILOT_POLL_INTERVAL_MIN": "0.1",
        "CLONEPILOT_POLL_INTERVAL_MAX": "0.5",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)  # no stray .env or clonepilot.toml
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    yield CliEnv(array=array, services_dir=services, root=tmp_path, env=env, service=service)
