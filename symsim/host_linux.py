"""`symsim-host linux ...`: the simulated host as a Linux server (SCSI, multipath, LVM2, ext4).

Every command takes the argv a Linux host would run (`symsim-host linux vgimport vgdata`), so the
product's linux profile can be driven one for one. What Linux does and this reproduces:

* After `symclone activate` the kernel keeps the stale view it had of a target while it was Not
  Ready: reads fail with I/O errors (vgs, vgimport, vgchange, fsck, mount) until the target's SCSI
  device is rescanned (`echo 1 > /sys/block/sdX/device/rescan`, here `tee` fed "1") and, where
  multipath maps it, its map reloaded (`multipath -v0 -r`). `sg_turs` answers the array's readiness.
* A clone carries its source's LVM metadata: the source VG's name and its PV and VG UUIDs. With
  `setup --source-visible` the host also sees the source devices, so LVM finds every PV twice: a
  plain vgimport/vgchange of the clone fails, while `vgimportclone --basevgname NAME PV...` gives
  the clone new UUIDs and the name NAME.

`setup` turns the mode on and names the disks: the targets of the registered volume groups get
sdb, sdc, ... (two paths each with --multipath, and a map /dev/mapper/mpathN), then the sources
when they are visible. State lives in host.json under "linux"; the volume groups themselves are
the same records the HP-UX verbs use.
"""

from __future__ import annotations

import hashlib
import string
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from symsim import model, store
from symsim.host_disks import Disk, image_of, is_clone_image, vg_disks
from symsim.host_lvm import LV_PATH, mounts_on_vg, vg_key
from symsim.host_store import HostError, HostState, transaction

LSBLK_ARGV = ["-p", "-n", "-P", "-o", "NAME,KNAME,WWN,TYPE,PKNAME"]
# The host's own system disk: listed like any disk, never a clone.
SYSTEM_DISK = ("sda", "0x5000c500a1b2c3d4")
LVM_NOT_FOUND = 5  # LVM's exit code for a failed command (ECMD_FAILED)
MOUNT_FAILURE = 32
FSCK_NONDESTRUCT = 1
FSCK_OPERATIONAL_ERROR = 8


def linux_conf(state: HostState) -> dict[str, Any]:
    conf: dict[str, Any] = state.setdefault("linux", {})
    conf.setdefault("enabled", False)
    conf.setdefault("multipath", False)
    conf.setdefault("source_visible", False)
    conf.setdefault("seen", {})  # path (sdb) -> point in time of the target when last rescanned
    conf.setdefault("maps", {})  # "SID:DEV" -> point in time its multipath map was reloaded on
    conf.setdefault("cloned", {})  # VG name -> the image vgimportclone gave its new identity to
    return conf


def _letters(n: int) -> str:
    """0 → a, 25 → z, 26 → aa: how Linux names the sd devices it finds."""
    name = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        name = string.ascii_lowercase[rest] + name
    return name


def wwn(sid: str, dev: str) -> str:
    # The array's own WWN (symdev's Product/wwn), as Linux prints it.
    from symsim import symdev

    return "0x" + symdev.wwn(sid, dev).lower()


@dataclass(frozen=True)
class LinuxDisk:
    sid: str
    dev: str
    role: str  # "target" (a disk of a registered VG) or "source" (the clone's source, if visible)
    vg: str  # the volume group it belongs to (a source: that of its target)
    paths: tuple[str, ...]  # sdb, sdc
    mpath: str | None  # /dev/mapper/mpatha with --multipath
    twin: str = ""  # a source: the target device it is cloned onto

    @property
    def key(self) -> str:
        return f"{self.sid}:{self.dev}"

    @property
    def pv(self) -> str:
        return self.mpath or f"/dev/{self.paths[0]}"


def _target_list(state: HostState) -> list[tuple[str, str, str]]:
    return [(rec["sid"], dev, name) for name, rec in sorted(state["vgs"].items()) for dev in rec["devs"]]


_Entry = tuple[str, str, str, str, str]  # sid, dev, vg, role, twin


def _sources(home: Path, targets: list[tuple[str, str, str]]) -> list[_Entry]:
    """The sources of the targets now paired on the array (host lock held: host then array order)."""
    found: list[_Entry] = []
    with store.transaction(Path(home)) as array_state:
        for sid, dev, vg in targets:
            array = model.get_array(array_state, sid)
            pair = model.pair_of_target(array, dev)
            if pair is not None and all(e[1] != pair["src"] for e in found):
                found.append((sid, pair["src"], vg, "source", dev))
    return found


