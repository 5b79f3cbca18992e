"""Drivers for the service node's resources: ip, disk (type vg), fs and app.

ip, vg and fs commands come from the service's host profile (clonepilot.hostprofiles), so the
drivers hold no command text of their own. Start reads the status first and does only what is
missing; stop runs each step only where its guard says there is something to undo. Both are
therefore safe to repeat, which is what lets a failed run be resumed or a step retried.

App resources run the admin's own shell commands: start, stop and check, with OpenSVC's
convention that check exit 0 means up and anything else down.

Clone targets on the service node (profiles that rescan, e.g. linux): the array names each target
by WWN (`symdev list -v`, read on the symcli node); the service node lists its disks with their
WWN and multipath maps (`lsblk`). Matching the two finds every SCSI path of a target, and works
the same whether or not the symcli node is the service node (symdev's pd_name is only the symcli
node's own device file, and only one path of it).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from clonepilot.config.models import (
    AnyResource,
    AppResource,
    FsResource,
    IpResource,
    SymcloneSync,
    VgResource,
)
from clonepilot.engine.app_command import AppCommand, app_command
from clonepilot.engine.clones_read import read_pairs
from clonepilot.engine.context import RunContext
from clonepilot.engine.status import ResourceStatusReport, Status
from clonepilot.engine.unreadable import parse_output
from clonepilot.errors import PermanentError, RetryableError
from clonepilot.hostprofiles import (
    HostProfile,
    ResourceStatus,
    get_profile,
    interpret_probe,
    interpret_status,
    parse_lsblk_pairs,
    probe_command,
    render_action,
    status_command,
    step_guards,
    step_ok_codes,
    step_stdin,
)
from clonepilot.nodes import NodeAddress
from clonepilot.symcli.commands import symdev_list
from clonepilot.symcli.models import SymdevListing
from clonepilot.symcli.parsers import parse_symdev_list
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
        if isinstance(self.resource, VgResource):
            return self._start_vg(self.resource)
        return self._apply("start")

    def stop(self) -> HostActionResult:
        return self._apply("stop")

    def _start_vg(self, vg: VgResource) -> HostActionResult:
        """vgimport, or vgimportclone where the host would see the clone's PVs twice (see clone_import)."""
        mode = vg.clone_import
        if mode == "vgimport" or not self.profile.imports_clones:
            if mode == "vgimportclone":
                raise HostValueError(
                    f"{self.rid}: clone_import = vgimportclone: host profile {self.profile.name} "
                    "has no vgimportclone (it imports volume groups as they are)"
                )
            return self._apply("start")
        syncs = _clone_syncs(self.ctx, vg)
        if not syncs:
            if mode == "vgimportclone":
                raise HostValueError(f"{self.rid}: clone_import = vgimportclone needs a sync resource")
            return self._apply("start")
        found = [target_disks(self.ctx, sync, self.stage) for sync in syncs]
        if mode == "auto":
            unknown = [f.rid for f in found if f.sources_visible is None]
            if unknown:
                raise HostValueError(
                    f"{self.rid}: clone_import = auto cannot tell whether the sources of "
                    f"{', '.join(unknown)} are visible on {self.node} (device group form): "
                    "set clone_import to vgimportclone or vgimport"
                )
            if not any(f.sources_visible for f in found):
                return self._apply("start")
        others = [d.rid for d in self.ctx.service.disks if d.rid != vg.rid and not d.disable]
        if not vg.clone_syncs and others:
            # vgimportclone must be given exactly the VG's PVs: all the targets would mix VGs.
            raise HostValueError(
                f"{self.rid}: vgimportclone needs this volume group's own PVs: with other volume "
                f"groups in the service ({', '.join(others)}), set clone_syncs to the sync "
                "resources whose targets hold it"
            )
        pvs = " ".join(disk.pv for f in found for disk in f.targets)
        return self._apply("start_clone", {"pvs": pvs})

    def _apply(self, verb: str, extra: dict[str, str] | None = None) -> HostActionResult:
        values = {**self.values(), **(extra or {})}
        commands = self._render(render_action, verb, values)
        guards = self._render(step_guards, verb)
        accepted = self._render(step_ok_codes, verb)
        answers: dict[str, ResourceStatus] = {}
        planned = _dry_run_status(self.ctx, self.rid)
        if planned is not None:
            # The probes would read the host before this dry run's earlier stop/start of the
            # resource; answer them as the host would be after it.
            implied = ResourceStatus.UP if planned.status is Status.UP else ResourceStatus.DOWN
            answers = {guard.probe: implied for guard in guards if guard is not None}
        ran: list[str] = []
        skipped: list[str] = []
        for argv, guard, ok_codes in zip(commands, guards, accepted, strict=True):
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
            if result is not None and result.exit_code not in ok_codes:
                raise _failed(self.rid, result)
        if ran:
            _note_dry_run(self.ctx, self.rid, "start" if verb.startswith("start") else verb)
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
    """An app resource: the admin's commands, or OpenSVC's `<script> start|stop|status`, on its node."""

    def __init__(self, ctx: RunContext, resource: AppResource, stage: str) -> None:
        self.ctx = ctx
        self.resource = resource
        self.rid = resource.rid
        self.stage = stage
        self.node = ctx.service.node

    @property
    def timeout(self) -> float | None:
        """The bound of the start command (each action may have its own: timeout_for)."""
        seconds = self.resource.timeout_for("start")
        return float(seconds) if seconds is not None else None

    def _argv(self, verb: str) -> AppCommand | None:
        service = self.ctx.service
        try:
            return app_command(self.resource, verb, service.name, service.host_profile)
        except ValueError as exc:
            raise PermanentError(str(exc)) from exc

    def _run(self, verb: str, command: AppCommand, *, changes_state: bool) -> CommandResult | None:
        timeout = self.resource.timeout_for(verb)
        return self.ctx.run(
            self.node,
            command.argv,
            rid=self.rid,
            stage=self.stage,
            changes_state=changes_state,
            timeout=float(timeout) if timeout is not None else None,
            env=command.env,
        )

    @property
    def _checks(self) -> bool:
        return self.resource.command("check") is not None and not self.resource.nostatus

    def status(self) -> ResourceStatusReport:
        if self.resource.nostatus:
            return _na(self.rid, "tagged nostatus")
        argv = self._argv("check")
        if argv is None:
            return _na(self.rid, "no check command" if self.resource.check is None else "check = false")
        if (planned := _dry_run_status(self.ctx, self.rid)) is not None:
            return planned
        result = self._run("check", argv, changes_state=False)
        assert result is not None
        text = (result.stdout.strip() or result.stderr.strip()).splitlines()
        reason = text[-1] if text else f"check exit {result.exit_code}"
        meaning = self.resource.status_of(result.exit_code)
        status = _APP_STATUS.get(meaning, Status.WARN)
        if meaning == "warn" and result.exit_code not in dict(self.resource.retcodes):
            reason = f"check exit {result.exit_code} (not in retcodes): {reason}"
        return ResourceStatusReport(self.rid, status, reason, detail={"exit_code": result.exit_code})

    def start(self) -> HostActionResult:
        return self._act("start", skip_if=Status.UP)

    def stop(self) -> HostActionResult:
        return self._act("stop", skip_if=Status.DOWN)

    def _act(self, verb: str, *, skip_if: Status) -> HostActionResult:
        argv = self._argv(verb)
        if argv is None:
            why = f"no {verb} command" if getattr(self.resource, verb) is None else f"{verb} = false"
            return HostActionResult(self.rid, verb, False, (), f"{verb}: {why}")
        # With a check command, starting a running app (or stopping a stopped one) is skipped:
        # the admin's scripts are not all idempotent (e.g. a database refuses a second start).
        if self._checks:
            current = self.status()
            if current.status is skip_if:
                return HostActionResult(self.rid, verb, False, (), f"already {skip_if} ({current.reason})")
        result = self._run(verb, argv, changes_state=True)
        if result is not None and not result.ok:
            raise _failed(self.rid, result)
        _note_dry_run(self.ctx, self.rid, verb)
        command = self.resource.command(verb) or ""
        return HostActionResult(self.rid, verb, True, (command,), f"{verb}: {command}")


