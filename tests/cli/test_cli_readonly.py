"""The read-only command paths: `status`, `status --json` and `--dry-run`, and their errors.

They run the engine directly, never Prefect: a fresh process answering them must not import
prefect and must spend well under 1.5 s of CPU. Their answers are checked against the simulated
array and host, before and after the service is provisioned and started.
"""

from __future__ import annotations

import json
import os
import pwd

from clonepilot.config import load_service
from clonepilot.engine.context import RunContext
from clonepilot.engine.runbook import execute, runbook
from clonepilot.settings import load_settings
from tests.cli.conftest import LOCK_RETRY, CliEnv

HOST_RIDS = ("ip#1", "disk#1", "disk#2", "fs#1", "fs#2", "app#1")
RIDS = ("sync#1", "sync#2", *HOST_RIDS)
READS = {"query", "verify", "list", "show", "status"}
CPU_BUDGET = 1.5


def engine(cli: CliEnv, action: str) -> None:
    """Run an action with the engine alone (no Prefect): how these tests set the scene."""
    service = load_service(cli.service, cli.services_dir)
    with RunContext(service, load_settings()) as ctx:
        report = execute(ctx, runbook(service, action), action=action)
    assert report.ok, report.summary()


def changing_calls(cli: CliEnv) -> list[list[str]]:
    """argv of every symcli or host call that changed something (the others only read)."""
    return [c["argv"] for c in cli.calls() if not READS & {str(a).lower() for a in c["argv"][1:]}]


def pair_states(cli: CliEnv) -> list[tuple[str, str, str, int]]:
    return [(p["src"], p["tgt"], p["state"], p["percent"]) for p in cli.state()["arrays"][0]["pairs"]]


def test_status_of_the_service_down_then_up(cli_env: CliEnv) -> None:
    cli = cli_env
    down = cli.invoke("-s", cli.service, "status")
    assert down.exit_code == 0, down.output
    lines = down.stdout.splitlines()
    assert lines[0].startswith(f"{cli.service}: down  (avail down, sync down)")
    by_rid = {line.split()[0]: line.split(None, 2)[1:] for line in lines[1:]}
    assert set(by_rid) == set(RIDS)
    assert all(status == "down" for status, _ in by_rid.values()), by_rid
    assert "192.0.2.41" in by_rid["ip#1"][1] and "ORA" in by_rid["app#1"][1]
    assert all(reason.strip() for _, reason in by_rid.values())

    as_json = cli.invoke("-s", cli.service, "status", "--json")
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert (doc["service"], doc["overall"], doc["avail"], doc["sync"]) == (
        cli.service,
        "down",
        "down",
        "down",
    )
    assert {rid: r["status"] for rid, r in doc["resources"].items()} == dict.fromkeys(RIDS, "down")

    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    engine(cli, "provision")
    engine(cli, "start")
    up = json.loads(cli.invoke("-s", cli.service, "status", "--json").stdout)
    assert (up["overall"], up["avail"], up["sync"]) == ("up", "up", "up"), up
    assert {rid: r["status"] for rid, r in up["resources"].items()} == dict.fromkeys(RIDS, "up")
    assert "Copied" in up["resources"]["sync#1"]["reason"]
    assert "up" in up["resources"]["app#1"]["reason"]
    text = cli.invoke("-s", cli.service, "status")
    assert text.exit_code == 0 and text.stdout.startswith(f"{cli.service}: up  (avail up, sync up)")


