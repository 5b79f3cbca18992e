"""From the terminal: a refresh of the data without its archived logs is refused before any change.

`clonepilot -s SVC refresh --rid sync#1` runs its Prefect flow in the process (the test harness's
server here); the flow's plan check refuses it naming the rid to add, and symsim's call log shows
no state-changing call. `--dry-run` (no Prefect) names every problem of a bad file the same way.
"""

from __future__ import annotations

from clonepilot.cli import EXIT_INVALID
from tests.cli.conftest import CliEnv
from tests.cli.test_cli_readonly import changing_calls, engine


def test_refresh_of_the_data_alone_is_refused_before_any_change(
    prefect_harness: None, cli_env: CliEnv
) -> None:
    cli = cli_env
    engine(cli, "provision")
    engine(cli, "sync_break")
    cli.array.admin("calls", "--clear")

    result = cli.invoke("-s", cli.service, "refresh", "--rid", "sync#1")

    assert result.exit_code == 1, result.output
    assert "running as a Prefect flow" in result.output
    assert (
        f"refresh of {cli.service} failed: check plan failed: 1 problem, nothing was changed" in result.output
    )
    assert "a refresh of sync#1 must take sync#2 along" in result.output
    assert "Add --rid sync#2" in result.output
    assert changing_calls(cli) == []


def test_dry_run_names_every_problem_of_the_plan(cli_env: CliEnv) -> None:
    cli = cli_env
    engine(cli, "provision")
    path = cli.services_dir / f"{cli.service}.conf"
    path.write_text(
        path.read_text().replace("00101:00111", "00101:001F1").replace("00102:00112", "00103:00112")
    )
    cli.array.admin("calls", "--clear")

    result = cli.invoke("-s", cli.service, "refresh", "--dry-run")

    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    stage = next(line for line in lines if line.strip().startswith("check plan"))
    assert "failed" in stage
    assert any("sync#1: failed: device 001F1 (target of pair 00101:001F1)" in line for line in lines), (
        result.output
    )
    assert any("sync#2: failed: stage 'recreate': cannot recreate" in line for line in lines), result.output
    assert changing_calls(cli) == []


def test_depends_that_wait_for_each_other_stop_the_command_at_load(cli_env: CliEnv) -> None:
    cli = cli_env
    path = cli.services_dir / f"{cli.service}.conf"
    text = path.read_text().replace("[ip#1]\n", "[ip#1]\nstart_depends = app#1\n")
    path.write_text(text.replace("[app#1]\n", "[app#1]\nstart_depends = ip#1\n"))
    cli.array.admin("calls", "--clear")

    result = cli.invoke("-s", cli.service, "refresh")

    assert result.exit_code == EXIT_INVALID, result.output
    assert f"{path}: [ip#1] start_depends: the conditions wait for each other: ip#1 → app#1 → ip#1" in (
        result.output
    )
    assert cli.calls() == []
