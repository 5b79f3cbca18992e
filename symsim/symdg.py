"""Simulated `symdg`: create, delete, list (and `-g DG list ld`) and show device groups.

The texts follow the real captures; see dgtext.py."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from xml.sax.saxutils import escape

from symsim import cli, dgtext, dialect, errors, faults, model, store, timemodel
from symsim.errors import SymError
from symsim.selection import find_group
from symsim.symdev import host_pd_name
from symsim.timefmt import asctime

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
    state["groups"][name] = {"name": name, "type": kind, "sid": sid, "devs": [], "created": time.time()}
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
    # In creation order, as jreypo-01 lists them (groups from before "created" was kept: by name).
    groups = sorted(state["groups"].values(), key=lambda g: (g.get("created", 0), g["name"].lower()))
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
    return dgtext.group_list(groups)


def _members(state: dict, group: dict) -> list[dgtext.Member]:
    """The group's devices as symdg prints them; pd_name is filled in later, outside the lock."""
    array = state["arrays"].get(group["sid"]) if group["sid"] else None
    if array is None:
        return []
    timemodel.advance(state, time.time())
    width = dialect.get(state, "dev_width")
    return [
        dgtext.Member(
            ldev=m["ldev"],
            dev=model.shown_dev(array, m["dev"], width),
            tgt=bool(m["tgt"]),
            config=model.device_config(array, m["dev"]),
            ready=model.device_ready(array, m["dev"]),
            megabytes=model.device_mb(array, m["dev"]),
            pd_name=None,  # filled in by _with_pd_names, outside the state lock
            array_dev=m["dev"],
        )
        for m in group["devs"]
    ]


def _with_pd_names(home: Path, sid: str | None, members: list[dgtext.Member]) -> list[dgtext.Member]:
    return [dataclasses.replace(m, pd_name=host_pd_name(home, sid, m.array_dev)) for m in members]


def _ld_text(group: dict, members: list[dgtext.Member]) -> str:
    # No capture of the text form: a plain table of the same facts as the XML.
    lines = [
        "",
        f"Device Group (DG) Name: {group['name']}",
        f"DG's Type             : {group['type']}",
        f"DG's Symmetrix ID     : {group['sid'] or 'N/A'}",
        "",
        "    Logical           Sym   Config        Sts  PdevName",
        "    ----------------  ----- ------------- ---- --------------------",
    ]
    lines += [
        f"    {m.ldev:<16}  {m.dev:<5} {m.config:<13} {'RW' if m.ready else 'NR':<4} "
        f"{m.pd_name or 'Not Visible'}"
        for m in members
    ]
    return "\n".join([*lines, ""])


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC)
    words = list(parsed.words)
    actions = [w for w in words if w.lower() in ACTIONS]
    if not actions:
        raise cli.usage_error(TOOL, "No action was specified (create, delete, list, show)")
    words.remove(actions[0])
    action = actions[0].lower()
    faults.fire(home, TOOL, action, parsed.value("-sid") or "", [], lock_loop=False)
    if action in ("show", "list") and (action == "show" or [w.lower() for w in words] == ["ld"]):
        return _show_or_list_ld(home, parsed, words, action)
    with store.transaction(home) as state:
        if action == "create":
            return create(state, parsed, words)
        if action == "delete":
            return delete(state, parsed, words)
        if action == "addall":
            return addall(state, parsed, words)
        text = list_groups(state, parsed)
    print(text)
    return 0


def _show_or_list_ld(home: Path, parsed: cli.Parsed, words: list[str], action: str) -> int:
    xml = _xml(parsed)
    with store.transaction(home) as state:
        if action == "show":
            group = dict(find_group(state, _name(parsed, words)))
        else:
            if not parsed.value("-g"):
                raise cli.usage_error(TOOL, "Usage: symdg -g DgName list ld [-output xml_e]")
            group = dict(find_group(state, str(parsed.value("-g"))))
        members = _members(state, group)
        padding = dialect.get(state, "date_padding")
    # Outside the state lock: the host simulator may itself ask the array about these devices.
    members = _with_pd_names(home, group["sid"], members)
    if action == "list":
        print(dgtext.list_ld_xml(group, members) if xml else _ld_text(group, members))
    else:
        created = asctime(group["created"], padding) if group.get("created") else "N/A"
        print(dgtext.show(group, created, members))
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
