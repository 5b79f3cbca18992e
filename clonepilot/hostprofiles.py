"""Host command profiles as data: the argv templates for ip, vg and fs start/stop/status.

A profile maps (resource, verb) to a list of argv templates. `render_action` fills the
`{placeholders}` from validated values: each template element becomes exactly one argv
element, an `Opt` group is dropped whole when one of its values is empty, and nothing is
ever joined into a shell line. Status interpretation is data too (`StatusRule`).

Re-running an action must be safe (a retried or resumed run repeats it), so each step of an
action may carry a `Guard`: a read-only `Probe` (e.g. "is the VG imported?") whose answer skips
the step, as OpenSVC skips `vgimport` for a VG already in /etc/lvmtab.

Profiles: `linux` (iproute2, LVM2, util-linux), `hpux` (the seed's OpenSVC log lines),
`sim` (the simulator's `symsim-host` commands) and `sim-linux` (the linux profile's argv one for
one behind `symsim-host linux`, so the simulator runs exactly what a Linux host would).

A profile may also refresh the host's view of the clone targets after `symclone activate`
(resource "target"): Linux keeps a target's stale Not Ready state until its SCSI device is
rescanned, as OpenSVC's Linux symclone driver does (sysfs rescan, sg_turs, multipath -r).
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Resource = Literal["ip", "vg", "fs", "target"]
Verb = Literal["start", "stop", "status"]

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Opt:
    """Optional argv elements: kept only when every placeholder in them has a non-empty value."""

    elements: tuple[str, ...]

    def __init__(self, *elements: str) -> None:
        object.__setattr__(self, "elements", elements)


@dataclass(frozen=True)
class Each:
    """One argv element per whitespace-separated item of one list value (e.g. the PVs of a VG)."""

    element: str


Element = str | Opt | Each
Template = tuple[Element, ...]


class ResourceStatus(enum.Enum):
    UP = "up"
    DOWN = "down"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StatusRule:
    """How the status command's result reads.

    Without `match`: the exit code alone decides. With `match` (a regex template whose
    placeholders are filled with escaped values): an up exit code plus a match is UP, an up
    or down exit code without a match is DOWN. Any other exit code is UNKNOWN.
    """

    up_codes: frozenset[int] = frozenset({0})
    down_codes: frozenset[int] = frozenset({1})
    match: str | None = None


@dataclass(frozen=True)
class Probe:
    """A read-only command and how to read it: UP when the fact it checks holds."""

    template: Template
    rule: StatusRule


# The probe name that means "the resource's own status command and rule".
STATUS_PROBE = "status"


@dataclass(frozen=True)
class Guard:
    """Skip one step of an action when `probe` reads `skip_when` (an UNKNOWN answer never skips)."""

    probe: str
    skip_when: ResourceStatus


@dataclass(frozen=True)
class HostProfile:
    name: str
    actions: Mapping[tuple[str, str], tuple[Template, ...]]
    status: Mapping[str, StatusRule]
    defaults: Mapping[str, str] = field(default_factory=dict)
    # (resource, probe name) → probe; STATUS_PROBE needs no entry.
    probes: Mapping[tuple[str, str], Probe] = field(default_factory=dict)
    # (resource, verb) → one guard (or None) per template of that action, in order.
    guards: Mapping[tuple[str, str], tuple[Guard | None, ...]] = field(default_factory=dict)
    # (resource, verb) → what each template's command reads on stdin (None: nothing), in order.
    stdin: Mapping[tuple[str, str], tuple[str | None, ...]] = field(default_factory=dict)
    # (resource, verb) → the exit codes that mean success for each template (None: only 0), in order.
    ok_codes: Mapping[tuple[str, str], tuple[frozenset[int] | None, ...]] = field(default_factory=dict)

    @property
    def rescans_targets(self) -> bool:
        """Whether the host must refresh its view of the clone targets after an activate."""
        return ("target", "rescan") in self.actions

    @property
    def imports_clones(self) -> bool:
        """Whether the profile can import a cloned VG under a new name (vgimportclone)."""
        return ("vg", "start_clone") in self.actions


# --- value checks ---------------------------------------------------------------------------


def _pattern(regex: str, what: str) -> Callable[[str], str]:
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"invalid {what} {value!r}")
        return value

    return check


def _address(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError as exc:
        raise ValueError(f"invalid IP address {value!r}") from exc


def _abs_path(what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value.startswith("/") or re.search(r"[\s\x00]", value) or ".." in value.split("/"):
            raise ValueError(f"invalid {what} {value!r}: expected an absolute path, no whitespace or '..'")
        return value

    return check


def _paths(what: str) -> Callable[[str], str]:
    one = _abs_path(what)

    def check(value: str) -> str:
        return " ".join(one(item) for item in value.split())

    return check


_VALIDATORS: dict[str, Callable[[str], str]] = {
    "addr": _address,
    "prefix": _pattern(r"^(?:[0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$", "prefix length"),
    "netmask": _pattern(r"^(?:\d{1,3}\.){3}\d{1,3}$", "netmask"),
    # Interface names, including HP-UX logical ones (lan900:1) and Linux labels (eth0:1).
    "dev": _pattern(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,31}$", "network interface"),
    "vg": _pattern(r"^[A-Za-z0-9_+][A-Za-z0-9_.+-]{0,127}$", "volume group name"),
    "device": _abs_path("block device"),
    "mountpoint": _abs_path("mount point"),
    "fstype": _pattern(r"^[a-z0-9][a-z0-9._-]{0,15}$", "filesystem type"),
    "options": _pattern(r"^[A-Za-z0-9_][A-Za-z0-9_=,.:/+-]{0,255}$", "mount options"),
    # Service names may hold dots (config allows them); the value only ever fills a map file name.
    "svc": _pattern(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$", "service name"),
    "map_dir": _abs_path("map directory"),
    "symcli_bin": _abs_path("symcli bin directory"),
    # A kernel block device name (sdb, sdaa): it fills /sys/block/{sd}/... and /dev/{sd}.
    "sd": _pattern(r"^[a-z][a-z0-9]{0,31}$", "kernel block device name"),
    "pvs": _paths("physical volume"),
}


def _netmask(addr: str, prefix: str) -> str:
    network = ipaddress.ip_network(f"{addr}/{prefix}", strict=False)
    if network.version != 4:
        raise ValueError("a dotted netmask exists only for IPv4 addresses")
    return str(network.netmask)


def resolve_values(profile: HostProfile, values: Mapping[str, str]) -> dict[str, str]:
    """Profile defaults overlaid with the caller's values, each validated; netmask derived from prefix."""
    merged = {**profile.defaults, **values}
    resolved: dict[str, str] = {}
    for key, value in merged.items():
        if key not in _VALIDATORS:
            raise ValueError(f"unknown host profile value {key!r}")
        if not isinstance(value, str):
            raise ValueError(f"host profile value {key!r} must be a string, got {type(value).__name__}")
        resolved[key] = _VALIDATORS[key](value) if value else ""
    if resolved.get("prefix") and resolved.get("addr"):
        if int(resolved["prefix"]) > ipaddress.ip_address(resolved["addr"]).max_prefixlen:
            raise ValueError(f"prefix /{resolved['prefix']} too long for {resolved['addr']}")
        if not resolved.get("netmask") and ipaddress.ip_address(resolved["addr"]).version == 4:
            resolved["netmask"] = _netmask(resolved["addr"], resolved["prefix"])
    return resolved


