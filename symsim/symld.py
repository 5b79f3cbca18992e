"""Simulated `symld`: add, remove and list the devices of a device group (reference §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from symsim import cli, dialect, faults, model, store
from symsim.errors import SymError
from symsim.selection import find_group

TOOL = "symld"
SPEC = {"-g": 1, "-sid": 1, "-tgt": 0, "-output": 1, "-force": 0, "-h": 0, "-v": 0}
ACTIONS = ("add", "remove", "rmv", "list")


def _next_name(group: dict[str, Any], prefix: str) -> str:
    used = {m["ldev"].upper() for m in group["devs"]}
    number = 1
    while f"{prefix}{number:03d}" in used:
        number += 1
    return f"{prefix}{number:03d}"


def add_member(
    state: dict[str, Any],
    group: dict[str, Any],
    array: model.Array,
    dev_text: str,
    ldev: str | None,
    tgt: bool,
) -> str:
    dev = model.lookup_dev(array, dev_text)
    if group["sid"] not in (None, array["sid"]):
        raise SymError(
            f"Device group '{group['name']}' belongs to Symmetrix {group['sid']}, not {array['sid']}"
        )
    for other in state["groups"].values():
        for member in other["devs"]:
            if member["dev"] == dev and (other["sid"] in (None, array["sid"])):
                raise SymError(f"The device {dev} is already a member of device group '{other['name']}'")
    name = ldev or _next_name(group, "TGT" if tgt else "DEV")
    if any(m["ldev"].lower() == name.lower() for m in group["devs"]):
        raise SymError(
            f"The logical device name '{name}' is already in use in device group '{group['name']}'"
        )
    group["sid"] = array["sid"]
    group["devs"].append({"ldev": name, "dev": dev, "tgt": tgt})
    return name


def array_for(state: dict[str, Any], group: dict[str, Any], sid_text: str | None) -> model.Array:
    if sid_text:
        return model.get_array(state, sid_text)
    if group["sid"]:
        return state["arrays"][group["sid"]]
    if len(state["arrays"]) == 1:
        return next(iter(state["arrays"].values()))
    raise SymError("The -sid option is required: more than one Symmetrix is known to this host")


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC)
    words = list(parsed.words)
    if not words or words[0].lower() not in ACTIONS:
        raise cli.usage_error(TOOL, "No action was specified (add, remove, list)")
    action = words.pop(0).lower()
    action = "remove" if action == "rmv" else action
    group_name = parsed.value("-g")
    if group_name is None:
        raise cli.usage_error(TOOL, "A device group (-g) is required")
    faults.fire(home, TOOL, action, parsed.value("-sid") or "", words[1:2], lock_loop=False)
    with store.transaction(home) as state:
        group = find_group(state, group_name)
        if action == "add":
            if not words or words[0].lower() != "dev" or len(words) not in (2, 3):
                raise cli.usage_error(
                    TOOL, "Usage: symld -g DgName [-sid SymmID] add dev SymDevName [LdevName]"
                )
            array = array_for(state, group, parsed.value("-sid"))
            add_member(
                state, group, array, words[1], words[2] if len(words) == 3 else None, parsed.flag("-tgt")
            )
            return 0
        if action == "remove":
            if len(words) != 1:
                raise cli.usage_error(TOOL, "Usage: symld -g DgName remove LdevName")
            kept = [m for m in group["devs"] if m["ldev"].lower() != words[0].lower()]
            if len(kept) == len(group["devs"]):
                raise SymError(f"The device '{words[0]}' was not found in device group '{group['name']}'")
            group["devs"] = kept
            if not kept:
                group["sid"] = None
            return 0
        lines = [
            "",
            f"Device Group (DG) Name: {group['name']}",
            f"DG's Type             : {group['type']}",
            f"DG's Symmetrix ID     : {group['sid'] or 'N/A'}",
            "",
            "    Logical           Sym   Role",
            "    ----------------  ----- ------",
        ]
        array = state["arrays"].get(group["sid"]) if group["sid"] else None
        width = dialect.get(state, "dev_width")
        lines += [
            f"    {m['ldev']:<16}  {model.shown_dev(array, m['dev'], width) if array else m['dev']:<5} "
            f"{'TGT' if m['tgt'] else 'STD'}"
            for m in group["devs"]
        ]
    print("\n".join([*lines, ""]))
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
