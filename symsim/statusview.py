"""`symsim state`: everything the simulator knows, as a JSON-able dict and as readable tables."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from symsim import dialect, model, store, timemodel


def _stamp(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}"


def snapshot(home: Path) -> dict[str, Any]:
    with store.transaction(home) as state:
        now = time.time()
        timemodel.advance(state, now)
        arrays = []
        for array in state["arrays"].values():
            devices = []
            for dev in sorted(array["devices"]):
                lock = model.lock_holder(array, dev, now)
                devices.append(
                    {
                        "dev": dev,
                        "size_gb": array["devices"][dev]["size_gb"],
                        "ready": model.device_ready(array, dev),
                        "role": model.device_role(array, dev),
                        "pit": model.device_pit(array, dev, now),
                        # The image a restore put (or is putting) on this source: None when never restored.
                        "restored_pit": (array["devices"][dev].get("restored") or {}).get("pit"),
                        "lock": {"pid": lock["pid"], "expires": lock["expires"]} if lock else None,
                    }
                )
            pairs = [
                {
                    "src": p["src"],
                    "tgt": p["tgt"],
                    "state": p["state"],
                    "percent": model.pair_percent(p),
                    "protected_tracks": model.protected_tracks(p),
                    "total_tracks": p["total"],
                    "differential": p["diff"],
                    "copy": p["copy"],
                    "pit": p["pit"],
                    # Tracks the host wrote on the source during RestInProg: overwritten by the restore.
                    "lost_source_tracks": int(p.get("src_lost", 0.0)),
                    "last_action": p["last_action"],
                    "stall_at": p["stall"]["pct"] if p.get("stall") else None,
                }
                for p in sorted(array["pairs"].values(), key=lambda p: (p["src"], p["tgt"]))
            ]
            arrays.append(
                {
                    "sid": array["sid"],
                    "model": array["model"],
                    "tracks_per_sec": array["tracks_per_sec"],
                    "write_rate": array["write_rate"],
                    "devices": devices,
                    "pairs": pairs,
                }
            )
        view: dict[str, Any] = {
            "now": now,
            "time_scale": state["time_scale"],
            "op_time": state["op_time"],
            "arrays": arrays,
            "groups": [dict(g) for g in state["groups"].values()],
            "faults": list(state["faults"]),
            "dialect": dialect.current(state),
        }
    view["host"] = _host_state(home)
    return view


def _host_state(home: Path) -> dict[str, Any] | None:
    try:
        from symsim import host
    except ImportError:
        return None
    getter = getattr(host, "host_state", None)
    return getter(home) if getter is not None else None


def faults_table(faults: list[dict[str, Any]]) -> str:
    if not faults:
        return "no faults"
    lines = [f"{'id':>3} {'command':<20} {'error':<13} {'times':>5} {'delay':>6} {'stall':>5} {'fired':>5}"]
    for f in faults:
        target = f["tool"] + (f":{f['action']}" if f["action"] else "")
        times = "-" if f["times"] is None else str(f["times"])
        stall = "-" if f["stall_at"] is None else f"{f['stall_at']:g}%"
        lines.append(
            f"{f['id']:>3} {target:<20} {f['error']:<13} {times:>5} {f['delay']:>6g} {stall:>5}"
            f" {f['fired']:>5}"
        )
    return "\n".join(lines)


def render(view: dict[str, Any]) -> str:
    out = [
        f"now {_stamp(view['now'])}   time scale {view['time_scale']:g}x   op time {view['op_time']:g}s",
        "",
    ]
    for a in view["arrays"]:
        out.append(
            f"Symmetrix {a['sid']} ({a['model']}): {len(a['devices'])} devices, "
            f"{a['tracks_per_sec']:g} tracks/s shared, source writes {a['write_rate']:g} tracks/s"
        )
        # A restored device is listed even once its session is gone: its point in time is the news.
        busy = [
            d
            for d in a["devices"]
            if d["role"] != "none" or not d["ready"] or d["lock"] or d["restored_pit"] is not None
        ]
        if busy:
            out.append(f"  {'dev':<6} {'role':<7} {'sts':<3} {'point in time':<24} lock")
            for d in busy:
                live = d["pit"] is not None and d["pit"] >= view["now"]
                pit = "live (now)" if live else (_stamp(d["pit"]) or "-")
                lock = f"pid {d['lock']['pid']}" if d["lock"] else ""
                out.append(
                    f"  {d['dev']:<6} {d['role']:<7} {'RW' if d['ready'] else 'NR':<3} {pit:<24} {lock}"
                )
        if a["pairs"]:
            out.append(
                f"  {'src':<6} {'tgt':<6} {'state':<13} {'copy%':>5} {'protected':>10}  flags  point in time"
            )
            for p in a["pairs"]:
                flags = ("D" if p["differential"] else "-") + ("C" if p["copy"] else "-")
                stall = f" (stalled at {p['stall_at']:g}%)" if p["stall_at"] is not None else ""
                out.append(
                    f"  {p['src']:<6} {p['tgt']:<6} {p['state']:<13} {p['percent']:>5} "
                    f"{p['protected_tracks']:>10}  {flags:<6} {_stamp(p['pit']) or '-'}{stall}"
                )
        out.append("")
    if view["groups"]:
        out.append("Device groups:")
        for g in view["groups"]:
            members = ", ".join(f"{m['ldev']}={m['dev']}{'(T)' if m['tgt'] else ''}" for m in g["devs"])
            out.append(f"  {g['name']} ({g['type']}, {g['sid'] or 'no array'}): {members or 'empty'}")
        out.append("")
    out.append("Faults:")
    out.append("  " + faults_table(view["faults"]).replace("\n", "\n  "))
    out += ["", "Dialect:", "  " + dialect.render(view["dialect"]).replace("\n", "\n  ")]
    if view.get("host") is not None:
        out += ["", "Host:", *render_host(view["host"])]
    return "\n".join(out)


def render_host(host: dict[str, Any]) -> list[str]:
    """The simulated host as an operator would list it: addresses, volume groups, mounts, databases."""
    lines: list[str] = []
    for addr, ip in sorted(host.get("ips", {}).items()):
        lines.append(f"  ip   {addr:<24} {ip.get('cidr', '')} on {ip.get('dev', '?')}")
    for name, vg in sorted(host.get("vgs", {}).items()):
        state = "active" if vg.get("active") else ("imported" if vg.get("imported") else "exported")
        devs = ", ".join(f"{d} ({vg.get('pvs', {}).get(d, '?')})" for d in vg.get("devs", []))
        lines.append(f"  vg   {name:<24} {state:<8} on {devs}")
    for mnt, mount in sorted(host.get("mounts", {}).items()):
        lines.append(f"  fs   {mnt:<24} {mount.get('dev', '?')}")
    for name, db in sorted(host.get("dbs", {}).items()):
        state = "running" if db.get("running") else "stopped"
        since = f" since {_stamp(db['started'])}" if db.get("running") and db.get("started") else ""
        data, logs = ", ".join(db.get("data", [])), ", ".join(db.get("logs", []))
        lines.append(f"  db   {name:<24} {state}{since} (data {data or '-'}; logs {logs or '-'})")
    return lines or ["  nothing configured"]
