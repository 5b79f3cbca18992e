"""Dry runs: reads run for real, state changes are journaled, and an overlay carries them across steps."""

from __future__ import annotations

from clonepilot.engine.clones import clone_set
from clonepilot.symcli import CloneState
from tests.engine.conftest import sync_section

FAST = 8192 * 16


def _control_calls(symsim_calls) -> list[list[str]]:
    wanted = {"create", "recreate", "activate", "terminate", "restore", "split"}
    return [c["argv"] for c in symsim_calls("symclone") if wanted & {w.lower() for w in c["argv"]}]


def test_dry_refresh_journals_recreate_then_activate_with_exact_argv(
    make_service, make_ctx, symsim_calls, set_speed
):
    set_speed(FAST)
    service = make_service(sync_section())
    real = make_ctx(service)
    setup = clone_set(real, service.syncs[0])
    setup.provision()
    setup.wait_activable()
    setup.activate()
    setup.wait_copied()
    before = _control_calls(symsim_calls)

    ctx = make_ctx(service, dry_run=True)
    cs = clone_set(ctx, service.syncs[0])
    recreate = cs.recreate()
    assert recreate.changed and recreate.message == "would recreate 2 pairs (-precopy)"
    waited = cs.wait_activable()
    assert waited.all_in([CloneState.PRECOPY]) and waited.percent == 100
    # Without the overlay the array (still Copied) would make this "already activated".
    activate = cs.activate()
    assert activate.changed and activate.message == "would activate 2 pairs (-consistent)"
    assert cs.wait_copied().all_in([CloneState.COPIED])

    bin_dir = ctx.symcli_bin
    pairs_file = f"{ctx.pairs_dir}/svc.sync-1.pairs"
    journal = ctx.journal.snapshot()
    assert [(e.stage, e.executed, e.changes_state) for e in journal] == [
        ("recreate", True, False),
        ("recreate", False, True),
        ("activate", True, False),
        ("activate", False, True),
    ]
    lock = ["-i", "1", "-c", "1"]
    head = [f"{bin_dir}/symclone", "-sid", "000197900123", "-f", pairs_file, "-noprompt"]
    assert list(journal[1].argv) == [*head, "recreate", "-precopy", *lock]
    assert list(journal[3].argv) == [*head, "activate", "-consistent", *lock]
    assert journal[0].argv[0] == f"{bin_dir}/symdev" and journal[0].exit_code == 0
    # The array never saw a state change, and still shows the real state.
    assert _control_calls(symsim_calls) == before
    assert clone_set(real, service.syncs[0]).read().all_in([CloneState.COPIED])


def test_dry_run_on_a_fresh_array_provisions_then_activates(make_service, make_ctx, symsim_calls):
    service = make_service(sync_section(precopy=False))
    ctx = make_ctx(service, dry_run=True)
    cs = clone_set(ctx, service.syncs[0])
    assert cs.provision().message == "would create 2 pairs (-diff)"
    assert cs.read().all_in([CloneState.CREATED])
    entries_before_wait = len(ctx.journal.snapshot())
    cs.wait_activable()
    cs.activate()
    cs.wait_copied()
    stages = [(e.stage, e.executed) for e in ctx.journal.snapshot()]
    assert stages == [
        ("provision", True),
        ("provision", False),
        ("read", True),
        ("activate", True),
        ("activate", False),
    ]
    assert entries_before_wait == 3  # waits journal nothing
    assert _control_calls(symsim_calls) == []
    assert cs.status().reason.startswith("no clone session")  # status shows the real array