# --- rendering ------------------------------------------------------------------------------


def _fill(element: str, values: Mapping[str, str], *, required: bool) -> str | None:
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1), "")
        if not value:
            missing.append(match.group(1))
        return value

    text = _PLACEHOLDER.sub(replace, element)
    if missing:
        if required:
            raise ValueError(f"missing value for {', '.join(missing)} in {element!r}")
        return None
    return text


def render(template: Sequence[Element], values: Mapping[str, str]) -> list[str]:
    """One argv from one template; values must already be validated (see resolve_values)."""
    argv: list[str] = []
    for element in template:
        if isinstance(element, Each):
            text = _fill(element.element, values, required=True)
            assert text is not None
            argv.extend(text.split())
        elif isinstance(element, Opt):
            filled = [_fill(part, values, required=False) for part in element.elements]
            if all(part is not None for part in filled):
                argv.extend(part for part in filled if part is not None)
        else:
            text = _fill(element, values, required=True)
            assert text is not None  # required=True raises instead of returning None
            argv.append(text)
    return argv


def render_action(
    profile: HostProfile, resource: str, verb: str, values: Mapping[str, str]
) -> list[list[str]]:
    """The commands to run, in order, for e.g. ("vg", "start") → [vgimport ..., vgchange -a y ...]."""
    templates = profile.actions.get((resource, verb))
    if templates is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} {verb} action")
    resolved = resolve_values(profile, values)
    return [render(template, resolved) for template in templates]


