"""A state-changing command from a terminal with no Prefect server configured.

`clonepilot -s SVC provision` runs its flow in the process, on Prefect's temporary local server
(about 10-20 s to start: the only such test), says so, and really creates the clone sessions.
The service asks for approval of provision: `--yes` gives it, and the flow must not pause again.
`-q` keeps Prefect's INFO log lines out of the terminal.
"""

from __future__ import annotations

import json
import subprocess

from tests.cli.conftest import CLONEPILOT, CliEnv


def test_provision_without_prefect_api_url_runs_on_a_temporary_server(cli_env: CliEnv) -> None:
    cli = cli_env
    path = cli.services_dir / f"{cli.service}.conf"
    path.write_text(path.read_text().replace("[DEFAULT]\n", "[DEFAULT]\napproval = provision\n"))
    env = {k: v for k, v in cli.env.items() if k != "PREFECT_API_URL" and not k.startswith("PREFECT_LOGGING")}
    done = subprocess.run(
        [str(CLONEPILOT), "-q", "-s", cli.service, "provision", "--yes"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=cli.root,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"provision of {cli.service}: approved with --yes" in done.stdout, done.stdout
    assert (
        f"provision {cli.service}: running as a Prefect flow on a temporary local Prefect server"
        in done.stdout
    ), done.stdout
    assert f"provision of {cli.service}: ok" in done.stdout, done.stdout
    # --quiet: Prefect's INFO lines (its server, the run's log) stay out of the terminal.
    assert "Beginning flow run" not in done.stderr and "INFO" not in done.stderr, done.stderr
    pairs = json.loads(cli.array.admin("state", "--json").stdout)["arrays"][0]["pairs"]
    assert sorted((p["src"], p["tgt"]) for p in pairs) == [
        ("00100", "00110"),
        ("00101", "00111"),
        ("00102", "00112"),
    ]
    assert {p["state"] for p in pairs} <= {"PreCopy"}
    creates = [c for c in cli.calls() if c["tool"] == "symclone" and "create" in c["argv"]]
    assert len(creates) == 2 and all(c["exit_code"] == 0 for c in creates)
