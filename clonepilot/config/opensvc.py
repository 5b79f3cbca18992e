"""What clonepilot does with OpenSVC keywords it does not drive: accepted and ignored, or refused.

A keyword missing from both tables and from clonepilot's own keywords (config.keywords) is an
unknown keyword. Ignored keywords get a warning naming them, so nobody believes they act; refused
ones name OpenSVC's feature and why clonepilot will not run that service. Sources: OpenSVC v2's
core/objects/svcdict.py and its drivers (github:opensvc/opensvc).
"""

from __future__ import annotations

from typing import Final

_PLACEMENT = "cluster placement, used by OpenSVC's daemon only"
_SCHEDULE = "a schedule of OpenSVC's daemon; clonepilot's runs come from Prefect deployments"
_PROVISIONING = "used when OpenSVC provisions the resource; clonepilot never creates it"
_PG = "an OpenSVC process group (cgroup) setting"

# [DEFAULT] keywords read and ignored, with why they change nothing here.
IGNORED_DEFAULT: Final[dict[str, str]] = {
    "id": "OpenSVC's service uuid",
    "app": "the application code, metadata",
    "env": "the service's environment label (PRD, DEV...), metadata",
    "service_type": "OpenSVC's older name of env, metadata",
    "comment": "metadata",
    "priority": "OpenSVC's daemon start priority",
    "lock_timeout": "OpenSVC's action lock; clonepilot holds its own run lock",
    "rollback": "OpenSVC's rollback on a failed start; clonepilot stops at the failed stage and resumes",
    "placement": _PLACEMENT,
    "constraints": _PLACEMENT,
    "hard_affinity": _PLACEMENT,
    "hard_anti_affinity": _PLACEMENT,
    "soft_affinity": _PLACEMENT,
    "soft_anti_affinity": _PLACEMENT,
    "stonith": "OpenSVC's cluster fencing",
    "monitor_action": "OpenSVC's monitor; clonepilot does not monitor",
    "pre_monitor_action": "OpenSVC's monitor; clonepilot does not monitor",
    "status_schedule": _SCHEDULE,
    "comp_schedule": _SCHEDULE,
    "monitor_schedule": _SCHEDULE,
    "resinfo_schedule": _SCHEDULE,
    "push_schedule": _SCHEDULE,
    "run_schedule": _SCHEDULE,
    "sync_schedule": _SCHEDULE,
    "sync_interval": _SCHEDULE,
    "bwlimit": "an rsync bandwidth limit",
    "stat_timeout": "OpenSVC's stat watchdog",
    "show_disabled": "OpenSVC's print option",
    "create_pg": _PG,
    "pg_cpus": _PG,
    "pg_mems": _PG,
    "pg_cpu_shares": _PG,
    "pg_cpu_quota": _PG,
    "pg_mem_oom_control": _PG,
    "pg_mem_limit": _PG,
    "pg_vmem_limit": _PG,
    "pg_mem_swappiness": _PG,
    "pg_blkio_weight": _PG,
    **{
        name: "a setting of OpenSVC's container drivers (this service has no container clonepilot drives)"
        for name in (
            "docker_exe",
            "dockerd_exe",
            "docker_data_dir",
            "container_data_dir",
            "docker_daemon_args",
            "registry_creds",
        )
    },
    "parents": "OpenSVC's daemon waits for these services; clonepilot starts this one only",
    "children": "OpenSVC's daemon stops these services first; clonepilot stops this one only",
}

# Accepted only with these values; any other value is refused with the reason.
DEFAULT_VALUES: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "orchestrate": (
        ("no",),
        "orchestrate = {value} lets OpenSVC's daemon start or fail over the service by itself, which "
        "could start it on clone targets a refresh is recreating; clonepilot drives services that "
        "nothing else starts: set orchestrate = no (OpenSVC's default)",
    ),
    "topology": (
        ("failover",),
        "topology = {value} runs instances on several nodes at once (OpenSVC's flex services); a clone "
        "target can be in use on one node only: clonepilot drives failover services",
    ),
}

# [DEFAULT] keywords refused: the OpenSVC feature they belong to, and why.
REFUSED_DEFAULT: Final[dict[str, str]] = {
    **{
        name: "OpenSVC's flex services (several instances at once), which clonepilot does not drive"
        for name in (
            "flex_min",
            "flex_max",
            "flex_target",
            "flex_primary",
            "drp_flex_primary",
            "flex_cpu_low_threshold",
            "flex_cpu_high_threshold",
            "flex_min_nodes",
            "flex_max_nodes",
        )
    },
    "encapnodes": (
        "OpenSVC's encapsulated services (resources inside containers), which clonepilot does not drive"
    ),
    "scale": "OpenSVC's scaler services, which clonepilot does not drive",
    "scaler_slave": "OpenSVC's scaler services, which clonepilot does not drive",
    "slaves": "OpenSVC's multi-slave (encapsulated) services, which clonepilot does not drive",
    "docker_daemon_private": "OpenSVC's private docker daemon (containers), which clonepilot does not drive",
    "scsireserv": "SCSI-3 persistent reservations, which clonepilot does not take",
}

