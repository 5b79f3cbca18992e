"""Simulated `symdev`: `-sid SID list [-v] [-devs A,B] [-output xml_e]` and `show DEV`.

The XML follows the real captures (om3-05 short, om3-08 verbose); see devicexml.py."""

from __future__ import annotations

import time
from pathlib import Path

from symsim import cli, devicexml, dialect, faults, model, store, timemodel
from symsim.errors import SymError
from symsim.timefmt import asctime

TOOL = "symdev"
SPEC = {"-sid": 1, "-devs": 1, "-output": 1, "-v": 0, "-h": 0}
ACTIONS = ("list", "show")


def wwn(sid: str, dev: str) -> str:
    return "60000970" + sid + ("S" + dev.rjust(5, "0")).encode().hex().upper()


def host_pd_name(home: Path, sid: str | None, dev: str) -> str | None:
    """The host path of a device, if the simulated host maps one (None otherwise).

    Call it outside the state lock: the host simulator may itself ask the array.
    """
    try:
        from symsim import host
    except ImportError:
        return None
    lookup = getattr(host, "pd_name", None)
    if lookup is None or sid is None:
        return None
    return lookup(home, sid, dev) or None


def _pd_name(home: Path, sid: str, dev: str) -> str:
    # SYMCLI says 'Not Visible' for a device the host has no path to.
    return host_pd_name(home, sid, dev) or "Not Visible"


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


def _sessions(array: model.Array, dev: str) -> list[devicexml.Session]:
    """Every session the device takes part in: as a target, and as the source of each of its targets."""
    pairs = [p for p in array["pairs"].values() if dev in (p["src"], p["tgt"])]
    return [
        devicexml.Session(
            src=p["src"],
            tgt=p["tgt"],
            state=p["state"],
            percent=model.pair_percent(p),
            last_action=p["last_action"],
            copy=bool(p["copy"]),
            diff=bool(p["diff"]),
        )
        for p in sorted(pairs, key=lambda p: (p["tgt"] != dev, p["src"], p["tgt"]))
    ]


def _info(array: model.Array, dev: str) -> devicexml.DeviceFacts:
    return devicexml.DeviceFacts(
        dev=dev,
        status="Ready" if model.device_ready(array, dev) else "Not Ready",
        config=model.device_config(array, dev),
        tracks=array["devices"][dev]["tracks"],
        track_kb=model.track_kb(array),
        wwn=wwn(array["sid"], dev),
        sessions=_sessions(array, dev),
    )


def _text_list(array: model.Array, infos: list[devicexml.DeviceFacts]) -> str:
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
        sts = "RW" if info.status == "Ready" else "NR"
        mb = round(info.tracks * info.track_kb / 1024)
        lines.append(
            f"{info.dev:<5} {info.pd_name:<22} ***:*** {info.config:<13} N/Grp'd      {sts:<3}{mb:>6}"
        )
    return "\n".join([*lines, ""])


def _text_show(array: model.Array, info: devicexml.DeviceFacts, padding: str) -> str:
    # No real capture of this text: its layout is the simulator's own (label: value).
    lines = [
        "",
        f"    Device Physical Name     : {info.pd_name}",
        "",
        f"    Symmetrix ID             : {array['sid']}",
        f"    Device Symmetrix Name    : {info.dev}",
        f"    Device Configuration     : {info.config}",
        f"    Device WWN               : {info.wwn}",
        f"    Device Capacity (MB)     : {round(info.tracks * info.track_kb / 1024)}",
        f"    Device Status            : {info.status}",
    ]
    for session in info.sessions:
        lines += [
            "",
            "    Clone Session:",
            f"        Source Device        : {session.src}",
            f"        Target Device        : {session.tgt}",
            f"        State                : {session.state}",
            f"        Percent Copied       : {session.percent}%",
            f"        Last Action          : {asctime(session.last_action, padding)}",
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
        infos = [_info(array, dev) for dev in devs]
        values = dialect.current(state)
    # Outside the state lock: the host simulator may itself ask the array about these devices.
    for info in infos:
        info.pd_name = _pd_name(home, array["sid"], info.dev)
    style = devicexml.Style(percent_element=values["percent_element"], date_padding=values["date_padding"])
    if mode is not None:
        # `show` is one device in the verbose shape; `list` is verbose only with -v (om3-05 / om3-08).
        verbose = action == "show" or parsed.flag("-v")
        print(devicexml.listing(array["sid"], array["mcode"], infos, verbose=verbose, style=style))
    elif action == "show":
        print(_text_show(array, infos[0], values["date_padding"]))
    else:
        print(_text_list(array, infos))
    return 0


def main() -> None:
    cli.tool_main(TOOL, body)


if __name__ == "__main__":
    main()
