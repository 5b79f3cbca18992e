"""`sync_update_activates = true`: OpenSVC's sync update (recreate, then activate) for the clone
sets that ask for it; the others keep the seed's meaning (recreate only)."""

from __future__ import annotations

import json

from clonepilot.engine.runbook import execute, runbook
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import demo_text, register_vgs
from tests.plugins.symsim import SymsimArray


def _pairs(array: SymsimArray) -> dict[str, tuple[str, float | None]]:
    state = json.loads(array.admin("state", "--json").stdout)
    return {p["tgt"]: (p["state"], p["pit"]) for a in state["arrays"] for p in a["pairs"]}


def test_sync_update_activates_only_the_clone_sets_that_ask_for_it(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    register_vgs(symsim_array)
    symsim_array.admin("speed", "--tracks-per-sec", "81920")
    text = demo_text(symsim_array).replace("[sync#2]\n", "[sync#2]\nsync_update_activates = true\n")
    service = make_service(text, name="demo")
    for action in ("provision", "sync_break"):
        with make_ctx(service) as ctx:
            assert execute(ctx, runbook(service, action), action=action).ok
    before = _pairs(symsim_array)

    stages = runbook(service, "sync_update")
    assert [s.name for s in stages] == [
        "check_down",
        "recreate",
        "wait_activable",
        "activate sync#2",
        "wait_copied",
    ]
    assert stages[-1].rids == ("sync#2",)
    with make_ctx(service) as ctx:
        report = execute(ctx, stages, action="sync_update")
    assert report.ok, report.summary()
    after = _pairs(symsim_array)
    data = [dev for dev in after if dev in ("00110", "00111")]
    assert data and all(after[dev][0] in ("PreCopy", "Recreated") for dev in data)
    assert after["00112"][0] == "Copied"
    assert after["00112"][1] is not None and after["00112"][1] > (before["00112"][1] or 0)
