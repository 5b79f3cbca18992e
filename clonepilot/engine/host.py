"""Drivers for the service node's resources: ip, disk (type vg), fs and app.

ip, vg and fs commands come from the service's host profile (clonepilot.hostprofiles), so the
drivers hold no command text of their own. Start reads the status first and does only what is
missing; stop runs each step only where its guard says there is something to undo. Both are
therefore safe to repeat, which is what lets a failed run be resumed or a step retried.

App resources run the admin's own shell commands: start, stop and check, with OpenSVC's
convention that check exit 0 means up and anything else down.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from clonepilot.config.models import AnyResource, AppResource, FsResource, IpResource, VgResource
from clonepilot.engine.context import RunContext
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.errors import PermanentError
from clonepilot.hostprofiles import (
    ResourceStatus,
    get_profile,
    interpret_probe,
    interpret_status,
    probe_command,
    render_action,
    status_command,
    step_guards,
)
from clonepilot.transport import CommandResult

_T = TypeVar("_T")
HOST_KINDS: tuple[str, ...] = ("ip", "disk", "fs", "app")
# The address family's usual prefix when `netmask` is not set (what `ip addr add` assumes too).
_DEFAULT_PREFIX = {4: "24", 6: "64"}


class HostCommandError(PermanentError):
    """A host command exited non-zero: the message names the resource, node, command and its output."""

    def __init__(self, rid: str, node: str, command: str, exit_code: int | None, output: str) -> None:
        detail = output.strip() or "(no output)"
        super().__init__(f"{rid}: `{command}` failed on {node} (exit {exit_code}): {detail}")
        self.rid = rid
        self.exit_code = exit_code
        self.output = output


class HostValueError(PermanentError):
    """A resource value the host profile refuses (validated again there: it ends up in an argv)."""


@dataclass(frozen=True)
class HostActionResult:
    """What a start or stop did: `changed` is False when there was nothing to do."""

    rid: str
    action: str
    changed: bool
    commands: tuple[str, ...]
    message: str


class ResourceDriver(Protocol):
    """What the engine asks of any resource driver (host drivers here, clone sets in clones.py)."""

    def status(self) -> ResourceStatusReport: ...


class HostDriver(ResourceDriver, Protocol):
    rid: str

    def start(self) -> HostActionResult: ...

    def stop(self) -> HostActionResult: ...


def _dry_run_status(ctx: RunContext, rid: str) -> ResourceStatusReport | None:
    """In a dry run, the status a resource would have after the start or stop this run would do.

    Without it, a dry-run `refresh --stop-first` would read the service still up at the down
    check (nothing was really stopped) and print a refusal the real run would not meet.
    """
    if not ctx.dry_run:
        return None
    with ctx.cache_lock:
        overlay = ctx.cache.get(f"host-dry-run:{rid}")
    if not isinstance(overlay, tuple):
        return None
    status, verb = overlay
    return ResourceStatusReport(rid, status, f"{status} once this dry run's {verb} has run")


def _note_dry_run(ctx: RunContext, rid: str, verb: str) -> None:
    if ctx.dry_run:
        with ctx.cache_lock:
            ctx.cache[f"host-dry-run:{rid}"] = (Status.UP if verb == "start" else Status.DOWN, verb)


def _na(rid: str, reason: str) -> ResourceStatusReport:
    return ResourceStatusReport(rid, Status.NA, reason)


def _failed(rid: str, result: CommandResult) -> HostCommandError:
    output = "\n".join(part for part in (result.stderr.strip(), result.stdout.strip()) if part)
    return HostCommandError(rid, result.node, result.command, result.exit_code, output)


class ProfileDriver:
    """ip, vg and fs: start/stop/status rendered from the host profile's templates."""

    def __init__(self, ctx: RunContext, resource: IpResource | VgResource | FsResource, stage: str) -> None:
        self.ctx = ctx
        self.resource = resource
        self.rid = resource.rid
        self.stage = stage
        self.node = ctx.service.node
        self.profile = get_profile(ctx.service.host_profile)
        self.kind = {"ip": "ip", "disk": "vg", "fs": "fs"}[resource.kind]

    def values(self) -> dict[str, str]:
        """The profile values this resource fills in; validated by the profile when rendering."""
        try:
            return self._values()
        except ValueError as exc:
            raise HostValueError(f"{self.rid}: {exc}") from exc

    def _render(self, render: Callable[..., _T], *args: object) -> _T:
        try:
            return render(self.profile, self.kind, *args)
        except ValueError as exc:
            raise HostValueError(f"{self.rid}: host profile {self.profile.name}: {exc}") from exc

    def _values(self) -> dict[str, str]:
        common = {"symcli_bin": self.ctx.symcli_bin}
        resource = self.resource
        if isinstance(resource, IpResource):
            return {**common, **_ip_values(resource)}
        if isinstance(resource, VgResource):
            return {**common, "vg": resource.name, "svc": self.ctx.service.name}
        return {
            **common,
            "device": resource.dev,
            "mountpoint": resource.mnt,
            "fstype": resource.type,
            "options": resource.mnt_opt or "",
        }

    def _read(self, argv: Sequence[str]) -> CommandResult:
        result = self.ctx.run(self.node, argv, rid=self.rid, stage=self.stage, changes_state=False)
        assert result is not None  # read-only commands run even in a dry run
        return result

    def status(self) -> ResourceStatusReport:
        if self.resource.nostatus:
            return _na(self.rid, "tagged nostatus")
        if (planned := _dry_run_status(self.ctx, self.rid)) is not None:
            return planned
        values = self.values()
        result = self._read(self._render(status_command, values))
        word = self._render(interpret_status, result.exit_code, result.stdout, values)
        text = (result.stdout.strip() or result.stderr.strip()).splitlines()
        reason = text[-1] if text else f"exit {result.exit_code}"
        status = {ResourceStatus.UP: Status.UP, ResourceStatus.DOWN: Status.DOWN}.get(word, Status.UNDEF)
        return ResourceStatusReport(self.rid, status, reason, detail={"exit_code": result.exit_code})

    def start(self) -> HostActionResult:
        current = self.status()
        if current.status is Status.UP:
            return HostActionResult(self.rid, "start", False, (), f"already up ({current.reason})")
        return self._apply("start")

    def stop(self) -> HostActionResult:
        return self._apply("stop")

    def _apply(self, verb: str) -> HostActionResult:
        values = self.values()
        commands = self._render(render_action, verb, values)
        guards = self._render(step_guards, verb)
        answers: dict[str, ResourceStatus] = {}
        planned = _dry_run_status(self.ctx, self.rid)
        if planned is not None:
            # The probes would read the host before this dry run's earlier stop/start of the
            # resource; answer them as the host would be after it.
            implied = ResourceStatus.UP if planned.status is Status.UP else ResourceStatus.DOWN
            answers = {guard.probe: implied for guard in guards if guard is not None}
        ran: list[str] = []
        skipped: list[str] = []
        for argv, guard in zip(commands, guards, strict=True):
            if guard is not None:
                if guard.probe not in answers:
                    probe = self._read(self._render(probe_command, guard.probe, values))
                    answers[guard.probe] = self._render(
                        interpret_probe, guard.probe, probe.exit_code, probe.stdout, values
                    )
                if answers[guard.probe] is guard.skip_when:
                    skipped.append(" ".join(argv))
                    continue
            result = self.ctx.run(self.node, argv, rid=self.rid, stage=self.stage, changes_state=True)
            ran.append(" ".join(argv))
            if result is not None and not result.ok:
                raise _failed(self.rid, result)
        if ran:
            _note_dry_run(self.ctx, self.rid, verb)
        message = f"{verb}: {len(ran)} command(s)" if ran else f"{verb}: nothing to do"
        if skipped:
            message += f"; not needed: {'; '.join(skipped)}"
        return HostActionResult(self.rid, verb, bool(ran), tuple(ran), message)


