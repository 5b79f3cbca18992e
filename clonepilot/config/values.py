"""Converters from the raw text of one keyword to a typed value.

Each raises ValueError with a message that says what was expected; the parser adds the file,
section and keyword. Everything that may end up on a command line (device ids, group and volume
names, paths, interface names...) is held to a strict pattern here, so that no field of a service
file can inject a command. Hooks and app commands are the admin's own shell commands by design.
"""

from __future__ import annotations

import ipaddress
import re
import shlex

from clonepilot.config.appaction import AppAction
from clonepilot.config.depends import DependsCondition, parse_depends
from clonepilot.config.schedule import Schedule, parse_schedule
from clonepilot.nodes import NodeAddress, parse_node

_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

HEX_DEVICE_RE = re.compile(r"^[0-9A-Fa-f]{4,5}$")
# SYMCLI limits device group names to 32 characters of this set.
SYMDG_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
LOGICAL_DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Full Symmetrix ids are 12 digits; SYMCLI also accepts the trailing digits alone (e.g. 123).
SYMID_RE = re.compile(r"^[0-9]{3,12}$")
TAG_RE = re.compile(r"^[A-Za-z0-9_.+-]{1,64}$")
VG_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$")
# No whitespace, quotes or shell metacharacters: these paths go into mount, fsck and vgimport.
PATH_RE = re.compile(r"^/[A-Za-z0-9._/+:@,=%~-]{0,4095}$")
FS_TYPE_RE = re.compile(r"^[a-z0-9_]{1,16}$")
MOUNT_OPTIONS_RE = re.compile(r"^[A-Za-z0-9_,=.:/@+-]{1,1024}$")
# Linux names (eth0, bond0.100) and HP-UX logical interfaces (lan900:1).
INTERFACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,31}$")
HOSTNAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$")


def to_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean: expected True/False, true/false, yes/no or 1/0")


def to_int(text: str, minimum: int = 0) -> int:
    value = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", value):
        raise ValueError(f"{text!r} is not an integer")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{number} is below the minimum {minimum}")
    return number


def to_positive_int(text: str) -> int:
    return to_int(text, minimum=1)


def _matching(pattern: re.Pattern[str], what: str, text: str) -> str:
    value = text.strip()
    if not pattern.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid {what}")
    return value


def to_symid(text: str) -> str:
    return _matching(SYMID_RE, "symmetrix id (3 to 12 digits, e.g. 000197900123)", text)


def to_symdg(text: str) -> str:
    return _matching(SYMDG_RE, "device group name (1 to 32 of A-Z a-z 0-9 _ -)", text)


def to_vg_name(text: str) -> str:
    return _matching(VG_NAME_RE, "volume group name (letters, digits, _ . + -)", text)


def to_subset(text: str) -> str:
    return _matching(TAG_RE, "subset name (letters, digits, _ . + -)", text)


def to_fs_type(text: str) -> str:
    return _matching(FS_TYPE_RE, "filesystem type (e.g. ext4, xfs, vxfs)", text)


def to_mount_options(text: str) -> str:
    return _matching(MOUNT_OPTIONS_RE, "mount option list (e.g. rw,noatime; no spaces)", text)


def to_interface(text: str) -> str:
    return _matching(INTERFACE_RE, "network interface name (e.g. eth0, lan900:1)", text)


def to_path(text: str) -> str:
    value = text.strip()
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path")
    if not PATH_RE.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an accepted path: only letters, digits and . _ / + : @ , = % ~ - "
            "(no spaces, quotes or shell metacharacters)"
        )
    return value


def to_script(text: str) -> str:
    value = text.strip()
    if value and not value.startswith("/"):
        raise ValueError(
            f"{value!r} is relative: OpenSVC looks for it in the service's <pathetc>/<service>.d/ "
            "directory (/etc/opensvc/<service>.d/ with OpenSVC's packages), which clonepilot does not "
            "guess: give the absolute path"
        )
    return to_path(value)


def to_tags(text: str) -> frozenset[str]:
    tags = text.split()
    for tag in tags:
        if not TAG_RE.fullmatch(tag):
            raise ValueError(f"{tag!r} is not a valid tag (letters, digits, _ . + -)")
    return frozenset(tags)


# OpenSVC's boolean words (utilities.converters.convert_boolean), and what they read as.
OPENSVC_TRUE = frozenset({"yes", "y", "true", "t", "1"})
OPENSVC_FALSE = frozenset({"no", "n", "false", "f", "0", "0.0", "none", "[]", "{}"})


