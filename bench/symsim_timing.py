"""How faithful and how cheap the simulator is: prints ratios, not pass/fail.

- copy fidelity: wall time until a pair is Copied, over the time the speed model predicts
  (tracks / tracks-per-second); 1.00 means the array takes exactly as long as it should.
- shared bandwidth: two pairs copying at once, over twice the single-pair prediction.
- call cost: milliseconds per symcli call (process start included), the floor under every poll.

Run: .venv/bin/python bench/symsim_timing.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SID = "000197900123"
SIZE_GB = 2  # 16384 tracks
TRACKS_PER_SEC = 4096  # 4 s per pair alone


def admin(home: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "symsim.admin", "--home", str(home), *args], check=True, capture_output=True
    )


def tool(bin_dir: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / name), *args], capture_output=True, text=True, check=True)


def states(bin_dir: Path, targets: list[str]) -> list[str]:
    out = tool(bin_dir, "symdev", "-sid", SID, "list", "-v", "-devs", ",".join(targets), "-output", "xml_e")
    return [d.findtext("CLONE_Device/state") or "" for d in ET.fromstring(out.stdout).iter("Device")]


def copy_time(home: Path, bin_dir: Path, pairs: list[tuple[str, str]]) -> float:
    pairs_file = home / f"pairs-{len(pairs)}"
    pairs_file.write_text("\n".join(f"{s} {t}" for s, t in pairs))
    base = ["-sid", SID, "-f", str(pairs_file), "-noprompt"]
    tool(bin_dir, "symclone", *base, "create", "-diff")
    started = time.monotonic()
    tool(bin_dir, "symclone", *base, "activate", "-consistent")
    targets = [t for _, t in pairs]
    while set(states(bin_dir, targets)) != {"Copied"}:
        time.sleep(0.05)
    return time.monotonic() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home, bin_dir = Path(tmp) / "home", Path(tmp) / "bin"
        home.mkdir()
        admin(home, "init", SID, "--devs", "00100-0010F", "--size-gb", str(SIZE_GB))
        admin(home, "speed", "--tracks-per-sec", str(TRACKS_PER_SEC), "--op-time", "0.05")
        admin(home, "bin", str(bin_dir))
        predicted = SIZE_GB * 8192 / TRACKS_PER_SEC

        one = copy_time(home, bin_dir, [("00100", "00108")])
        two = copy_time(home, bin_dir, [("00101", "00109"), ("00102", "0010A")])

        calls = 20
        started = time.monotonic()
        for _ in range(calls):
            states(bin_dir, ["00108", "00109"])
        per_call_ms = (time.monotonic() - started) / calls * 1000

    print(f"copy fidelity     : {one:6.2f} s measured / {predicted:6.2f} s predicted = {one / predicted:.2f}")
    print(
        f"shared bandwidth  : {two:6.2f} s measured / {2 * predicted:6.2f} s predicted = "
        f"{two / (2 * predicted):.2f}"
    )
    print(f"symdev list call  : {per_call_ms:6.1f} ms per call (process start included)")


if __name__ == "__main__":
    main()
