"""`clonepilot demo`: the README's main command. A simulated array, the sample service, a refresh."""

from __future__ import annotations

import os
import sys
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

    typer.echo("\n== 1. provision: the seed's initial set-up (symclone create -diff -precopy)")
    run_flow(state, "provision", rids=None, tags=None)
    typer.echo("\n== 2. refresh: waits for the first full precopy, activates data then archivelogs, starts")
    first = _timed_refresh(state, stop_first=False)
    typer.echo("\n== 3. refresh again, stopping the running service first: a differential recreate")
    second = _timed_refresh(state, stop_first=True)

    typer.echo("")
    typer.echo(demo.array_state(env))
    for label, (took, waited) in (("first refresh", first), ("second refresh", second)):
        typer.echo(f"demo: {label}: {took:.1f}s wall, of which {waited:.1f}s waiting for the array's copies")
    # What to type next: the demo's settings live only in this process's environment.
    program = Path(sys.argv[0])
    command = str(program.absolute()) if program.is_file() else "clonepilot"
    typer.echo(
        f"\nnext, the read-only preflight on the same service:\n  CLONEPILOT_SYMCLI_BIN={env.symcli_bin} "
        f"{command} --services-dir {env.services_dir} -s {env.service} check"
    )


def _timed_refresh(state: CliState, *, stop_first: bool) -> tuple[float, float]:
    started = time.monotonic()
    result = run_flow(state, "refresh", rids=None, tags=None, stop_first=stop_first)
    waited = sum(
        stage["duration"] or 0.0
        for stage in result.get("stages", [])
        if stage.get("step") in ("wait_activable", "wait_copied")
    )
    return time.monotonic() - started, waited
