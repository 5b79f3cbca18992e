"""Build one Prefect deployment per service file, scheduled from its sync resources' `schedule`.

    python -m deployments.build [--services-dir D] [--work-pool P] [--timezone TZ] [--apply | --print]

A sync resource's schedule is its sync: in OpenSVC the scheduler runs `sync_all --rid sync#N` on it,
which for a symclone resource is its `sync_update` (sync_nodes and sync_drp do nothing for clones).
So the deployment `sync-update/<service>` runs the `sync-update` flow for the service, and each of
its schedules passes `rids` = the sync resources due at that moment (resources due at the same
moment share one run, so two runs never race on the same service).

`--services-dir` only chooses the service files the deployments are built from. A deployment passes
the service's name and nothing else (no directory in its parameters or job variables): its runs read
the service file from the worker's own `services_dir` setting, so the worker must run with the same
directory (service files hold commands that run on the nodes; a run must not pick where they come from).

`--print` (the default) shows the deployments as YAML in the shape of prefect.yaml, without a server.
`--apply` creates or updates them on the server PREFECT_API_URL names, through the client API: it
sets the same pull step as prefect.yaml (`set_working_directory` to `$CLONEPILOT_CHECKOUT`, resolved
on the worker), which `flow.to_deployment(...).apply()` cannot do (without pull steps a process
worker copies the whole deployment path, virtualenv included, for every run).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from prefect.schedules import Schedule as PrefectSchedule

from clonepilot.config import list_services, load_service
from clonepilot.errors import ClonepilotError
from deployments.schedules import (
    Moment,
    ScheduleConversionError,
    check_timezone,
    moments_to_schedules,
    weekly_moments,
)

SCHEDULED_FLOW = "sync-update"
SCHEDULED_ENTRYPOINT = "flows/actions.py:sync_update"
DEFAULT_WORK_POOL = "clonepilot"
DEFAULT_TIMEZONE = "UTC"
# The same pull step as prefect.yaml: the placeholder is resolved at run time, in the environment the
# worker gives the flow run, so each worker host names its own checkout.
PULL_STEPS: list[dict[str, Any]] = [
    {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $CLONEPILOT_CHECKOUT }}"}}
]


class BuildError(ClonepilotError):
    """Service files whose deployments cannot be built; nothing was printed or applied."""


@dataclasses.dataclass(frozen=True)
class DeploymentSpec:
    """One deployment: what `--print` shows and `--apply` sends."""

    name: str
    flow_name: str
    entrypoint: str
    work_pool: str
    parameters: dict[str, Any]
    schedules: tuple[PrefectSchedule, ...]
    description: str

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"

    def to_yaml_dict(self) -> dict[str, Any]:
        """The deployment in prefect.yaml's shape (so it can be pasted there)."""
        return {
            "name": self.name,
            "entrypoint": self.entrypoint,
            "description": self.description,
            "parameters": self.parameters,
            "work_pool": {"name": self.work_pool},
            "schedules": [
                {"cron": s.cron, "timezone": s.timezone, "parameters": s.parameters} for s in self.schedules
            ],
        }


def service_deployment(
    service_name: str, services_dir: Path, *, work_pool: str, timezone: str
) -> DeploymentSpec:
    """The scheduled sync-update deployment of one service; BuildError lists every schedule refused."""
    service = load_service(service_name, services_dir)
    rids_at: dict[Moment, list[str]] = defaultdict(list)
    sources: list[str] = []
    errors: list[str] = []
    for sync in service.syncs:
        # A disabled resource takes no action, so its schedule triggers nothing (as in OpenSVC).
        if sync.schedule is None or sync.disable:
            continue
        sources.append(f"{sync.rid} {sync.schedule}")
        try:
            for moment in weekly_moments(sync.schedule):
                rids_at[moment].append(sync.rid)
        except ScheduleConversionError as exc:
            errors.append(f"{service.path} [{sync.rid}] schedule: {exc}")
    moments_by_rids: dict[tuple[str, ...], list[Moment]] = defaultdict(list)
    for moment, rids in rids_at.items():
        moments_by_rids[tuple(rids)].append(moment)
    schedules: list[PrefectSchedule] = []
    for rids, moments in sorted(moments_by_rids.items()):
        try:
            schedules += moments_to_schedules(sorted(moments), timezone, parameters={"rids": list(rids)})
        except ScheduleConversionError as exc:
            errors.append(f"{service.path} [{', '.join(rids)}] schedule: {exc}")
    if errors:
        raise BuildError("\n".join(errors))
    # The service name only: the run reads the service file from the worker's own services_dir
    # setting, never from a directory the deployment (or a person editing it) names.
    parameters: dict[str, Any] = {"service": service.name}
    when = "; ".join(sources) if sources else "no schedule (run on demand)"
    return DeploymentSpec(
        name=service.name,
        flow_name=SCHEDULED_FLOW,
        entrypoint=SCHEDULED_ENTRYPOINT,
        work_pool=work_pool,
        parameters=parameters,
        schedules=tuple(schedules),
        description=f"{SCHEDULED_FLOW} {service.name} on the seed's sync schedules ({timezone}): {when}",
    )


