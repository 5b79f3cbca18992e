"""Values a run would refuse, refused by `validate` as well: what validate accepts, a run accepts.

The keyword converters (values.py) check each keyword alone; the command builders check the values
again as they go into a command line (symcli/validate.py, symcli/pairsfile.py, hostprofiles.py),
some of them more strictly: a dotted service name makes no pairs file name, a logical device name
starting with '-' would read as an option, a path with '..' is no mount point. Rather than keep
two sets of rules in step, each value is handed here to the builder's own check, and the clone
import choices the vg driver refuses (engine/host.py) are refused here with their keyword.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from clonepilot.config.models import FsResource, IpResource, Resource, Service, SymcloneSync, VgResource
from clonepilot.hostprofiles import HostProfile, get_profile, render_action, resolve_values
from clonepilot.symcli import validate
from clonepilot.symcli.pairsfile import pairs_file_name

# The profile values each keyword fills, as the host drivers pass them (engine/host.py).
_IP_KEYWORDS = {"addr": "ipname", "dev": "ipdev", "prefix": "netmask", "netmask": "netmask"}
_FS_KEYWORDS = {"device": "dev", "mountpoint": "mnt", "fstype": "type", "options": "mnt_opt"}
_VG_KEYWORDS = {"vg": "name", "svc": None}
_DEFAULT_PREFIX = {4: "24", 6: "64"}


@dataclass(frozen=True)
class Refusal:
    """One value a run would refuse: where it is (section, keyword) and the builder's words."""

    section: str | None
    keyword: str | None
    message: str


def runnable_issues(service: Service) -> list[Refusal]:
    """Every value of the service the run's builders would refuse, with section and keyword."""
    found: list[Refusal] = []
    for sync in service.syncs:
        found += _sync_refusals(service, sync)
    profile = get_profile(service.host_profile)
    for resource in (*service.ips, *service.disks, *service.fss):
        found += _host_refusals(service, profile, resource)
    for disk in service.disks:
        found += _clone_import_refusals(service, profile, disk)
    return found


def _refused(check: Callable[..., object], *args: object) -> str | None:
    """The builder's refusal of these arguments, or None."""
    try:
        check(*args)
    except ValueError as exc:
        return str(exc)
    return None


def _keyword(resource: Resource, name: str) -> str:
    """The spelling that gave the keyword (`pairs@nodes`), or its name when it is the default."""
    origin = resource.origins.get(name, name)
    return name if origin.startswith("default") else origin


def _sync_refusals(service: Service, sync: SymcloneSync) -> Iterator[Refusal]:
    pairs_keyword = _keyword(sync, "pairs")
    if sync.symdg is None:
        # The pairs file of every array-form symclone call is named after the service and rid.
        name_error = _refused(pairs_file_name, service.name, sync.rid)
        if name_error is not None:
            yield Refusal(
                None,
                None,
                f"the service name {service.name!r} (the file name {service.path.name}) cannot name the "
                f"pairs file of [{sync.rid}]: {name_error}; rename the file",
            )
        if (error := _refused(validate.sid, sync.symid)) is not None:
            yield Refusal(sync.rid, "symid", error)
        for device in dict.fromkeys(d for p in sync.pairs for d in (p.source, p.target)):
            if (error := _refused(validate.dev_id, device)) is not None:
                yield Refusal(sync.rid, pairs_keyword, error)
        return
    if (error := _refused(validate.group_name, sync.symdg)) is not None:
        yield Refusal(sync.rid, "symdg", error)
    for pair in sync.pairs:
        for what, name in (("source", pair.source), ("target", pair.target)):
            error = _refused(validate.group_name, name, f"{what} logical device name")
            if error is not None:
                yield Refusal(sync.rid, pairs_keyword, f"pair {pair}: {error}")


