"""The OpenSVC how-to sequence (seed doc) run through the generated executables, as a host would."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from symsim import errors
from tests.plugins.symsim import SymsimArray, run_admin
from tests.symsim.test_symclone_cli import parse_query

PAIR = ["DEV001", "sym", "ld", "CLONE001"]


def test_seed_sequence(symsim_home: Path, tmp_path: Path) -> None:
    run_admin(symsim_home, "init", "000192601234", "--devs", "1234,4321", "--size-gb", "1")
    run_admin(symsim_home, "speed", "--tracks-per-sec", "16384", "--op-time", "0.1")
    run_admin(symsim_home, "bin", str(tmp_path / "bin"))
    arr = SymsimArray(home=symsim_home, sid="000192601234", bin_dir=tmp_path / "bin")

    def ok(tool: str, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        result = arr.run(tool, *args, input=input)
        assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    ok("symdg", "create", "-type", "REGULAR", "DGCVI")
    ok("symld", "-g", "DGCVI", "add", "dev", "1234", "DEV001")
    ok("symld", "-g", "DGCVI", "add", "dev", "4321", "CLONE001")
    # As typed in the how-to: no -noprompt, so the operator answers the prompt.
    created = ok("symclone", "-g", "DGCVI", "create", "-diff", "-precopy", *PAIR, input="y\n")
    assert "(y/[n]) ? " in created.stdout
    # A create -precopy says "executed" (evidence-scripts), on stderr like every control message.
    assert "'Create' operation successfully executed for device 'DEV001'" in created.stderr
    assert ok("symclone", "-g", "DGCVI", "verify", "-precopy").stdout.startswith("All devices")
    (row,) = parse_query(ok("symclone", "-g", "DGCVI", "query").stdout)
    assert (row["src"], row["tgt"], row["state"], row["cgdp"][:3]) == ("1234", "4321", "PreCopy", "XXX")

    activated = ok("symclone", "-g", "DGCVI", "-noprompt", "activate", "-i", "20", "-c", "30", *PAIR)
    assert "'Activate' operation successfully executed for device 'DEV001'\nin group 'DGCVI' paired with " \
           "target device 'CLONE001'." in activated.stderr  # fmt: skip
    ok("symclone", "-g", "DGCVI", "verify", "-copied", "-i", "1", "-c", "5")
    xml = ok("symdev", "-sid", "1234", "list", "-v", "-devs", "4321", "-output", "xml_e").stdout
    assert "<dev_name>1234</dev_name>" in xml and "<state>Copied</state>" in xml

    # The resync of the log in the how-to: recreate -precopy, "initiated", with OSVC's exact argv.
    time.sleep(0.2)
    recreated = ok(
        "symclone", "-g", "DGCVI", "-noprompt", "recreate", "-precopy", "-i", "20", "-c", "30", *PAIR
    )
    assert (
        "'Recreate' operation execution is in progress for device 'DEV001'\n"
        "paired with target device 'CLONE001' in\ndevice group 'DGCVI'. Please wait..."
    ) in recreated.stderr
    assert (
        "'Recreate' operation successfully initiated for device 'DEV001'\n"
        "in group 'DGCVI' paired with target device 'CLONE001'."
    ) in recreated.stderr
    assert recreated.stdout == ""  # osvcdoc-01: stdout empty, exit 0
    assert arr.run("symclone", "-g", "DGCVI", "verify", "-recreated").returncode != 0
    ok("symclone", "-g", "DGCVI", "verify", "-precopy")
    # Recreating again is refused: the pair is already in the requested state.
    again = arr.run("symclone", "-g", "DGCVI", "-noprompt", "recreate", "-precopy", *PAIR)
    assert again.returncode == errors.ALREADY_IN_STATE
    ok("symclone", "-g", "DGCVI", "-noprompt", "activate", "-i", "20", "-c", "30", *PAIR)
    (row,) = parse_query(ok("symclone", "-g", "DGCVI", "query").stdout)
    assert row["state"] in ("CopyInProg", "Copied")
    ok("symclone", "-g", "DGCVI", "-nop", "terminate", *PAIR)
    calls = [line for line in arr.admin("calls").stdout.splitlines() if "symclone" in line]
    assert len(calls) == 12
