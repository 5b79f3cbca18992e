"""SYMCLI command builders: pure functions from validated values to argv lists.

Every builder re-checks its inputs (see validate.py) and returns a fresh `list[str]`; nothing
here touches a shell. One call covers every pair of a resource: the pairs file (array form) or
the pair clauses (device-group form) carry all devices, so the array sees one operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from clonepilot.symcli import validate
from clonepilot.symcli.models import CloneState

DEFAULT_BIN_DIR = "/usr/symcli/bin"


@dataclass(frozen=True)
class ArrayTarget:
    """Array + pairs-file addressing: `-sid SID -f FILE` (the OpenSVC form)."""

    sid: str
    pairs_file: str


@dataclass(frozen=True)
class GroupTarget:
    """Device-group addressing: `-g DG`, with optional `SRC sym ld TGT` clauses (logical names).

    No pairs means the whole group, paired by SYMAPI.
    """

    dg: str
    pairs: tuple[tuple[str, str], ...] = ()


Target = ArrayTarget | GroupTarget


@dataclass(frozen=True)
class LockWait:
    """`-i INTERVAL -c COUNT`: on control actions, how SYMCLI retries to get its locks."""

    interval: int
    count: int


def _tool(bin_dir: str, name: str) -> str:
    validate.abs_path(bin_dir, "symcli bin directory")
    return f"{bin_dir.rstrip('/')}/{name}"


def _addressing(target: Target) -> list[str]:
    if isinstance(target, ArrayTarget):
        return ["-sid", validate.sid(target.sid), "-f", validate.abs_path(target.pairs_file, "pairs file")]
    if isinstance(target, GroupTarget):
        return ["-g", validate.group_name(target.dg)]
    raise TypeError(f"unsupported symclone target {target!r}")


def _pair_clauses(target: Target) -> list[str]:
    if not isinstance(target, GroupTarget):
        return []
    argv: list[str] = []
    for src, tgt in target.pairs:
        argv += [
            validate.group_name(src, "source logical device name"),
            "sym",
            "ld",
            validate.group_name(tgt, "target logical device name"),
        ]
    return argv


def _lock_wait(lock_wait: LockWait | None) -> list[str]:
    if lock_wait is None:
        return []
    return [
        "-i",
        str(validate.positive_int(lock_wait.interval, "-i interval")),
        "-c",
        str(validate.positive_int(lock_wait.count, "-c count")),
    ]


def _control(
    bin_dir: str, target: Target, action: str, options: Sequence[str], lock_wait: LockWait | None
) -> list[str]:
    # Action options first, then -i/-c, then the pair clauses: the order of the seed's log
    # (`recreate -precopy -i 20 -c 30 DEV001 sym ld CLONE001`).
    return [
        _tool(bin_dir, "symclone"),
        *_addressing(target),
        "-noprompt",
        action,
        *options,
        *_lock_wait(lock_wait),
        *_pair_clauses(target),
    ]


def symclone_create(
    bin_dir: str,
    target: Target,
    *,
    differential: bool = True,
    precopy: bool = True,
    lock_wait: LockWait | None = None,
) -> list[str]:
    """`symclone ... -noprompt create [-diff] [-precopy]`; -diff is needed for later recreate."""
    options = (["-diff"] if differential else []) + (["-precopy"] if precopy else [])
    return _control(bin_dir, target, "create", options, lock_wait)


def symclone_recreate(
    bin_dir: str, target: Target, *, precopy: bool = True, lock_wait: LockWait | None = None
) -> list[str]:
    return _control(bin_dir, target, "recreate", ["-precopy"] if precopy else [], lock_wait)


def symclone_activate(
    bin_dir: str, target: Target, *, consistent: bool = True, lock_wait: LockWait | None = None
) -> list[str]:
    return _control(bin_dir, target, "activate", ["-consistent"] if consistent else [], lock_wait)


def symclone_terminate(
    bin_dir: str,
    target: Target,
    *,
    restored: bool = False,
    force: bool = False,
    symforce: bool = False,
    lock_wait: LockWait | None = None,
) -> list[str]:
    flags = (("-restored", restored), ("-force", force), ("-symforce", symforce))
    options = [flag for flag, wanted in flags if wanted]
    return _control(bin_dir, target, "terminate", options, lock_wait)


def symclone_verify(
    bin_dir: str,
    target: Target,
    state: CloneState | None,
    *,
    interval: int | None = None,
    count: int | None = None,
) -> list[str]:
    """`symclone ... verify [-<state>] [-i I -c C]`; exit 0 only when every pair is in the state."""
    if state is None:
        options: list[str] = []
    elif state in (CloneState.UNKNOWN, CloneState.NOT_APPLICABLE):
        raise ValueError(f"cannot verify state {state.value!r}")
    else:
        options = [state.flag]
    if (interval is None) != (count is None):
        raise ValueError("verify needs both interval and count, or neither")
    if interval is not None and count is not None:
        options += _lock_wait(LockWait(interval, count))
    return [_tool(bin_dir, "symclone"), *_addressing(target), "verify", *options, *_pair_clauses(target)]


def symclone_query(bin_dir: str, target: Target, *, multi: bool = False) -> list[str]:
    return [
        _tool(bin_dir, "symclone"),
        *_addressing(target),
        "query",
        *(["-multi"] if multi else []),
        *_pair_clauses(target),
    ]


def symdev_list(bin_dir: str, sid: str, devs: Sequence[str]) -> list[str]:
    """`symdev -sid SID list -v -devs A,B -output xml_e` for all devices of a resource at once."""
    if not devs:
        raise ValueError("symdev list needs at least one device id")
    ids = [validate.dev_id(dev) for dev in devs]
    return [
        _tool(bin_dir, "symdev"),
        "-sid",
        validate.sid(sid),
        "list",
        "-v",
        "-devs",
        ",".join(ids),
        "-output",
        "xml_e",
    ]


def symdg_create(bin_dir: str, dg: str, *, dg_type: str = "REGULAR") -> list[str]:
    if dg_type not in ("REGULAR", "RDF1", "RDF2", "RDF21", "ANY"):
        raise ValueError(f"invalid device group type {dg_type!r}")
    return [_tool(bin_dir, "symdg"), "create", validate.group_name(dg), "-type", dg_type]


def symdg_delete(bin_dir: str, dg: str, *, force: bool = True) -> list[str]:
    return [_tool(bin_dir, "symdg"), "delete", validate.group_name(dg), *(["-force"] if force else [])]


def symld_add(
    bin_dir: str,
    dg: str,
    dev: str,
    ldev: str | None = None,
    *,
    sid: str | None = None,
    as_target: bool = False,
) -> list[str]:
    """`symld -g DG [-sid SID] add dev ID [LDEV] [-tgt]`."""
    argv = [_tool(bin_dir, "symld"), "-g", validate.group_name(dg)]
    if sid is not None:
        argv += ["-sid", validate.sid(sid)]
    argv += ["add", "dev", validate.dev_id(dev)]
    if ldev is not None:
        argv.append(validate.group_name(ldev, "logical device name"))
    if as_target:
        argv.append("-tgt")
    return argv


def symcfg_list(bin_dir: str, sid: str | None = None, *, xml: bool = False) -> list[str]:
    argv = [_tool(bin_dir, "symcfg"), "list"]
    if sid is not None:
        argv += ["-sid", validate.sid(sid)]
    if xml:
        argv += ["-output", "xml_e"]
    return argv