def status_command(profile: HostProfile, resource: str, values: Mapping[str, str]) -> list[str]:
    (argv,) = render_action(profile, resource, "status", values)
    return argv


def interpret_status(
    profile: HostProfile, resource: str, exit_code: int, stdout: str, values: Mapping[str, str]
) -> ResourceStatus:
    rule = profile.status.get(resource)
    if rule is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} status rule")
    return _apply_rule(rule, exit_code, stdout, resolve_values(profile, values))


def _apply_rule(rule: StatusRule, exit_code: int, stdout: str, resolved: Mapping[str, str]) -> ResourceStatus:
    if rule.match is None:
        if exit_code in rule.up_codes:
            return ResourceStatus.UP
        return ResourceStatus.DOWN if exit_code in rule.down_codes else ResourceStatus.UNKNOWN
    if exit_code not in rule.up_codes and exit_code not in rule.down_codes:
        return ResourceStatus.UNKNOWN
    pattern = _PLACEHOLDER.sub(lambda m: re.escape(resolved.get(m.group(1), "")), rule.match)
    if exit_code in rule.up_codes and re.search(pattern, stdout, re.MULTILINE):
        return ResourceStatus.UP
    return ResourceStatus.DOWN


def step_guards(profile: HostProfile, resource: str, verb: str) -> tuple[Guard | None, ...]:
    """One guard (or None) per command render_action returns for (resource, verb)."""
    templates = profile.actions.get((resource, verb))
    if templates is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} {verb} action")
    guards = profile.guards.get((resource, verb), ())
    return tuple(guards) + (None,) * (len(templates) - len(guards))


def step_ok_codes(profile: HostProfile, resource: str, verb: str) -> tuple[frozenset[int], ...]:
    """The exit codes that mean success, one set per command render_action returns."""
    templates = profile.actions.get((resource, verb))
    if templates is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} {verb} action")
    given = profile.ok_codes.get((resource, verb), ())
    padded = tuple(given) + (None,) * (len(templates) - len(given))
    return tuple(codes if codes is not None else _ONLY_ZERO for codes in padded)


_ONLY_ZERO = frozenset({0})


def step_stdin(profile: HostProfile, resource: str, verb: str) -> tuple[str | None, ...]:
    """What each command render_action returns for (resource, verb) reads on stdin (None: nothing)."""
    templates = profile.actions.get((resource, verb))
    if templates is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} {verb} action")
    given = profile.stdin.get((resource, verb), ())
    return tuple(given) + (None,) * (len(templates) - len(given))


def probe_command(profile: HostProfile, resource: str, probe: str, values: Mapping[str, str]) -> list[str]:
    """The read-only command answering `probe` (STATUS_PROBE: the status command)."""
    if probe == STATUS_PROBE:
        return status_command(profile, resource, values)
    return render(_probe(profile, resource, probe).template, resolve_values(profile, values))


