"""Named resource ids (`[sync#data]`, `[fs#u01]`) go through a whole refresh: pairs files, stage
names, the order OpenSVC gives them."""

from __future__ import annotations

from clonepilot.engine.runbook import execute, runbook
from tests.engine.conftest import MakeCtx, MakeService
from tests.engine.helpers_host import db_status, demo_text, register_vgs
from tests.plugins.symsim import SymsimArray

# As text "a-data" < "b-arch": the data first, as the database needs.
RENAMES = {
    "[sync#1]": "[sync#a-data]",
    "[sync#2]": "[sync#b-arch]",
    "[fs#1]": "[fs#u01]",
    "[fs#2]": "[fs#arch]",
    "[app#1]": "[app#ora]",
}


def test_a_refresh_of_a_service_with_named_rids(
    symsim_array: SymsimArray, make_service: MakeService, make_ctx: MakeCtx
) -> None:
    register_vgs(symsim_array)
    symsim_array.admin("speed", "--tracks-per-sec", "81920")
    text = demo_text(symsim_array)
    for old, new in RENAMES.items():
        text = text.replace(old, new)
    service = make_service(text, name="demo")
    assert [s.rid for s in service.syncs] == ["sync#a-data", "sync#b-arch"]
    assert any("activated in this order: sync#a-data, sync#b-arch" in w.message for w in service.warnings)
    for action in ("provision", "sync_break", "stop", "refresh"):
        with make_ctx(service) as ctx:
            report = execute(ctx, runbook(service, action), action=action)
        assert report.ok, report.summary()
    names = [stage.name for stage in report.stages]
    assert names.index("activate sync#a-data") < names.index("activate sync#b-arch")
    assert "demo.sync-a-data.pairs" in report.summary()
    assert db_status(symsim_array) == 0
