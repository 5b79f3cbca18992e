"""`symsim`: the administrator's view of the simulated arrays (not a SYMCLI command)."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from symsim import arrays, calllog, dialect, faults, statusview, store
from symsim.errors import SymError

SYMCLI_TOOLS = ("symcfg", "symdg", "symld", "symclone", "symdev", "symcli")


def _write_exec(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.chmod(0o755)
    os.replace(tmp, path)


def cmd_init(home: Path, args: argparse.Namespace) -> int:
    spec = arrays.ArraySpec(
        size_gb=args.size_gb,
        size_mb=args.size_mb,
        config=args.config,
        track_kb=args.track_kb,
        model=args.model,
        mcode=args.mcode,
        cache_mb=args.cache_mb,
        phys_devices=args.phys_devs,
        attachment=args.attachment,
    )
    with store.transaction(home, create=True) as state:
        array = arrays.init_array(state, args.sid, args.devs, args.size_gb, spec)
        count = len(array["devices"])
    print(f"Symmetrix {args.sid}: {count} devices")
    return 0


def cmd_bin(home: Path, args: argparse.Namespace) -> int:
    if not (home / store.STATE_FILE).exists():
        raise SymError(f"symsim: no array in {home} yet (run 'symsim init' first)")
    target = Path(args.dir).absolute()
    target.mkdir(parents=True, exist_ok=True)
    # The venv's interpreter path as invoked (not resolved: a venv is recognised by its bin/ path).
    python = os.path.abspath(sys.executable)
    modules = {tool: f"symsim.{tool}" for tool in SYMCLI_TOOLS}
    modules["symsim-host"] = "symsim.host"
    for name, module in modules.items():
        script = (
            "#!/bin/sh\n"
            f"# Simulated {name}, bound to the symsim state in {home}.\n"
            f"SYMSIM_HOME={shlex.quote(str(home))}\n"
            "export SYMSIM_HOME\n"
            f'exec {shlex.quote(python)} -m {module} "$@"\n'
        )
        _write_exec(target / name, script)
    print(f"Wrote {', '.join(modules)} into {target}")
    return 0


def cmd_vg(home: Path, args: argparse.Namespace) -> int:
    from symsim import host  # lazily: written separately, and only this command needs it

    devs = [d for spec in args.devs for d in spec.split(",") if d.strip()]
    host.register_vg(home, args.vg, args.sid, devs)
    print(f"Volume group {args.vg} lives on {args.sid}:{','.join(devs)}")
    return 0


def cmd_write(home: Path, args: argparse.Namespace) -> int:
    from symsim import api

    devs = [d for spec in args.devs for d in spec.split(",") if d.strip()]
    try:
        outcome = api.host_write(home, args.sid, devs, args.tracks)
    except api.SymsimError as exc:
        raise SymError(str(exc)) from None
    for dev, what in outcome.items():
        print(f"{dev}: {args.tracks:g} track(s) written, {what}")
    return 0


def cmd_fault(home: Path, args: argparse.Namespace) -> int:
    with store.transaction(home) as state:
        if args.fault_cmd == "add":
            fault = faults.add(state, args.target, args.error, args.times, args.delay, args.stall_at)
            print(f"fault {fault['id']} added")
        elif args.fault_cmd == "clear":
            faults.clear(state)
            print("faults cleared")
        else:
            listed = list(state["faults"])
            if args.json:
                print(json.dumps(listed, indent=1))
            else:
                print(statusview.faults_table(listed))
    return 0


def cmd_calls(home: Path, args: argparse.Namespace) -> int:
    records = calllog.read(home)
    if args.json:
        print(json.dumps(records, indent=1))
    else:
        for rec in records:
            start = time.strftime("%H:%M:%S", time.localtime(rec["start"]))
            took = rec["end"] - rec["start"]
            print(
                f"{start} {took:7.3f}s rc={rec['exit_code']:<3} pid={rec['pid']:<7} {shlex.join(rec['argv'])}"
            )
    if args.clear:
        calllog.clear(home)
    return 0


def cmd_state(home: Path, args: argparse.Namespace) -> int:
    view = statusview.snapshot(home)
    if args.json:
        print(json.dumps(view, indent=1))
    else:
        print(statusview.render(view))
    return 0


def cmd_dialect(home: Path, args: argparse.Namespace) -> int:
    with store.transaction(home) as state:
        values = dialect.update(state, args.settings, reset=args.reset)
    print(json.dumps(values, indent=1, sort_keys=True) if args.json else dialect.render(values))
    return 0


def cmd_speed(home: Path, args: argparse.Namespace) -> int:
    with store.transaction(home) as state:
        arrays.set_speed(
            state,
            tracks_per_sec=args.tracks_per_sec,
            sid=args.sid,
            time_scale=args.time_scale,
            write_rate=args.write_rate,
            op_time=args.op_time,
        )
        lines = [f"time scale {state['time_scale']:g} simulated s per wall s, op time {state['op_time']:g} s"]
        for array in state["arrays"].values():
            lines.append(
                f"{array['sid']}: {array['tracks_per_sec']:g} tracks/s, "
                f"source writes {array['write_rate']:g} tracks/s"
            )
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="symsim", description="Simulated Symmetrix arrays for SYMCLI.")
    parser.add_argument("--home", help="state directory (default: $SYMSIM_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create an array (or add devices to it)")
    p.add_argument("sid", help="12-digit Symmetrix id")
    p.add_argument("--devs", action="append", required=True, help="00100-001FF, 1234,4321 (repeatable)")
    p.add_argument("--size-gb", type=float, default=10.0, help="size of each device (default 10)")
    p.add_argument("--size-mb", type=float, default=None, help="size of each device in MB (over --size-gb)")
    p.add_argument("--config", default=None, help="device configuration shown (default TDEV): RAID-5, BCV...")
    p.add_argument("--track-kb", type=int, default=None, help="64 (VMAX/DMX) or 128 (default)")
    p.add_argument("--model", default=None, help="symcfg model (default PowerMax_8000, or VMAX-1)")
    p.add_argument("--mcode", default=None, help="microcode version (default 5978, or 5876)")
    p.add_argument("--cache-mb", type=int, default=None, help="cache size shown by symcfg list")
    p.add_argument("--phys-devs", type=int, default=None, help="Num Phys Devices shown by symcfg list")
    p.add_argument("--attachment", choices=("Local", "Remote"), default=None)
    p.set_defaults(func=cmd_init, create=True)

    p = sub.add_parser("bin", help="write symcfg symdg symld symclone symdev symcli symsim-host into DIR")
    p.add_argument("dir")
    p.set_defaults(func=cmd_bin)

    p = sub.add_parser("vg", help="declare that a host volume group lives on these devices")
    p.add_argument("vg")
    p.add_argument("--sid", required=True)
    p.add_argument("--devs", action="append", required=True)
    p.set_defaults(func=cmd_vg)

    p = sub.add_parser("write", help="a host writes tracks on devices (changed tracks of their sessions)")
    p.add_argument("--sid", required=True)
    p.add_argument("--devs", action="append", required=True, help="00101 or 00101,00103 (repeatable)")
    p.add_argument("--tracks", type=float, default=1.0, help="tracks written on each device (default 1)")
    p.set_defaults(func=cmd_write)

    p = sub.add_parser("fault", help="inject, list or clear faults")
    fsub = p.add_subparsers(dest="fault_cmd", required=True)
    fa = fsub.add_parser("add", help="COMMAND[:ACTION] ERROR")
    fa.add_argument("target", metavar="COMMAND[:ACTION]")
    fa.add_argument("error", choices=faults.ERRORS)
    fa.add_argument("--times", type=int, default=None, help="fire N times, then disappear")
    fa.add_argument("--delay", type=float, default=0.0, help="extra simulated seconds per call")
    fa.add_argument("--stall-at", type=float, default=None, help="copies started stop at PCT percent")
    fsub.add_parser("clear")
    fl = fsub.add_parser("list")
    fl.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_fault)

    p = sub.add_parser("calls", help="the symcli calls made so far")
    p.add_argument("--json", action="store_true")
    p.add_argument("--clear", action="store_true")
    p.set_defaults(func=cmd_calls)

    p = sub.add_parser("state", help="arrays, groups, pairs, locks, faults, speed")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_state)

    p = sub.add_parser("dialect", help="the unconfirmed SYMCLI facts: show or set KEY=VALUE")
    p.add_argument("settings", nargs="*", metavar="KEY=VALUE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reset", action="store_true", help="every key back to its default first")
    p.set_defaults(func=cmd_dialect)

    p = sub.add_parser("speed", help="copy speed and time scale")
    p.add_argument("--tracks-per-sec", type=float, default=None)
    p.add_argument("--sid", default=None, help="only this array (default: all)")
    p.add_argument("--time-scale", type=float, default=None, help="simulated seconds per wall second")
    p.add_argument("--write-rate", type=float, default=None, help="tracks/s each source changes")
    p.add_argument("--op-time", type=float, default=None, help="simulated seconds a control action takes")
    p.set_defaults(func=cmd_speed)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        home = store.resolve_home(args.home)
        if args.command != "init" and not home.is_dir():
            raise SymError(f"symsim: state directory {home} does not exist (run 'symsim init' first)")
        return args.func(home, args)
    except SymError as exc:
        print(exc.message, file=sys.stderr)
        return exc.code


if __name__ == "__main__":
    sys.exit(main())