def _ip_values(resource: IpResource) -> dict[str, str]:
    """What the ip driver fills in, as far as it is known before the run (a host name resolves then)."""
    values = {"dev": resource.ipdev}
    netmask = resource.netmask or ""
    try:
        addr: str | None = str(ipaddress.ip_address(resource.ipname))
    except ValueError:
        addr = None
    if addr is not None:
        values["addr"] = addr
    if netmask.isdigit():
        values["prefix"] = netmask
    elif netmask:
        values["netmask"] = netmask
        values["prefix"] = str(ipaddress.ip_network(f"0.0.0.0/{netmask}").prefixlen)
    elif addr is not None:
        values["prefix"] = _DEFAULT_PREFIX[ipaddress.ip_address(addr).version]
    return values


def _host_refusals(
    service: Service, profile: HostProfile, resource: IpResource | VgResource | FsResource
) -> Iterator[Refusal]:
    if isinstance(resource, IpResource):
        kind, values, keywords = "ip", _ip_values(resource), _IP_KEYWORDS
    elif isinstance(resource, VgResource):
        kind, values, keywords = "vg", {"vg": resource.name, "svc": service.name}, _VG_KEYWORDS
    else:
        kind, keywords = "fs", _FS_KEYWORDS
        values = {
            "device": resource.dev,
            "mountpoint": resource.mnt,
            "fstype": resource.type,
            "options": resource.mnt_opt or "",
        }
    bad = False
    for key, value in values.items():
        if (error := _refused(resolve_values, profile, {key: value})) is not None:
            bad = True
            keyword = keywords[key]
            yield Refusal(resource.rid, _keyword(resource, keyword) if keyword else None, error)
    if bad or (kind == "ip" and "addr" not in values):
        return
    # Each value passes alone; the commands also need them together (a prefix too long for the
    # address, a dotted netmask for IPv6 on a profile that writes one...).
    for verb in ("start", "stop", "status"):
        if (kind, verb) not in profile.actions:
            continue
        error = _refused(render_action, profile, kind, verb, values)
        if error is not None:
            keyword = _keyword(resource, "netmask") if kind == "ip" else None
            yield Refusal(
                resource.rid, keyword, f"host profile {profile.name} cannot build its {verb}: {error}"
            )
            return


def _clone_import_refusals(service: Service, profile: HostProfile, disk: VgResource) -> Iterator[Refusal]:
    """The clone_import choices the vg driver refuses whatever the host shows (engine/host.py)."""
    keyword = _keyword(disk, "clone_import")
    wanted = set(disk.clone_syncs)
    syncs = [s for s in service.syncs if not s.disable and (not wanted or s.rid in wanted)]
    if disk.clone_import == "vgimportclone":
        if not profile.imports_clones:
            yield Refusal(
                disk.rid,
                keyword,
                f"host profile {profile.name} has no vgimportclone (it imports volume groups as they "
                "are): set clone_import to vgimport or auto",
            )
        elif not syncs:
            yield Refusal(
                disk.rid, keyword, "vgimportclone needs a sync resource holding the volume group's PVs"
            )
        elif not disk.clone_syncs and any(d.rid != disk.rid and not d.disable for d in service.disks):
            others = ", ".join(d.rid for d in service.disks if d.rid != disk.rid and not d.disable)
            yield Refusal(
                disk.rid,
                _keyword(disk, "clone_syncs"),
                f"vgimportclone needs this volume group's own PVs: with other volume groups in the "
                f"service ({others}), set clone_syncs to the sync resources whose targets hold it",
            )
    elif disk.clone_import == "auto" and profile.imports_clones:
        groups = [s.rid for s in syncs if s.uses_device_group]
        if groups:
            default = " (the default)" if disk.origins.get("clone_import", "default") == "default" else ""
            yield Refusal(
                disk.rid,
                keyword,
                f"clone_import = auto{default} cannot tell whether the sources of {', '.join(groups)} "
                "are visible on the service node (device group form): set clone_import to vgimportclone "
                "or vgimport",
            )
