"""The keywords each section accepts, with default, scopability and meaning (from the seed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from clonepilot.config import values as v
from clonepilot.config.appaction import SCRIPT_VERBS

HOOK_ACTIONS: Final = (
    "unprovision",
    "provision",
    "start",
    "stop",
    "sync_nodes",
    "sync_drp",
    "sync_resync",
    "sync_update",
)
HOOK_KINDS: Final = ("pre", "post", "blocking_pre", "blocking_post")
DEPENDS_ACTIONS: Final = (*HOOK_ACTIONS[:6], "sync_update", "sync_break", "sync_resync")
RESOURCE_KINDS: Final = ("sync", "ip", "disk", "fs", "app")
NOT_SET: Final = None


@dataclass(frozen=True)
class Keyword:
    """One keyword of one section type."""

    name: str
    convert: Callable[[str], Any]
    description: str
    default: Any = NOT_SET
    required: bool = False
    scopable: bool = True
    # Empty values are meaningful only where "nothing" is a valid setting (hooks, depends, tags).
    allow_empty: bool = False


def _table(*keywords: Keyword) -> dict[str, Keyword]:
    return {keyword.name: keyword for keyword in keywords}


def _hook_keywords() -> list[Keyword]:
    result: list[Keyword] = []
    for kind in HOOK_KINDS:
        for action in HOOK_ACTIONS:
            when = "before" if kind.endswith("pre") else "after"
            effect = (
                "Errors interrupt the action."
                if kind.startswith("blocking")
                else ("Errors do not interrupt the action.")
            )
            result.append(
                Keyword(
                    f"{kind}_{action}",
                    v.to_command,
                    f"A command or script to execute {when} the resource {action} action. {effect}",
                    allow_empty=True,
                )
            )
    return result


def _depends_keywords() -> list[Keyword]:
    return [
        Keyword(
            f"{action}_depends",
            v.to_depends,
            f"Whitespace-separated conditions <rid>(<state>,...) to meet before a '{action}' action; "
            "states default to 'up,stdby up'.",
            default=(),
            allow_empty=True,
        )
        for action in DEPENDS_ACTIONS
    ]


COMMON: Final[dict[str, Keyword]] = _table(
    Keyword("disable", v.to_bool, "A disabled resource is ignored on service startup and shutdown.", False),
    Keyword("optional", v.to_bool, "Action failures on the resource are logged and passed over.", False),
    Keyword("monitor", v.to_bool, "A monitored resource triggers a node suicide (not used here).", False),
    Keyword("restart", v.to_int, "Times to try restarting the resource before the monitor action.", 0),
    Keyword(
        "tags",
        v.to_tags,
        "Tags; 'noaction' avoids any state-changing action, 'nostatus' forces the status to n/a.",
        frozenset(),
        allow_empty=True,
    ),
    Keyword("subset", v.to_subset, "Assign the resource to a specific subset."),
    *_hook_keywords(),
    *_depends_keywords(),
)

SYNC: Final[dict[str, Keyword]] = _table(
    Keyword(
        "type",
        str,
        "The sync driver: symclone (required: OpenSVC's default, rsync, is not driven).",
        required=True,
        scopable=False,
    ),
    Keyword("consistent", v.to_bool, "Use -consistent in symclone commands.", True),
    Keyword(
        "symid",
        v.to_symid,
        "Identifier of the symmetrix array hosting the source and target devices of 'pairs'.",
        scopable=False,
    ),
    Keyword(
        "symdg",
        v.to_symdg,
        "Symmetrix device group holding the logical devices of 'pairs' (device-group form).",
        scopable=False,
    ),
    Keyword(
        "pairs",
        v.to_raw_pairs,
        "Whitespace-separated <src>:<dst> pairs: hex device ids, or logical device names with symdg.",
        required=True,
    ),
    Keyword("precopy", v.to_bool, "Use -precopy on recreate.", True),
    Keyword(
        "schedule",
        v.to_schedule,
        'Synchronization schedule, e.g. ["00:00-01:00@61 mon", "02:00-03:00@61 tue-sun"].',
    ),
    Keyword(
        "sync_max_delay",
        v.to_duration_minutes,
        "Minutes (or an OpenSVC duration: 1d3h, 90m) after the last replication above which the sync "
        "status is warn, as OpenSVC reports it. [DEFAULT] sync_max_delay sets it for every sync resource.",
        1440,
        scopable=False,
    ),
    Keyword(
        "recreate_timeout",
        v.to_positive_duration,
        "Seconds (or a duration: 4h, 90m) to wait after a recreate until the clones can be activated "
        "(default: the worker's precopy_max_wait setting, not OpenSVC's 300 s: a first full copy "
        "takes hours).",
    ),
    Keyword(
        "restore_timeout",
        v.to_positive_duration,
        "Seconds (or a duration) to wait for the Restored state after a `sync restore`.",
        300,
    ),
    Keyword(
        "sync_update_activates",
        v.to_bool,
        "clonepilot only: `sync update` also activates the clones and waits for Copied, as OpenSVC's "
        "sync update does since 2016 (for sites moving from OpenSVC's scheduler); false keeps the seed's "
        "meaning: recreate only, activated by `sync break` or `start`.",
        False,
        scopable=False,
    ),
    Keyword(
        "always_on",
        v.to_always_on,
        "'nodes', 'drpnodes', 'nodes drpnodes' or a list of nodes where the resource is always kept up.",
        (),
        scopable=False,
    ),
)

IP: Final[dict[str, Keyword]] = _table(
    Keyword("type", str, "The ip driver: host (OpenSVC's default).", "host", scopable=False),
    Keyword("ipname", v.to_ipname, "The service IP address or a name resolving to it.", required=True),
    Keyword("ipdev", v.to_interface, "The interface carrying the address (eth0, lan900:1).", required=True),
    Keyword("netmask", v.to_netmask, "Netmask (255.255.255.0) or prefix length (24)."),
)

DISK: Final[dict[str, Keyword]] = _table(
    Keyword("type", str, "The disk driver: vg (OpenSVC's default, or its alias lvm).", "vg", scopable=False),
    Keyword("name", v.to_vg_name, "The volume group name (required; OpenSVC's older spelling: vgname)."),
    Keyword("vgname", v.to_vg_name, "OpenSVC's deprecated spelling of name."),
    Keyword(
        "clone_import",
        v.to_clone_import,
        "clonepilot only, linux host profile: how the volume group is imported from its clone targets. "
        "'vgimportclone' renames it to 'name' with new UUIDs (vgimportclone --basevgname), needed when "
        "the host also sees the source devices (duplicate PVs); 'vgimport' imports it as it is; 'auto' "
        "uses vgimportclone when a source device of clone_syncs is visible on the service node.",
        "auto",
    ),
    Keyword(
        "clone_syncs",
        v.to_sync_rids,
        "clonepilot only: the sync resources whose clone targets hold this volume group's physical "
        "volumes, whitespace-separated (default: every sync resource of the service).",
        (),
    ),
)

FS: Final[dict[str, Keyword]] = _table(
    Keyword("dev", v.to_path, "The block device holding the filesystem.", required=True),
    Keyword("mnt", v.to_path, "The mount point.", required=True),
    Keyword("type", v.to_fs_type, "The filesystem type (ext4, xfs, vxfs).", required=True),
    Keyword("mnt_opt", v.to_mount_options, "Mount options (rw,noatime)."),
)


def _app_action_keywords() -> list[Keyword]:
    meaning = {
        "start": "starting the application",
        "stop": "stopping the application",
        "check": "exiting 0 when the application is up (the script form runs `<script> status`)",
        "info": "printing key: value lines about the application",
    }
    return [
        Keyword(
            action,
            v.to_app_action,
            f"A command {meaning[action]}; or true or a number to run `<script> {SCRIPT_VERBS[action]}` (a "
            "number also orders the apps: ascending at start, the reverse at stop, compared as OpenSVC "
            "does); or false to skip it.",
        )
        for action in ("start", "stop", "check", "info")
    ]


APP: Final[dict[str, Keyword]] = _table(
    Keyword(
        "script", v.to_script, "The application's launcher script, run with start, stop, status or info."
    ),
    *_app_action_keywords(),
    Keyword(
        "type",
        str,
        "The app driver: forking (OpenSVC's default: the start command returns once started).",
        "forking",
    ),
    Keyword("user", v.to_user, "Run the commands as this user (runuser on Linux, su on HP-UX)."),
    Keyword("group", v.to_group, "With user: run the commands with this primary group (Linux)."),
    Keyword("cwd", v.to_path, "The directory the commands run in."),
    Keyword(
        "environment",
        v.to_environment,
        'Variables set for the commands: VAR=value VAR2="a b" (split as a shell would).',
        (),
    ),
    Keyword("timeout", v.to_positive_duration, "Seconds (or a duration) allowed for each command."),
    *(
        Keyword(
            f"{action}_timeout",
            v.to_positive_duration,
            f"Seconds allowed for the {action} command; wins over timeout.",
        )
        for action in ("start", "stop", "check", "info")
    ),
    Keyword(
        "retcodes",
        v.to_retcodes,
        "The status each exit code of the check means, e.g. 0:up 1:down 3:n/a; other codes are warn.",
        ((0, "up"), (1, "down")),
    ),
)

DEFAULT: Final[dict[str, Keyword]] = _table(
    Keyword(
        "nodes", v.to_nodes, "The service node or nodes, whitespace-separated.", required=True, scopable=False
    ),
    Keyword("drpnodes", v.to_nodes, "Disaster recovery nodes, whitespace-separated.", (), scopable=False),
    Keyword(
        "symcli_node",
        v.to_node,
        "Where symcli runs; defaults to the service node, so a sync-only service can drive the clones "
        "of other servers.",
    ),
    Keyword(
        "host_profile", v.to_host_profile, "Host commands flavour: linux, hpux, sim or sim-linux.", "linux"
    ),
    Keyword(
        "approval",
        v.to_approval_actions,
        "clonepilot only: actions whose Prefect runs wait for a person's approval of their plan "
        "(refresh sync_update ...); the CLI asks on the terminal instead.",
        (),
        scopable=False,
        allow_empty=True,
    ),
)

RESOURCE_KEYWORDS: Final[dict[str, dict[str, Keyword]]] = {
    "sync": {**COMMON, **SYNC},
    "ip": {**COMMON, **IP},
    "disk": {**COMMON, **DISK},
    "fs": {**COMMON, **FS},
    "app": {**COMMON, **APP},
}

SUPPORTED_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "sync": ("symclone",),
    "disk": ("vg", "lvm"),
    "ip": ("host",),
    "app": ("forking",),
}
# OpenSVC's aliases of a driver name, read as the driver they name.
TYPE_ALIASES: Final[dict[tuple[str, str], str]] = {("disk", "lvm"): "vg"}
