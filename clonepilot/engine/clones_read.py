"""Reading a clone resource's pairs from the array: one SYMCLI call per read.

Array form: `symdev -sid SID list -v -devs <targets> -output xml_e` (what OpenSVC parses).
DG form: `symclone -g DG query SRC sym ld TGT ...`; the query text has no last_action, so the
status of a DG resource reads it with one more `symdev list` of the targets it learnt here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

from clonepilot.config.models import SymcloneSync
from clonepilot.engine.clones_model import CloneSnapshot, PairView, snapshot_from_listing
from clonepilot.engine.context import RunContext
from clonepilot.symcli import (
    GroupTarget,
    SymcliErrorKind,
    SymcliPermanent,
    check,
    parse_clone_query,
    parse_symdev_list,
    symclone_query,
    symdev_list,
)


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


def _run_read(ctx: RunContext, argv: list[str], rid: str, stage: str, log_level: int = logging.INFO) -> str:
    result = ctx.run(
        ctx.service.symcli_node, argv, rid=rid, stage=stage, changes_state=False, log_level=log_level
    )
    # Reads always run, even in a dry run; None would mean a broken RunContext.
    assert result is not None, "a read-only command returned no result"
    check(result)
    return result.stdout


def read_pairs(
    ctx: RunContext, resource: SymcloneSync, *, stage: str, log_level: int = logging.INFO
) -> RawRead:
    """One read of the resource's pairs; `log_level` DEBUG keeps a wait's polls out of the INFO log."""
    if resource.uses_device_group:
        return _read_group(ctx, resource, stage, log_level)
    return _read_array(ctx, resource, stage, log_level)


def _read_array(ctx: RunContext, resource: SymcloneSync, stage: str, log_level: int) -> RawRead:
    assert resource.symid is not None
    argv = symdev_list(ctx.symcli_bin, resource.symid, resource.targets)
    listing = parse_symdev_list(_run_read(ctx, argv, resource.rid, stage, log_level))
    snapshot = snapshot_from_listing(resource, listing)
    return RawRead(snapshot, listing.symid or resource.symid, {t: t for t in resource.targets})


def _read_group(ctx: RunContext, resource: SymcloneSync, stage: str, log_level: int) -> RawRead:
    argv = symclone_query(ctx.symcli_bin, group_target(resource))
    try:
        text = _run_read(ctx, argv, resource.rid, stage, log_level)
    except SymcliPermanent as exc:
        # SYMCLI answers a query on pairs without any session with an error; for us it is a state.
        if exc.kind is not SymcliErrorKind.NO_SESSION:
            raise
        views = tuple(PairView(p.source, p.target, None, None, None) for p in resource.pairs)
        return RawRead(CloneSnapshot(resource.rid, views, time.time()), resource.symid)
    report = parse_clone_query(text)
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
    snapshot = CloneSnapshot(resource.rid, tuple(views_list), time.time())
    return RawRead(snapshot, report.symid or resource.symid, target_devs)


def last_actions(ctx: RunContext, raw: RawRead, *, rid: str, stage: str) -> dict[str, datetime | None]:
    """last_action per configured target, from `symdev list` of the devices the DG query named."""
    if not raw.target_devs or raw.symid is None:
        return {}
    devs = sorted(set(raw.target_devs.values()))
    listing = parse_symdev_list(_run_read(ctx, symdev_list(ctx.symcli_bin, raw.symid, devs), rid, stage))
    stamps: dict[str, datetime | None] = {}
    for target, dev in raw.target_devs.items():
        device = listing.device(dev)
        session = device.session if device is not None else None
        stamps[target] = session.last_action if session is not None else None
    return stamps