# OpenSVC's status names in retcodes, as clonepilot's statuses ('stdby' ones read as their base).
_APP_STATUS = {
    "up": Status.UP,
    "down": Status.DOWN,
    "warn": Status.WARN,
    "n/a": Status.NA,
    "undef": Status.UNDEF,
    "stdby up": Status.UP,
    "stdby down": Status.DOWN,
}


# --- clone targets on the service node ------------------------------------------------------


@dataclass(frozen=True)
class TargetDisk:
    """One clone target as the service node sees it."""

    target: str  # as configured (hex id, or logical name in device-group form)
    dev: str  # the array's device id
    wwn: str  # normalised: lower-case hex, no 0x / naa. prefix
    paths: tuple[str, ...]  # kernel names of its SCSI paths (sdb, sdf)
    mpath: str | None  # the multipath map's device file when multipath maps it

    @property
    def pv(self) -> str:
        """The device LVM should use: the multipath map, else the single path."""
        return self.mpath or f"/dev/{self.paths[0]}"


@dataclass(frozen=True)
class TargetDisks:
    rid: str
    targets: tuple[TargetDisk, ...]
    # Whether a source device of the clone set is visible on the service node too (its LVM
    # then sees duplicate PVs); None when the sources' device ids are unknown (device groups).
    sources_visible: bool | None


