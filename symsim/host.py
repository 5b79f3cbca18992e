"""`symsim-host`: the simulated service host whose volume groups live on Symmetrix clone targets.

The product starts and stops a service on it in stages (ip, vg, fs, db), locally or over SSH. The host
asks the array (symsim.api) what its disks hold, so it refuses exactly what a real host would: a volume
group on Not Ready clones, a database whose datafiles or archived logs are from the wrong moments.
Host state lives in $SYMSIM_HOME/host.json (see host_store). Standard library only: one process per call.
"""

from __future__ import annotations

import argparse
import copy
import ipaddress
import sys
import time
from pathlib import Path
from typing import Any

from symsim import api, calllog, host_linux
from symsim.errors import SymError
from symsim.host_db import db_start, db_status, db_stop
from symsim.host_lvm import (
    fs_fsck,
    fs_mount,
    fs_status,
    fs_umount,
    vg_activate,
    vg_deactivate,
    vg_export,
    vg_import,
    vg_key,
    vg_status,
)
from symsim.host_store import HostError, HostState, resolve_home, transaction

TOOL = "symsim-host"
DEFAULT_IFACE = "lan0"  # HP-UX names its interfaces lan0, lan1...


# --- admin side (called by `symsim vg` and `symsim state`) ---------------------------------------


def register_vg(home: Path, vg: str, sid: str, devs: list[str]) -> None:
    """Declare that volume group VG lives on these devices; errors are SymError for the admin CLI."""
    try:
        name = vg_key(vg)
    except HostError as exc:
        raise SymError(exc.message) from None
    if not devs:
        raise SymError(f"symsim: volume group {name} needs at least one device")
    try:
        full_sid = api.resolve_sid(home, sid)
        views = api.device_views(home, full_sid, devs)
    except api.SymsimError as exc:
        raise SymError(str(exc)) from None
    names = [v.dev for v in views]
    if len(set(names)) != len(names):
        raise SymError(f"symsim: volume group {name}: a device is listed twice")
    with transaction(home) as state:
        old = state["vgs"].get(name)
        if old is not None and old["imported"]:
            raise SymError(
                f"symsim: volume group {name} is imported on the host: export it before redefining it"
            )
        for other, rec in state["vgs"].items():
            shared = set(names) & set(rec["devs"]) if rec["sid"] == full_sid and other != name else set()
            if shared:
                raise SymError(f"symsim: device(s) {', '.join(sorted(shared))} already belong to {other}")
        pvs: dict[str, str] = dict(old["pvs"]) if old is not None and old["sid"] == full_sid else {}
        for dev in names:
            if dev not in pvs:
                # Agile (HP-UX 11i v3) device files are numbered in discovery order.
                pvs[dev] = f"/dev/disk/disk{state['next_disk']}"
                state["next_disk"] += 1
        state["vgs"][name] = {
            "sid": full_sid,
            "devs": names,
            "pvs": {dev: pvs[dev] for dev in names},
            "imported": False,
            "active": False,
            "image": {},
        }


def host_state(home: Path) -> dict[str, Any]:
    """The host as `symsim state` shows it. Reads host.json only: the caller may hold the array lock."""
    if not (Path(home) / "host.json").exists():
        return {"vgs": {}, "mounts": {}, "ips": {}, "dbs": {}}
    with transaction(Path(home), write=False) as state:
        view = copy.deepcopy(state)
    return {key: view[key] for key in ("vgs", "mounts", "ips", "dbs")}


def pd_name(home: Path, sid: str, dev: str) -> str | None:
    """The host device file of an array device, if a volume group registered on the host uses it.

    `symdev list -v` prints it as pd_name; devices the host has no VG on are 'Not Visible', as on a
    host whose SCSI buses were never scanned for them. Reads host.json only (the array lock may be held).
    """
    if not (Path(home) / "host.json").exists():
        return None
    wanted = dev.upper().lstrip("0")
    with transaction(Path(home), write=False) as state:
        if state.get("linux", {}).get("enabled"):
            return host_linux.pd_name(state, sid, dev)
        for rec in state["vgs"].values():
            if rec["sid"] != sid:
                continue
            for name, path in rec["pvs"].items():
                if name.upper().lstrip("0") == wanted:
                    return str(path)
    return None


# --- ip ------------------------------------------------------------------------------------------


