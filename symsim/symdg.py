"""Simulated `symdg`: create, delete, list and show device groups (reference §4)."""

from __future__ import annotations

import time
from pathlib import Path
from xml.sax.saxutils import escape

from symsim import cli, errors, faults, model, store, timemodel
from symsim.errors import SymError
from symsim.selection import find_group

TOOL = "symdg"
SPEC = {"-type": 1, "-sid": 1, "-g": 1, "-output": 1, "-force": 0, "-devs": 1, "-tgt": 0, "-h": 0, "-v": 0}
TYPES = ("REGULAR", "RDF1", "RDF2", "RDF21", "ANY")
ACTIONS = ("create", "delete", "list", "show", "addall")


def _xml(parsed: cli.Parsed) -> bool:
    mode = parsed.value("-output")
    if mode is not None and not mode.lower().startswith("xml"):
        raise cli.usage_error(TOOL, f"Invalid output mode: '{mode}'")
    return mode is not None


def _name(parsed: cli.Parsed, words: list[str]) -> str:
    if parsed.value("-g"):
        return str(parsed.value("-g"))
    if len(words) != 1:
        raise cli.usage_error(TOOL, "Exactly one device group name is required")
    return words[0]


def create(state: dict, parsed: cli.Parsed, words: list[str]) -> int:
    name = _name(parsed, words)
    kind = (parsed.value("-type") or "REGULAR").upper()
    if kind not in TYPES:
        raise cli.usage_error(TOOL, f"Invalid device group type: '{parsed.value('-type')}'")
    if any(g["name"].lower() == name.lower() for g in state["groups"].values()):
        raise SymError(f"The device group '{name}' already exists")
    sid = model.resolve_sid(state, parsed.value("-sid") or "") if parsed.value("-sid") else None
    state["groups"][name] = {"name": name, "type": kind, "sid": sid, "devs": []}
    return 0


def delete(state: dict, parsed: cli.Parsed, words: list[str]) -> int:
    group = find_group(state, _name(parsed, words))
    if group["devs"] and not parsed.flag("-force"):
        raise SymError(
            f"The device group '{group['name']}' is not empty: use -force to delete it", errors.NEED_FORCE
        )
    del state["groups"][group["name"]]
    return 0


def addall(state: dict, parsed: cli.Parsed, words: list[str]) -> int:
    from symsim.symld import add_member, array_for

    group = find_group(state, _name(parsed, words))
    spec = parsed.value("-devs")
    if not spec:
        raise cli.usage_error(TOOL, "addall needs -devs <first>:<last>")
    array = array_for(state, group, parsed.value("-sid"))
    for part in spec.split(","):
        low, _, high = part.partition(":")
        first, last = model.parse_dev(low), model.parse_dev(high or low)
        for number in range(first, last + 1):
            add_member(state, group, array, model.fmt_dev(array, number), None, parsed.flag("-tgt"))
    return 0


def list_groups(state: dict, parsed: cli.Parsed) -> str:
    groups = sorted(state["groups"].values(), key=lambda g: g["name"].lower())
    if _xml(parsed):
        out = ['<?xml version="1.0" standalone="yes" ?>', "<SymCLI_ML>"]
        for g in groups:
            out += [
                "  <DG>",
                "    <DG_Info>",
                f"      <name>{escape(g['name'])}</name>",
                f"      <type>{g['type']}</type>",
                "      <valid>Yes</valid>",
                f"      <symid>{g['sid'] or 'N/A'}</symid>",
                f"      <dev_count>{len(g['devs'])}</dev_count>",
                "    </DG_Info>",
                "  </DG>",
            ]
        return "\n".join([*out, "</SymCLI_ML>"])
    if not groups:
        raise SymError("No device groups have been defined")
    lines = [
        "",
        "                       D E V I C E      G R O U P S",
        "",
        "    Name               Type     Valid  Symmetrix ID  Num Devs",
        "",
    ]
    for g in groups:
        lines.append(
            f"    {g['name']:<18} {g['type']:<8} Yes    {g['sid'] or 'N/A':<12}  {len(g['devs']):>8}"
        )
    return "\n".join([*lines, ""])


def show(state: dict, parsed: cli.Parsed, words: list[str]) -> str:
    group = find_group(state, _name(parsed, words))
    array = state["arrays"].get(group["sid"]) if group["sid"] else None
    if array is not None:
        timemodel.advance(state, time.time())
    lines = [
        "",
        f"    Group Name:  {group['name']}",
        "",
        f"    Group Type                                   : {group['type']}",
        f"    Symmetrix ID                                 : {group['sid'] or 'N/A'}",
        f"    Number of STD Devices in Group               : {sum(not m['tgt'] for m in group['devs']):>5}",
        f"    Number of Clone Target Devices (TGT)         : {sum(m['tgt'] for m in group['devs']):>5}",
        "",
        "    Standard (STD) Devices and Clone Targets:",
        "        {",
        "        --------------------------------------------------------------------",
        "                                                      Sym               Cap",
        "        LdevName              PdevName                Dev  Config Att. Sts  (MB)",
        "        --------------------------------------------------------------------",
    ]
    for m in group["devs"]:
        sts = "RW" if array is not None and model.device_ready(array, m["dev"]) else "NR"
        cap = int(array["devices"][m["dev"]]["tracks"] * model.TRACK_KB / 1024) if array else 0
        att = "(T)" if m["tgt"] else "   "
        lines.append(
            f"        {m['ldev']:<21} {'Not Visible':<23} {m['dev']:<5}{'TDEV':<7}{att:<5}{sts:<4}{cap:>6}"
        )
    lines += ["        }", ""]
    return "\n".join(lines)


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC)
    words = list(parsed.words)
    actions = [w for w in words if w.lower() in ACTIONS]
    if not actions:
        raise cli.usage_error(TOOL, "No action was specified (create, delete, list, show)")
    words.remove(actions[0])
    action = actions[0].lower()
    faults.fire(home, TOOL, action, parsed.value("-sid") or "", [], lock_loop=False)
    with store.transaction(home) as state:
        if action == "create":
            return create(state, parsed, words)
        if action == "delete":
            return delete(state, parsed, words)
        if action == "addall":
            return addall(state, parsed, words)
        text = list_groups(state, parsed) if action == "list" else show(state, parsed, words)
    print(text)
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
