"""Simulated `symcfg`: `list [-sid SID] [-output xml_e]` and `discover` (reference §4, §9.4)."""

from __future__ import annotations

from pathlib import Path

from symsim import cli, faults, model, store

TOOL = "symcfg"
SPEC = {"-sid": 1, "-output": 1, "-v": 0, "-h": 0, "-local": 0}
ACTIONS = ("list", "discover")
CACHE_MB = 1048576


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
        sids = [model.resolve_sid(state, sid_text)] if sid_text else sorted(state["arrays"])
        arrays = [state["arrays"][sid] for sid in sids]
    if mode is not None:
        out = ['<?xml version="1.0" standalone="yes" ?>', "<SymCLI_ML>"]
        for a in arrays:
            out += [
                "  <Symmetrix>",
                "    <Symm_Info>",
                f"      <symid>{a['sid']}</symid>",
                "      <attachment>Local</attachment>",
                f"      <model>{a['model']}</model>",
                f"      <microcode_version>{a['mcode']}</microcode_version>",
                f"      <cache_size>{CACHE_MB}</cache_size>",
                f"      <devices>{len(a['devices'])}</devices>",
                "    </Symm_Info>",
                "  </Symmetrix>",
            ]
        print("\n".join([*out, "</SymCLI_ML>"]))
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
            f"    {a['sid']} {'Local':<11} {a['model']:<9} {a['mcode']:<8} {CACHE_MB:>9} "
            f"{len(a['devices']):>9} {len(a['devices']):>9}"
        )
    print("\n".join([*lines, ""]))
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
