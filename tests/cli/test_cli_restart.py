"""`clonepilot -s SVC refresh --restart`: start over on purpose instead of resuming.

A refresh fails at its last stage (an application that may not start yet), leaving a checkpoint
and the rest of the service up. A plain rerun would resume; with --restart the old checkpoint is
discarded, so the run begins again at the down check, which refuses: the interrupted run's
resources are up. Nothing is changed.
"""

from __future__ import annotations

import json

from tests.cli.conftest import CliEnv
from tests.cli.test_cli_readonly import changing_calls, engine


def test_refresh_restart_discards_the_checkpoint_and_begins_at_the_down_check(
    prefect_harness: None, cli_env: CliEnv
) -> None:
    cli = cli_env
    flag, running = cli.root / "app-may-start", cli.root / "app-running"
    path = cli.services_dir / f"{cli.service}.conf"
    path.write_text(
        path.read_text() + f"\n[app#2]\nstart = test -e {flag} && touch {running}\nstop = rm -f {running}\n"
        f"check = test -e {running}\n"
    )
    engine(cli, "provision")
    first = cli.invoke("-s", cli.service, "refresh")
    assert first.exit_code == 1 and "(start app) failed: app#2" in first.output, first.output
    checkpoint = cli.root / "state" / f"{cli.service}.refresh.checkpoint.json"
    assert "start fs" in json.loads(checkpoint.read_text())["done"]
    assert "--restart" in cli.invoke("refresh", "--help").output
    flag.touch()
    cli.array.admin("calls", "--clear")

    again = cli.invoke("-s", cli.service, "refresh", "--restart")

    assert again.exit_code == 1, again.output
    assert f"service {cli.service} is not down, nothing was changed: ip#1 is up" in again.output, again.output
    stages = [line.split() for line in again.output.splitlines() if line.startswith("  check_down ")]
    assert stages and "failed" in stages[-1], again.output
    assert any(line.startswith("  start app ") and " not-run " in line for line in again.output.splitlines())
    assert "done-earlier" not in again.output
    assert changing_calls(cli) == []
    # The old checkpoint is gone: what is kept now is the new run's, which completed nothing.
    assert json.loads(checkpoint.read_text())["done"] == []
