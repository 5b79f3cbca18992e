"""Reading a clone resource's pairs from the array: one SYMCLI call per read.

Array form: `symdev -sid SID list -v -devs <targets> -output xml_e` (what OpenSVC parses).
DG form: `symclone -g DG query` of the whole group, filtered to the resource's pairs; the query text
has no last_action, so the status of a DG resource reads it with one more `symdev list` of the
targets it learnt here.

No public capture shows the percent element of a clone session in the symdev document: when a
copying pair has none, the percent is unknown (never 0) and one `symclone query` of the pairs
file, whose table real captures confirm, supplies it. Output that cannot be read stops the read
with an error naming node and command, the raw output kept (unreadable.py).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from clonepilot.config.models import SymcloneSync
from clonepilot.engine.clones_model import (
    CloneSnapshot,
    MissingDevicesError,
    PairView,
    snapshot_from_listing,
)
from clonepilot.engine.context import RunContext
from clonepilot.engine.unreadable import parse_output
from clonepilot.symcli import (
    ArrayTarget,
    CloneState,
    CommandOutcome,
    GroupTarget,
    SymcliErrorKind,
    SymcliPermanent,
    check,
    pairs_file_content,
    pairs_file_path,
    parse_clone_query,
    parse_symdev_list,
    symclone_query,
    symdev_list,
)
from clonepilot.symcli.inventory import parse_symdg_list_ld, symdg_list_ld
from clonepilot.symcli.models import QueryReport, same_device
from clonepilot.symcli.validate import normalise_dev_id

# States in which the percent copied moves: a missing percent there is worth one more call.
COPYING = frozenset({CloneState.PRECOPY, CloneState.COPY_IN_PROG, CloneState.REST_IN_PROG})


T = TypeVar("T")


@dataclass(frozen=True)
class RawRead:
    """A snapshot plus what the array told us about where the targets live (for a follow-up symdev)."""

    snapshot: CloneSnapshot
    symid: str | None
    # Configured target name -> array device id (the same id in the array form).
    target_devs: dict[str, str] = field(default_factory=dict)


def group_target(resource: SymcloneSync) -> GroupTarget:
    assert resource.symdg is not None
    return GroupTarget(resource.symdg, tuple((p.source, p.target) for p in resource.pairs))


def _run_read(
    ctx: RunContext, argv: list[str], rid: str, stage: str, log_level: int = logging.INFO
) -> CommandOutcome:
    result = ctx.run(
        ctx.service.symcli_node, argv, rid=rid, stage=stage, changes_state=False, log_level=log_level
    )
    # Reads always run, even in a dry run; None would mean a broken RunContext.
    assert result is not None, "a read-only command returned no result"
    check(result)
    return result


def _parsed(ctx: RunContext, outcome: CommandOutcome, parser: Callable[[str], T]) -> T:
    return parse_output(ctx.settings, str(ctx.service.symcli_node), outcome, parser)


def read_pairs(
    ctx: RunContext,
    resource: SymcloneSync,
    *,
    stage: str,
    log_level: int = logging.INFO,
    with_sources: bool = False,
) -> RawRead:
    """One read of the resource's pairs; `log_level` DEBUG keeps a wait's polls out of the INFO log.

    `with_sources`: the array form's one `symdev list` also lists the sources, and a source the
    array lacks raises MissingDevicesError (the plan check's read, before any change). The group
    form checks its sources whenever a pair shows no session (a session names its source).
    """
    if resource.uses_device_group:
        return _read_group(ctx, resource, stage, log_level)
    return _read_array(ctx, resource, stage, log_level, with_sources)


def _read_array(
    ctx: RunContext, resource: SymcloneSync, stage: str, log_level: int, with_sources: bool = False
) -> RawRead:
    assert resource.symid is not None
    devs = list(resource.targets)
    if with_sources:
        listed = {normalise_dev_id(d) for d in devs}
        devs += [d for d in dict.fromkeys(resource.sources) if normalise_dev_id(d) not in listed]
    argv = symdev_list(ctx.symcli_bin, resource.symid, devs)
    listing = _parsed(ctx, _run_read(ctx, argv, resource.rid, stage, log_level), parse_symdev_list)
    snapshot = snapshot_from_listing(resource, listing)
    if with_sources:
        missing = [d for d in dict.fromkeys(resource.sources) if listing.device(d) is None]
        if missing:
            raise MissingDevicesError(resource.rid, missing, f"the symdev listing of array {resource.symid}")
    if any(p.percent is None and p.state in COPYING for p in snapshot.pairs):
        snapshot = _percents_from_query(ctx, resource, snapshot, stage, log_level)
    return RawRead(snapshot, listing.symid or resource.symid, {t: t for t in resource.targets})


def _percents_from_query(
    ctx: RunContext, resource: SymcloneSync, snapshot: CloneSnapshot, stage: str, log_level: int
) -> CloneSnapshot:
    """Fill the unknown percents of copying pairs from `symclone -sid SID -f FILE query`."""
    assert resource.symid is not None
    path = pairs_file_path(ctx.service.name, resource.rid, ctx.pairs_dir)
    content = pairs_file_content([(p.source, p.target) for p in resource.pairs])
    # Each poll of a wait may come here: write the file once per run, not once per poll.
    key = f"pairs-file:{path}"
    with ctx.cache_lock:
        written = ctx.cache.get(key) == content
    if not written:
        ctx.write_file(ctx.service.symcli_node, path, content, rid=resource.rid)
        with ctx.cache_lock:
            ctx.cache[key] = content
    argv = symclone_query(ctx.symcli_bin, ArrayTarget(resource.symid, path))
    report: QueryReport = _parsed(
        ctx, _run_read(ctx, argv, resource.rid, stage, log_level), parse_clone_query
    )
    pairs = []
    for view in snapshot.pairs:
        row = next(
            (
                r
                for r in report.pairs
                if same_device(r.tgt_sym, view.tgt) and same_device(r.src_sym, view.src)
            ),
            None,
        )
        if view.percent is None and row is not None and row.percent is not None:
            view = dataclasses.replace(view, percent=row.percent)
        pairs.append(view)
    return dataclasses.replace(snapshot, pairs=tuple(pairs))


def _read_group(ctx: RunContext, resource: SymcloneSync, stage: str, log_level: int) -> RawRead:
    # The whole group's table, filtered here: real captures show `-g DG query` (and `query SRC`),
    # never `query SRC sym ld TGT`, which a real CLI may refuse.
    assert resource.symdg is not None
    argv = symclone_query(ctx.symcli_bin, GroupTarget(resource.symdg))
    try:
        outcome = _run_read(ctx, argv, resource.rid, stage, log_level)
    except SymcliPermanent as exc:
        # SYMCLI answers a query on pairs without any session with an error; for us it is a state.
        if exc.kind is not SymcliErrorKind.NO_SESSION:
            raise
        _require_group_members(ctx, resource, stage, log_level)
        views = tuple(PairView(p.source, p.target, None, None, None) for p in resource.pairs)
        return RawRead(CloneSnapshot(resource.rid, views, time.time()), resource.symid)
    report = _parsed(ctx, outcome, parse_clone_query)
    rows = {((r.src_logical or "").lower(), (r.tgt_logical or "").lower()): r for r in report.pairs}
    by_target = {(r.tgt_logical or "").lower(): r for r in report.pairs}
    views_list: list[PairView] = []
    target_devs: dict[str, str] = {}
    for pair in resource.pairs:
        row = rows.get((pair.source.lower(), pair.target.lower()))
        if row is not None:
            views_list.append(PairView(pair.source, pair.target, row.state, row.percent, None))
            target_devs[pair.target] = row.tgt_sym
            continue
        other = by_target.get(pair.target.lower())
        if other is not None:
            # The target is cloned from another source of the group: not this pair's session.
            source = other.src_logical or other.src_sym
            views_list.append(PairView(pair.source, pair.target, other.state, other.percent, None, source))
        else:
            views_list.append(PairView(pair.source, pair.target, None, None, None))
    if any(view.state is None for view in views_list):
        _require_group_members(ctx, resource, stage, log_level)
    snapshot = CloneSnapshot(resource.rid, tuple(views_list), time.time())
    return RawRead(snapshot, report.symid or resource.symid, target_devs)


def _require_group_members(ctx: RunContext, resource: SymcloneSync, stage: str, log_level: int) -> None:
    """A pair the group's query does not show is either without a session or not in the group.

    `symdg -g DG list ld` (a shape real captures confirm) tells which: MissingDevicesError names
    the logical devices the group lacks, so they are never taken for pairs to create.
    """
    assert resource.symdg is not None
    argv = symdg_list_ld(ctx.symcli_bin, resource.symdg)
    listing = _parsed(ctx, _run_read(ctx, argv, resource.rid, stage, log_level), parse_symdg_list_ld)
    members = {device.ld_name.lower() for device in listing.devices}
    wanted = [name for pair in resource.pairs for name in (pair.source, pair.target)]
    missing = [name for name in wanted if name.lower() not in members]
    if missing:
        raise MissingDevicesError(resource.rid, missing, f"device group {resource.symdg}")


def last_actions(ctx: RunContext, raw: RawRead, *, rid: str, stage: str) -> dict[str, datetime | None]:
    """last_action per configured target, from `symdev list` of the devices the DG query named."""
    if not raw.target_devs or raw.symid is None:
        return {}
    devs = sorted(set(raw.target_devs.values()))
    listing = _parsed(
        ctx, _run_read(ctx, symdev_list(ctx.symcli_bin, raw.symid, devs), rid, stage), parse_symdev_list
    )
    stamps: dict[str, datetime | None] = {}
    for target, dev in raw.target_devs.items():
        device = listing.device(dev)
        session = device.target_session if device is not None else None
        stamps[target] = session.last_action if session is not None else None
    return stamps
