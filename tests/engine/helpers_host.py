"""A demo-like service over symsim for the host, hooks, depends, resource, service and runbook tests.

The service runs on `localhost` (LocalTransport) with host profile `sim`; its symcli bin dir is
the symsim array's, so every command really runs against the simulated array and host.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from clonepilot.config import Service, load_service
from clonepilot.engine.runbook import execute, runbook
from tests.plugins.symsim import SymsimArray
from tests.service_texts import host_sections

# sync#1 holds the datafiles (vgdata on the targets 00110, 00111), sync#2 the archived logs
# (vgarch on 00112): activating the data first is what makes the database recoverable.
DATA_SYNC = "type = symclone\nsymid = 000197900123\npairs = 00100:00110 00101:00111\n"
ARCH_SYNC = "type = symclone\nsymid = 000197900123\npairs = 00102:00112\n"


def register_vgs(array: SymsimArray) -> None:
    """The host's volume groups live on the clone targets, as on the seed's service host."""
    array.admin("vg", "vgdata", "--sid", array.sid, "--devs", "00110,00111")
    array.admin("vg", "vgarch", "--sid", array.sid, "--devs", "00112")


def demo_text(
    array: SymsimArray, *, swap: bool = False, extra: str = "", host: bool = True, sync_extra: str = ""
) -> str:
    """The demo service file; swap=True puts the archived logs in sync#1 (activated first).

    sync_extra: keyword lines added to both sync sections (e.g. "restart = 1\n").
    """
    first, second = (ARCH_SYNC, DATA_SYNC) if swap else (DATA_SYNC, ARCH_SYNC)
    first, second = first + sync_extra, second + sync_extra
    text = f"[DEFAULT]\nnodes = localhost\nhost_profile = sim\n\n[sync#1]\n{first}\n[sync#2]\n{second}\n"
    if host:
        text += host_sections(
            array.bin_dir, ip="10.9.0.5", ipdev="lan0", netmask="24", fs_type="vxfs", app_timeout=None
        )
    return text + textwrap.dedent(extra)


def write_service(directory: Path, text: str, name: str = "demo") -> Service:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.conf").write_text(text)
    return load_service(name, directory)


def host_state(array: SymsimArray) -> dict[str, Any]:
    host: dict[str, Any] = json.loads(array.admin("state", "--json").stdout)["host"]
    return host


def calls(array: SymsimArray) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(array.admin("calls", "--json").stdout)
    return data


def state_changing_calls(array: SymsimArray) -> list[dict[str, Any]]:
    """symcli/host calls that change something (everything but query/verify/list/show/status)."""
    read_only = {"query", "verify", "list", "show", "status", "-version"}
    return [c for c in calls(array) if not read_only & {str(a).lower() for a in c.get("argv", [])}]


def db_status(array: SymsimArray) -> int:
    return array.run("symsim-host", "db", "status", "ORA").returncode


def prepare_demo(array: SymsimArray, make_service: Any, make_ctx: Any, *, swap: bool = False) -> Service:
    """The demo with its clone sets created and activated once (Copied) and the host down:
    where a refresh starts."""
    register_vgs(array)
    # These tests are about order and outcome, not copy progress: copy a 1 GB device in 0.1 s.
    array.admin("speed", "--tracks-per-sec", "81920")
    service: Service = make_service(demo_text(array, swap=swap), name="demo")
    for action in ("provision", "sync_break"):
        with make_ctx(service) as ctx:
            report = execute(ctx, runbook(service, action), action=action)
        assert report.ok, report.summary()
    return service
