"""Arrays, devices and clone pairs inside the state document, and the lookups every command needs."""

from __future__ import annotations

import math
import os
from typing import Any

from symsim.errors import SymError

TRACK_KB = 128
TRACKS_PER_GB = 1024 * 1024 // TRACK_KB

# States in which the session has been activated: the target holds a frozen image and source writes
# since then are tracked (differential), so a later recreate copies only those.
ACTIVATED = frozenset({"CopyInProg", "CopyOnAccess", "Copied", "Split"})
# States whose background copy consumes the array's shared copy bandwidth.
COPYING = frozenset({"PreCopy", "CopyInProg", "RestInProg"})
# The target is Not Ready to its host in these states (reference §1.4 / §7).
TARGET_NR = frozenset({"CreateInProg", "Created", "PreCopy", "Recreated", "RestInProg", "Restored"})

Array = dict[str, Any]
Pair = dict[str, Any]


def parse_dev(text: str) -> int:
    """A device id as typed (4 or 5 hex digits, any case, leading zeros optional) -> its number."""
    value = text.strip()
    if not value or len(value) > 8:
        raise SymError(f"Invalid device name: '{text}'")
    try:
        return int(value, 16)
    except ValueError:
        raise SymError(f"Invalid device name: '{text}'") from None


def fmt_dev(array: Array, number: int) -> str:
    return f"{number:0{array['width']}X}"


def shown_dev(array: Array, dev: str, dev_width: str) -> str:
    """A device id as a tool other than symdev prints it: with dev_width 'mixed', 4 hex digits
    where the id fits (osvc-list_pd_mixed: symdg shows 0025 for symdev's 00025)."""
    if dev_width == "mixed":
        return f"{int(dev, 16):04X}"
    return dev


def track_kb(array: Array) -> int:
    # Arrays made before track sizes were modelled have 128 KB tracks.
    return int(array.get("track_kb", TRACK_KB))


def device_mb(array: Array, dev: str) -> float:
    return array["devices"][dev]["tracks"] * track_kb(array) / 1024


def device_config(array: Array, dev: str) -> str:
    return str(array["devices"][dev].get("config", "TDEV"))


def lookup_dev(array: Array, text: str) -> str:
    """The array's own spelling of a device id typed by the user, or the real 'not found' error."""
    name = fmt_dev(array, parse_dev(text))
    if name not in array["devices"]:
        raise SymError(f"The specified device ({text}) was not found on Symmetrix {array['sid']}")
    return name


def resolve_sid(state: dict[str, Any], text: str) -> str:
    """Full id, or a unique trailing part of it, as SYMCLI accepts for -sid (reference §1.3)."""
    wanted = text.strip()
    arrays = state["arrays"]
    if wanted in arrays:
        return wanted
    matches = [sid for sid in arrays if wanted and sid.endswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SymError(f"The Symmetrix ID '{text}' is ambiguous: it matches {', '.join(sorted(matches))}")
    raise SymError(f"The specified Symmetrix ID ({text}) is not valid or is not known to this host")


def get_array(state: dict[str, Any], sid_text: str) -> Array:
    return state["arrays"][resolve_sid(state, sid_text)]


def pair_percent(pair: Pair) -> int:
    """floor(100*(total-protected)/total), protected rounded up to whole tracks (reference §2.3)."""
    total = pair["total"]
    protected = math.ceil(pair["protected"] - 1e-9)
    return max(0, min(100, (100 * (total - protected)) // total))


def protected_tracks(pair: Pair) -> int:
    return max(0, math.ceil(pair["protected"] - 1e-9))


def pair_of_target(array: Array, tgt: str) -> Pair | None:
    return array["pairs"].get(tgt)


def pairs_of_source(array: Array, src: str) -> list[Pair]:
    return [p for p in array["pairs"].values() if p["src"] == src]


def device_role(array: Array, dev: str) -> str:
    if dev in array["pairs"]:
        return "target"
    if pairs_of_source(array, dev):
        return "source"
    return "none"


def device_ready(array: Array, dev: str) -> bool:
    pair = array["pairs"].get(dev)
    return not (pair is not None and pair["state"] in TARGET_NR)


def device_pit(array: Array, dev: str, now: float) -> float | None:
    """Which moment of a source's write clock the host sees on this device (None: no usable image)."""
    pair = array["pairs"].get(dev)
    if pair is not None:
        if pair["state"] in TARGET_NR:
            return None
        return pair["pit"]
    device = array["devices"][dev]
    # While a restore copies back, the source is a mix of its own data and the target's image, and
    # what the host writes meanwhile is overwritten by tracks still to come: no usable image.
    if any(p["state"] == "RestInProg" for p in pairs_of_source(array, dev)):
        return None
    # A restored source holds the image it was restored from (the target's activate time) for good:
    # later host writes stay untimed, so a host that mounted it keeps seeing the same image.
    restored = device.get("restored")
    if restored is not None:
        return restored["pit"]
    # A device that stopped being a target keeps its last frozen image (None if it was incomplete);
    # any other device is live and follows its own write clock.
    return device.get("pit") if device.get("frozen") else now


def host_write(array: Array, dev: str, tracks: float) -> str:
    """Account for `tracks` tracks a host writes on `dev`; returns what became of them.

    "tracked": a differential session records them as changed (target: discarded by recreate, copied
    back by restore; source: copied again by recreate, overwritten by restore); "lost": the source is
    being restored and the restore overwrites them (reference §2.3: source-side changes are lost);
    "untracked": no session watches the device.
    """
    if not device_ready(array, dev):
        raise SymError(f"The operation cannot proceed because the device {dev} is Not Ready")
    outcome = "untracked"
    pair = array["pairs"].get(dev)
    if pair is not None and pair["state"] in ACTIVATED:
        pair["tgt_mod"] = min(float(pair["total"]), pair["tgt_mod"] + tracks)
        outcome = "tracked"
    for feeding in pairs_of_source(array, dev):
        if feeding["state"] == "RestInProg":
            feeding["src_lost"] = feeding.get("src_lost", 0.0) + tracks
            return "lost"
        if feeding["state"] in ACTIVATED:
            feeding["src_mod"] = min(float(feeding["total"]), feeding["src_mod"] + tracks)
            outcome = "tracked"
    return outcome


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_holder(array: Array, dev: str, now: float) -> dict[str, Any] | None:
    """The live lock on a device held by another process, ignoring expired and dead-pid locks."""
    lock = array["locks"].get(dev)
    if lock is None or lock["expires"] <= now or lock["pid"] == os.getpid():
        return None
    if not pid_alive(lock["pid"]):
        return None
    return lock