def _address(text: str) -> tuple[str, str]:
    try:
        iface = ipaddress.ip_interface(text)
    except ValueError:
        raise HostError(f"symsim-host: invalid address '{text}'", 2) from None
    # A bare address gets the prefix its network would typically carry (/24 for IPv4).
    cidr = str(iface) if "/" in text else f"{iface.ip}/{24 if iface.version == 4 else 64}"
    return str(iface.ip), cidr


def ip_verb(state: HostState, verb: str, text: str, dev: str | None) -> int:
    addr, cidr = _address(text)
    assigned = state["ips"].get(addr)
    if verb == "add":
        if assigned is not None:
            raise HostError(
                "RTNETLINK answers: File exists\n"
                f"symsim-host: address {addr} already assigned to {assigned['dev']}"
            )
        state["ips"][addr] = {"cidr": cidr, "dev": dev or DEFAULT_IFACE, "at": time.time()}
        return 0
    if verb == "del":
        if assigned is None or (dev is not None and dev != assigned["dev"]):
            where = f" on {dev}" if dev else ""
            raise HostError(
                "RTNETLINK answers: Cannot assign requested address\n"
                f"symsim-host: address {addr} is not assigned{where}"
            )
        del state["ips"][addr]
        return 0
    if assigned is None or (dev is not None and dev != assigned["dev"]):
        print(f"ip {addr}: down (not assigned{' to ' + dev if dev else ''})")
        return 1
    print(f"ip {addr}: up ({assigned['cidr']} on {assigned['dev']})")
    return 0


# --- CLI -----------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise HostError(f"{self.format_usage().rstrip()}\n{self.prog}: error: {message}", 2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=TOOL, description="Simulated service host (volume groups on Symmetrix devices).")
    sub = parser.add_subparsers(dest="area", required=True, parser_class=_Parser)
    p = sub.add_parser("ip", help="service IP addresses")
    p.add_argument("verb", choices=["add", "del", "status"])
    p.add_argument("addr")
    p.add_argument("dev", nargs="?")
    p = sub.add_parser("vg", help="LVM volume groups")
    p.add_argument("verb", choices=["import", "activate", "deactivate", "export", "status"])
    p.add_argument("vg")
    p = sub.add_parser("fs", help="VxFS file systems on /dev/VG/LV")
    p.add_argument("verb", choices=["fsck", "mount", "umount", "status"])
    p.add_argument("dev")
    p.add_argument("mnt", nargs="?")
    p = sub.add_parser("db", help="the database")
    p.add_argument("verb", choices=["start", "stop", "status"])
    p.add_argument("name")
    p.add_argument("--data", nargs="+", default=[], metavar="MNT")
    p.add_argument("--logs", nargs="+", default=[], metavar="MNT")
    return parser


def _dispatch(home: Path, args: argparse.Namespace) -> int:
    read_only = args.verb == "status"
    with transaction(home, write=not read_only) as state:
        if args.area == "ip":
            return ip_verb(state, args.verb, args.addr, args.dev)
        if args.area == "vg":
            handler = {
                "import": vg_import,
                "activate": vg_activate,
                "deactivate": vg_deactivate,
                "export": vg_export,
                "status": vg_status,
            }[args.verb]
            return handler(home, state, vg_key(args.vg))
        if args.area == "fs":
            if args.verb == "fsck":
                return fs_fsck(home, state, args.dev)
            fs_handler = {"mount": fs_mount, "umount": fs_umount, "status": fs_status}[args.verb]
            return fs_handler(home, state, args.dev, args.mnt)
        if args.verb == "start":
            return db_start(home, state, args.name, args.data, args.logs)
        return (db_stop if args.verb == "stop" else db_status)(home, state, args.name)


def main(argv: list[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    start = time.time()
    home: Path | None = None
    try:
        home = resolve_home()
        if args_list[:1] == ["linux"]:
            # The Linux commands' own argv, parsed by each command as Linux does (see host_linux).
            code = host_linux.run(home, args_list[1:])
        else:
            code = _dispatch(home, build_parser().parse_args(args_list))
    except HostError as exc:
        print(exc.message, file=sys.stderr)
        code = exc.code
    except api.SymsimError as exc:
        print(f"{TOOL}: {exc}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    if home is not None:
        calllog.record(home, TOOL, [TOOL, *args_list], start, time.time(), code)
    return code


if __name__ == "__main__":
    sys.exit(main())
