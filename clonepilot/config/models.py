"""The validated, effective configuration of one service, evaluated for one node.

Models are frozen: once a file validates, nothing downstream may change what it says. Scoped
keywords are already resolved; `origins` records, per keyword, which spelling of it gave the value
('default', 'pairs', 'pairs@nodes', 'pairs@node1') so `validate` can show it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from clonepilot.config.depends import DependsCondition
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
        return self.rid.partition("#")[0]

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
    start: str | None = None
    stop: str | None = None
    check: str | None = None
    timeout: int | None = None


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
    syncs: tuple[SymcloneSync, ...] = ()
    ips: tuple[IpResource, ...] = ()
    disks: tuple[VgResource, ...] = ()
    fss: tuple[FsResource, ...] = ()
    apps: tuple[AppResource, ...] = ()

    @property
    def resources(self) -> tuple[AnyResource, ...]:
        """All resources, by kind in start order (sync, ip, disk, fs, app), then by number."""
        return (*self.syncs, *self.ips, *self.disks, *self.fss, *self.apps)

    def resource(self, rid: str) -> AnyResource:
        for resource in self.resources:
            if resource.rid == rid:
                return resource
        raise KeyError(f"service {self.name!r} has no resource {rid!r}")
