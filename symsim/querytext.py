"""`symclone query` output: the pair table of notes-04/09/11, and an element-style XML form.

The DG table is the real one: 79-column rows aligned under the header, Total lines, no Legend.
The pairs-file (-f) header and the XML form were never captured: they are the simulator's guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symsim import model, xmltree
from symsim.selection import Selection


@dataclass(frozen=True)
class Row:
    src_ldev: str
    src: str
    protected: int
    src_mod: int
    tgt_ldev: str
    tgt: str
    tgt_mod: int
    flags: str
    state: str
    percent: int


def rows(array: model.Array, sel: Selection, group: dict[str, Any] | None, dev_width: str) -> list[Row]:
    in_group = {m["dev"] for m in group["devs"]} if group else set()
    found = []
    for ref in sel.pairs:
        pair = array["pairs"].get(ref.tgt)
        if pair is None or pair["src"] != ref.src:
            continue
        # CGDP: C background copy, G target in this group, D differential, P a precopy cycle completed.
        flags = "".join(
            (
                "X" if pair["copy"] else ".",
                "X" if ref.tgt in in_group else ".",
                "X" if pair["diff"] else ".",
                "X" if pair["precopied"] else ".",
            )
        )
        found.append(
            Row(
                src_ldev=ref.src_ldev or "N/A",
                src=model.shown_dev(array, ref.src, dev_width),
                protected=model.protected_tracks(pair),
                src_mod=int(pair["src_mod"]),
                tgt_ldev=ref.tgt_ldev or "N/A",
                tgt=model.shown_dev(array, ref.tgt, dev_width),
                tgt_mod=int(pair["tgt_mod"]),
                flags=flags,
                state=pair["state"],
                percent=model.pair_percent(pair),
            )
        )
    return found


def _mb(array: model.Array, tracks: int) -> str:
    return f"{tracks * model.track_kb(array) / 1024:.1f}"


def _num(value: int, width: int) -> str:
    # A wide id takes its room from the number beside it, never the space between them.
    return f"{value:>{width}}" if len(str(value)) < width else f" {value}"


def _row(r: Row, logical: bool) -> str:
    # notes-09: Logical 10, Sym 4, Protected 10, Modified 9 | Logical 10, Sym 4, Modified 9, then
    # CGDP, State 12 and Copy 4; a 5-digit id keeps the row at 79 columns (the number gives way).
    src_ldev = f"{r.src_ldev:<9} " if logical else ""
    tgt_ldev = f"{r.tgt_ldev:<9} " if logical else ""
    return (
        f"{src_ldev}{r.src}{_num(r.protected, 14 - len(r.src))}{_num(r.src_mod, 9)} "
        f"{tgt_ldev}{r.tgt}{_num(r.tgt_mod, 13 - len(r.tgt))} {r.flags} {r.state:<12}{_num(r.percent, 4)}"
    )


HEADER = [
    "         Source Device                   Target Device            State     Copy",
    "--------------------------------- ---------------------------- ------------ ----",
    "               Protected Modified                Modified",
    "Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)",
    "--------------------------------- ---------------------------- ------------ ----",
]
# The same table without the Logical columns (dialect file_query_form=no_logical; never captured).
HEADER_NO_LOGICAL = [
    "   Source Device         Target Device       State     Copy",
    "----------------------- ------------------ ------------ ----",
    "     Protected Modified      Modified",
    "Sym  Tracks    Tracks   Sym  Tracks   CGDP SRC <=> TGT  (%)",
    "----------------------- ------------------ ------------ ----",
]


def render(
    array: model.Array, group: dict[str, Any] | None, found: list[Row], *, logical: bool = True
) -> str:
    if group is not None:
        header = [
            "",
            "",
            f"Device Group (DG) Name: {group['name']}",
            f"DG's Type             : {group['type']}",
            f"DG's Symmetrix ID     : {array['sid']}",
        ]
    else:
        header = ["", "", f"Symmetrix ID          : {array['sid']}"]
    table = ["", "", *(HEADER if logical else HEADER_NO_LOGICAL)]
    table += [_row(r, logical) for r in found]
    protected = sum(r.protected for r in found)
    src_mod = sum(r.src_mod for r in found)
    tgt_mod = sum(r.tgt_mod for r in found)
    shift = 0 if logical else -10  # the Logical columns are 10 wide
    table += [
        "",
        "Total" + " " * (11 + shift) + "-------- --------" + " " * (16 + shift) + "--------",
        f"  Track(s){_num(protected, 14 + shift)}{_num(src_mod, 9)}{_num(tgt_mod, 24 + shift)}",
        f"  MB(s){_mb(array, protected):>{17 + shift}}{_mb(array, src_mod):>9}"
        f"{_mb(array, tgt_mod):>{24 + shift}}",
    ]
    return "\n".join([*header, *table, ""])


def render_xml(array: model.Array, group: dict[str, Any] | None, found: list[Row]) -> str:
    pairs: list[xmltree.Node] = [
        (
            "Clone_Pair",
            [
                (
                    "Source",
                    [
                        ("ld_name", r.src_ldev),
                        ("dev_name", r.src),
                        ("protected_tracks", str(r.protected)),
                        ("modified_tracks", str(r.src_mod)),
                    ],
                ),
                (
                    "Target",
                    [("ld_name", r.tgt_ldev), ("dev_name", r.tgt), ("modified_tracks", str(r.tgt_mod))],
                ),
                ("flags", r.flags),
                ("state", r.state),
                ("percent", str(r.percent)),
            ],
        )
        for r in found
    ]
    if group is not None:
        info: xmltree.Node = (
            "DG_Info",
            [("name", group["name"]), ("type", group["type"]), ("symid", array["sid"])],
        )
        return xmltree.document([("DG", [info, *pairs])])
    return xmltree.document([("Symmetrix", [("Symm_Info", [("symid", array["sid"])]), *pairs])])