def _ip_values(resource: IpResource) -> dict[str, str]:
    addr = _resolve(resource.ipname)
    version = ipaddress.ip_address(addr).version
    netmask = resource.netmask or ""
    values = {"addr": addr, "dev": resource.ipdev}
    if netmask.isdigit():
        values["prefix"] = netmask
    elif netmask:
        values["netmask"] = netmask
        values["prefix"] = str(ipaddress.ip_network(f"0.0.0.0/{netmask}").prefixlen)
    else:
        values["prefix"] = _DEFAULT_PREFIX[version]
    return values


def _resolve(ipname: str) -> str:
    """The address of `ipname`: itself if it is one, else what the name resolves to here."""
    try:
        return str(ipaddress.ip_address(ipname))
    except ValueError:
        pass
    try:
        return socket.getaddrinfo(ipname, None)[0][4][0]
    except OSError as exc:
        raise PermanentError(f"ipname {ipname!r} does not resolve to an address: {exc}") from exc


class AppDriver:
    """An app resource: the admin's start/stop/check commands, run by /bin/sh on the service node."""

    def __init__(self, ctx: RunContext, resource: AppResource, stage: str) -> None:
        self.ctx = ctx
        self.resource = resource
        self.rid = resource.rid
        self.stage = stage
        self.node = ctx.service.node
        self.timeout = float(resource.timeout) if resource.timeout else None

    def _shell(self, command: str, *, changes_state: bool) -> CommandResult | None:
        return self.ctx.run(
            self.node,
            ["/bin/sh", "-c", command],
            rid=self.rid,
            stage=self.stage,
            changes_state=changes_state,
            timeout=self.timeout,
        )

    def status(self) -> ResourceStatusReport:
        if self.resource.nostatus:
            return _na(self.rid, "tagged nostatus")
        if not self.resource.check:
            return _na(self.rid, "no check command")
        if (planned := _dry_run_status(self.ctx, self.rid)) is not None:
            return planned
        result = self._shell(self.resource.check, changes_state=False)
        assert result is not None
        text = (result.stdout.strip() or result.stderr.strip()).splitlines()
        reason = text[-1] if text else f"check exit {result.exit_code}"
        status = Status.UP if result.ok else Status.DOWN
        return ResourceStatusReport(self.rid, status, reason, detail={"exit_code": result.exit_code})

    def start(self) -> HostActionResult:
        return self._act("start", self.resource.start, skip_if=Status.UP)

    def stop(self) -> HostActionResult:
        return self._act("stop", self.resource.stop, skip_if=Status.DOWN)

    def _act(self, verb: str, command: str | None, *, skip_if: Status) -> HostActionResult:
        if not command:
            return HostActionResult(self.rid, verb, False, (), f"{verb}: no {verb} command")
        # With a check command, starting a running app (or stopping a stopped one) is skipped:
        # the admin's scripts are not all idempotent (e.g. a database refuses a second start).
        if self.resource.check and not self.resource.nostatus:
            current = self.status()
            if current.status is skip_if:
                return HostActionResult(self.rid, verb, False, (), f"already {skip_if} ({current.reason})")
        result = self._shell(command, changes_state=True)
        if result is not None and not result.ok:
            raise _failed(self.rid, result)
        _note_dry_run(self.ctx, self.rid, verb)
        return HostActionResult(self.rid, verb, True, (command,), f"{verb}: {command}")


def host_driver(ctx: RunContext, resource: AnyResource, stage: str = "") -> ProfileDriver | AppDriver:
    """The driver of an ip, disk, fs or app resource; `stage` labels its journal entries."""
    stage = stage or resource.kind
    if isinstance(resource, AppResource):
        return AppDriver(ctx, resource, stage)
    if isinstance(resource, IpResource | VgResource | FsResource):
        return ProfileDriver(ctx, resource, stage)
    raise TypeError(f"{resource.rid} is not a host resource (ip, disk, fs or app)")
