"""The keywords each section accepts, with default, scopability and meaning (from the seed)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from clonepilot.config import values as v

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
    Keyword("type", str, "The sync driver: symclone.", required=True, scopable=False),
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
        v.to_positive_int,
        "Minutes after the last replication above which the sync status is down.",
        1440,
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
    Keyword("ipname", v.to_ipname, "The service IP address or a name resolving to it.", required=True),
    Keyword("ipdev", v.to_interface, "The interface carrying the address (eth0, lan900:1).", required=True),
    Keyword("netmask", v.to_netmask, "Netmask (255.255.255.0) or prefix length (24)."),
)

DISK: Final[dict[str, Keyword]] = _table(
    Keyword("type", str, "The disk driver: vg.", required=True, scopable=False),
    Keyword("name", v.to_vg_name, "The volume group name.", required=True),
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

APP: Final[dict[str, Keyword]] = _table(
    Keyword("start", v.to_command, "Command starting the application."),
    Keyword("stop", v.to_command, "Command stopping the application."),
    Keyword("check", v.to_command, "Command exiting 0 when the application is up."),
    Keyword("timeout", v.to_positive_int, "Seconds allowed for each start, stop or check command."),
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

SUPPORTED_TYPES: Final[dict[str, tuple[str, ...]]] = {"sync": ("symclone",), "disk": ("vg",)}
