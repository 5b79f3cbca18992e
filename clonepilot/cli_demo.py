"""`clonepilot demo`: the README's main command. A simulated array, the sample service, a refresh."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer

from clonepilot import demo
from clonepilot.cli import CliState, app
from clonepilot.cli_actions import run_flow


@app.command("demo")
def demo_command(
    home: Annotated[
        Path, typer.Option("--home", help="Where the simulated array, host and service files go (recreated).")
    ] = Path(".clonepilot-demo"),
) -> None:
    """Set up symsim with the seed's example service (data and archive-log clones, ip, vgs, fs, db),
    create its clone pairs, then refresh it end to end and print the summary."""
    env = demo.prepare(home)
    # The flows read their settings from the environment, as a worker would.
    os.environ["CLONEPILOT_SERVICES_DIR"] = str(env.services_dir)
    os.environ["CLONEPILOT_SYMCLI_BIN"] = str(env.symcli_bin)
    typer.echo(
        f"simulated array {demo.DEMO_SID} and host in {env.home}; service file {env.services_dir}/demo.conf"
    )
    state = CliState(service=env.service, services_dir_option=env.services_dir)
    started = time.monotonic()
    run_flow(state, "provision", rids=None, tags=None)
    provisioned = time.monotonic()
    result = run_flow(state, "refresh", rids=None, tags=None)
    ended = time.monotonic()
    waits = sum(
        stage["duration"] or 0.0
        for stage in result.get("stages", [])
        if stage.get("step") in ("wait_activable", "wait_copied")
    )
    typer.echo("")
    typer.echo(demo.array_state(env))
    typer.echo(
        f"demo: provision {provisioned - started:.1f}s, refresh {ended - provisioned:.1f}s "
        f"of which {waits:.1f}s waiting for the array's copies"
    )