def interpret_probe(
    profile: HostProfile,
    resource: str,
    probe: str,
    exit_code: int,
    stdout: str,
    values: Mapping[str, str],
) -> ResourceStatus:
    if probe == STATUS_PROBE:
        return interpret_status(profile, resource, exit_code, stdout, values)
    rule = _probe(profile, resource, probe).rule
    return _apply_rule(rule, exit_code, stdout, resolve_values(profile, values))


def _probe(profile: HostProfile, resource: str, probe: str) -> Probe:
    found = profile.probes.get((resource, probe))
    if found is None:
        raise ValueError(f"profile {profile.name!r} has no {resource} probe {probe!r}")
    return found


_PAIR = re.compile(r'([A-Z:_-]+)="((?:[^"\\]|\\.)*)"')


def parse_lsblk_pairs(stdout: str) -> list[dict[str, str]]:
    """The rows of `lsblk -P` (KEY="value" ...), one dict per line; lines without pairs are skipped."""
    rows: list[dict[str, str]] = []
    for line in stdout.splitlines():
        row = {key: value for key, value in _PAIR.findall(line)}
        if row:
            rows.append(row)
    return rows


# --- the profiles ---------------------------------------------------------------------------

_UP, _DOWN = ResourceStatus.UP, ResourceStatus.DOWN
# The same on every profile: what makes each step of start/stop safe to repeat. Start is only
# run when the status is not up; stop always runs, so each of its steps checks what it undoes.
_GUARDS: Mapping[tuple[str, str], tuple[Guard | None, ...]] = MappingProxyType(
    {
        ("ip", "stop"): (Guard(STATUS_PROBE, _DOWN),),
        ("vg", "start"): (Guard("imported", _UP), None),
        ("vg", "start_clone"): (Guard("imported", _UP), None),
        ("vg", "stop"): (Guard("imported", _DOWN), Guard("imported", _DOWN)),
        ("fs", "stop"): (Guard("mounted", _DOWN),),
    }
)

_LSBLK_COLUMNS = "NAME,KNAME,WWN,TYPE,PKNAME"