def to_command(text: str) -> str:
    # Shell commands are the admin's own and stay as written; only control characters that
    # cannot come from a sane one-line command are refused, and a lone number or boolean word,
    # which is a setting typed in the wrong place, never a command anyone means to run.
    value = text.strip()
    if re.fullmatch(r"[+-]?[0-9]+(?:\.[0-9]+)?", value) or value.lower() in OPENSVC_TRUE | OPENSVC_FALSE:
        raise ValueError(f"{value!r} is a number or a boolean, not a command: give the command to run")
    if "\x00" in value:
        raise ValueError("a command cannot contain a NUL character")
    if "\n" in value:
        raise ValueError("a command must fit on one line")
    return value


def to_app_action(text: str) -> AppAction:
    """An app's start/stop/check/info: OpenSVC's get_cmd reading (a number, a boolean, or a command)."""
    value = text.strip()
    if re.fullmatch(r"[0-9]+", value):
        return AppAction(run=True, order=int(value))
    if value.lower() in OPENSVC_TRUE:
        return AppAction(run=True)
    if value.lower() in OPENSVC_FALSE or value == "":
        return AppAction(run=False)
    if re.fullmatch(r"[+-][0-9]+|[0-9]+\.[0-9]+", value):
        raise ValueError(f"{value!r}: an order is a whole number of 0 or more (e.g. start = 50)")
    return AppAction(run=True, command=to_command(value))


def to_ipname(text: str) -> str:
    value = text.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if len(value) <= 253 and HOSTNAME_RE.fullmatch(value):
        return value
    raise ValueError(f"{value!r} is neither an IP address nor a host name")


def to_netmask(text: str) -> str:
    value = text.strip()
    if re.fullmatch(r"[0-9]{1,3}", value):
        if int(value) > 128:
            raise ValueError(f"{value!r} is not a prefix length (0-128)")
        return value
    try:
        ipaddress.IPv4Network(f"0.0.0.0/{value}")
    except ValueError:
        raise ValueError(f"{value!r} is not a netmask (e.g. 255.255.255.0 or 24)") from None
    return value


def to_nodes(text: str) -> tuple[NodeAddress, ...]:
    nodes: list[NodeAddress] = []
    for item in text.split():
        node = parse_node(item)  # NodeSyntaxError is a ValueError with a clear message
        if node in nodes:
            raise ValueError(f"node {item!r} is listed twice")
        nodes.append(node)
    return tuple(nodes)


def to_node(text: str) -> NodeAddress:
    items = text.split()
    if len(items) != 1:
        raise ValueError(f"{text!r}: expected exactly one node")
    return parse_node(items[0])


# The actions that change something, so that a person may be asked to approve them first.
APPROVABLE_ACTIONS: tuple[str, ...] = (
    "refresh",
    "sync_update",
    "sync_resync",
    "sync_break",
    "start",
    "stop",
    "provision",
    "unprovision",
)


def to_approval_actions(text: str) -> tuple[str, ...]:
    """`refresh sync-update ...`: the action names as the CLI or the flows spell them."""
    actions: list[str] = []
    for item in text.split():
        action = item.replace("-", "_")
        if action not in APPROVABLE_ACTIONS:
            raise ValueError(
                f"{item!r} is not an action that changes anything (expected some of: "
                f"{' '.join(APPROVABLE_ACTIONS)})"
            )
        if action not in actions:
            actions.append(action)
    return tuple(actions)


HOST_PROFILES = ("linux", "hpux", "sim", "sim-linux")
CLONE_IMPORTS = ("auto", "vgimportclone", "vgimport")
# Resource names go into file names on the symcli node (pairs files), hence no '.' nor '/'.
RID_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SYNC_RID_RE = re.compile(r"^sync#[A-Za-z0-9_-]{1,32}$")


def to_host_profile(text: str) -> str:
    value = text.strip()
    if value not in HOST_PROFILES:
        raise ValueError(f"unknown host profile {value!r} (expected {', '.join(HOST_PROFILES)})")
    return value


def to_clone_import(text: str) -> str:
    value = text.strip().lower()
    if value not in CLONE_IMPORTS:
        raise ValueError(f"{text.strip()!r} is not a clone import mode (expected {', '.join(CLONE_IMPORTS)})")
    return value


def to_sync_rids(text: str) -> tuple[str, ...]:
    """`sync#1 sync#2`: existence is checked against the service's sections by the parser."""
    rids: list[str] = []
    for item in text.split():
        if not SYNC_RID_RE.fullmatch(item):
            raise ValueError(f"{item!r} is not a sync resource id (expected sync#<name>, e.g. sync#1)")
        if item not in rids:
            rids.append(item)
    return tuple(rids)


