"""`clonepilot check`: the read-only preflight before a first refresh, for one service or all.

Order of the checks, each gating the next on its node: the SSH host key (before any login), SYMCLI
and its version, the arrays the node sees, the devices of every clone pair, each pair's session and
state, and the programs the host profile runs on the service nodes. What several services share is
read once: one host key probe per node, one `symcli` and `symcfg list` per symcli node, one
`symdev list` per array for every device of every service on it, one `symdg list ld` per group.
Every command comes from clonepilot.check.readonly: nothing here can change a pair or a host.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from clonepilot.check import readonly
from clonepilot.check.calls import Runner
from clonepilot.check.findings import (
    ARRAY,
    CONFIG,
    DEVICES,
    PAIRS,
    PROGRAMS,
    SYMCLI,
    CheckReport,
    Finding,
    ServiceCheck,
    fail,
    ok,
    skip,
)
from clonepilot.check.pairs import group_views, judge_pairs
from clonepilot.check.programs import service_programs
from clonepilot.check.reads import SharedReads, error_kind, message, resolve_sid
from clonepilot.config.models import Service, SymcloneSync
from clonepilot.engine.clones_model import CloneSnapshot, MissingDevicesError, snapshot_from_listing
from clonepilot.engine.context import ssh_options_from
from clonepilot.nodes import NodeAddress
from clonepilot.settings import Settings
from clonepilot.symcli import (
    GroupTarget,
    SymcliErrorKind,
    SymmArray,
)
from clonepilot.symcli.validate import normalise_dev_id
from clonepilot.transport import SSHOptions


class Preflight(SharedReads):
    """The shared reads, and the judgments of each service from them."""

    def check_service(self, service: Service) -> ServiceCheck:
        findings: list[Finding] = []
        nodes = _unique([service.symcli_node, *service.nodes])
        findings += [self._hostkeys[str(n)] for n in nodes]
        syncs = [r for r in service.syncs if not r.disable]
        if syncs:
            findings += self._array_findings(service, syncs)
        findings += self._program_findings(service)
        return ServiceCheck(service.name, str(service.path), tuple(findings))

    def _array_findings(self, service: Service, syncs: Sequence[SymcloneSync]) -> list[Finding]:
        node = service.symcli_node
        if not self.trusted(node):
            why = f"the SSH host key of {node} is not trusted (see above)"
            return [skip(check, f"node {node}", why) for check in (SYMCLI, ARRAY, DEVICES, PAIRS)]
        state = self.symcli(node)
        findings = [state.finding]
        if state.version is None:
            return [
                *findings,
                *(skip(c, f"node {node}", "SYMCLI is not usable there") for c in (ARRAY, DEVICES, PAIRS)),
            ]
        if state.arrays is None:
            findings.append(
                fail(
                    ARRAY,
                    f"node {node}",
                    state.arrays_error or "symcfg list failed",
                    "check the gatekeepers and the SYMAPI server (SYMCLI_CONNECT) of that node",
                )
            )
            return findings
        seen = ", ".join(a.sid for a in state.arrays) or "none"
        visible: dict[str, str] = {}
        for sid in _unique_str(r.symid for r in syncs if r.symid):
            full = resolve_sid(sid, state.arrays)
            users = ", ".join(f"[{r.rid}]" for r in syncs if r.symid == sid)
            if full is None:
                findings.append(
                    fail(
                        ARRAY,
                        f"array {sid}",
                        f"not among the arrays {node} sees ({seen})",
                        f"fix symid in {users} of {service.path}, or make the array visible to {node} "
                        "(gatekeepers, SYMAPI server, `symcfg discover`)",
                    )
                )
                continue
            visible[sid] = full
            array = next(a for a in state.arrays if a.sid == full)
            details = ", ".join(
                x
                for x in (array.attachment, array.model, f"mcode {array.mcode}" if array.mcode else None)
                if x
            )
            findings.append(ok(ARRAY, f"array {sid}", f"{full} visible from {node} ({details})"))
        for resource in syncs:
            if resource.uses_device_group:
                findings += self._group_findings(service, resource, state.arrays)
            elif resource.symid in visible:
                findings += self._device_findings(service, resource)
            else:
                findings.append(skip(DEVICES, resource.rid, f"array {resource.symid} is not visible"))
        return findings

    def _device_findings(self, service: Service, resource: SymcloneSync) -> list[Finding]:
        assert resource.symid is not None
        devices = self.devices(service.symcli_node, resource.symid)
        if devices is None:
            return [skip(DEVICES, resource.rid, "no devices to read")]
        if devices.error and not devices.present:
            return [
                fail(
                    DEVICES,
                    resource.rid,
                    f"cannot list the devices of {resource.symid}: {devices.error}",
                    "run the command from the capture by hand on the symcli node",
                )
            ]
        findings: list[Finding] = []
        missing = False
        for pair in resource.pairs:
            for role, dev in (("source", pair.source), ("target", pair.target)):
                if normalise_dev_id(dev) in devices.missing or normalise_dev_id(dev) not in devices.present:
                    missing = True
                    findings.append(
                        fail(
                            DEVICES,
                            f"{resource.rid} {pair}",
                            f"{role} device {dev} is not on array {resource.symid}",
                            f"fix pairs in [{resource.rid}] of {service.path} (ids as `symdev -sid "
                            f"{resource.symid} list` prints them)",
                        )
                    )
        if missing:
            return [*findings, skip(PAIRS, resource.rid, "devices are missing")]
        count = len({normalise_dev_id(d) for d in (*resource.sources, *resource.targets)})
        findings.append(
            ok(DEVICES, resource.rid, f"{count} devices present on {devices.symid or resource.symid}")
        )
        try:
            snapshot = snapshot_from_listing(resource, devices.listing())
        except MissingDevicesError as exc:
            return [*findings, fail(PAIRS, resource.rid, f"cannot read the pairs: {exc}", "attach a capture")]
        return findings + judge_pairs(service, resource, snapshot)

    def _group_findings(
        self, service: Service, resource: SymcloneSync, arrays: Sequence[SymmArray]
    ) -> list[Finding]:
        assert resource.symdg is not None
        node, dg = service.symcli_node, resource.symdg
        listing, call = self.group(node, dg)
        subject = f"{resource.rid} group {dg}"
        if listing is None:
            return [
                fail(
                    DEVICES,
                    subject,
                    f"cannot list device group {dg} on {node}: {message(call)}",
                    f"create the group on {node} (symdg create, symld add) or fix symdg in [{resource.rid}]",
                ),
                skip(PAIRS, resource.rid, f"device group {dg} is not readable"),
            ]
        findings: list[Finding] = []
        if listing.symid and resolve_sid(listing.symid, arrays) is not None:
            findings.append(ok(ARRAY, f"array {listing.symid}", f"group {dg}'s array is visible from {node}"))
        elif listing.symid:
            findings.append(
                fail(
                    ARRAY,
                    f"array {listing.symid}",
                    f"group {dg} is on {listing.symid}, which {node} does not see",
                    "check the gatekeepers and the SYMAPI server of that node",
                )
            )
        if resource.symid and listing.symid and not listing.symid.endswith(resource.symid):
            findings.append(
                fail(
                    ARRAY,
                    subject,
                    f"group {dg} is on array {listing.symid}, not {resource.symid}",
                    f"fix symid or symdg in [{resource.rid}] of {service.path}",
                )
            )
        names = ", ".join(d.ld_name for d in listing.devices) or "no device"
        missing = False
        for pair in resource.pairs:
            for role, name in (("source", pair.source), ("target", pair.target)):
                if listing.logical(name) is None:
                    missing = True
                    findings.append(
                        fail(
                            DEVICES,
                            f"{resource.rid} {pair}",
                            f"{role} {name} is not a logical device of group {dg} (it holds: {names})",
                            f"add it (symld -g {dg} add dev ID {name}) or fix pairs in [{resource.rid}]",
                        )
                    )
        if missing:
            return [*findings, skip(PAIRS, resource.rid, "logical devices are missing")]
        findings.append(
            ok(
                DEVICES,
                subject,
                f"{len(_unique_str(n for p in resource.pairs for n in (p.source, p.target)))} logical devices"
                f" present, on array {listing.symid or '(not shown)'}",
            )
        )
        query = self.runner.run(
            node,
            readonly.clone_query(
                self.bin, GroupTarget(dg, tuple((p.source, p.target) for p in resource.pairs))
            ),
        )
        if not query.ok and error_kind(query) is not SymcliErrorKind.NO_SESSION:
            return [
                *findings,
                fail(PAIRS, resource.rid, f"symclone query failed: {message(query)}", "attach a capture"),
            ]
        views = group_views(resource, query.stdout if query.ok else "")
        return findings + judge_pairs(service, resource, CloneSnapshot(resource.rid, views, query.started))

    def _program_findings(self, service: Service) -> list[Finding]:
        needed = service_programs(service, self.bin)
        if not needed:
            return []
        findings: list[Finding] = []
        for node in _unique(list(service.nodes)):
            subject = f"node {node}"
            if not self.trusted(node):
                findings.append(skip(PROGRAMS, subject, f"the SSH host key of {node} is not trusted"))
                continue
            found, call = self.programs(node)
            if found is None:
                findings.append(
                    fail(
                        PROGRAMS,
                        subject,
                        f"cannot look the programs up: {message(call) if call else '?'}",
                        "fix the SSH access to the node (key, user, its authorized_keys) as the error says"
                        if call is not None and call.error
                        else "check that a POSIX sh runs on the node",
                    )
                )
                continue
            absent = [n for n in needed if found.get(n.program) is None]
            for item in absent:
                findings.append(
                    fail(
                        PROGRAMS,
                        subject,
                        f"{item.program} not found (needed by {', '.join(item.users)})",
                        f"install it on {node} or put it on the PATH of the SSH user"
                        if "/" not in item.program
                        else f"install it at {item.program} on {node}",
                    )
                )
            if not absent:
                names = ", ".join(n.program.rsplit("/", 1)[-1] for n in needed)
                findings.append(
                    ok(
                        PROGRAMS,
                        subject,
                        f"{len(needed)} program{'s' if len(needed) > 1 else ''} found ({names})",
                    )
                )
        return findings


def _unique(nodes: Sequence[NodeAddress]) -> list[NodeAddress]:
    seen: dict[str, NodeAddress] = {}
    for node in nodes:
        seen.setdefault(str(node), node)
    return list(seen.values())


def _unique_str(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def check_ssh_options(settings: Settings) -> SSHOptions:
    """The run's SSH options, except that no unknown host key is ever accepted here."""
    return replace(ssh_options_from(settings), accept_new_host_keys=False)