LINUX = HostProfile(
    name="linux",
    actions=MappingProxyType(
        {
            ("ip", "start"): (("ip", "addr", "add", "{addr}/{prefix}", "dev", "{dev}"),),
            ("ip", "stop"): (("ip", "addr", "del", "{addr}/{prefix}", "dev", "{dev}"),),
            ("ip", "status"): (("ip", "-o", "addr", "show", "dev", "{dev}"),),
            ("vg", "start"): (("vgimport", "{vg}"), ("vgchange", "-a", "y", "{vg}")),
            # A clone read by a host that also sees its source: same VG name, same PV and VG
            # UUIDs (duplicate PVs). vgimportclone gives the clone new UUIDs and the name {vg}.
            ("vg", "start_clone"): (
                ("vgimportclone", "--basevgname", "{vg}", Each("{pvs}")),
                ("vgchange", "-a", "y", "{vg}"),
            ),
            ("vg", "stop"): (("vgchange", "-a", "n", "{vg}"), ("vgexport", "{vg}")),
            # Up means usable: imported is not enough, its logical volumes must be active.
            ("vg", "status"): (("lvs", "--noheadings", "-o", "vg_name,lv_attr", "{vg}"),),
            ("fs", "start"): (
                ("fsck", Opt("-t", "{fstype}"), "-y", "{device}"),
                ("mount", Opt("-t", "{fstype}"), Opt("-o", "{options}"), "{device}", "{mountpoint}"),
            ),
            ("fs", "stop"): (("umount", "{mountpoint}"),),
            ("fs", "status"): (("findmnt", "-n", "{mountpoint}"),),
            # The service node's disks with their WWN and multipath maps (one line per path
            # and per map on it), to find each clone target by the WWN the array gives.
            ("target", "list"): (("lsblk", "-p", "-n", "-P", "-o", _LSBLK_COLUMNS),),
            # Per path of a target, after activate (OpenSVC's symclone/linux.py): echo 1 into
            # the SCSI device's rescan file (tee, fed "1" on stdin: no shell), then TEST UNIT
            # READY, which fails while the device still reads as Not Ready. The readiness test
            # comes last: the driver retries the rescan when it fails.
            ("target", "rescan"): (("tee", "/sys/block/{sd}/device/rescan"), ("sg_turs", "/dev/{sd}")),
            # Once per target that multipath maps: reload its map on the rescanned paths.
            ("target", "multipath"): (("multipath", "-v0", "-r", "/dev/{sd}"),),
        }
    ),
    stdin=MappingProxyType({("target", "rescan"): ("1", None)}),
    status=MappingProxyType(
        {
            # `ip` exits 1 when the interface does not exist: the address is then down too.
            "ip": StatusRule(match=r"\binet6?\s+{addr}/"),
            # LVM exits 5 for an unknown or exported VG; lv_attr's fifth letter is 'a' when active.
            "vg": StatusRule(down_codes=frozenset({5}), match=r"^\s*{vg}\s+\S{4}a"),
            "fs": StatusRule(),
        }
    ),
    probes=MappingProxyType(
        {
            # vgs lists a VG once it is known to LVM; the 'x' attribute marks it exported.
            ("vg", "imported"): Probe(
                ("vgs", "--noheadings", "-o", "vg_name,vg_attr", "{vg}"),
                StatusRule(down_codes=frozenset({5}), match=r"^\s*{vg}\s+..-"),
            ),
            ("fs", "mounted"): Probe(("findmnt", "-n", "{mountpoint}"), StatusRule()),
        }
    ),
    guards=_GUARDS,
    ok_codes=MappingProxyType(
        {
            # fsck(8): 1 is "errors corrected"; e2fsck says it after replaying the journal of a
            # crash-consistent image, which a clone of a mounted filesystem always is.
            ("fs", "start"): (frozenset({0, 1}), None),
        }
    ),
)

HPUX = HostProfile(
    name="hpux",
    actions=MappingProxyType(
        {
            ("ip", "start"): (("ifconfig", "{dev}", "{addr}", "netmask", "{netmask}", "up"),),
            # Setting a logical interface's address to 0.0.0.0 is how HP-UX removes it.
            ("ip", "stop"): (("ifconfig", "{dev}", "0.0.0.0"),),
            ("ip", "status"): (("ifconfig", "{dev}"),),
            ("vg", "start"): (
                ("vgimport", "-m", "{map_dir}/vg_{svc}_{vg}.map", "-s", "-N", "{vg}"),
                ("vgchange", "-a", "y", "{vg}"),
            ),
            ("vg", "stop"): (("vgchange", "-a", "n", "{vg}"), ("vgexport", "{vg}")),
            ("vg", "status"): (("vgdisplay", "{vg}"),),
            ("fs", "start"): (
                ("fsck", "-F", "{fstype}", "-y", "{device}"),
                ("mount", "-F", "{fstype}", Opt("-o", "{options}"), "{device}", "{mountpoint}"),
            ),
            ("fs", "stop"): (("umount", "{mountpoint}"),),
            ("fs", "status"): (("mount", "-p"),),
        }
    ),
    status=MappingProxyType(
        {
            "ip": StatusRule(match=r"\binet\s+{addr}\s"),
            # vgdisplay fails on a VG that is not activated (or not imported).
            "vg": StatusRule(),
            # `mount -p` lists mounts in fstab form: device, mount point, type, ...
            "fs": StatusRule(down_codes=frozenset(), match=r"^{device}\s+{mountpoint}\s"),
        }
    ),
    defaults=MappingProxyType({"map_dir": "/var/lib/opensvc", "fstype": "vxfs"}),
    probes=MappingProxyType(
        {
            # What OpenSVC's HP-UX vg driver checks: an imported VG is listed in /etc/lvmtab.
            ("vg", "imported"): Probe(
                ("strings", "/etc/lvmtab"), StatusRule(down_codes=frozenset(), match=r"^/dev/{vg}$")
            ),
            ("fs", "mounted"): Probe(
                ("mount", "-p"), StatusRule(down_codes=frozenset(), match=r"^{device}\s+{mountpoint}\s")
            ),
        }
    ),
    guards=_GUARDS,
)


