"""Simulated `symcfg`: `list [-sid SID] [-output xml_e]` and `discover` (text as notes-02, XML as om3-02)."""

from __future__ import annotations

from pathlib import Path

from symsim import arrays as arrays_mod
from symsim import cli, faults, model, store, xmltree

TOOL = "symcfg"
SPEC = {"-sid": 1, "-output": 1, "-v": 0, "-h": 0, "-local": 0}
ACTIONS = ("list", "discover")


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC)
    words = [w.lower() for w in parsed.words]
    if len(words) != 1 or words[0] not in ACTIONS:
        raise cli.usage_error(TOOL, "Usage: symcfg [-sid SymmID] list [-output xml_e] | symcfg discover")
    faults.fire(home, TOOL, words[0], parsed.value("-sid") or "", [], lock_loop=False)
    if words[0] == "discover":
        return 0
    mode = parsed.value("-output")
    if mode is not None and not mode.lower().startswith("xml"):
        raise cli.usage_error(TOOL, f"Invalid output mode: '{mode}'")
    with store.transaction(home) as state:
        sid_text = parsed.value("-sid")
        sids = [model.resolve_sid(state, sid_text)] if sid_text else list(state["arrays"])
        # In the order the arrays were discovered (notes-02 is not sorted by id).
        arrays = sorted((state["arrays"][sid] for sid in sids), key=lambda a: (a.get("seq", 0), a["sid"]))
    if mode is not None:
        print(xmltree.document([("Symmetrix", [("Symm_Info", _info(a))]) for a in arrays]))
        return 0
    lines = [
        "",
        "                                S Y M M E T R I X",
        "",
        "                                       Mcode    Cache      Num Phys  Num Symm",
        "    SymmID       Attachment  Model     Version  Size (MB)  Devices   Devices",
        "",
    ]
    for a in arrays:
        lines.append(
            f"    {a['sid']} {_attachment(a):<11} {a['model']:<9} {a['mcode']:<4}{_cache(a):>12}"
            f"{_phys(a):>10}{len(a['devices']):>10}"
        )
    print("\n".join([*lines, ""]))
    return 0


def _attachment(array: model.Array) -> str:
    return str(array.get("attachment", "Local"))


def _cache(array: model.Array) -> int:
    return int(array.get("cache_mb", arrays_mod.DEFAULT_CACHE_MB))


def _phys(array: model.Array) -> int:
    # A remote array has no device this host sees (notes-02: 0 for the Remote one).
    if _attachment(array) == "Remote":
        return 0
    return int(array.get("phys_devices", arrays_mod.DEFAULT_PHYS_DEVICES))


def _info(array: model.Array) -> list[xmltree.Node]:
    """The Symm_Info of om3-02."""
    return [
        ("symid", array["sid"]),
        ("attachment", _attachment(array)),
        ("model", array["model"]),
        ("microcode_version", array["mcode"]),
        ("cache_megabytes", str(_cache(array))),
        ("devices", str(len(array["devices"]))),
        ("physical_devices", str(_phys(array))),
    ]


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