def to_raw_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Split `src:dst src:dst`; the form-specific checks need symdg, so they happen later."""
    pairs: list[tuple[str, str]] = []
    for item in text.split():
        source, sep, target = item.partition(":")
        if not sep or not source or not target or ":" in target:
            raise ValueError(f"{item!r} is not a pair: expected <source>:<target>")
        pairs.append((source, target))
    if not pairs:
        raise ValueError("no pair given")
    return tuple(pairs)


def to_always_on(text: str) -> tuple[str, ...]:
    items = text.split()
    for item in items:
        if item not in ("nodes", "drpnodes"):
            parse_node(item)
    return tuple(items)


def to_schedule(text: str) -> Schedule:
    return parse_schedule(text)


def to_depends(text: str) -> tuple[DependsCondition, ...]:
    return parse_depends(text)


def device_key(device_id: str) -> int:
    """Compare hex device ids case-insensitively and regardless of leading zeros."""
    return int(device_id, 16)


_DURATION_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION_RE = re.compile(r"^(?:[0-9]+[wdhms])+$")


def duration_seconds(text: str, *, bare_unit: str) -> int:
    """OpenSVC's duration: `1d3h`, `90m`, `1w`, or a bare number in `bare_unit`.

    OpenSVC silently drops digits after the last unit (`1d3` is one day); that reads like a typo for
    `1d3h`, so it is refused here instead of guessed.
    """
    value = text.strip().lower()
    if re.fullmatch(r"[0-9]+", value):
        return int(value) * _DURATION_UNITS[bare_unit]
    if not _DURATION_RE.fullmatch(value):
        raise ValueError(
            f"{text.strip()!r} is not a duration: expected a number of {_UNIT_NAMES[bare_unit]} or "
            "OpenSVC's form, e.g. 1d3h, 90m, 1w, 45s (each number followed by w, d, h, m or s)"
        )
    return sum(int(n) * _DURATION_UNITS[u] for n, u in re.findall(r"([0-9]+)([wdhms])", value))


_UNIT_NAMES = {"s": "seconds", "m": "minutes"}


def to_duration(text: str) -> int:
    """Seconds; a bare number is seconds (OpenSVC's `duration` keywords)."""
    return duration_seconds(text, bare_unit="s")


def to_positive_duration(text: str) -> int:
    seconds = to_duration(text)
    if seconds < 1:
        raise ValueError(f"{text.strip()!r} is not a positive duration")
    return seconds


def to_duration_minutes(text: str) -> int:
    """Whole minutes; a bare number is minutes (OpenSVC's `duration_minute`, e.g. sync_max_delay)."""
    seconds = duration_seconds(text, bare_unit="m")
    if seconds < 60 or seconds % 60:
        raise ValueError(f"{text.strip()!r} is not a whole, positive number of minutes (e.g. 90, 90m, 1d3h)")
    return seconds // 60


USER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$|^[0-9]{1,10}$")


def to_user(text: str) -> str:
    return _matching(USER_RE, "user name or uid (e.g. oracle, 1001)", text)


def to_group(text: str) -> str:
    return _matching(USER_RE, "group name or gid (e.g. dba, 1001)", text)


ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def to_environment(text: str) -> tuple[tuple[str, str], ...]:
    """`VAR=value VAR2="a b"`: OpenSVC's shlex-split list of variables for the app's commands."""
    try:
        items = shlex.split(text)
    except ValueError as exc:
        raise ValueError(f"cannot split {text.strip()!r} as a shell would: {exc}") from None
    result: list[tuple[str, str]] = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not ENV_NAME_RE.fullmatch(name):
            raise ValueError(f"{item!r} is not <VAR>=<value> (VAR: letters, digits and _)")
        if "\x00" in value or "\n" in value:
            raise ValueError(f"{name}: a value must fit on one line")
        result.append((name, value))
    return tuple(result)


APP_STATUSES = ("up", "down", "warn", "n/a", "stdby up", "stdby down", "undef")


def to_retcodes(text: str) -> tuple[tuple[int, str], ...]:
    """`0:up 1:down 3:n/a`: the status each exit code of the check command means."""
    result: dict[int, str] = {}
    for item in text.split():
        code, sep, status = item.partition(":")
        if not sep or not re.fullmatch(r"[0-9]{1,3}", code) or status not in APP_STATUSES:
            raise ValueError(
                f"{item!r} is not <exit code>:<status> with a status among {', '.join(APP_STATUSES)}"
            )
        if int(code) in result:
            raise ValueError(f"exit code {code} is mapped twice")
        result[int(code)] = status
    return tuple(sorted(result.items()))
