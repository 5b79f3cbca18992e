"""The clone-set driver under each symsim dialect: no unconfirmed SYMCLI fact stalls or breaks it.

Each dialect (symsim/README.md) plays one plausible variant of a fact no real capture confirms.
The same provision → recreate → wait → activate → wait cycle must finish under every one of them,
in about the time the copy takes, with the states read right.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from clonepilot.engine.clones import clone_set
from clonepilot.engine.context import ProgressEvent
from clonepilot.engine.status import Status
from clonepilot.symcli import CloneState, SymcliParseError
from tests.engine.conftest import sync_section
from tests.plugins.symsim import SymsimArray

# One value per unconfirmed fact, away from its default; the last ones combine the harshest.
DIALECTS: list[tuple[str, ...]] = [
    (),
    ("percent_element=percent",),
    ("percent_element=none",),
    ("control_channel=stdout",),
    ("query_no_session_exit=0",),
    ("verify_codes=one", "verify_text=no"),
    ("date_padding=zero",),
    ("dev_width=mixed",),
    ("file_query_form=no_logical", "percent_element=none"),
    ("percent_element=none", "verify_codes=one", "verify_text=no", "control_channel=stdout"),
]


def _ids(dialect: tuple[str, ...]) -> str:
    return ",".join(dialect) or "defaults"


@pytest.fixture(params=DIALECTS, ids=_ids)
def dialect(request: pytest.FixtureRequest, symsim_array: SymsimArray) -> tuple[str, ...]:
    if request.param:
        symsim_array.admin("dialect", *request.param)
    return request.param


def test_array_form_cycle_under_every_dialect(dialect, make_service, make_ctx, symsim_calls, caplog):
    events: list[ProgressEvent] = []
    ctx = make_ctx(make_service(sync_section(precopy=True)), progress=events.append)
    cs = clone_set(ctx, ctx.service.syncs[0])
    assert cs.read().states == {"NoSession": 2}
    cs.provision()
    with caplog.at_level(logging.INFO, logger="clonepilot"):
        assert cs.wait_activable().all_in([CloneState.PRECOPY])
        cs.activate()
        assert cs.wait_copied().all_in([CloneState.COPIED])
    # A precopy is only activable once its percent is known to be complete: read from symdev or,
    # when symdev has no percent, from symclone query; never taken as 0 and never stalled on.
    precopy = [e for e in events if e.waiting_for == "activable"]
    assert precopy[-1].done and precopy[-1].percent == 100 and precopy[-1].percent_known
    assert not [r for r in caplog.records if "without a success message" in r.getMessage()]
    status = cs.status()
    assert status.status is Status.UP, status.reason
    cs.recreate()
    assert cs.wait_activable().all_in([CloneState.PRECOPY])
    if "percent_element=none" in dialect:
        queries = symsim_calls("symclone", "query")
        assert queries and all("-f" in call["argv"] for call in queries)


def test_group_form_cycle_under_every_dialect(dialect, group, make_service, make_ctx, symsim_calls):
    text = "[sync#1]\ntype = symclone\nsymdg = DGCVI\npairs = DEV001:CLONE001 DEV002:CLONE002\n"
    ctx = make_ctx(make_service(text))
    cs = clone_set(ctx, ctx.service.syncs[0])
    assert cs.read().states == {"NoSession": 2}
    cs.provision()
    assert cs.wait_activable().all_in([CloneState.PRECOPY])
    cs.activate()
    assert cs.wait_copied().all_in([CloneState.COPIED])
    assert cs.status().status is Status.UP
    # Reads query the whole group: the pair-clause form of query is not known to the real CLI.
    for call in symsim_calls("symclone", "query"):
        assert "ld" not in [word.lower() for word in call["argv"]], call["argv"]


def test_unknown_percent_is_decided_by_state_and_confirmed_by_verify(
    symsim_array, make_service, make_ctx, symsim_calls, caplog
):
    """Neither symdev nor query gives a percent: the PreCopy state decides, verify confirms."""
    symsim_array.admin("dialect", "percent_element=none")
    ctx = make_ctx(make_service(sync_section(precopy=True)))
    cs = clone_set(ctx, ctx.service.syncs[0])
    cs.provision()
    # A query whose table has no usable percent: the pairs file's query then gives N/A rows.
    real_query = _wrap_without_percent(symsim_array.bin_dir)
    try:
        with caplog.at_level(logging.INFO, logger="clonepilot"):
            snapshot = cs.wait_activable()
    finally:
        real_query()
    assert snapshot.all_in([CloneState.PRECOPY])
    assert any("no percent copied" in r.getMessage() for r in caplog.records)
    verifies = symsim_calls("symclone", "verify")
    assert verifies and "-precopy" in [w.lower() for w in verifies[-1]["argv"]]


def _wrap_without_percent(bin_dir: Path):
    """Make `symclone ... query` print its rows with N/A in the Copy (%) column; return the undo."""
    tool = bin_dir / "symclone"
    original = tool.read_text()
    moved = bin_dir / "symclone.real"
    moved.write_text(original)
    moved.chmod(moved.stat().st_mode | stat.S_IXUSR)
    tool.write_text(
        "#!/bin/sh\n"
        "na='s/^(.* (PreCopy|CopyInProg|Copied|Created) +)[0-9]+$/\\1 N\\/A/'\n"
        'case " $* " in\n'
        f'  *" query "*) "{moved}" "$@" | sed -E "$na"; exit 0 ;;\n'
        "esac\n"
        f'exec "{moved}" "$@"\n'
    )

    def undo() -> None:
        tool.write_text(original)

    return undo


def test_unreadable_output_names_node_command_and_keeps_it(symsim_array, make_service, make_ctx, tmp_path):
    tool = symsim_array.bin_dir / "symdev"
    original = tool.read_text()
    tool.write_text("#!/bin/sh\nprintf '<?xml version=\"1.0\" ?>\\n<SymCLI_ML>\\n  <Symmetrix>\\n'\n")
    try:
        ctx = make_ctx(make_service(sync_section()), state_dir=tmp_path / "state")
        with pytest.raises(SymcliParseError) as caught:
            clone_set(ctx, ctx.service.syncs[0]).read()
    finally:
        tool.write_text(original)
    message = str(caught.value)
    assert "symdev output on localhost (exit 0) not understood" in message
    assert "malformed XML" in message and "command: " in message and "-output xml_e" in message
    (kept,) = (tmp_path / "state" / "unreadable").iterdir()
    assert str(kept) in message
    saved = kept.read_text()
    assert "# command: " in saved and "<SymCLI_ML>" in saved and "# exit code: 0" in saved
