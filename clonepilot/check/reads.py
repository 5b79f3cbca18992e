"""The reads of a `check` run, each made once and shared by every service that needs it.

One host key probe per node, one `symcli` and one `symcfg list` per symcli node, one `symdev list`
per array for all the devices wanted on it, one `symdg list ld` per group, one program lookup per
node. Every command comes from clonepilot.check.readonly.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from clonepilot.check import readonly
from clonepilot.check.calls import Call, Runner
from clonepilot.check.findings import SYMCLI, Finding, Level, fail, ok
from clonepilot.check.hostkeys import check_host_key
from clonepilot.check.programs import parse_programs, service_programs
from clonepilot.config.models import Service
from clonepilot.nodes import NodeAddress
from clonepilot.settings import Settings
from clonepilot.symcli import (
    SymcliError,
    SymcliErrorKind,
    SymDevice,
    SymdevListing,
    SymmArray,
    classify,
    parse_symcfg_list,
    parse_symdev_list,
)
from clonepilot.symcli.inventory import GroupListing, SymcliVersion, parse_symcli_version, parse_symdg_list_ld
from clonepilot.symcli.validate import normalise_dev_id
from clonepilot.transport import SSHOptions

_NOT_FOUND_CODES = (126, 127)


def message(call: Call) -> str:
    """What a failed call said, on one line."""
    if call.error:
        return call.error
    text = " ".join((call.stderr.strip() or call.stdout.strip()).split())
    return f"exit {call.exit_code}: {text[:300]}" if text else f"exit {call.exit_code}, no output"


def error_kind(call: Call) -> SymcliErrorKind | None:
    if not call.ran or call.ok:
        return None
    error = classify(call.argv, call.exit_code or 1, call.stdout, call.stderr, node=call.node)
    return error.kind if isinstance(error, SymcliError) else None


@dataclass
class SymcliState:
    finding: Finding
    version: SymcliVersion | None = None
    arrays: tuple[SymmArray, ...] | None = None
    arrays_error: str | None = None


@dataclass
class ArrayDevices:
    """One array's devices as read once for every service: present ones, missing ids, or an error."""

    sid: str
    present: dict[str, SymDevice] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    error: str | None = None
    symid: str | None = None

    def listing(self) -> SymdevListing:
        return SymdevListing(self.symid or self.sid, tuple(self.present.values()))


def resolve_sid(configured: str, seen: Sequence[SymmArray]) -> str | None:
    """The full id SYMCLI resolves `-sid` to: itself, or the one id it is a trailing part of."""
    if any(array.sid == configured for array in seen):
        return configured
    matches = [array.sid for array in seen if array.sid.endswith(configured)]
    return matches[0] if len(matches) == 1 else None


