"""Parser edge cases that are errors or structural, beyond the recorded outputs."""

from __future__ import annotations

import pytest

from clonepilot.symcli import SymcliParseError, parse_clone_query, parse_symcfg_list, parse_symdev_list

HEAD = '<?xml version="1.0" standalone="yes" ?>\n'


def _device(body: str) -> str:
    return f"{HEAD}<SymCLI_ML><Symmetrix><Device>{body}</Device></Symmetrix></SymCLI_ML>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"{HEAD}<Other/>", "root element"),
        (_device("<Dev_Info><pd_name>/dev/sdq</pd_name></Dev_Info>"), "no Dev_Info/dev_name"),
        (
            _device(
                "<Dev_Info><dev_name>0B61</dev_name></Dev_Info><CLONE_Device><state>Copied</state></CLONE_Device>"
            ),
            "without SRC/TGT",
        ),
        (
            _device(
                "<Dev_Info><dev_name>0B61</dev_name></Dev_Info><CLONE_Device><SRC><dev_name>0B60</dev_name></SRC>"
                "<TGT><dev_name>0B61</dev_name></TGT><percent>ten</percent></CLONE_Device>"
            ),
            "not an integer",
        ),
        (
            _device(
                "<Dev_Info><dev_name>0B61</dev_name></Dev_Info><CLONE_Device><SRC><dev_name>0B60</dev_name></SRC>"
                "<TGT><dev_name>0B61</dev_name></TGT><last_action>yesterday</last_action></CLONE_Device>"
            ),
            "bad last_action",
        ),
        ("Symmetrix ID 123 not found\n", "no XML document"),
    ],
)
def test_symdev_errors_are_clear(text: str, message: str) -> None:
    with pytest.raises(SymcliParseError, match=message):
        parse_symdev_list(text)


def test_symdev_empty_listing_and_missing_state() -> None:
    assert parse_symdev_list(f"{HEAD}<SymCLI_ML><Symmetrix/></SymCLI_ML>").devices == ()
    listing = parse_symdev_list(
        _device(
            "<Dev_Info><dev_name>0B61</dev_name></Dev_Info><CLONE_Device><SRC><dev_name>0B60</dev_name></SRC>"
            "<TGT><dev_name>0B61</dev_name></TGT></CLONE_Device>"
        )
    )
    session = listing.devices[0].session
    assert session is not None and session.state.value == "Unknown" and session.last_action is None


def test_query_without_logical_columns_and_na_percent() -> None:
    report = parse_clone_query("Symmetrix ID : 000197900123\n00B60 100 0 00B61 0 X... CopyOnAccess N/A\n")
    (pair,) = report.pairs
    assert (pair.src_logical, pair.src_sym, pair.tgt_sym, pair.percent) == (None, "00B60", "00B61", None)
    assert pair.state.value == "CopyOnAccess"
    assert report.totals is None


def test_query_header_only_is_an_empty_report() -> None:
    report = parse_clone_query("Device Group (DG) Name: dgapp\nDG's Type : REGULAR\n")
    assert report.pairs == () and report.dg_name == "dgapp"


def test_symcfg_header_without_rows_is_empty_and_garbage_is_an_error() -> None:
    assert parse_symcfg_list("        S Y M M E T R I X\n\n  SymmID  Attachment\n") == ()
    with pytest.raises(SymcliParseError):
        parse_symcfg_list("command not found\n")
