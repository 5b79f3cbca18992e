"""`clonepilot validate` through typer's CliRunner, and the import-cost guarantee in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clonepilot.cli import app
from tests.config.helpers import BASE, write_service

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "services"
BROKEN = BASE + "consistent = perhaps\nbogus = 1\n[ip#1]\nipname = 10.0.0.1\n"


@pytest.mark.parametrize("service", ["demo", "aastmphpux"])
def test_examples_validate(runner: CliRunner, service: str) -> None:
    result = runner.invoke(app, ["-s", service, "--services-dir", str(EXAMPLES), "validate"])
    assert result.exit_code == 0, result.output
    assert f"service {service}" in result.stdout
    assert "evaluated for node" in result.stdout
    assert "[sync#" in result.stdout and "[fs#1]" in result.stdout
    assert re.search(r"^  sync_max_delay +=  ?1440  \[default\]$", result.stdout, re.MULTILINE), result.stdout


def test_scoped_value_and_node_choice_are_shown(runner: CliRunner, tmp_path: Path) -> None:
    write_service(tmp_path, BASE + "precopy@drpnodes = false\n")
    result = runner.invoke(app, ["-s", "svc", "--services-dir", str(tmp_path), "validate", "--node", "drp1"])
    assert result.exit_code == 0, result.output
    assert "evaluated for node drp1" in result.stdout
    assert re.search(r"^  precopy +=  ?False  \[from precopy@drpnodes\]$", result.stdout, re.MULTILINE)


def test_invalid_service_lists_every_error(runner: CliRunner, tmp_path: Path) -> None:
    path = write_service(tmp_path, BROKEN)
    result = runner.invoke(app, ["-s", "svc", "--services-dir", str(tmp_path), "validate"])
    assert result.exit_code == 1
    assert f"{path}: [sync#1] consistent: " in result.stderr
    assert f"{path}: [sync#1] bogus: unknown keyword" in result.stderr
    assert f"{path}: [ip#1] ipdev: missing required keyword" in result.stderr
    assert "3 error(s)" in result.stderr
    assert result.stdout == ""


def test_json_output(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["-s", "demo", "--services-dir", str(EXAMPLES), "validate", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["valid"] is True and document["node"] == "localhost"
    sync1 = document["resources"][0]
    assert sync1["rid"] == "sync#1"
    assert sync1["keywords"]["pairs"] == {"value": ["00100:00110", "00101:00111"], "origin": "pairs"}
    assert sync1["keywords"]["sync_max_delay"] == {"value": 1440, "origin": "default"}

    write_service(tmp_path, BROKEN)
    result = runner.invoke(app, ["-s", "svc", "--services-dir", str(tmp_path), "validate", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert {(e["section"], e["keyword"]) for e in document["errors"]} == {
        ("sync#1", "consistent"),
        ("sync#1", "bogus"),
        ("ip#1", "ipdev"),
    }


def test_validate_all(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--services-dir", str(EXAMPLES), "validate", "--all"])
    assert result.exit_code == 0, result.output
    assert "service aastmphpux" in result.stdout and "service demo" in result.stdout
    assert "2 valid, 0 invalid" in result.stdout

    write_service(tmp_path, BASE, name="good")
    write_service(tmp_path, BROKEN, name="bad")
    result = runner.invoke(app, ["--services-dir", str(tmp_path), "validate", "--all", "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["valid"] is False
    assert [s["valid"] for s in document["services"]] == [False, True]


def test_services_dir_from_settings(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLONEPILOT_SERVICES_DIR", str(EXAMPLES))
    result = runner.invoke(app, ["-s", "aastmphpux", "validate"])
    assert result.exit_code == 0, result.output


def test_unknown_service_lists_those_found(runner: CliRunner) -> None:
    result = runner.invoke(app, ["-s", "nope", "--services-dir", str(EXAMPLES), "validate"])
    assert result.exit_code == 1
    assert "'nope' not found" in result.stderr and "aastmphpux, demo" in result.stderr


def test_validate_without_service(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--services-dir", str(EXAMPLES), "validate"])
    assert result.exit_code == 2
    assert "--all" in result.stderr


def test_cli_import_does_not_load_prefect_and_validate_is_fast(tmp_path: Path) -> None:
    code = (
        "import sys, resource\n"
        "import clonepilot.cli\n"
        "assert 'prefect' not in sys.modules, sorted(m for m in sys.modules if m.startswith('prefect'))\n"
        "from typer.testing import CliRunner\n"
        f"args = ['-s', 'demo', '--services-dir', {str(EXAMPLES)!r}, 'validate']\n"
        "r = CliRunner().invoke(clonepilot.cli.app, args)\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'prefect' not in sys.modules\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(usage.ru_utime + usage.ru_stime)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLONEPILOT_")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    # CPU time, not wall time: the test machine is shared, but the work done is what we promise.
    assert float(done.stdout.strip()) < 1.5


def test_bad_settings_file_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "clonepilot.toml").write_text("services_dri = '/x'\n")
    result = runner.invoke(app, ["-s", "demo", "validate"])
    assert result.exit_code == 1
    assert "invalid clonepilot settings" in result.stderr and "services_dri" in result.stderr
