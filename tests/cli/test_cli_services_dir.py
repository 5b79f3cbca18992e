"""A terminal command's flow reads the CLI user's services directory, not a run parameter.

The flows take no services directory (a deployment's run must not choose where the commands in
service files come from); the CLI runs the flow in its own process and hands it the user's own
choice, `--services-dir` or their settings, through the environment (CLONEPILOT_SERVICES_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.conftest import CliEnv


def test_services_dir_option_reaches_the_flow_run_in_this_process(
    prefect_harness: None, cli_env: CliEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = cli_env
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The user's settings name a directory without the service: only the option can find it.
    monkeypatch.setenv("CLONEPILOT_SERVICES_DIR", str(elsewhere))
    result = cli.invoke("--services-dir", str(cli.services_dir), "-s", cli.service, "provision")
    assert result.exit_code == 0, result.output
    assert f"provision of {cli.service}: ok" in result.output, result.output
    assert os.environ["CLONEPILOT_SERVICES_DIR"] == str(cli.services_dir.resolve())
    creates = [c for c in cli.calls() if c["tool"] == "symclone" and "create" in c["argv"]]
    assert len(creates) == 2 and all(c["exit_code"] == 0 for c in creates)
