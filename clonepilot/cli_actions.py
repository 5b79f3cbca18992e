"""The state-changing and status commands: `clonepilot -s SVC refresh | start | stop | status | ...`.

Read-only paths (status, and every --dry-run) use the engine directly and never import prefect,
so they answer in about a second. State-changing commands run the action's Prefect flow in this
process, against the server PREFECT_API_URL names, or Prefect's temporary local server.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clonepilot.cli import EXIT_INVALID, EXIT_OK, EXIT_USAGE, CliState, _state, app, fail, sync_app
from clonepilot.config import load_service
from clonepilot.config.models import Service
from clonepilot.errors import ClonepilotError

if TYPE_CHECKING:
    from clonepilot.engine.report import RunReport

RidOption = Annotated[
    list[str] | None,
    typer.Option("--rid", help="Only these resources (a rid like sync#1, or a kind like sync). Repeatable."),
]
TagOption = Annotated[
    list[str] | None, typer.Option("--tag", help="Only resources with this tag. Repeatable.")
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Print the exact commands it would run, given the array's state now."),
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Approve the plan without asking (a service whose `approval` lists the action asks).",
    ),
]
EXIT_FAILED = 1
# A run stopped on request exits as the shell reports a process ended by the signal (128 + N).
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def _load(state: CliState) -> Service:
    name = state.require_service()
    try:
        return load_service(name, state.services_dir)
    except ClonepilotError as exc:
        fail(str(exc), EXIT_INVALID)


def _plan(
    state: CliState, service: Service, action: str, rids: list[str], tags: list[str], stop_first: bool
) -> RunReport:
    """The dry run: every command the action would send, given the array's and hosts' state now."""
    from clonepilot.engine.context import RunContext
    from clonepilot.engine.runbook import execute, runbook
    from clonepilot.engine.service import select_resources

    try:
        selection = select_resources(service, rids, tags)
        stages = runbook(service, action, selection, stop_first=stop_first)
        with RunContext(service, state.settings, dry_run=True) as ctx:
            return execute(ctx, stages, action=action)
    except ClonepilotError as exc:
        fail(f"{action} of {service.name}: {exc}", EXIT_FAILED)


def _dry_run(
    state: CliState, service: Service, action: str, rids: list[str], tags: list[str], stop_first: bool
) -> None:
    report = _plan(state, service, action, rids, tags, stop_first)
    typer.echo(report.summary())
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)


def _approve_on_terminal(
    state: CliState,
    service: Service,
    action: str,
    rids: list[str],
    tags: list[str],
    stop_first: bool,
    yes: bool,
) -> None:
    """The service's `approval` asks a person first: here, the one at the terminal, shown the plan."""
    what = f"{action.replace('_', ' ')} of {service.name}"
    plan = _plan(state, service, action, rids, tags, stop_first)
    typer.echo(plan.summary())
    if not plan.ok:
        fail(f"{what} would fail as planned above: nothing was changed", EXIT_FAILED)
    if yes:
        typer.echo(f"{what}: approved with --yes")
        return
    if not sys.stdin.isatty():
        fail(
            f"{what} needs approval (service keyword approval = {' '.join(service.approval)}) and no one"
            " can answer here: run it on a terminal, pass --yes, or run its deployment and approve it"
            " in the Prefect UI. Nothing was changed.",
            EXIT_USAGE,
        )
    if not typer.confirm(f"Run the {what} as planned above?", default=False):
        fail(f"{what} rejected: nothing was changed", EXIT_FAILED)


