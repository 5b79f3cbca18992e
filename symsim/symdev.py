"""Simulated `symdev`: `-sid SID list [-v] [-devs A,B] [-output xml_e]` and `show DEV`

Reference §3 and §9.2.."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from symsim import cli, faults, model, store, timemodel
from symsim.errors import SymError

TOOL = "symdev"
SPEC = {"-sid": 1, "-devs": 1, "-output": 1, "-v": 0, "-h": 0}
ACTIONS = ("list", "show")


def asctime(epoch: float) -> str:
    """C asctime style, as OSVC parses last_action with '%a %b %d %H:%M:%S %Y'."""
    return time.strftime("%a %b %d %H:%M:%S %Y", time.localtime(epoch))


def wwn(sid: str, dev: str) -> str:
    return "60000970" + sid + ("S" + dev.rjust(5, "0")).encode().hex().upper()


def _pd_name(home: Path, sid: str, dev: str) -> str:
    """The host path of a device, if the simulated host maps one; SYMCLI says 'Not Visible' otherwise."""
    try:
        from symsim import host
    except ImportError:
        return "Not Visible"
    lookup = getattr(host, "pd_name", None)
    if lookup is None:
        return "Not Visible"
    return lookup(home, sid, dev) or "Not Visible"


def _expand(array: model.Array, spec: str | None) -> list[str]:
    if spec is None:
        return sorted(array["devices"])
    devs: list[str] = []
    for part in spec.split(","):
        if not part.strip():
            continue
        low, sep, high = part.partition(":")
        if sep:
            first, last = model.parse_dev(low), model.parse_dev(high)
            devs += [model.lookup_dev(array, model.fmt_dev(array, n)) for n in range(first, last + 1)]
        else:
            devs.append(model.lookup_dev(array, part))
    return devs


def _info(home: Path, array: model.Array, dev: str) -> dict[str, Any]:
    pair = array["pairs"].get(dev)
    if pair is None:
        sources = model.pairs_of_source(array, dev)
        pair = sources[0] if sources else None
    return {
        "dev": dev,
        "pd_name": "Not Visible",
        "status": "Ready" if model.device_ready(array, dev) else "Not Ready",
        "mb": int(array["devices"][dev]["tracks"] * model.TRACK_KB / 1024),
        "pair": dict(pair) if pair else None,
        "percent": model.pair_percent(pair) if pair else None,
    }


def _xml(array: model.Array, infos: list[dict[str, Any]]) -> str:
    out = ['<?xml version="1.0" standalone="yes" ?>', "<SymCLI_ML>", "  <Symmetrix>", "    <Symm_Info>"]
    out += [f"      <symid>{array['sid']}</symid>", "    </Symm_Info>"]
    for info in infos:
        out += [
            "    <Device>",
            "      <Dev_Info>",
            f"        <pd_name>{escape(info['pd_name'])}</pd_name>",
            f"        <dev_name>{info['dev']}</dev_name>",
            "        <configuration>TDEV</configuration>",
            f"        <status>{info['status']}</status>",
            "      </Dev_Info>",
            "      <Product>",
            "        <vendor>EMC</vendor>",
            f"        <wwn>{wwn(array['sid'], info['dev'])}</wwn>",
            "      </Product>",
            "      <Capacity>",
            f"        <megabytes>{info['mb']}</megabytes>",
            "      </Capacity>",
        ]
        pair = info["pair"]
        if pair is not None:
            out += [
                "      <CLONE_Device>",
                f"        <SRC>\n          <dev_name>{pair['src']}</dev_name>\n        </SRC>",
                f"        <TGT>\n          <dev_name>{pair['tgt']}</dev_name>\n        </TGT>",
                f"        <state>{pair['state']}</state>",
                f"        <percent>{info['percent']}</percent>",
                f"        <last_action>{asctime(pair['last_action'])}</last_action>",
                "      </CLONE_Device>",
            ]
        out.append("    </Device>")
    return "\n".join([*out, "  </Symmetrix>", "</SymCLI_ML>"])


def _text_list(array: model.Array, infos: list[dict[str, Any]]) -> str:
    lines = [
        "",
        f"Symmetrix ID: {array['sid']}",
        "",
        "        Device Name           Dir                  Device",
        "---------------------------- ------- -------------------------------------",
        "                                                                    Cap",
        "Sym   Physical               SA :P   Config        Attribute    Sts (MB)",
        "---------------------------- ------- -------------------------------------",
    ]
    for info in infos:
        sts = "RW" if info["status"] == "Ready" else "NR"
        lines.append(
            f"{info['dev']:<5} {info['pd_name']:<22} ***:*** TDEV          N/Grp'd      "
            f"{sts:<3}{info['mb']:>6}"
        )
    return "\n".join([*lines, ""])


def _text_show(array: model.Array, info: dict[str, Any]) -> str:
    lines = [
        "",
        f"    Device Physical Name     : {info['pd_name']}",
        "",
        f"    Symmetrix ID             : {array['sid']}",
        f"    Device Symmetrix Name    : {info['dev']}",
        "    Device Configuration     : TDEV",
        f"    Device WWN               : {wwn(array['sid'], info['dev'])}",
        f"    Device Capacity (MB)     : {info['mb']}",
        f"    Device Status            : {info['status']}",
    ]
    pair = info["pair"]
    if pair is not None:
        lines += [
            "",
            "    Clone Session:",
            f"        Source Device        : {pair['src']}",
            f"        Target Device        : {pair['tgt']}",
            f"        State                : {pair['state']}",
            f"        Percent Copied       : {info['percent']}%",
            f"        Last Action          : {asctime(pair['last_action'])}",
        ]
    return "\n".join([*lines, ""])


def body(home: Path, argv: list[str]) -> int:
    parsed = cli.parse(TOOL, argv, SPEC)
    words = list(parsed.words)
    if not words or words[0].lower() not in ACTIONS:
        raise cli.usage_error(
            TOOL, "Usage: symdev -sid SymmID list [-v] [-devs A,B] [-output xml_e] | show Dev"
        )
    action = words.pop(0).lower()
    sid_text = parsed.value("-sid")
    if sid_text is None:
        raise cli.usage_error(TOOL, "The -sid option is required")
    mode = parsed.value("-output")
    if mode is not None and not mode.lower().startswith("xml"):
        raise cli.usage_error(TOOL, f"Invalid output mode: '{mode}'")
    if action == "show" and len(words) != 1:
        raise cli.usage_error(TOOL, "Usage: symdev -sid SymmID show SymDevName")
    if action == "list" and words:
        raise cli.usage_error(TOOL, f"Unexpected argument '{words[0]}'")
    faults.fire(home, TOOL, action, sid_text, words, lock_loop=False)
    with store.transaction(home) as state:
        timemodel.advance(state, time.time())
        array = model.get_array(state, sid_text)
        devs = (
            _expand(array, parsed.value("-devs")) if action == "list" else [model.lookup_dev(array, words[0])]
        )
        if not devs:
            raise SymError("No devices were found")
        infos = [_info(home, array, dev) for dev in devs]
    # Outside the state lock: the host simulator may itself ask the array about these devices.
    for info in infos:
        info["pd_name"] = _pd_name(home, array["sid"], info["dev"])
    if mode is not None:
        print(_xml(array, infos))
    elif action == "show":
        print(_text_show(array, infos[0]))
    else:
        print(_text_list(array, infos))
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