def _sim(*args: str) -> Template:
    return ("{symcli_bin}/symsim-host", *args)


SIM = HostProfile(
    name="sim",
    actions=MappingProxyType(
        {
            ("ip", "start"): (_sim("ip", "add", "{addr}", "{dev}"),),
            ("ip", "stop"): (_sim("ip", "del", "{addr}", "{dev}"),),
            ("ip", "status"): (_sim("ip", "status", "{addr}", "{dev}"),),
            ("vg", "start"): (_sim("vg", "import", "{vg}"), _sim("vg", "activate", "{vg}")),
            ("vg", "stop"): (_sim("vg", "deactivate", "{vg}"), _sim("vg", "export", "{vg}")),
            ("vg", "status"): (_sim("vg", "status", "{vg}"),),
            ("fs", "start"): (
                _sim("fs", "fsck", "{device}"),
                _sim("fs", "mount", "{device}", "{mountpoint}"),
            ),
            ("fs", "stop"): (_sim("fs", "umount", "{device}", "{mountpoint}"),),
            ("fs", "status"): (_sim("fs", "status", "{device}", "{mountpoint}"),),
        }
    ),
    status=MappingProxyType({"ip": StatusRule(), "vg": StatusRule(), "fs": StatusRule()}),
    defaults=MappingProxyType({"symcli_bin": "/usr/symcli/bin"}),
    probes=MappingProxyType(
        {
            # `vg status` exits 1 for any down VG; its text tells an imported one from an exported one.
            ("vg", "imported"): Probe(
                _sim("vg", "status", "{vg}"),
                StatusRule(
                    up_codes=frozenset({0, 1}),
                    down_codes=frozenset(),
                    match=r"^vg /dev/{vg}: (?:up|down \((?:imported|active))",
                ),
            ),
            # Mounted here even when down because the data under it changed: it still needs umount.
            ("fs", "mounted"): Probe(
                _sim("fs", "status", "{device}", "{mountpoint}"),
                StatusRule(
                    up_codes=frozenset({0, 1}),
                    down_codes=frozenset(),
                    match=r"^fs {device}: (?:up|down) \(mounted on {mountpoint}(?:\)|,)",
                ),
            ),
        }
    ),
    guards=_GUARDS,
)


def _behind(prefix: Template, template: Template) -> Template:
    return (*prefix, *template)


def _wrapped(profile: HostProfile, name: str, prefix: Template) -> HostProfile:
    """The same profile with every command run behind `prefix` (the same argv, one for one)."""
    return HostProfile(
        name=name,
        actions=MappingProxyType(
            {key: tuple(_behind(prefix, t) for t in templates) for key, templates in profile.actions.items()}
        ),
        status=profile.status,
        defaults=MappingProxyType({**profile.defaults, "symcli_bin": "/usr/symcli/bin"}),
        probes=MappingProxyType(
            {key: Probe(_behind(prefix, p.template), p.rule) for key, p in profile.probes.items()}
        ),
        guards=profile.guards,
        stdin=profile.stdin,
        ok_codes=profile.ok_codes,
    )


# symsim-host's Linux mode reads the linux profile's own argv and answers as Linux would.
SIM_LINUX = _wrapped(LINUX, "sim-linux", _sim("linux"))

PROFILES: Mapping[str, HostProfile] = MappingProxyType({p.name: p for p in (LINUX, HPUX, SIM, SIM_LINUX)})


def get_profile(name: str) -> HostProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown host profile {name!r}; known: {', '.join(sorted(PROFILES))}") from None