def prefect_target() -> str:
    """Where flow runs of this process go, said the way an operator needs to hear it."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if url:
        return f"the Prefect server at {url} (runs appear in its UI)"
    return "a temporary local Prefect server (set PREFECT_API_URL to run on yours and see it in the UI)"


def run_flow(
    state: CliState,
    action: str,
    *,
    rids: list[str] | None,
    tags: list[str] | None,
    dry_run: bool = False,
    stop_first: bool = False,
    yes: bool = False,
    restart: bool = False,
) -> dict[str, Any]:
    """Validate, then run the action's flow here with progress bars; exit non-zero on failure.

    `restart` (refresh only): start over, discarding the checkpoint of an interrupted refresh.
    """
    service = _load(state)
    rids, tags = rids or [], tags or []
    if dry_run:
        _dry_run(state, service, action, rids, tags, stop_first)
    if action in service.approval:
        _approve_on_terminal(state, service, action, rids, tags, stop_first, yes)
    # Prefect's temporary server migrates a fresh database on first start: 10-20 s on two busy
    # cores, against a default limit of 20 s. Its telemetry also trips on that fresh database.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    typer.echo(f"{action.replace('_', ' ')} {service.name}: running as a Prefect flow on {prefect_target()}")
    from clonepilot.temporary_server import start_temporary_server

    # Started here, from the main thread, so that it dies with this process even on a SIGKILL.
    start_temporary_server()
    from clonepilot.cli_display import ProgressBars
    from clonepilot.engine import progress as progress_hub
    from flows.actions import FLOWS
    from flows.prefect_runner import ActionFailed

    # The flow reads the services directory from its settings, never from a parameter (a deployment's
    # run must not choose where commands come from). Here the flow runs in this process, so the CLI
    # user's own choice (--services-dir, else their settings) reaches it through the environment.
    os.environ["CLONEPILOT_SERVICES_DIR"] = str(state.services_dir.resolve())
    kwargs: dict[str, Any] = {
        "service": service.name,
        "rids": rids or None,
        "tags": tags or None,
        # Asked above when the service wants it: the flow must not pause for the UI as well.
        "approval": False,
    }
    if action == "refresh":
        kwargs["stop_first"] = stop_first
        kwargs["restart"] = restart
    with ProgressBars() as bars, progress_hub.subscribed(bars):
        flow_state = FLOWS[action](**kwargs, return_state=True)
    if flow_state.is_cancelled():
        # Stopped on request (a signal here, a Cancel in the UI) or a rejected approval.
        message = flow_state.message or "cancelled"
        code = EXIT_INTERRUPTED if "SIGINT" in message else EXIT_TERMINATED
        fail(f"{action.replace('_', ' ')} of {service.name} stopped: {message}", code)
    result = flow_state.result(raise_on_failure=False)
    if isinstance(result, ActionFailed):
        typer.echo(result.report.summary())
        fail(f"{action.replace('_', ' ')} of {service.name} failed: {result.report.error}", EXIT_FAILED)
    if isinstance(result, BaseException):
        fail(f"{action.replace('_', ' ')} of {service.name} failed: {result}", EXIT_FAILED)
    typer.echo(result.get("summary", ""))
    return result


@app.command()
def refresh(
    ctx: typer.Context,
    rid: RidOption = None,
    tag: TagOption = None,
    dry_run: DryRunOption = False,
    stop_first: Annotated[
        bool, typer.Option("--stop-first", help="Stop the service first instead of refusing while it is up.")
    ] = False,
    yes: YesOption = False,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Start over: discard the checkpoint of an interrupted refresh instead of resuming it.",
        ),
    ] = False,
) -> None:
    """Refresh the clones and start the service: down check, recreate, wait, activate, wait, start."""
    run_flow(
        _state(ctx),
        "refresh",
        rids=rid,
        tags=tag,
        dry_run=dry_run,
        stop_first=stop_first,
        yes=yes,
        restart=restart,
    )


def _action_command(action: str) -> Callable[..., None]:
    """The typer command of an action that takes the common options only."""

    def command(
        ctx: typer.Context,
        rid: RidOption = None,
        tag: TagOption = None,
        dry_run: DryRunOption = False,
        yes: YesOption = False,
    ) -> None:
        run_flow(_state(ctx), action, rids=rid, tags=tag, dry_run=dry_run, yes=yes)

    return command


# (typer app, command name, action, help): `clonepilot -s SVC start`, `clonepilot -s SVC sync break`...
for _app, _name, _action, _help in (
    (app, "start", "start", "Start in stages: ip, activate the clones and wait for copied, disks, fs, apps."),
    (app, "stop", "stop", "Stop the service in reverse stages: apps, filesystems, disks, ip."),
    (app, "provision", "provision", "Initial set-up of the clone pairs: symclone create -diff -precopy."),
    (app, "unprovision", "unprovision", "Terminate the clone sessions."),
    (
        sync_app,
        "update",
        "sync_update",
        "Re-establish the clones (recreate) after verifying the service is down.",
    ),
    (
        sync_app,
        "resync",
        "sync_resync",
        "Re-establish the clones (recreate) after verifying the service is down.",
    ),
    (
        sync_app,
        "break",
        "sync_break",
        "Activate the clones (read-write, point in time frozen), wait for copied.",
    ),
    (sync_app, "nodes", "sync_nodes", "No copy between nodes for symclone: runs the sync_nodes hooks."),
    (sync_app, "drp", "sync_drp", "No copy to DRP nodes for symclone: runs the sync_drp hooks."),
):
    _app.command(_name, help=_help)(_action_command(_action))


@app.command()
def status(
    ctx: typer.Context,
    rid: RidOption = None,
    tag: TagOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    all_services: Annotated[
        bool,
        typer.Option(
            "--all", help="Every service of the services directory, broken and stale first (no -s needed)."
        ),
    ] = False,
) -> None:
    """Status of each resource and of the service (up, warn, down, n/a), with the reasons. Read-only."""
    from clonepilot.engine.context import RunContext
    from clonepilot.engine.service import select_resources, service_status

    state = _state(ctx)
    if all_services:
        if rid or tag:
            fail("status --all reports whole services: --rid and --tag do not apply", EXIT_USAGE)
        _fleet_status(state, as_json)
    service = _load(state)
    try:
        selection = select_resources(service, rid or [], tag or [])
        with RunContext(service, state.settings) as run:
            report = service_status(run, selection)
    except ClonepilotError as exc:
        fail(f"status of {service.name}: {exc}", EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        typer.echo(f"{service.name}: {report.overall}  (avail {report.avail}, sync {report.sync})")
        width = max((len(r.rid) for r in report.resources), default=0)
        for resource in report.resources:
            typer.echo(f"  {resource.rid:<{width}}  {resource.status!s:<5}  {resource.reason}")
    raise typer.Exit(EXIT_OK)


def _fleet_status(state: CliState, as_json: bool) -> None:
    """`status --all`: a report, so exit 0 even with services down; 1 only for an unusable directory."""
    from pydantic import ValidationError

    from clonepilot.engine.fleet import FleetError, fleet_status

    try:
        report = fleet_status(state.settings, state.services_dir)
    except (FleetError, ValidationError) as exc:
        fail(f"status --all: {exc}", EXIT_FAILED)
    typer.echo(report.to_json() if as_json else report.table())
    raise typer.Exit(EXIT_OK)
