"""The validated, effective configuration of one service, evaluated for one node.

Models are frozen: once a file validates, nothing downstream may change what it says. Scoped
keywords are already resolved; `origins` records, per keyword, which spelling of it gave the value
('default', 'pairs', 'pairs@nodes', 'pairs@node1') so `validate` can show it.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clonepilot.config.appaction import SCRIPT_VERBS, AppAction
from clonepilot.config.depends import DependsCondition
from clonepilot.config.errors import ConfigIssue
from clonepilot.config.keywords import DEPENDS_ACTIONS, HOOK_ACTIONS, HOOK_KINDS
from clonepilot.config.schedule import Schedule
from clonepilot.nodes import NodeAddress

HostProfile = Literal["linux", "hpux", "sim", "sim-linux"]
CloneImport = Literal["auto", "vgimportclone", "vgimport"]
HookKind = Literal["pre", "post", "blocking_pre", "blocking_post"]
Action = Literal[
    "unprovision",
    "provision",
    "start",
    "stop",
    "sync_nodes",
    "sync_drp",
    "sync_resync",
    "sync_update",
    "sync_break",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class DevicePair(_Frozen):
    """A source and a clone target: hex device ids (symid form) or logical names (symdg form)."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}:{self.target}"


class Resource(_Frozen):
    """What every resource type shares."""

    rid: str
    # The driver group when the section name does not say it: OpenSVC's deprecated [vg#1] is a disk.
    group: str | None = None
    disable: bool = False
    optional: bool = False
    monitor: bool = False
    restart: int = 0
    tags: frozenset[str] = frozenset()
    subset: str | None = None
    # Hook keyword (e.g. 'blocking_pre_start') → shell command; only hooks that are set.
    hooks: dict[str, str] = Field(default_factory=dict)
    # Action → conditions; only actions with a non-empty `<action>_depends`.
    depends: dict[str, tuple[DependsCondition, ...]] = Field(default_factory=dict)
    origins: dict[str, str] = Field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.group or self.rid.partition("#")[0]

    @property
    def noaction(self) -> bool:
        return "noaction" in self.tags

    @property
    def nostatus(self) -> bool:
        return "nostatus" in self.tags

    def hook(self, kind: HookKind, action: Action) -> str | None:
        if kind not in HOOK_KINDS or action not in HOOK_ACTIONS:
            raise ValueError(f"no hook {kind}_{action}")
        return self.hooks.get(f"{kind}_{action}")

    def depends_on(self, action: Action) -> tuple[DependsCondition, ...]:
        if action not in DEPENDS_ACTIONS:
            raise ValueError(f"no depends keyword for action {action!r}")
        return self.depends.get(action, ())


class SymcloneSync(Resource):
    """`[sync#N] type = symclone`: a set of clone pairs driven together."""

    type: Literal["symclone"] = "symclone"
    symid: str | None = None
    symdg: str | None = None
    pairs: tuple[DevicePair, ...]
    consistent: bool = True
    precopy: bool = True
    schedule: Schedule | None = None
    sync_max_delay: int = 1440
    # Seconds: the bound of the wait after a recreate (OpenSVC's symclone keyword), and of a restore.
    recreate_timeout: int | None = None
    restore_timeout: int = 300
    # OpenSVC's sync update recreates then activates; the seed's (the default) recreates only.
    sync_update_activates: bool = False
    always_on: tuple[str, ...] = ()

    @property
    def uses_device_group(self) -> bool:
        """True for the `symclone -g <symdg> ... DEV001 sym ld CLONE001` form."""
        return self.symdg is not None

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(pair.source for pair in self.pairs)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(pair.target for pair in self.pairs)


class IpResource(Resource):
    type: Literal["host"] = "host"
    ipname: str
    ipdev: str
    netmask: str | None = None


class VgResource(Resource):
    """`[disk#N] type = vg`."""

    type: Literal["vg"] = "vg"
    name: str
    clone_import: CloneImport = "auto"
    # Empty: every sync resource of the service holds some of its physical volumes.
    clone_syncs: tuple[str, ...] = ()


class FsResource(Resource):
    dev: str
    mnt: str
    type: str
    mnt_opt: str | None = None


class AppResource(Resource):
    script: str | None = None
    start: AppAction | None = None
    stop: AppAction | None = None
    check: AppAction | None = None
    info: AppAction | None = None
    type: Literal["forking"] = "forking"
    user: str | None = None
    group: str | None = None
    cwd: str | None = None
    environment: tuple[tuple[str, str], ...] = ()
    # Seconds; each action's own timeout wins over `timeout`. None: no bound but the command timeout.
    timeout: int | None = None
    start_timeout: int | None = None
    stop_timeout: int | None = None
    check_timeout: int | None = None
    info_timeout: int | None = None
    retcodes: tuple[tuple[int, str], ...] = ((0, "up"), (1, "down"))

    def command(self, action: str) -> str | None:
        """The shell command line the action runs, or None when it runs nothing."""
        value: AppAction | None = getattr(self, action)
        if value is None or not value.run:
            return None
        if value.command is not None:
            return value.command
        if self.script is None:
            return None  # refused by the parser: a number or true needs a script
        return shlex.join([self.script, SCRIPT_VERBS[action]])

    def timeout_for(self, action: str) -> int | None:
        own: int | None = getattr(self, f"{action}_timeout")
        return own if own is not None else self.timeout

    @property
    def start_order(self) -> int | None:
        return self.start.order if self.start is not None else None

    def status_of(self, exit_code: int) -> str:
        """The status a check exit code means (OpenSVC: any unmapped code is warn)."""
        return dict(self.retcodes).get(exit_code, "warn")


AnyResource = SymcloneSync | IpResource | VgResource | FsResource | AppResource


class Service(_Frozen):
    """One service file, validated and evaluated for `node`."""

    name: str
    path: Path
    node: NodeAddress
    nodes: tuple[NodeAddress, ...]
    drpnodes: tuple[NodeAddress, ...] = ()
    symcli_node: NodeAddress
    host_profile: HostProfile = "linux"
    # Actions whose runs wait for a person's approval of their plan (the `approval` keyword).
    approval: tuple[str, ...] = ()
    origins: dict[str, str] = Field(default_factory=dict)
    # What the file says that clonepilot accepts but does not act on (OpenSVC keywords it ignores).
    warnings: tuple[ConfigIssue, ...] = ()
    syncs: tuple[SymcloneSync, ...] = ()
    ips: tuple[IpResource, ...] = ()
    disks: tuple[VgResource, ...] = ()
    fss: tuple[FsResource, ...] = ()
    apps: tuple[AppResource, ...] = ()

    @property
    def resources(self) -> tuple[AnyResource, ...]:
        """All resources, by kind in start order (sync, ip, disk, fs, app), then in OpenSVC's order."""
        return (*self.syncs, *self.ips, *self.disks, *self.fss, *self.apps)

    def resource(self, rid: str) -> AnyResource:
        for resource in self.resources:
            if resource.rid == rid:
                return resource
        raise KeyError(f"service {self.name!r} has no resource {rid!r}")
