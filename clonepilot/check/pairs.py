"""Each clone pair's session and state, judged as a refresh will meet it."""

from __future__ import annotations

from clonepilot.check.findings import PAIRS, Finding, fail, ok, warn
from clonepilot.config.models import Service, SymcloneSync
from clonepilot.engine.clones_model import CloneSnapshot, PairView
from clonepilot.engine.clones_status import EXPECTED, status_from_snapshot
from clonepilot.symcli import parse_clone_query
from clonepilot.symcli.plan import Operation, PairState, plan_operation


def group_views(resource: SymcloneSync, text: str) -> tuple[PairView, ...]:
    """The DG form's pairs as `symclone query` shows them (as the engine's group read maps them)."""
    rows = parse_clone_query(text).pairs if text.strip() else ()
    by_pair = {((r.src_logical or "").lower(), (r.tgt_logical or "").lower()): r for r in rows}
    by_target = {(r.tgt_logical or "").lower(): r for r in rows}
    views: list[PairView] = []
    for pair in resource.pairs:
        row = by_pair.get((pair.source.lower(), pair.target.lower()))
        if row is not None:
            views.append(PairView(pair.source, pair.target, row.state, row.percent, None))
        elif (other := by_target.get(pair.target.lower())) is not None:
            views.append(
                PairView(
                    pair.source,
                    pair.target,
                    other.state,
                    other.percent,
                    None,
                    other.src_logical or other.src_sym,
                )
            )
        else:
            views.append(PairView(pair.source, pair.target, None, None, None))
    return tuple(views)


def judge_pairs(service: Service, resource: SymcloneSync, snapshot: CloneSnapshot) -> list[Finding]:
    """Each pair's session and state, judged as a refresh will meet it (recreate, then activate)."""
    findings: list[Finding] = []
    fine: list[PairView] = []
    unsessioned: list[PairView] = []
    for view in snapshot.pairs:
        subject = f"{resource.rid} {view.key}"
        if view.other_source is not None:
            findings.append(
                fail(
                    PAIRS,
                    subject,
                    f"target {view.tgt} is in a clone session with source {view.other_source}"
                    f" ({view.state_name})",
                    "no refresh can use this target: terminate that session if it is not needed any more, "
                    f"or fix pairs in [{resource.rid}] of {service.path}",
                )
            )
        elif view.state is None:
            unsessioned.append(view)
        elif view.state in EXPECTED:
            fine.append(view)
        else:
            plan = plan_operation(Operation.RECREATE, [PairState(view.src, view.tgt, view.state)])
            if plan.blocked:
                findings.append(
                    fail(
                        PAIRS,
                        subject,
                        f"{view.describe()}: a refresh cannot recreate from {view.state.value}",
                        "query the pairs (symclone query) and bring them to Copied or Split, or terminate "
                        f"them (clonepilot -s {service.name} unprovision) and provision again",
                    )
                )
            else:
                findings.append(
                    warn(
                        PAIRS,
                        subject,
                        f"{view.describe()}: not a state a refreshed clone set is in (status reads it down)",
                        "the next refresh recreates it",
                    )
                )
    if unsessioned:
        which = (
            "its pair" if len(snapshot.pairs) == 1 else f"{len(unsessioned)} of {len(snapshot.pairs)} pairs"
        )
        findings.append(
            warn(
                PAIRS,
                resource.rid,
                f"no clone session on {which} ({', '.join(v.key for v in unsessioned)})",
                f"provision will create it (clonepilot -s {service.name} provision)",
            )
        )
    if fine:
        found = ", ".join(v.describe() for v in fine)
        if len(fine) == len(snapshot.pairs) and snapshot.last_action is not None:
            # The seed status's own words: how old the last refresh is, against sync_max_delay.
            found += f"; status: {status_from_snapshot(resource, snapshot).reason}"
        findings.append(ok(PAIRS, resource.rid, found))
    return findings
