"""Typed, immutable results of the SYMCLI output parsers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class CloneState(enum.Enum):
    """Clone pair states (reference §2.1), with their display spelling as value."""

    CREATE_IN_PROG = "CreateInProg"
    CREATED = "Created"
    PRECOPY = "PreCopy"
    RECREATED = "Recreated"
    COPY_IN_PROG = "CopyInProg"
    COPY_ON_ACCESS = "CopyOnAccess"
    COPIED = "Copied"
    COPY_ON_WRITE = "CopyOnWrite"
    REST_IN_PROG = "RestInProg"
    RESTORED = "Restored"
    SPLIT = "Split"
    TERMINATE_IN_PROG = "TerminateInProg"
    SPLIT_IN_PROG = "SplitInProg"
    SPLIT_NO_INCREMENTAL = "SplitNoIncremental"
    FAILED = "Failed"
    INVALID = "Invalid"
    NOT_APPLICABLE = "N/A"
    # Any text this code does not know: kept apart from Invalid (which the array reports)
    # so that a new SE release's state name is visible as such, not silently mapped.
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str) -> CloneState:
        """Case-insensitive lookup of a displayed state; unknown text gives UNKNOWN."""
        return _BY_LOWER.get(text.strip().lower(), cls.UNKNOWN)

    @property
    def flag(self) -> str:
        """The `symclone verify` option that checks this state, e.g. '-copyinprog'."""
        return "-" + self.value.lower()


_BY_LOWER: dict[str, CloneState] = {
    state.value.lower(): state for state in CloneState if state is not CloneState.UNKNOWN
}


def same_device(first: str, second: str) -> bool:
    """Whether two device ids name one device: `0025`, `00025` and `25` do."""
    return (first.strip().upper().lstrip("0") or "0") == (second.strip().upper().lstrip("0") or "0")


@dataclass(frozen=True)
class CloneSession:
    """One `CLONE_Device` element of `symdev list -v`."""

    src: str
    tgt: str
    state: CloneState
    state_text: str
    percent: int | None
    last_action: datetime | None


@dataclass(frozen=True)
class SymDevice:
    """One `Device` element of `symdev list -v -output xml_e`."""

    dev_name: str
    pd_name: str | None
    status: str | None
    configuration: str | None
    sessions: tuple[CloneSession, ...]
    # Product/wwn: how a host other than the symcli node finds this device among its disks.
    wwn: str | None = None

    @property
    def session(self) -> CloneSession | None:
        """The session in which this device takes part; None when it has no clone session.

        A source with several targets lists several sessions; the one that names this device
        as target wins, otherwise the first.
        """
        return self.target_session or (self.sessions[0] if self.sessions else None)

    @property
    def target_session(self) -> CloneSession | None:
        """The session that copies onto this device, if any.

        A device may list several `CLONE_Device`: one per session it is the source of, and the one
        it is the target of. Ids compare without leading zeros, since one array prints `0025` in
        one listing and `00025` in another.
        """
        for candidate in self.sessions:
            if same_device(candidate.tgt, self.dev_name):
                return candidate
        return None

    @property
    def visible(self) -> bool:
        return bool(self.pd_name) and "not visible" not in (self.pd_name or "").lower()


@dataclass(frozen=True)
class SymdevListing:
    symid: str | None
    devices: tuple[SymDevice, ...]

    def device(self, dev_id: str) -> SymDevice | None:
        """The device with that id, comparing ids without leading zeros and case."""
        for dev in self.devices:
            if same_device(dev.dev_name, dev_id):
                return dev
        return None


@dataclass(frozen=True)
class QueryPair:
    """One row of the `symclone query` table."""

    src_logical: str | None
    src_sym: str
    protected_tracks: int
    src_modified_tracks: int
    tgt_logical: str | None
    tgt_sym: str
    tgt_modified_tracks: int
    flags: str
    state: CloneState
    state_text: str
    percent: int | None


@dataclass(frozen=True)
class QueryTotals:
    protected_tracks: int
    src_modified_tracks: int
    tgt_modified_tracks: int
    protected_mb: float | None
    src_modified_mb: float | None
    tgt_modified_mb: float | None


@dataclass(frozen=True)
class QueryReport:
    dg_name: str | None
    dg_type: str | None
    symid: str | None
    pairs: tuple[QueryPair, ...]
    totals: QueryTotals | None


class VerifyOutcome(enum.Enum):
    ALL = "all"
    NOT_ALL = "not_all"
    NONE = "none"


@dataclass(frozen=True)
class VerifyResult:
    outcome: VerifyOutcome
    state: str | None
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome is VerifyOutcome.ALL


@dataclass(frozen=True)
class SymmArray:
    """One array seen by `symcfg list`."""

    sid: str
    attachment: str | None
    model: str | None
    mcode: str | None