def run_checks(
    settings: Settings,
    services: Sequence[Service],
    invalid: Sequence[tuple[str, str, str]] = (),
    *,
    capture_dir: Path | None = None,
) -> CheckReport:
    """Check these services (and report these invalid files: name, path, error); read-only."""
    options = check_ssh_options(settings)
    runner = Runner(options, settings.command_timeout)
    try:
        flight = Preflight(settings, runner, options)
        flight.host_keys(_unique([n for s in services for n in (s.symcli_node, *s.nodes)]))
        # Every device of every service on an array, so that each array is listed once.
        wanted: dict[tuple[str, str], tuple[NodeAddress, dict[str, str]]] = {}
        for service in services:
            for resource in service.syncs:
                if resource.disable or resource.uses_device_group or not resource.symid:
                    continue
                entry = wanted.setdefault(
                    (str(service.symcli_node), resource.symid), (service.symcli_node, {})
                )
                for dev in (*resource.sources, *resource.targets):
                    entry[1].setdefault(normalise_dev_id(dev), dev)
        for (_, sid), (node, devs) in wanted.items():
            if not flight.trusted(node):
                continue
            state = flight.symcli(node)
            if state.arrays is not None and resolve_sid(sid, state.arrays) is not None:
                flight.read_devices(node, sid, [devs[k] for k in sorted(devs)])
        for service in services:
            flight.want_programs(service)
        checks = [flight.check_service(service) for service in services]
        checks += [
            ServiceCheck(
                name, path, (fail(CONFIG, name, error, f"clonepilot -s {name} validate shows every error"),)
            )
            for name, path, error in invalid
        ]
        report = CheckReport(tuple(sorted(checks, key=lambda c: c.service)), calls=len(runner.calls))
        if capture_dir is not None:
            from clonepilot.check.capture import write_bundle

            report = write_bundle(capture_dir, report, runner.calls)
        return report
    finally:
        runner.close()