def _normal_wwn(text: str) -> str:
    value = text.strip().lower()
    for prefix in ("0x", "naa.", "wwn-0x"):
        value = value.removeprefix(prefix)
    return value


def symdev_wwns(listing: SymdevListing) -> dict[str, str]:
    """Device id (upper case, no leading zeros) → normalised WWN, from a parsed `symdev list -v`."""
    return {_dev_key(d.dev_name): _normal_wwn(d.wwn) for d in listing.devices if d.wwn}


def _dev_key(dev: str) -> str:
    return dev.strip().upper().lstrip("0") or "0"


@dataclass(frozen=True)
class _HostView:
    paths: dict[str, list[str]]  # wwn → kernel names of the disks carrying it
    maps: dict[str, str]  # kernel name of a path → its multipath map's device file


def parse_host_disks(stdout: str) -> _HostView:
    """The service node's disks by WWN, and which multipath map holds each path (`lsblk -P`)."""
    paths: dict[str, list[str]] = {}
    maps: dict[str, str] = {}
    for row in parse_lsblk_pairs(stdout):
        kind = row.get("TYPE", "")
        kname = row.get("KNAME", "").removeprefix("/dev/")
        if kind == "disk" and row.get("WWN") and kname:
            paths.setdefault(_normal_wwn(row["WWN"]), []).append(kname)
        elif kind == "mpath" and row.get("PKNAME"):
            maps[row["PKNAME"].removeprefix("/dev/")] = row.get("NAME", "") or f"/dev/{kname}"
    return _HostView(paths, maps)


def _clone_syncs(ctx: RunContext, vg: VgResource) -> list[SymcloneSync]:
    wanted = set(vg.clone_syncs)
    return [s for s in ctx.service.syncs if not s.disable and (not wanted or s.rid in wanted)]


def target_disks(ctx: RunContext, sync: SymcloneSync, stage: str) -> TargetDisks:
    """Where the targets (and whether the sources) of a clone set are on the service node; cached per run."""
    key = f"target-disks:{sync.rid}"
    with ctx.cache_lock:
        cached = ctx.cache.get(key)
    if isinstance(cached, TargetDisks):
        return cached
    found = _find_target_disks(ctx, sync, stage)
    with ctx.cache_lock:
        ctx.cache[key] = found
    return found


def _find_target_disks(ctx: RunContext, sync: SymcloneSync, stage: str) -> TargetDisks:
    if sync.uses_device_group:
        # Logical names: the array's device ids of the targets come from the group's query.
        raw = read_pairs(ctx, sync, stage=stage)
        symid = raw.symid
        target_devs = {t: raw.target_devs.get(t, "") for t in sync.targets}
        source_devs: list[str] | None = None
    else:
        symid = sync.symid
        target_devs = {t: t for t in sync.targets}
        source_devs = list(sync.sources)
    missing = [t for t, dev in target_devs.items() if not dev]
    if symid is None or missing:
        raise PermanentError(f"{sync.rid}: no array device id for target(s) {', '.join(missing) or 'all'}")
    devs = sorted({*target_devs.values(), *(source_devs or [])}, key=_dev_key)
    listing = _read_or_fail(
        ctx, ctx.service.symcli_node, symdev_list(ctx.symcli_bin, symid, devs), sync.rid, stage
    )
    node = str(ctx.service.symcli_node)
    wwns = symdev_wwns(parse_output(ctx.settings, node, listing, parse_symdev_list))
    view = _host_view(ctx, sync.rid, stage)
    targets: list[TargetDisk] = []
    for target, dev in target_devs.items():
        wwn = wwns.get(_dev_key(dev))
        if wwn is None:
            raise PermanentError(
                f"{sync.rid}: symdev list on {ctx.service.symcli_node} gave no WWN for {dev}"
            )
        paths = tuple(view.paths.get(wwn, ()))
        if not paths:
            # What OpenSVC says when pd_name is 'Not Visible'.
            raise PermanentError(
                f"{sync.rid}: clone target {dev} (WWN {wwn}) is not visible on {ctx.service.node}: "
                "scan the SCSI buses for it"
            )
        mpath = next((view.maps[p] for p in paths if p in view.maps), None)
        targets.append(TargetDisk(target, dev, wwn, paths, mpath))
    visible = None
    if source_devs is not None:
        visible = any(view.paths.get(wwns.get(_dev_key(dev), ""), ()) for dev in source_devs)
    return TargetDisks(sync.rid, tuple(targets), visible)