def build_deployments(services_dir: Path, *, work_pool: str, timezone: str) -> list[DeploymentSpec]:
    """One deployment per service file in `services_dir`; BuildError lists every failure at once."""
    check_timezone(timezone)
    names = list_services(services_dir)
    if not names:
        raise BuildError(f"no service file (<name>.conf) in {services_dir}")
    specs: list[DeploymentSpec] = []
    errors: list[str] = []
    for name in names:
        try:
            specs.append(service_deployment(name, services_dir, work_pool=work_pool, timezone=timezone))
        except ClonepilotError as exc:
            errors.append(str(exc))
    if errors:
        raise BuildError("\n".join(errors))
    return specs


def render(specs: Sequence[DeploymentSpec]) -> str:
    """The deployments as YAML, each headed by a comment naming its flow and deployment."""
    parts = []
    for spec in specs:
        body = yaml.safe_dump([spec.to_yaml_dict()], sort_keys=False, default_flow_style=None, width=110)
        parts.append(f"# {spec.full_name} (flow {spec.flow_name})\n{body}")
    return "deployments:\n" + "".join(_indent(part) for part in parts)


def _indent(text: str) -> str:
    return "".join(f"  {line}" if line.strip() else line for line in text.splitlines(keepends=True))


def apply(specs: Sequence[DeploymentSpec]) -> list[str]:
    """Create or update the deployments on the configured server; return their full names."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import get_current_settings
    from prefect.utilities.callables import parameter_schema

    from flows.actions import sync_update

    if not get_current_settings().api.url:
        # Without it Prefect would start a throw-away server and the deployments would vanish with it.
        raise BuildError("--apply needs PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)")
    flows = {SCHEDULED_FLOW: sync_update}
    applied: list[str] = []
    with get_client(sync_client=True) as client:
        for pool in sorted({spec.work_pool for spec in specs}):
            try:
                client.read_work_pool(pool)
            except ObjectNotFound:
                raise BuildError(
                    f"work pool {pool!r} does not exist: prefect work-pool create {pool} --type process"
                ) from None
        for spec in specs:
            flow = flows[spec.flow_name]
            # create_deployment upserts by (flow, name) and replaces the schedules and their future runs.
            client.create_deployment(
                flow_id=client.create_flow_from_name(flow.name),
                name=spec.name,
                entrypoint=spec.entrypoint,
                work_pool_name=spec.work_pool,
                parameters=spec.parameters,
                parameter_openapi_schema=parameter_schema(flow).model_dump_for_openapi(),
                enforce_parameter_schema=True,
                schedules=[DeploymentScheduleCreate.from_schedule(s) for s in spec.schedules],
                pull_steps=PULL_STEPS,
                description=spec.description,
            )
            applied.append(spec.full_name)
    return applied


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m deployments.build",
        description="Build one sync-update deployment per service file, scheduled from its sync "
        "resources' `schedule` keyword.",
    )
    parser.add_argument(
        "--services-dir",
        type=Path,
        help="directory of the <service>.conf files the deployments are built from (default: the "
        "services_dir setting); the runs read the service files from the worker's own services_dir "
        "setting, so start the worker with the same directory",
    )
    parser.add_argument(
        "--work-pool",
        default=os.environ.get("CLONEPILOT_WORK_POOL") or DEFAULT_WORK_POOL,
        help=f"work pool of the deployments (default: $CLONEPILOT_WORK_POOL or {DEFAULT_WORK_POOL!r})",
    )
    parser.add_argument(
        "--timezone",
        default=os.environ.get("CLONEPILOT_SCHEDULE_TIMEZONE") or DEFAULT_TIMEZONE,
        help="IANA timezone the schedules' wall-clock times are in (the nodes' local time in the seed; "
        f"default: $CLONEPILOT_SCHEDULE_TIMEZONE or {DEFAULT_TIMEZONE!r})",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--print", dest="mode", action="store_const", const="print", help="show (default)")
    mode.add_argument("--apply", dest="mode", action="store_const", const="apply", help="create/update")
    parser.set_defaults(mode="print")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    services_dir: Path = args.services_dir
    if services_dir is None:
        from clonepilot.settings import load_settings

        services_dir = load_settings().services_dir
    try:
        specs = build_deployments(services_dir, work_pool=args.work_pool, timezone=args.timezone)
        if args.mode == "print":
            sys.stdout.write(render(specs))
        else:
            for name in apply(specs):
                print(f"applied {name}")
    except (ClonepilotError, ScheduleConversionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
