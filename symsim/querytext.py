"""`symclone query` output: the pair table of the reference §6 / §9.1, and an element-style XML form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from symsim import model
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


def rows(array: model.Array, sel: Selection, group: dict[str, Any] | None) -> list[Row]:
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
                src=ref.src,
                protected=model.protected_tracks(pair),
                src_mod=int(pair["src_mod"]),
                tgt_ldev=ref.tgt_ldev or "N/A",
                tgt=ref.tgt,
                tgt_mod=int(pair["tgt_mod"]),
                flags=flags,
                state=pair["state"],
                percent=model.pair_percent(pair),
            )
        )
    return found


def _mb(tracks: int) -> str:
    return f"{tracks * model.TRACK_KB / 1024:.1f}"


def render(array: model.Array, sel: Selection, group: dict[str, Any] | None, found: list[Row]) -> str:
    if group is not None:
        header = [
            "",
            f"Device Group (DG) Name: {group['name']}",
            f"DG's Type             : {group['type']}",
            f"DG's Symmetrix ID     : {array['sid']}",
        ]
    else:
        header = ["", f"Symmetrix ID          : {array['sid']}"]
    table = [
        "",
        "",
        "         Source Device                   Target Device            State     Copy",
        "--------------------------------- ---------------------------- ------------ ----",
        "               Protected Modified                Modified",
        "Logical   Sym  Tracks    Tracks   Logical   Sym  Tracks   CGDP SRC <=> TGT  (%)",
        "--------------------------------- ---------------------------- ------------ ----",
    ]
    for r in found:
        table.append(
            f"{r.src_ldev:<9} {r.src:<5}{r.protected:>10}{r.src_mod:>10} {r.tgt_ldev:<9} {r.tgt:<5}"
            f"{r.tgt_mod:>9} {r.flags} {r.state:<12}{r.percent:>4}"
        )
    protected = sum(r.protected for r in found)
    src_mod = sum(r.src_mod for r in found)
    tgt_mod = sum(r.tgt_mod for r in found)
    table += [
        "",
        "Total           -------- --------                --------",
        f"  Track(s)      {protected:>9}{src_mod:>9}                {tgt_mod:>9}",
        f"  MB(s)         {_mb(protected):>9}{_mb(src_mod):>9}                {_mb(tgt_mod):>9}",
        "",
        "Legend:",
        "",
        "(C): X = The background copy setting is active for this pair.",
        "     . = The background copy setting is not active for this pair.",
        "(G): X = The Target device is associated with this group.",
        "     . = The Target device is not associated with this group.",
        "(D): X = The Clone session is a differential copy session.",
        "     . = The Clone session is not a differential copy session.",
        "(P): X = The pre-copy operation has completed one cycle.",
        "     . = The pre-copy operation has not completed one cycle.",
        "",
    ]
    return "\n".join(header + table)


def render_xml(array: model.Array, sel: Selection, group: dict[str, Any] | None, found: list[Row]) -> str:
    out = ['<?xml version="1.0" standalone="yes" ?>', "<SymCLI_ML>"]
    if group is not None:
        out += [
            "  <DG>",
            "    <DG_Info>",
            f"      <name>{escape(group['name'])}</name>",
            f"      <type>{escape(group['type'])}</type>",
            f"      <symid>{array['sid']}</symid>",
            "    </DG_Info>",
        ]
    else:
        out += [
            "  <Symmetrix>",
            "    <Symm_Info>",
            f"      <symid>{array['sid']}</symid>",
            "    </Symm_Info>",
        ]
    for r in found:
        out += [
            "    <Clone_Pair>",
            "      <Source>",
            f"        <ld_name>{escape(r.src_ldev)}</ld_name>",
            f"        <dev_name>{r.src}</dev_name>",
            f"        <protected_tracks>{r.protected}</protected_tracks>",
            f"        <modified_tracks>{r.src_mod}</modified_tracks>",
            "      </Source>",
            "      <Target>",
            f"        <ld_name>{escape(r.tgt_ldev)}</ld_name>",
            f"        <dev_name>{r.tgt}</dev_name>",
            f"        <modified_tracks>{r.tgt_mod}</modified_tracks>",
            "      </Target>",
            f"      <flags>{r.flags}</flags>",
            f"      <state>{r.state}</state>",
            f"      <percent>{r.percent}</percent>",
            "    </Clone_Pair>",
        ]
    out += ["  </DG>" if group is not None else "  </Symmetrix>", "</SymCLI_ML>"]
    return "\n".join(out)