def _host_view(ctx: RunContext, rid: str, stage: str) -> _HostView:
    """The service node's disks, listed once per run (rescans do not rename them)."""
    with ctx.cache_lock:
        cached = ctx.cache.get("host-disk-view")
    if isinstance(cached, _HostView):
        return cached
    profile = get_profile(ctx.service.host_profile)
    (lsblk,) = render_action(profile, "target", "list", {"symcli_bin": ctx.symcli_bin})
    view = parse_host_disks(_read_or_fail(ctx, ctx.service.node, lsblk, rid, stage).stdout)
    with ctx.cache_lock:
        ctx.cache["host-disk-view"] = view
    return view


def _read_or_fail(
    ctx: RunContext, node: NodeAddress, argv: Sequence[str], rid: str, stage: str
) -> CommandResult:
    result = ctx.run(node, argv, rid=rid, stage=stage, changes_state=False)
    assert result is not None  # read-only commands run even in a dry run
    if not result.ok:
        raise _failed(rid, result)
    return result


class RescanDriver:
    """After activate: make the service node see a clone set's targets as they are now, read-write.

    Per SCSI path of each target, the profile's ("target", "rescan") commands (sysfs rescan, then
    sg_turs), then its ("target", "multipath") reload once per target that multipath maps. The
    order and commands are OpenSVC's symclone/linux.py `wait_for_devs_ready`. A target that still
    answers Not Ready raises a RetryableError: the step is retried with backoff, rescanning again,
    which is harmless.
    """

    def __init__(self, ctx: RunContext, resource: SymcloneSync, stage: str) -> None:
        self.ctx = ctx
        self.resource = resource
        self.rid = resource.rid
        self.stage = stage
        self.node = ctx.service.node
        self.profile: HostProfile = get_profile(ctx.service.host_profile)

    def _run(self, resource: str, verb: str, sd: str, ran: list[str]) -> None:
        values = {"symcli_bin": self.ctx.symcli_bin, "sd": sd}
        try:
            commands = render_action(self.profile, resource, verb, values)
        except ValueError as exc:
            raise HostValueError(f"{self.rid}: host profile {self.profile.name}: {exc}") from exc
        stdins = step_stdin(self.profile, resource, verb)
        for index, (argv, stdin) in enumerate(zip(commands, stdins, strict=True)):
            result = self.ctx.run(
                self.node, argv, rid=self.rid, stage=self.stage, changes_state=True, stdin=stdin
            )
            ran.append(" ".join(argv))
            if result is None or result.ok:
                continue
            error = _failed(self.rid, result)
            if verb == "rescan" and index == len(commands) - 1:
                # The rescan ends with its readiness test (sg_turs): a target not ready yet may be
                # ready on a later attempt, as OpenSVC waits for it.
                raise RetryableError(str(error))
            raise error

    def rescan(self) -> HostActionResult:
        if not self.profile.rescans_targets:
            return HostActionResult(
                self.rid, "rescan", False, (), f"rescan: not needed on {self.profile.name}"
            )
        found = target_disks(self.ctx, self.resource, self.stage)
        ran: list[str] = []
        for disk in found.targets:
            for sd in disk.paths:
                self._run("target", "rescan", sd, ran)
            if disk.mpath is not None:
                self._run("target", "multipath", disk.paths[0], ran)
        names = ", ".join(f"{d.dev}={'+'.join(d.paths)}" for d in found.targets)
        return HostActionResult(self.rid, "rescan", bool(ran), tuple(ran), f"rescanned {names}")


def host_driver(ctx: RunContext, resource: AnyResource, stage: str = "") -> ProfileDriver | AppDriver:
    """The driver of an ip, disk, fs or app resource; `stage` labels its journal entries."""
    stage = stage or resource.kind
    if isinstance(resource, AppResource):
        return AppDriver(ctx, resource, stage)
    if isinstance(resource, IpResource | VgResource | FsResource):
        return ProfileDriver(ctx, resource, stage)
    raise TypeError(f"{resource.rid} is not a host resource (ip, disk, fs or app)")