# Keywords of any resource section read and ignored.
IGNORED_RESOURCE: Final[dict[str, str]] = {
    "comment": "metadata",
    "shared": "OpenSVC provisions shared resources once per cluster; clonepilot provisions none",
    "standby": "OpenSVC starts standby resources on standby nodes; clonepilot has no standby instance",
    "provision": _PROVISIONING,
    "unprovision": _PROVISIONING,
    "restart_delay": "OpenSVC's monitor restarts; clonepilot does not monitor",
    "promote_rw": "OpenSVC's promotion of read-only devices; the clone targets are read-write once activated",
    "no_preempt_abort": "SCSI-3 reservations, which clonepilot does not take",
    "pre_startstandby": "a hook of OpenSVC's startstandby action, which clonepilot never runs",
    "post_startstandby": "a hook of OpenSVC's startstandby action, which clonepilot never runs",
    "blocking_pre_startstandby": "a hook of OpenSVC's startstandby action, which clonepilot never runs",
    "blocking_post_startstandby": "a hook of OpenSVC's startstandby action, which clonepilot never runs",
}

# Keywords of one section type read and ignored.
IGNORED_BY_KIND: Final[dict[str, dict[str, str]]] = {
    "fs": {name: _PROVISIONING for name in ("size", "vg", "mkfs_opt", "user", "group", "perm", "zone")},
    "disk": {"pvs": _PROVISIONING, "options": _PROVISIONING, "prkey": "SCSI-3 reservations, not taken"},
    "app": {
        **{
            f"limit_{name}": (
                "a process limit OpenSVC sets for the app; clonepilot's commands run under the SSH "
                "session's limits"
            )
            for name in (
                "as",
                "cpu",
                "core",
                "data",
                "fsize",
                "memlock",
                "nofile",
                "nproc",
                "rss",
                "stack",
                "vmem",
            )
        },
        "status_log": "OpenSVC shows the check's output in its status; clonepilot logs it",
        "umask": "the app's umask; clonepilot's commands run with the SSH session's umask",
    },
}

# Resource keywords refused.
REFUSED_RESOURCE: Final[dict[str, str]] = {
    "encap": "OpenSVC's encapsulated resources (run inside a container), which clonepilot does not drive",
    "secrets_environment": (
        "OpenSVC secret objects, which clonepilot cannot read: put the value in the app's environment"
    ),
    "configs_environment": (
        "OpenSVC config objects, which clonepilot cannot read: put the value in the app's environment"
    ),
}

# OpenSVC's section kinds (driver groups) that clonepilot does not drive.
REFUSED_SECTIONS: Final[dict[str, str]] = {
    "container": "containers (docker, lxc, kvm, zones...)",
    "share": "network shares (nfs)",
    "task": "tasks (commands run on demand or on a schedule)",
    "volume": "OpenSVC volumes (pool-provisioned objects)",
    "expose": "exposed ports (load balancer declarations)",
    "certificate": "certificates",
    "route": "routes",
    "hashpolicy": "hash policies",
    "stonith": "fencing",
}

# Driver types of known sections that clonepilot does not drive: (kind, type) → the feature.
REFUSED_TYPES: Final[dict[tuple[str, str], str]] = {
    ("sync", "symsnap"): "TimeFinder/Snap (sync.symsnap: snapshots, not clones)",
    ("sync", "rsync"): "rsync file copies (OpenSVC's default sync driver)",
    ("sync", "symsrdfs"): "SRDF/S replication",
    ("sync", "zfs"): "ZFS send/receive",
    ("sync", "zfssnap"): "ZFS snapshots",
    ("sync", "btrfs"): "btrfs send/receive",
    ("sync", "btrfssnap"): "btrfs snapshots",
    ("sync", "dds"): "dds replication",
    ("sync", "netapp"): "NetApp SnapMirror",
    ("sync", "nexenta"): "Nexenta auto-sync",
    ("sync", "evasnap"): "HP EVA snapshots",
    ("sync", "ibmdssnap"): "IBM DS snapshots",
    ("sync", "hp3par"): "HP 3PAR remote copy",
    ("sync", "hp3parsnap"): "HP 3PAR snapshots",
    ("sync", "docker"): "docker image sync",
    ("sync", "radossnap"): "Ceph RADOS snapshots",
    ("sync", "radosclone"): "Ceph RADOS clones",
    ("sync", "s3"): "S3 uploads",
    ("disk", "md"): "Linux md software RAID",
    ("disk", "drbd"): "DRBD replicated disks",
    ("disk", "raw"): "raw devices",
    ("disk", "loop"): "loop devices",
    ("disk", "zpool"): "ZFS pools",
    ("disk", "vxdg"): "Veritas disk groups",
    ("disk", "lv"): "single logical volumes",
    ("disk", "disk"): "pool-provisioned disks",
    ("disk", "scsireserv"): "SCSI-3 persistent reservations",
    ("disk", "rados"): "Ceph RADOS images",
    ("disk", "gandi"): "Gandi cloud disks",
    ("disk", "amazon"): "Amazon EBS volumes",
    ("fs", "flag"): "flag filesystems (an OpenSVC in-memory flag)",
    ("fs", "directory"): "directories (OpenSVC creates them)",
    ("fs", "zfs"): "ZFS datasets",
    **{
        ("ip", name): f"{name} ip addresses"
        for name in ("crossbow", "cni", "docker", "netns", "amazon", "gce", "macvtap", "vlan", "route")
    },
    (
        "app",
        "simple",
    ): "simple apps (OpenSVC runs the start command in the foreground and tracks the process)",
    ("app", "winservice"): "Windows services",
}

# Keywords of older OpenSVC releases (and of the seed's era): what to write instead.
LEGACY: Final[dict[str, str]] = {
    "precopy_timeout": "recreate_timeout (the bound of the wait after a recreate, as a duration)",
    "symdevs": (
        "symid = <array id> and pairs = <source>:<target> ... (OpenSVC replaced symdevs in 2016; a "
        "symdevs list names the devices of a group, not which target clones which source)"
    ),
    "sync_min_delay": "a Prefect deployment schedule (clonepilot schedules runs there, not in the file)",
}