def test_status_and_dry_run_refresh_are_cheap_exact_and_change_nothing(cli_env: CliEnv) -> None:
    cli = cli_env
    cli.array.admin("speed", "--tracks-per-sec", str(8192 * 20))
    engine(cli, "provision")
    before = pair_states(cli)
    assert {state for _, _, state, _ in before} == {"PreCopy"}
    cli.array.admin("calls", "--clear")

    status = cli.probe("-s", cli.service, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["sync"] in ("up", "warn", "down")
    assert status.prefect_modules == [], status.prefect_modules
    assert status.cpu < CPU_BUDGET, status.cpu

    dry = cli.probe("-s", cli.service, "refresh", "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert dry.prefect_modules == [], dry.prefect_modules
    assert dry.cpu < CPU_BUDGET, dry.cpu
    # The pairs were created (PreCopy): a refresh would activate them, data first; no create, no
    # recreate. The exact lines, as the operator would paste them.
    bin_dir, sid = cli.array.bin_dir, cli.array.sid
    pairs_dir = f"/var/tmp/clonepilot-{pwd.getpwuid(os.getuid()).pw_name}"  # the login user's own
    wait = f"-i {LOCK_RETRY[0]} -c {LOCK_RETRY[1]}"
    expected = [
        f"  localhost: {bin_dir}/symsim-host ip add 192.0.2.41 eth0",
        f"  localhost: {bin_dir}/symclone -sid {sid} -f {pairs_dir}/{cli.service}.sync-1.pairs"
        f" -noprompt activate -consistent {wait}",
        f"  localhost: {bin_dir}/symclone -sid {sid} -f {pairs_dir}/{cli.service}.sync-2.pairs"
        f" -noprompt activate -consistent {wait}",
    ]
    out = dry.stdout.splitlines()
    header = next(i for i, line in enumerate(out) if line.startswith("commands that would run ("))
    would = out[header + 1 : header + 4]
    assert would == expected, dry.stdout
    symclone_lines = [line for line in out if "/symclone " in line]
    assert len(symclone_lines) == 2
    assert not any(word in line.split() for line in symclone_lines for word in ("create", "recreate"))
    assert any(line.endswith("db start ORA --data /u01 --logs /arch'") for line in out), dry.stdout
    assert f"refresh of {cli.service} (dry run): ok" in dry.stdout

    # Nothing changed: only reads reached the array and the host, and the pairs are as they were.
    assert cli.calls(), "the dry run read nothing"
    assert changing_calls(cli) == []
    assert [(s, t, st) for s, t, st, _ in pair_states(cli)] == [(s, t, st) for s, t, st, _ in before]


def test_unknown_service_and_invalid_file_exit_1_with_the_errors(cli_env: CliEnv) -> None:
    cli = cli_env
    for command in (["status"], ["status", "--json"], ["refresh", "--dry-run"]):
        missing = cli.invoke("-s", "nosuch", *command)
        assert missing.exit_code == 1, (command, missing.output)
        assert "nosuch" in missing.stderr and str(cli.services_dir) in missing.stderr, missing.stderr

    (cli.services_dir / "broken.conf").write_text(
        "[DEFAULT]\nnodes = localhost\n\n[sync#1]\ntype = symclone\nsymid = 000197900123\n"
        "pairs = 00100:00110\nconsistent = perhaps\nbogus = 1\n\n[ip#1]\nipname = 10.0.0.1\n"
    )
    for command in (["status"], ["refresh", "--dry-run"], ["provision"]):
        broken = cli.invoke("-s", "broken", *command)
        assert broken.exit_code == 1, (command, broken.output)
        for what in ("[sync#1] consistent", "[sync#1] bogus", "[ip#1] ipdev"):
            assert what in broken.stderr, (command, broken.stderr)
    assert changing_calls(cli) == []


def test_unknown_rid_exits_non_zero_naming_the_rids(cli_env: CliEnv) -> None:
    cli = cli_env
    for command in (["status"], ["refresh", "--dry-run"], ["sync", "update", "--dry-run"]):
        result = cli.invoke("-s", cli.service, *command, "--rid", "nosuch")
        assert result.exit_code != 0, (command, result.output)
        assert "nosuch" in result.stderr, (command, result.stderr)
        assert all(rid in result.stderr for rid in RIDS), (command, result.stderr)
    assert cli.calls() == [] or changing_calls(cli) == []
