"""The `clonepilot` command, shaped like the seed's `svcmgr -s SVC <command>`.

Read-only commands (validate, and later status) must answer fast: this module imports neither
prefect nor anything that pulls it in. Commands that run flows import what they need inside
their function body.

Structure for the commands still to come: each is a function decorated with `@app.command()`
taking `ctx: typer.Context` and calling `_state(ctx)` for the global options; the `sync`
family (`clonepilot -s SVC sync update|resync|break|nodes|drp`) goes in `sync_app`, a sub-app
registered with `app.add_typer(sync_app, name="sync")` once it has its first command.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from clonepilot.config.claims import shared_devices
from clonepilot.config.errors import ConfigIssue, ServiceNotFoundError
from clonepilot.config.models import Service
from clonepilot.config.parser import check_service_file, list_services, service_path
from clonepilot.config.render import issues_json, issues_text, service_json, service_text
from clonepilot.errors import ClonepilotError
from clonepilot.settings import Settings, load_settings

app = typer.Typer(
    name="clonepilot",
    help="Refresh test copies of production databases from Symmetrix/PowerMax clone sets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# `clonepilot -s SVC sync <action>`: the lead adds the commands, then registers this sub-app.
sync_app = typer.Typer(help="Drive the clone pairs of a service's sync resources.", no_args_is_help=True)

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


@dataclass
class CliState:
    """Global options, shared by every command through `ctx.obj`."""

    service: str | None
    services_dir_option: Path | None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            overrides: dict[str, Any] = {}
            if self.services_dir_option is not None:
                overrides["services_dir"] = self.services_dir_option
            self._settings = load_settings(**overrides)
        return self._settings

    @property
    def services_dir(self) -> Path:
        if self.services_dir_option is not None:
            return self.services_dir_option
        return self.settings.services_dir

    def require_service(self) -> str:
        if not self.service:
            fail("this command needs a service: clonepilot -s SERVICE ...", EXIT_USAGE)
        return self.service


def fail(message: str, code: int = EXIT_INVALID) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _state(ctx: typer.Context) -> CliState:
    state = ctx.find_root().obj
    if not isinstance(state, CliState):
        raise RuntimeError("the clonepilot callback did not run")
    return state


@app.callback()
def _global_options(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Option("-s", "--service", metavar="SVC", help="The service to act on.")
    ] = None,
    services_dir: Annotated[
        Path | None,
        typer.Option(
            "--services-dir",
            help="Directory of the <service>.conf files (default: settings, CLONEPILOT_SERVICES_DIR).",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "-q",
            "--quiet",
            help="In the terminal, only warnings and errors of the flow's log, the progress bars and the"
            " summary (the Prefect UI keeps the whole log).",
        ),
    ] = False,
) -> None:
    if quiet:
        # Prefect reads it when it configures logging, which happens later (on its first import):
        # only the console handler is quietened, the API handler still ships every line to the UI.
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
    ctx.obj = CliState(service=service, services_dir_option=services_dir)


def _service_names(state: CliState, all_services: bool, command: str) -> tuple[Path, list[str]]:
    """The services directory and the services a command acts on: `-s SVC`, or every one with --all."""
    try:
        services_dir = state.services_dir
    except (ClonepilotError, ValidationError) as exc:
        fail(f"invalid clonepilot settings: {exc}")
    if all_services:
        names = list_services(services_dir)
        if not names:
            fail(f"no service files (*.conf) in {services_dir}")
        return services_dir, names
    if not state.service:
        fail(f"{command} needs a service (clonepilot -s SVC {command}) or --all", EXIT_USAGE)
    return services_dir, [state.service]


def _check(path: Path, node: str | None) -> tuple[Service | None, list[ConfigIssue]]:
    return check_service_file(path, node=node)


@app.command()
def validate(
    ctx: typer.Context,
    all_services: Annotated[
        bool, typer.Option("--all", help="Validate every .conf file of the services directory.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    node: Annotated[
        str | None,
        typer.Option("--node", help="Evaluate scoped keywords for this node (default: first node)."),
    ] = None,
) -> None:
    """Check a service file and print its effective configuration, or every error in it."""
    state = _state(ctx)
    services_dir, names = _service_names(state, all_services, "validate")
    if all_services:
        paths = [service_path(name, services_dir) for name in names]
    else:
        try:
            paths = [service_path(state.service, services_dir)]
        except ServiceNotFoundError as exc:
            if as_json:
                typer.echo(json.dumps({"valid": False, "errors": [{"message": str(exc)}]}, indent=2))
                raise typer.Exit(EXIT_INVALID) from None
            fail(str(exc))

    results = [(path, *_check(path, node)) for path in paths]
    # Only --all sees every file: a device two of them claim as a target is an error of both.
    shared = shared_devices(s for _, s, _ in results if s is not None) if all_services else ()
    valid = all(service is not None for _, service, _ in results) and not shared
    if as_json:
        documents = [
            service_json(service) if service is not None else issues_json(str(path), issues)
            for path, service, issues in results
        ]
        output: Any = (
            documents[0]
            if not all_services
            else {"valid": valid, "services": documents, "shared_devices": [d.as_json() for d in shared]}
        )
        typer.echo(json.dumps(output, indent=2))
    else:
        for index, (path, service, issues) in enumerate(results):
            if index:
                typer.echo("")
            if service is not None:
                typer.echo(service_text(service), nl=False)
            else:
                typer.echo(f"{path}: {len(issues)} error(s)", err=True)
                typer.echo(issues_text(issues), err=True, nl=False)
        if all_services:
            for device in shared:
                typer.echo(f"error: {device.describe()}", err=True)
            if shared:
                typer.echo(
                    "a clone target belongs to one service: recreating it would pull the storage from under"
                    " the other; fix the pairs of one of these files",
                    err=True,
                )
            bad = sum(service is None for _, service, _ in results)
            summary = f"{len(results) - bad} valid, {bad} invalid"
            if shared:
                summary += f", {len(shared)} device(s) claimed by two service files"
            typer.echo(summary, err=bad > 0 or bool(shared))
    raise typer.Exit(EXIT_OK if valid else EXIT_INVALID)


@app.command()
def check(
    ctx: typer.Context,
    all_services: Annotated[
        bool, typer.Option("--all", help="Every service of the services directory (each array read once).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    capture: Annotated[
        Path | None,
        typer.Option(
            "--capture",
            metavar="DIR",
            help="Also save every raw output (command, node, exit code, stdout, stderr) in DIR, with what the"
            " parsers did not understand: the bundle to attach to a bug report.",
        ),
    ] = None,
) -> None:
    """Read-only preflight before a first refresh: host keys, SYMCLI, arrays, devices, pairs, programs."""
    from clonepilot.check import run_checks

    state = _state(ctx)
    services_dir, names = _service_names(state, all_services, "check")
    try:
        settings = state.settings
    except (ClonepilotError, ValidationError) as exc:
        fail(f"invalid clonepilot settings: {exc}")
    services: list[Service] = []
    invalid: list[tuple[str, str, str]] = []
    for name in names:
        try:
            path = service_path(name, services_dir)
        except ServiceNotFoundError as exc:
            invalid.append((name, str(services_dir / f"{name}.conf"), str(exc)))
            continue
        service, issues = _check(path, None)
        if service is None:
            more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
            invalid.append((name, str(path), (str(issues[0]) if issues else "does not validate") + more))
        else:
            services.append(service)
    report = run_checks(settings, services, invalid, capture_dir=capture)
    typer.echo(report.to_json() if as_json else report.text())
    raise typer.Exit(EXIT_OK if report.ok else EXIT_INVALID)


# The other commands live in modules of their own; importing them registers them on `app`.
from clonepilot import cli_actions, cli_demo  # noqa: E402, F401

app.add_typer(sync_app, name="sync")


def main() -> None:
    """Console script entry point (`clonepilot = "clonepilot.cli:main"`)."""
    app(prog_name="clonepilot")
