"""What a refresh costs beyond the array's own copy time, and how its symcli calls scale.

For N pairs (2, then 16) on a simulated array whose copy speed is known, it provisions the
clone set (create -diff -precopy) and times a refresh of a sync-only service (the seed's
"service with only symclone sync resources"): recreate → wait for precopy → activate → wait for
copied. It prints:

- time ratio: refresh wall time / the copy time the array model predicts (1.00 is ideal: the
  refresh takes exactly as long as the array);
- symcli calls per refresh, split into state-changing ones, single reads and wait polls; the
  first two must not grow with N.

Each size runs twice: on symsim's default dialect, and with `percent_element=none` (symdev gives
no percent copied, so each poll of a copying pair adds one `symclone query`): the price of not
knowing an unconfirmed fact.

The engine runs without Prefect here (a flow adds its fixed start-up cost, measured by the demo).
Run: .venv/bin/python bench/refresh.py
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from clonepilot.config import load_service
from clonepilot.engine.context import RunContext
from clonepilot.engine.runbook import execute, runbook
from clonepilot.settings import Settings

SID = "000197900123"
SIZE_GB = 2
TRACKS_PER_SEC = 32768


def symsim(home: Path, *args: str) -> str:
    argv = [sys.executable, "-m", "symsim.admin", "--home", str(home), *args]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def one(n_pairs: int, root: Path, dialect: tuple[str, ...] = ()) -> dict[str, object]:
    root = root / ("-".join(dialect) or "defaults")
    home, bin_dir, services = root / f"home{n_pairs}", root / f"bin{n_pairs}", root / f"svc{n_pairs}"
    home.mkdir(parents=True)
    services.mkdir()
    symsim(home, "init", SID, "--devs", "00100-001FF", "--size-gb", str(SIZE_GB))
    symsim(home, "speed", "--tracks-per-sec", str(TRACKS_PER_SEC), "--op-time", "0.2")
    symsim(home, "bin", str(bin_dir))
    if dialect:
        symsim(home, "dialect", *dialect)
    pairs = " ".join(f"{0x100 + i:05X}:{0x180 + i:05X}" for i in range(n_pairs))
    (services / "bench.conf").write_text(
        f"[DEFAULT]\nnodes = localhost\nhost_profile = sim\n\n[sync#1]\ntype = symclone\nsymid = {SID}\n"
        f"pairs = {pairs}\n"
    )
    settings = Settings(
        services_dir=services,
        symcli_bin=bin_dir,
        state_dir=root / "state",
        poll_interval_min=0.2,
        poll_interval_max=10,
    )
    service = load_service("bench", services)
    cycle = [*runbook(service, "sync_update"), *runbook(service, "sync_break")]

    def timed(stages: tuple | list) -> tuple[float, list[dict]]:
        symsim(home, "calls", "--clear")
        started = time.monotonic()
        with RunContext(service, settings, pairs_dir=str(root / f"pairs{n_pairs}")) as ctx:
            report = execute(ctx, stages, action="refresh")
        assert report.ok, report.error
        return time.monotonic() - started, json.loads(symsim(home, "calls", "--json"))

    # The first refresh: create -diff -precopy, wait for the full precopy, activate, wait for Copied.
    first, first_calls = timed([*runbook(service, "provision"), *cycle])
    # A later refresh: recreate (differential: only tracks changed since), wait, activate, wait.
    later, later_calls = timed(cycle)
    return {
        "dialect": ",".join(dialect) or "defaults",
        "pairs": n_pairs,
        "first": first,
        "predicted": n_pairs * SIZE_GB * 8192 / TRACKS_PER_SEC,
        "later": later,
        "first_calls": _split(first_calls),
        "later_calls": _split(later_calls),
    }


def _split(calls: list[dict]) -> tuple[int, int]:
    """(state-changing calls, reads) among the symcli calls of one refresh."""
    changing = sum(1 for c in calls if {"create", "recreate", "activate", "terminate"} & set(c["argv"]))
    return changing, len(calls) - changing


def main() -> None:
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [one(n, Path(tmp), d) for d in ((), ("percent_element=none",)) for n in (2, 16)]
    header = (
        "dialect",
        "pairs",
        "first s",
        "copy s (model)",
        "ratio",
        "changing",
        "reads",
        "later s",
        "changing",
        "reads",
    )
    print("{:<20} {:>5} {:>8} {:>15} {:>6} {:>9} {:>6} | {:>8} {:>9} {:>6}".format(*header))
    for r in rows:
        (fc, fr), (lc, lr) = r["first_calls"], r["later_calls"]
        print(
            f"{r['dialect']:<20} {r['pairs']:>5} {r['first']:>8.2f} {r['predicted']:>15.2f} "
            f"{r['first'] / r['predicted']:>6.2f} "
            f"{fc:>9} {fr:>6} | {r['later']:>8.2f} {lc:>9} {lr:>6}"
        )
    print("first: create -diff -precopy + wait + activate + wait copied; ratio = its wall time / the copy")
    print("time the array model predicts. later: a differential refresh (recreate ...) right after.")
    print("changing/reads: symcli calls per refresh. Changing calls are one per operation whatever the")
    print("number of pairs; reads are one per poll, so they grow with the copy time, not the pairs.")


if __name__ == "__main__":
    main()