class SharedReads:
    """What one `check` run reads, each once, whatever number of services need it."""

    def __init__(self, settings: Settings, runner: Runner, ssh_options: SSHOptions) -> None:
        self.settings = settings
        self.runner = runner
        self.ssh_options = ssh_options
        self.bin = str(settings.symcli_bin)
        self._hostkeys: dict[str, Finding] = {}
        self._symcli: dict[str, SymcliState] = {}
        self._devices: dict[tuple[str, str], ArrayDevices] = {}
        self._groups: dict[tuple[str, str], tuple[GroupListing | None, Call]] = {}
        self._programs: dict[str, tuple[dict[str, str | None] | None, Call | None]] = {}
        # Every program any service needs on a node, so that each node is asked once for all.
        self._program_names: dict[str, set[str]] = {}

    def host_keys(self, nodes: Sequence[NodeAddress]) -> None:
        todo = {str(n): n for n in nodes if str(n) not in self._hostkeys}
        with ThreadPoolExecutor(max_workers=max(1, min(4, len(todo)))) as pool:
            for name, finding in zip(
                todo, pool.map(lambda n: check_host_key(n, self.ssh_options), todo.values()), strict=True
            ):
                self._hostkeys[name] = finding

    def trusted(self, node: NodeAddress) -> bool:
        return self._hostkeys[str(node)].level is not Level.FAIL

    def symcli(self, node: NodeAddress) -> SymcliState:
        key = str(node)
        if key in self._symcli:
            return self._symcli[key]
        subject = f"node {node}"
        call = self.runner.run(node, readonly.version(self.bin))
        if not call.ran:
            state = SymcliState(
                fail(
                    SYMCLI,
                    subject,
                    f"cannot run symcli: {call.error}",
                    "fix the SSH access to the node (key, user, its authorized_keys) as the error says",
                )
            )
        elif call.exit_code in _NOT_FOUND_CODES:
            state = SymcliState(
                fail(
                    SYMCLI,
                    subject,
                    f"SYMCLI not found: {call.argv[0]} is missing or not executable ({message(call)})",
                    f"install Solutions Enabler on {node}, or set symcli_bin (CLONEPILOT_SYMCLI_BIN) to the "
                    f"directory holding symcli, symcfg, symdev, symdg and symclone (now {self.bin})",
                )
            )
        else:
            try:
                version = parse_symcli_version(call.stdout + "\n" + call.stderr)
            except SymcliError:
                state = SymcliState(
                    fail(
                        SYMCLI,
                        subject,
                        f"{call.argv[0]} answered without a SYMCLI version banner ({message(call)})",
                        "run it by hand on the node; attach `check --capture DIR` to a bug report",
                    )
                )
            else:
                state = SymcliState(ok(SYMCLI, subject, f"{version} in {self.bin}"), version)
        if state.version is not None:
            listed = self.runner.run(node, readonly.arrays(self.bin))
            if listed.ok:
                try:
                    state.arrays = parse_symcfg_list(listed.stdout)
                except SymcliError as exc:
                    state.arrays_error = f"cannot read symcfg list: {exc}"
            else:
                state.arrays_error = f"symcfg list failed: {message(listed)}"
        self._symcli[key] = state
        return state

    def read_devices(self, node: NodeAddress, sid: str, devs: Sequence[str]) -> None:
        """One `symdev list` of every device wanted on this array; per device only when one is missing."""
        key = (str(node), sid)
        if key in self._devices or not devs:
            return
        state = ArrayDevices(sid)
        self._devices[key] = state
        call = self.runner.run(node, readonly.devices(self.bin, sid, devs))
        if call.ok:
            self._absorb(state, call, devs)
            return
        if error_kind(call) is not SymcliErrorKind.DEVICE_NOT_FOUND or len(devs) == 1:
            if error_kind(call) is SymcliErrorKind.DEVICE_NOT_FOUND:
                state.missing.update(normalise_dev_id(d) for d in devs)
            else:
                state.error = message(call)
            return
        # SYMCLI refuses the whole list for one unknown id: ask each device to name the missing ones.
        with ThreadPoolExecutor(max_workers=4) as pool:
            calls = list(
                pool.map(lambda d: (d, self.runner.run(node, readonly.devices(self.bin, sid, [d]))), devs)
            )
        for dev, one in calls:
            if one.ok:
                self._absorb(state, one, [dev])
            elif error_kind(one) is SymcliErrorKind.DEVICE_NOT_FOUND:
                state.missing.add(normalise_dev_id(dev))
            else:
                state.error = message(one)

    @staticmethod
    def _absorb(state: ArrayDevices, call: Call, devs: Sequence[str]) -> None:
        try:
            listing = parse_symdev_list(call.stdout)
        except SymcliError as exc:
            state.error = f"cannot read symdev list: {exc}"
            return
        state.symid = state.symid or listing.symid
        for dev in devs:
            device = listing.device(dev)
            if device is None:
                state.missing.add(normalise_dev_id(dev))
            else:
                state.present[normalise_dev_id(dev)] = device

    def devices(self, node: NodeAddress, sid: str) -> ArrayDevices | None:
        return self._devices.get((str(node), sid))

    def group(self, node: NodeAddress, dg: str) -> tuple[GroupListing | None, Call]:
        key = (str(node), dg)
        if key not in self._groups:
            call = self.runner.run(node, readonly.group(self.bin, dg))
            listing: GroupListing | None = None
            if call.ok:
                try:
                    listing = parse_symdg_list_ld(call.stdout)
                except SymcliError:
                    listing = None
            self._groups[key] = (listing, call)
        return self._groups[key]

    def want_programs(self, service: Service) -> None:
        names = {needed.program for needed in service_programs(service, self.bin)}
        for node in service.nodes:
            self._program_names.setdefault(str(node), set()).update(names)

    def programs(self, node: NodeAddress) -> tuple[dict[str, str | None] | None, Call | None]:
        key = str(node)
        if key not in self._programs:
            names = sorted(self._program_names.get(key, ()))
            if not names:
                self._programs[key] = ({}, None)
            else:
                call = self.runner.run(node, readonly.programs(names))
                found = parse_programs(call.stdout) if call.ok else None
                self._programs[key] = (found, call)
        return self._programs[key]
