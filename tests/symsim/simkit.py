"""In-process helpers for the symsim tests: run a simulated symcli command without a new process,
and push pairs into a given state quickly by steering the simulated copy speed."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from pathlib import Path

from symsim import arrays, cli, dialect, store, symcfg, symcli, symclone, symdev, symdg, symld, timemodel

BODIES = {
    "symclone": symclone.body,
    "symdev": symdev.body,
    "symdg": symdg.body,
    "symld": symld.body,
    "symcfg": symcfg.body,
    "symcli": symcli.body,
}
SID = "000197900123"
FAST = 1e9  # tracks/s: any copy finishes on the next state access
SLOW = 1.0  # tracks/s: a 1 GB copy would take over two hours


@dataclass
class Result:
    code: int
    out: str
    err: str


def sym(tool: str, *args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.run_tool(tool, BODIES[tool], list(args))
    return Result(code, out.getvalue(), err.getvalue())


def set_speed(home: Path, tracks_per_sec: float | None = None, write_rate: float | None = None) -> None:
    with store.transaction(home) as state:
        arrays.set_speed(
            state,
            tracks_per_sec=tracks_per_sec,
            sid=None,
            time_scale=None,
            write_rate=write_rate,
            op_time=None,
        )


def set_dialect(home: Path, **values: str) -> None:
    """Set dialect keys for every later command, as `symsim dialect KEY=VALUE` does."""
    with store.transaction(home) as state:
        dialect.update(state, [f"{k}={v}" for k, v in values.items()])


def pair_state(home: Path, tgt: str, sid: str = SID) -> dict | None:
    with store.transaction(home) as state:
        timemodel.advance(state, time.time())
        pair = state["arrays"][sid]["pairs"].get(tgt)
        return dict(pair) if pair else None


def make_array(home: Path, devs: str = "00100-0010F", sid: str = SID, size_gb: float = 1.0) -> None:
    with store.transaction(home, create=True) as state:
        arrays.init_array(state, sid, [devs], size_gb)
        # Control actions hold their locks only 10 ms here: these tests are about states, not races.
        state["op_time"] = 0.01
        state["op_time_per_dev"] = 0.0


def make_group(name: str, pairs: list[tuple[str, str]]) -> None:
    """A REGULAR group with DEV00n (sources) and TGT00n (-tgt targets)."""
    assert sym("symdg", "create", name, "-type", "regular").code == 0
    for src, tgt in pairs:
        assert sym("symld", "-g", name, "add", "dev", src).code == 0
        assert sym("symld", "-g", name, "add", "dev", tgt, "-tgt").code == 0


def drive(home: Path, target_state: str, *, diff: bool = True) -> None:
    """Bring the group 'dg' (one pair DEV001 -> TGT001, devices 00100 -> 00101) to target_state."""
    flag = ["-differential"] if diff else []
    if not diff:
        # A plain create is differential by default (notes-09: XXX.); the reference's mode is not.
        set_dialect(home, create_default="copy")
    pair = ["DEV001", "sym", "ld", "TGT001"]

    def ok(*args: str) -> None:
        result = sym("symclone", "-g", "dg", "-nop", *args, *pair)
        assert result.code == 0, (args, result)

    if target_state == "none":
        return
    if target_state == "PreCopy":
        set_speed(home, SLOW)
        ok("create", "-precopy", *flag)
        return
    if target_state in ("CopyInProg", "CopyOnAccess"):
        set_speed(home, SLOW)
        ok("create", *flag, *(["-nocopy"] if target_state == "CopyOnAccess" else []))
        ok("activate")
        return
    ok("create", *flag)
    if target_state == "Created":
        return
    set_speed(home, FAST)
    ok("activate")
    assert pair_state(home, "00101")["state"] == "Copied"
    if target_state == "Copied":
        return
    if target_state == "Recreated":
        ok("recreate")
        return
    if target_state == "Split":
        ok("split")
        return
    # Restores: many changed tracks on the source, so the restore has something to copy back.
    set_speed(home, SLOW, write_rate=1e6)
    time.sleep(0.01)
    if target_state == "RestInProg":
        ok("restore")
        return
    set_speed(home, FAST)
    ok("restore")
    assert pair_state(home, "00101")["state"] == "Restored"
    assert target_state == "Restored", target_state
