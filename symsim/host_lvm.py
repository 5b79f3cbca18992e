"""Volume groups and file systems of the simulated host, as HP-UX LVM and VxFS behave.

The seed's service host is HP-UX (vgimport, vgchange -a y, fsck -F vxfs -y, mount -F vxfs), so refusals
carry the texts those commands print, with the Symmetrix device added where an operator needs it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from symsim.host_disks import Disk, image_of, is_clone_image, iso, vg_disks
from symsim.host_store import HostError, HostState

LV_PATH = re.compile(r"^/dev/(?P<vg>[A-Za-z0-9_.+-]+)/(?P<lv>[A-Za-z0-9_.+-]+)$")
VG_NAME = re.compile(r"^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$")


def vg_key(text: str) -> str:
    """The volume group's name, typed either as vgCVI or /dev/vgCVI."""
    name = text.removeprefix("/dev/")
    if not VG_NAME.match(name):
        raise HostError(f"symsim-host: invalid volume group name '{text}'", 2)
    return name


def split_lv(path: str) -> tuple[str, str]:
    match = LV_PATH.match(path)
    if not match:
        raise HostError(f"symsim-host: '{path}' is not a logical volume path (/dev/VG/LV)", 2)
    return match["vg"], match["lv"]


def _out(*lines: str) -> None:
    print("\n".join(lines))


def _bad_disks(disks: list[Disk]) -> list[Disk]:
    return [d for d in disks if not d.visible or not d.ready]


def _lvmtab_vg(state: HostState, name: str, tool: str) -> dict[str, Any]:
    vg = state["vgs"].get(name)
    if vg is None or not vg["imported"]:
        raise HostError(f'{tool}: Volume group "/dev/{name}" does not exist in the "/etc/lvmtab" file.')
    return vg


def mounts_on_vg(state: HostState, name: str) -> list[tuple[str, str]]:
    return sorted((mnt, m["dev"]) for mnt, m in state["mounts"].items() if m["vg"] == name)


# --- volume groups -------------------------------------------------------------------------------


def vg_import(home: Path, state: HostState, name: str) -> int:
    vg = state["vgs"].get(name)
    if vg is None:
        raise HostError(
            f'vgimport: No physical volumes of volume group "/dev/{name}" were found on this host.\n'
            f'vgimport: Couldn\'t import volume group "/dev/{name}".'
        )
    if vg["imported"]:
        raise HostError(f'vgimport: Volume group "/dev/{name}" already exists in the "/etc/lvmtab" file.')
    bad = _bad_disks(vg_disks(home, vg))
    if bad:
        lines = [
            f'vgimport: Warning: Cannot read physical volume header on "{d.pv.replace("/disk/", "/rdisk/")}"'
            f" (Symmetrix {d.key}: {d.problem}):\nI/O error"
            for d in bad
        ]
        lines.append(f'vgimport: Couldn\'t import volume group "/dev/{name}".')
        raise HostError("\n".join(lines))
    vg["imported"] = True
    _out(
        f'vgimport: Volume group "/dev/{name}" has been successfully created.',
        "Warning: A backup of this volume group may not exist on this machine.",
        "Please remember to take a backup using the vgcfgbackup command after activating the volume group.",
    )
    return 0


def vg_activate(home: Path, state: HostState, name: str) -> int:
    vg = _lvmtab_vg(state, name, "vgchange")
    disks = vg_disks(home, vg)
    bad = _bad_disks(disks)
    if bad:
        lines = [
            f'vgchange: Warning: Couldn\'t attach to the volume group physical volume "{d.pv}"'
            f" (Symmetrix {d.key}: {d.problem}):\nI/O error"
            for d in bad
        ]
        lines.append(
            f'vgchange: Couldn\'t activate volume group "/dev/{name}":\n'
            "Quorum not present, or some physical volume(s) are missing."
        )
        raise HostError("\n".join(lines))
    if not vg["active"]:
        vg["active"] = True
        vg["image"] = image_of(disks)
        vg["activated"] = time.time()
        print("Activated volume group.")
    print(f'Volume group "/dev/{name}" has been successfully changed.')
    return 0


def vg_deactivate(home: Path, state: HostState, name: str) -> int:
    vg = _lvmtab_vg(state, name, "vgchange")
    busy = mounts_on_vg(state, name)
    if busy:
        held = ", ".join(f"{dev} mounted on {mnt}" for mnt, dev in busy)
        raise HostError(f'vgchange: Couldn\'t deactivate volume group "/dev/{name}":\nDevice busy ({held})')
    vg["active"] = False
    vg["image"] = {}
    print(f'Volume group "/dev/{name}" has been successfully changed.')
    return 0


def vg_export(home: Path, state: HostState, name: str) -> int:
    vg = _lvmtab_vg(state, name, "vgexport")
    if vg["active"]:
        raise HostError(
            f'vgexport: Volume group "/dev/{name}" is still active.\n'
            f'vgexport: Couldn\'t export volume group "/dev/{name}".'
        )
    vg["imported"] = False
    print(f'vgexport: Volume group "/dev/{name}" has been successfully removed.')
    return 0