def _name_disks(state: HostState, entries: list[_Entry]) -> list[LinuxDisk]:
    conf = linux_conf(state)
    width = 2 if conf["multipath"] else 1
    disks: list[LinuxDisk] = []
    index = 1  # sda is the system disk
    for number, (sid, dev, vg, role, twin) in enumerate(entries):
        paths = tuple(f"sd{_letters(index + i)}" for i in range(width))
        index += width
        mpath = f"/dev/mapper/mpath{_letters(number)}" if conf["multipath"] else None
        disks.append(LinuxDisk(sid, dev, role, vg, paths, mpath, twin))
    return disks


def target_disks(state: HostState) -> list[LinuxDisk]:
    """The registered volume groups' disks, named from host.json alone (symdev's pd_name uses it)."""
    return _name_disks(state, [(sid, dev, vg, "target", "") for sid, dev, vg in _target_list(state)])


def linux_disks(home: Path, state: HostState) -> list[LinuxDisk]:
    targets = _target_list(state)
    entries: list[_Entry] = [(sid, dev, vg, "target", "") for sid, dev, vg in targets]
    if linux_conf(state)["source_visible"]:
        entries += _sources(home, targets)
    return _name_disks(state, entries)


def pd_name(state: HostState, sid: str, dev: str) -> str | None:
    wanted = dev.upper().lstrip("0")
    for disk in target_disks(state):
        if disk.sid == sid and disk.dev.upper().lstrip("0") == wanted:
            return f"/dev/{disk.paths[0]}"
    return None


# --- what the host sees now -----------------------------------------------------------------------


def _uuid(*parts: str) -> str:
    digest = hashlib.sha256(":".join(parts).encode()).hexdigest()
    text = "".join(c for c in digest if c.isalnum())[:32]
    return "-".join((text[:6], text[6:10], text[10:14], text[14:18], text[18:22], text[22:26], text[26:32]))


def _stale(state: HostState, disk: LinuxDisk, view: Disk) -> str:
    """Why the kernel's view of a ready target is out of date ("" when it is current)."""
    conf = linux_conf(state)
    if not view.ready or view.role != "target":
        return ""
    old = [p for p in disk.paths if conf["seen"].get(p) != view.pit]
    if old:
        return f"stale: {', '.join(old)} not rescanned since the target changed"
    if disk.mpath is not None and conf["maps"].get(disk.key) != view.pit:
        return f"stale: multipath map {disk.mpath} not reloaded since the target changed"
    return ""


@dataclass(frozen=True)
class _Pv:
    disk: LinuxDisk
    view: Disk
    problem: str  # "" when LVM can read it


def _vg_pvs(home: Path, state: HostState, name: str) -> list[_Pv]:
    vg = state["vgs"][name]
    views = {d.key: d for d in vg_disks(home, vg)}
    by_key = {d.key: d for d in linux_disks(home, state) if d.role == "target"}
    pvs: list[_Pv] = []
    for dev in vg["devs"]:
        key = f"{vg['sid']}:{dev}"
        view = views[key]
        disk = by_key[key]
        problem = view.problem or _stale(state, disk, view)
        pvs.append(_Pv(disk, view, problem))
    return pvs


def _read_errors(pvs: list[_Pv]) -> list[str]:
    return [
        f"  {path}: read failed after 0 of 4096 at 0: Input/output error ({pv.problem})"
        for pv in pvs
        if pv.problem
        for path in ([pv.disk.mpath] if pv.disk.mpath else [f"/dev/{p}" for p in pv.disk.paths])
    ]


def _duplicates(home: Path, state: HostState, name: str, pvs: list[_Pv]) -> list[str]:
    """LVM's warnings for PVs seen twice: the clone still carries its source's identity."""
    if not linux_conf(state)["source_visible"]:
        return []
    image = image_of([pv.view for pv in pvs])
    if linux_conf(state)["cloned"].get(name) == image:
        return []  # vgimportclone gave this very image new UUIDs
    sources = {d.twin: d for d in linux_disks(home, state) if d.role == "source" and d.vg == name}
    lines: list[str] = []
    for pv in pvs:
        source = sources.get(pv.disk.dev)
        if source is None:
            continue
        uuid = _uuid(source.key, "pv")
        lines.append(f"  WARNING: Not using device {pv.disk.pv} for PV {uuid}.")
        lines.append(f"  WARNING: PV {uuid} prefers device {source.pv} because device is used by LV.")
    return lines


