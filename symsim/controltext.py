"""What a symclone control action prints: prompt, progress, the -v trace and the result.

Texts and line breaks are those of the real captures: notes-03 (one pair, prompt), notes-10 and
notes-12 (whole group, prompt), notes-08 (whole group, -v, messages on one line), osvcdoc-01/02
(one pair, -noprompt). The pairs-file (-f) wording was never captured: it is the simulator's guess.
"""

from __future__ import annotations

from symsim.selection import Selection

# Actions whose completion SYMCLI reports as "initiated" (the copy goes on in the background):
# recreate is real (osvcdoc-01); restore is a GUESS (reference §1.5 "probably restore"; no capture,
# document or script found shows a restore's or a terminate -restored's messages). terminate
# -restored prints the plain 'Terminate' texts, also a guess. A create -precopy says "executed"
# (evidence-scripts: a script requires 'Create' operation successfully executed after one).
INITIATED = ("recreate", "restore")


def title(action: str) -> str:
    return action.capitalize()


def prompt(sel: Selection, action: str) -> str:
    if sel.explicit and len(sel.pairs) == 1:
        what = f"device '{sel.pairs[0].src_ldev}'\nin device group '{sel.group}'"
    elif sel.group is not None:
        what = f"device group\n'{sel.group}'"
    else:
        what = f"the {len(sel.pairs)} specified device pair(s)\nin device file '{sel.file}'"
    return f"Execute '{title(action)}' operation for {what} (y/[n]) ? "


def progress(sel: Selection, action: str, *, one_line: bool) -> str:
    name = title(action)
    if sel.explicit:
        return "\n\n".join(
            f"'{name}' operation execution is in progress for device '{p.src_ldev}'\n"
            f"paired with target device '{p.tgt_ldev}' in\ndevice group '{sel.group}'. Please wait..."
            for p in sel.pairs
        )
    if sel.group is not None:
        brk = " " if one_line else "\n"
        return (
            f"'{name}' operation execution is in progress for{brk}device group '{sel.group}'. Please wait..."
        )
    return (
        f"'{name}' operation execution is in progress for the device list\n"
        f"in device file '{sel.file}'. Please wait..."
    )


def done(sel: Selection, action: str, *, one_line: bool) -> str:
    name = title(action)
    verb = "initiated" if action in INITIATED else "executed"
    if sel.explicit:
        return "\n\n".join(
            f"'{name}' operation successfully {verb} for device '{p.src_ldev}'\n"
            f"in group '{sel.group}' paired with target device '{p.tgt_ldev}'."
            for p in sel.pairs
        )
    if sel.group is not None:
        brk = " " if one_line else "\n"
        return f"'{name}' operation successfully {verb} for device group{brk}'{sel.group}'."
    return f"'{name}' operation successfully {verb} for the device list\nin device file '{sel.file}'."


def verbose_trace(sel: Selection, action: str, shown: dict[str, str]) -> str:
    """notes-08's SELECTING / PAIRING / STARTING block; `shown` maps device ids to their display."""
    where = " in the group" if sel.group is not None else " in the list"
    lines = [f"SELECTING Source devices{where}:", ""]
    lines += [f"  Device: {shown[p.src]} [SELECTED]" for p in sel.pairs]
    lines += ["", f"SELECTING Target devices{where}:", ""]
    lines += [f"  Device: {shown[p.tgt]} [SELECTED]" for p in sel.pairs]
    lines += ["", "PAIRING of Source and Target devices:", ""]
    lines += [f"  Devices: {shown[p.src]}(S) - {shown[p.tgt]}(T) [PAIRED]" for p in sel.pairs]
    lines += ["", f"STARTING a Clone '{action.upper()}' operation."]
    return "\n".join(lines)


def succeeded(action: str) -> str:
    return f"The Clone '{action.upper()}' operation SUCCEEDED."