def vg_health(home: Path, vg: dict[str, Any]) -> tuple[bool, str]:
    """Whether an active volume group still reads the image it was activated on, and why not."""
    disks = vg_disks(home, vg)
    bad = _bad_disks(disks)
    if bad:
        detail = ", ".join(f"{d.pv} (Symmetrix {d.key}) {d.problem}" for d in bad)
        return False, f"its physical volumes fail I/O: {detail}"
    before = vg.get("image") or {}
    changed = [d for d in disks if d.key in before and before[d.key] != d.pit]
    if changed:
        detail = ", ".join(f"{d.key} from {iso(before[d.key])} to {iso(d.pit)}" for d in changed)
        return False, f"the data under it was replaced: {detail}"
    return True, "active on " + ", ".join(f"{d.pv}={d.key}" for d in disks)


def vg_status(home: Path, state: HostState, name: str) -> int:
    vg = state["vgs"].get(name)
    if vg is None:
        state_line = "down (no such volume group on this host)"
        up = False
    elif not vg["imported"]:
        up, state_line = False, "down (exported)"
    elif not vg["active"]:
        up, state_line = False, "down (imported, not active)"
    else:
        up, why = vg_health(home, vg)
        state_line = f"up ({why})" if up else f"down (active, but {why})"
    print(f"vg /dev/{name}: {state_line}")
    return 0 if up else 1


# --- file systems --------------------------------------------------------------------------------


def _open_lv(home: Path, state: HostState, path: str, tool: str) -> tuple[str, list[Disk]]:
    """The volume group and disks of an LV the host can open, or the error opening it gives."""
    name, _lv = split_lv(path)
    vg = state["vgs"].get(name)
    if vg is None or not vg["imported"]:
        raise HostError(f"{tool}: Cannot open {path}: No such file or directory")
    if not vg["active"]:
        raise HostError(f"{tool}: Cannot open {path}: No such device or address (volume group not active)")
    disks = vg_disks(home, vg)
    bad = _bad_disks(disks)
    if bad:
        detail = ", ".join(f"Symmetrix {d.key} {d.problem}" for d in bad)
        raise HostError(f"{tool}: Cannot read {path}: I/O error ({detail})")
    return name, disks


def _mount_of(state: HostState, path: str) -> str | None:
    for mnt, m in state["mounts"].items():
        if m["dev"] == path:
            return mnt
    return None


def fs_fsck(home: Path, state: HostState, path: str) -> int:
    _name, disks = _open_lv(home, state, path, "UX:vxfs fsck: ERROR")
    mnt = _mount_of(state, path)
    if mnt is not None:
        raise HostError(
            f"UX:vxfs fsck: ERROR: {path} is mounted on {mnt}: cannot check a mounted file system"
        )
    image = image_of(disks)
    checked = state["fsck"].get(path)
    if is_clone_image(disks) and (checked is None or checked["image"] != image):
        print("log replay in progress\nreplay complete - marking super-block as CLEAN")
    else:
        print("file system is clean - log replay is not required")
    state["fsck"][path] = {"image": image, "at": time.time()}
    return 0


def fs_mount(home: Path, state: HostState, path: str, mnt: str | None) -> int:
    if not mnt or not mnt.startswith("/"):
        raise HostError("symsim-host: fs mount needs DEV and an absolute mount point", 2)
    name, disks = _open_lv(home, state, path, "UX:vxfs mount: ERROR")
    where = _mount_of(state, path)
    if where is not None or mnt in state["mounts"]:
        holder = f"{path} is mounted on {where}" if where else f"{mnt} holds {state['mounts'][mnt]['dev']}"
        raise HostError(
            f"UX:vxfs mount: ERROR: V-3-21264: {path} is already mounted, {mnt} is busy,\n"
            "                 or the allowable number of mount points has been exceeded" + f" ({holder})"
        )
    image = image_of(disks)
    checked = state["fsck"].get(path)
    # A clone taken while the source was mounted is a crash image: VxFS wants its log replayed first.
    if is_clone_image(disks) and (checked is None or checked["image"] != image):
        raise HostError(
            f"UX:vxfs mount: ERROR: V-3-21268: {path} is corrupted. needs checking\n"
            f"(clone image on {', '.join(image)} not checked since it was taken: run fsck first)"
        )
    state["mounts"][mnt] = {"dev": path, "vg": name, "image": image, "at": time.time()}
    return 0


def fs_umount(home: Path, state: HostState, path: str, mnt: str | None) -> int:
    where = _mount_of(state, path)
    if where is None or (mnt is not None and mnt != where):
        raise HostError(f"umount: {mnt or path}: not mounted" + (f" ({path} is on {where})" if where else ""))
    users = sorted(n for n, db in state["dbs"].items() if db["running"] and where in db["data"] + db["logs"])
    if users:
        raise HostError(
            f"umount: cannot unmount {where} : Device busy (in use by database {', '.join(users)})\n"
            "umount: return error 1."
        )
    del state["mounts"][where]
    return 0


def fs_status(home: Path, state: HostState, path: str, mnt: str | None) -> int:
    where = _mount_of(state, path)
    if where is None:
        up, line = False, "down (not mounted)"
    elif mnt is not None and mnt != where:
        up, line = False, f"down (mounted on {where}, not on {mnt})"
    else:
        vg = state["vgs"][state["mounts"][where]["vg"]]
        up, why = vg_health(home, vg)
        line = f"up (mounted on {where})" if up else f"down (mounted on {where}, but {why})"
    print(f"fs {path}: {line}")
    return 0 if up else 1