def _not_found(name: str, lines: list[str]) -> HostError:
    return HostError(
        "\n".join([*lines, f'  Volume group "{name}" not found', f"  Cannot process volume group {name}"]),
        LVM_NOT_FOUND,
    )


def _usable_vg(home: Path, state: HostState, name: str) -> tuple[dict[str, Any], list[_Pv]]:
    """The VG record and PVs of a VG LVM can read under this name, or LVM's error."""
    vg = state["vgs"].get(name)
    if vg is None:
        raise _not_found(name, [])
    pvs = _vg_pvs(home, state, name)
    errors = _read_errors(pvs)
    if errors:
        raise _not_found(name, errors)
    duplicates = _duplicates(home, state, name, pvs)
    if duplicates:
        # LVM finds the clone under its source's name and UUIDs, not under this one.
        raise _not_found(name, [*duplicates, f"  Cannot use device {pvs[0].disk.pv} with duplicates."])
    return vg, pvs


# --- LVM ------------------------------------------------------------------------------------------


def vgs(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 4 or args[:3] != ["--noheadings", "-o", "vg_name,vg_attr"]:
        raise _usage("vgs --noheadings -o vg_name,vg_attr VG")
    name = vg_key(args[3])
    vg, _pvs = _usable_vg(home, state, name)
    print(f"  {name} wz{'-' if vg['imported'] else 'x'}-n-")
    return 0


def lvs(home: Path, state: HostState, args: list[str]) -> int:
    """`lvs --noheadings -o vg_name,lv_attr VG`: the fifth lv_attr letter is `a` while active."""
    if len(args) != 4 or args[:3] != ["--noheadings", "-o", "vg_name,lv_attr"]:
        raise _usage("lvs --noheadings -o vg_name,lv_attr VG")
    name = vg_key(args[3])
    vg, _pvs = _usable_vg(home, state, name)
    if not vg["imported"]:
        raise HostError(f'  Volume group "{name}" is exported', LVM_NOT_FOUND)
    print(f"  {name} -wi-{'a' if vg['active'] else '-'}-----")
    return 0


def vgimport(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 1:
        raise _usage("vgimport VG")
    name = vg_key(args[0])
    vg, _pvs = _usable_vg(home, state, name)
    if vg["imported"]:
        raise HostError(f'  Volume group "{name}" is not exported', LVM_NOT_FOUND)
    vg["imported"] = True
    print(f'  Volume group "{name}" successfully imported')
    return 0


def vgimportclone(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) < 3 or args[0] != "--basevgname":
        raise _usage("vgimportclone --basevgname VG PV...")
    name = vg_key(args[1])
    given = args[2:]
    vg = state["vgs"].get(name)
    known = {d.pv: d for d in linux_disks(home, state) if d.role == "target"}
    for path in given:
        if path not in known:
            raise HostError(f'  Failed to find device for physical volume "{path}".', LVM_NOT_FOUND)
    if vg is None or {known[p].vg for p in given} != {name}:
        groups = sorted({known[p].vg for p in given})
        raise HostError(
            f"  The PVs given hold volume group(s) {', '.join(groups)}, not a clone to name {name}"
            " (this simulator names a clone's VG as it was registered).",
            LVM_NOT_FOUND,
        )
    pvs = _vg_pvs(home, state, name)
    wanted = sorted(pv.disk.pv for pv in pvs)
    if sorted(given) != wanted:
        raise HostError(
            f"  Not all PVs of the volume group were given: expected {' '.join(wanted)}", LVM_NOT_FOUND
        )
    errors = _read_errors(pvs)
    if errors:
        raise HostError("\n".join([*errors, "  Failed to read devices."]), LVM_NOT_FOUND)
    if vg["imported"] and not _duplicates(home, state, name, pvs):
        raise HostError(f"  Volume group name {name} is already in use.", LVM_NOT_FOUND)
    vg["imported"] = True
    linux_conf(state)["cloned"][name] = image_of([pv.view for pv in pvs])
    return 0


def vgchange(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 3 or args[0] != "-a" or args[1] not in ("y", "n"):
        raise _usage("vgchange -a y|n VG")
    name = vg_key(args[2])
    if args[1] == "n":
        vg = state["vgs"].get(name)
        if vg is None or not vg["imported"]:
            raise _not_found(name, [])
        busy = mounts_on_vg(state, name)
        if busy:
            lines = [f"  Logical volume {dev.removeprefix('/dev/')} in use." for _mnt, dev in busy]
            lines.append(f'  Can\'t deactivate volume group "{name}" with {len(busy)} open logical volume(s)')
            raise HostError("\n".join(lines), LVM_NOT_FOUND)
        vg["active"] = False
        vg["image"] = {}
        print(f'  0 logical volume(s) in volume group "{name}" now active')
        return 0
    vg, pvs = _usable_vg(home, state, name)
    if not vg["imported"]:
        raise HostError(f'  Volume group "{name}" is exported', LVM_NOT_FOUND)
    if not vg["active"]:
        vg["active"] = True
        vg["image"] = image_of([pv.view for pv in pvs])
        vg["activated"] = time.time()
    print(f'  1 logical volume(s) in volume group "{name}" now active')
    return 0


def vgexport(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 1:
        raise _usage("vgexport VG")
    name = vg_key(args[0])
    vg = state["vgs"].get(name)
    if vg is None or not vg["imported"]:
        raise _not_found(name, [])
    if vg["active"]:
        raise HostError(f'  Volume group "{name}" has active logical volumes', LVM_NOT_FOUND)
    vg["imported"] = False
    print(f'  Volume group "{name}" successfully exported')
    return 0


# --- file systems ---------------------------------------------------------------------------------


def _options(args: list[str], flags: dict[str, bool]) -> tuple[dict[str, str | bool], list[str]]:
    """getopt-style: flags[name] says whether it takes a value; the rest are operands."""
    found: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in flags:
            if flags[arg]:
                if i + 1 >= len(args):
                    raise HostError(f"option {arg} needs a value", 2)
                found[arg] = args[i + 1]
                i += 2
                continue
            found[arg] = True
        elif arg.startswith("-"):
            raise HostError(f"unknown option {arg}", 2)
        else:
            rest.append(arg)
        i += 1
    return found, rest


def _mapper(path: str) -> str:
    match = LV_PATH.match(path)
    if not match:
        raise HostError(f"symsim-host: '{path}' is not a logical volume path (/dev/VG/LV)", 2)
    return f"/dev/mapper/{match['vg'].replace('-', '--')}-{match['lv'].replace('-', '--')}"


def _lv(home: Path, state: HostState, path: str) -> tuple[str, list[Disk], str]:
    """VG name, disks, and why the LV cannot be opened ("" when it can)."""
    match = LV_PATH.match(path)
    if not match:
        raise HostError(f"symsim-host: '{path}' is not a logical volume path (/dev/VG/LV)", 2)
    name = match["vg"]
    vg = state["vgs"].get(name)
    if vg is None or not vg["imported"] or not vg["active"]:
        return name, [], "No such file or directory"
    pvs = _vg_pvs(home, state, name)
    bad = [pv for pv in pvs if pv.problem]
    if bad:
        detail = ", ".join(f"{pv.disk.pv} {pv.problem}" for pv in bad)
        return name, [], f"Input/output error ({detail})"
    return name, [pv.view for pv in pvs], ""


def _mount_of(state: HostState, path: str) -> str | None:
    return next((mnt for mnt, m in state["mounts"].items() if m["dev"] == path), None)


def fsck(home: Path, state: HostState, args: list[str]) -> int:
    opts, rest = _options(args, {"-t": True, "-y": False})
    if len(rest) != 1 or "-y" not in opts:
        raise _usage("fsck [-t TYPE] -y DEVICE")
    path = rest[0]
    tool = f"fsck.{opts.get('-t', 'ext4')}"
    _name, disks, problem = _lv(home, state, path)
    if problem:
        raise HostError(f"{tool}: {problem} while trying to open {path}", FSCK_OPERATIONAL_ERROR)
    if _mount_of(state, path) is not None:
        raise HostError(f"{path} is mounted.\ne2fsck: Cannot continue, aborting.", FSCK_OPERATIONAL_ERROR)
    image = image_of(disks)
    checked = state["fsck"].get(path)
    replayed = is_clone_image(disks) and (checked is None or checked["image"] != image)
    if replayed:
        print(f"{path}: recovering journal")
    print(f"{path}: clean, 11/65536 files, 8859/262144 blocks")
    state["fsck"][path] = {"image": image, "at": time.time()}
    # A clone is a crash-consistent image: e2fsck replays its journal, which changes the
    # filesystem, and says so with exit 1 (FSCK_NONDESTRUCT, "errors corrected").
    return FSCK_NONDESTRUCT if replayed else 0


def mount(home: Path, state: HostState, args: list[str]) -> int:
    opts, rest = _options(args, {"-t": True, "-o": True})
    if len(rest) != 2 or not rest[1].startswith("/"):
        raise _usage("mount [-t TYPE] [-o OPTIONS] DEVICE MOUNTPOINT")
    path, mnt = rest
    name, disks, problem = _lv(home, state, path)
    if problem.startswith("No such"):
        raise HostError(f"mount: {mnt}: special device {path} does not exist.", MOUNT_FAILURE)
    if problem:
        raise HostError(f"mount: {mnt}: can't read superblock on {_mapper(path)} ({problem}).", MOUNT_FAILURE)
    if _mount_of(state, path) is not None or mnt in state["mounts"]:
        raise HostError(f"mount: {mnt}: {_mapper(path)} already mounted or mount point busy.", MOUNT_FAILURE)
    image = image_of(disks)
    checked = state["fsck"].get(path)
    if is_clone_image(disks) and (checked is None or checked["image"] != image):
        raise HostError(
            f"mount: {mnt}: wrong fs type, bad option, bad superblock on {_mapper(path)}, missing "
            "codepage or helper program, or other error.\n"
            "(clone image not checked since it was taken: run fsck first)",
            MOUNT_FAILURE,
        )
    state["mounts"][mnt] = {
        "dev": path,
        "vg": name,
        "image": image,
        "at": time.time(),
        "fstype": str(opts.get("-t", "ext4")),
        "options": str(opts.get("-o", "rw,relatime")),
    }
    return 0


def umount(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 1:
        raise _usage("umount MOUNTPOINT")
    mnt = args[0]
    if mnt not in state["mounts"]:
        raise HostError(f"umount: {mnt}: not mounted.", MOUNT_FAILURE)
    users = [n for n, db in state["dbs"].items() if db["running"] and mnt in db["data"] + db["logs"]]
    if users:
        raise HostError(f"umount: {mnt}: target is busy.", MOUNT_FAILURE)
    del state["mounts"][mnt]
    return 0


def findmnt(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 2 or args[0] != "-n":
        raise _usage("findmnt -n MOUNTPOINT")
    record = state["mounts"].get(args[1])
    if record is None:
        return 1
    fstype = record.get("fstype", "ext4")
    print(f"{args[1]} {_mapper(record['dev'])} {fstype} {record.get('options', 'rw,relatime')}")
    return 0


# --- SCSI and multipath ---------------------------------------------------------------------------


def _path_disk(home: Path, state: HostState, sd: str) -> LinuxDisk | None:
    return next((d for d in linux_disks(home, state) if sd in d.paths), None)


def lsblk(home: Path, state: HostState, args: list[str]) -> int:
    if args != LSBLK_ARGV:
        raise _usage("lsblk " + " ".join(LSBLK_ARGV))
    system, system_wwn = SYSTEM_DISK
    lines = [f'NAME="/dev/{system}" KNAME="/dev/{system}" WWN="{system_wwn}" TYPE="disk" PKNAME=""']
    for number, disk in enumerate(linux_disks(home, state)):
        for path in disk.paths:
            name = f"/dev/{path}"
            lines.append(
                f'NAME="{name}" KNAME="{name}" WWN="{wwn(disk.sid, disk.dev)}" TYPE="disk" PKNAME=""'
            )
            if disk.mpath is not None:
                dm = f"/dev/dm-{number + 2}"
                lines.append(f'NAME="{disk.mpath}" KNAME="{dm}" WWN="" TYPE="mpath" PKNAME="{name}"')
    print("\n".join(lines))
    return 0


def _sd_of(path: str, prefix: str, suffix: str) -> str:
    if not path.startswith(prefix) or not path.endswith(suffix):
        return ""
    return path[len(prefix) : len(path) - len(suffix)]


def _array_view(home: Path, disk: LinuxDisk) -> Disk:
    views = vg_disks(home, {"sid": disk.sid, "devs": [disk.dev], "pvs": {disk.dev: disk.pv}})
    return views[0]


def tee(home: Path, state: HostState, args: list[str], stdin: str) -> int:
    if len(args) != 1:
        raise _usage("tee /sys/block/SD/device/rescan")
    sd = _sd_of(args[0], "/sys/block/", "/device/rescan")
    disk = _path_disk(home, state, sd) if sd else None
    if disk is None:
        raise HostError(f"tee: {args[0]}: No such file or directory")
    if stdin.strip() != "1":
        raise HostError(f"tee: {args[0]}: Invalid argument")
    view = _array_view(home, disk)
    # A rescan of a device still Not Ready only learns that it is Not Ready.
    linux_conf(state)["seen"][sd] = view.pit if view.ready else None
    sys.stdout.write(stdin)
    return 0


def sg_turs(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 1:
        raise _usage("sg_turs DEVICE")
    sd = _sd_of(args[0], "/dev/", "")
    disk = _path_disk(home, state, sd) if sd else None
    if disk is None:
        raise HostError(f"sg_turs: error opening file: {args[0]}: No such file or directory", 15)
    if not _array_view(home, disk).ready:
        raise HostError("device not ready", 2)
    return 0


def multipath(home: Path, state: HostState, args: list[str]) -> int:
    if len(args) != 3 or args[:2] != ["-v0", "-r"]:
        raise _usage("multipath -v0 -r DEVICE")
    sd = _sd_of(args[2], "/dev/", "")
    disk = _path_disk(home, state, sd) if sd else None
    if disk is None or disk.mpath is None:
        return 1  # -v0: nothing printed; not a multipath path
    conf = linux_conf(state)
    seen = {conf["seen"].get(p) for p in disk.paths}
    # The map reloads on its paths as the kernel sees them: current only once they all are.
    conf["maps"][disk.key] = seen.pop() if len(seen) == 1 else None
    return 0


# --- ip -------------------------------------------------------------------------------------------


def ip(home: Path, state: HostState, args: list[str]) -> int:
    from symsim.host import ip_verb

    if len(args) == 5 and args[0] == "addr" and args[1] in ("add", "del") and args[3] == "dev":
        return ip_verb(state, args[1], args[2], args[4])
    if args[:4] == ["-o", "addr", "show", "dev"] and len(args) == 5:
        dev = args[4]
        for addr, rec in sorted(state["ips"].items()):
            if rec["dev"] == dev:
                family = "inet6" if ":" in addr else "inet"
                print(f"2: {dev}    {family} {rec['cidr']} scope global {dev}\\       valid_lft forever")
        return 0
    raise _usage("ip addr add|del CIDR dev DEV | ip -o addr show dev DEV")


# --- dispatch -------------------------------------------------------------------------------------


def _usage(text: str) -> HostError:
    return HostError(f"symsim-host linux: usage: {text}", 2)


def setup(home: Path, state: HostState, args: list[str]) -> int:
    opts, rest = _options(args, {"--multipath": False, "--source-visible": False, "--off": False})
    if rest:
        raise _usage("setup [--multipath] [--source-visible] [--off]")
    conf = linux_conf(state)
    conf["enabled"] = "--off" not in opts
    conf["multipath"] = "--multipath" in opts
    conf["source_visible"] = "--source-visible" in opts
    for disk in linux_disks(home, state):
        paths = " ".join(f"/dev/{p}" for p in disk.paths)
        print(f"{disk.key} {disk.role} {disk.vg}: {paths} {disk.mpath or ''}".rstrip())
    return 0


READS = {"vgs", "lvs", "lsblk", "findmnt", "sg_turs"}
COMMANDS = {
    "vgs": vgs,
    "lvs": lvs,
    "vgimport": vgimport,
    "vgimportclone": vgimportclone,
    "vgchange": vgchange,
    "vgexport": vgexport,
    "fsck": fsck,
    "mount": mount,
    "umount": umount,
    "findmnt": findmnt,
    "lsblk": lsblk,
    "sg_turs": sg_turs,
    "multipath": multipath,
    "ip": ip,
    "setup": setup,
}


def run(home: Path, argv: list[str]) -> int:
    """One Linux command, `argv` as the linux profile renders it (after `symsim-host linux`)."""
    if not argv:
        raise _usage(f"symsim-host linux COMMAND ARGS... (COMMAND: {', '.join(sorted([*COMMANDS, 'tee']))})")
    command, args = argv[0], argv[1:]
    read_only = command in READS or (command == "ip" and args[:1] == ["-o"])
    stdin = sys.stdin.read() if command == "tee" else ""
    with transaction(home, write=not read_only) as state:
        conf = linux_conf(state)
        if command != "setup" and not conf["enabled"]:
            raise HostError(
                "symsim-host linux: the host is not in Linux mode (run 'symsim-host linux setup')", 2
            )
        if command == "tee":
            return tee(home, state, args, stdin)
        handler = COMMANDS.get(command)
        if handler is None:
            raise HostError(f"symsim-host linux: {command}: command not found", 127)
        return handler(home, state, args)
