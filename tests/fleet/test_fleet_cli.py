"""`clonepilot status --all [--json]`: the fleet's table, its JSON, exit codes, and no prefect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from clonepilot.cli import app
from tests.fleet.conftest import Fleet

PROBE = textwrap.dedent(
    """
    import json, sys
    from clonepilot.cli import main
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    loaded = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
    sys.stderr.write("\\nPROBE " + json.dumps(loaded[:5]) + "\\n")
    sys.exit(code)
    """
)


def _invoke(fleet: Fleet, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    for key, value in fleet.env().items():
        monkeypatch.setenv(key, value)
    return CliRunner().invoke(app, list(args))


def test_table_lists_broken_and_stale_first_and_exits_0(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _invoke(fleet, monkeypatch, "status", "--all")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SERVICE", "OVERALL", "AVAIL", "SYNC", "WORST", "REASON"]
    assert [line.split()[:2] for line in lines[1:6]] == [
        ["broken", "invalid"], ["charlie", "down"], ["beta", "warn"], ["alpha", "up"], ["delta", "up"]
    ]  # fmt: skip
    charlie = lines[2].split(None, 6)
    assert charlie[:6] == ["charlie", "down", "n/a", "down", "sync#1", "down"]
    assert charlie[6] == "no clone session: 00105:00115 (NoSession)"
    assert "only 1 of 2 pairs activated" in lines[3]
    assert lines[6] == "5 services: 1 down, 1 invalid, 1 warn, 2 up"
    assert len([c for c in fleet.calls() if c["tool"] == "symdev"]) == 2


def test_json_shape(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(fleet, monkeypatch, "status", "--all", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"services_dir", "counts", "services", "arrays", "notes"}
    assert data["services_dir"] == str(fleet.services_dir)
    assert data["counts"] == {"invalid": 1, "down": 1, "warn": 1, "up": 2}
    assert [s["service"] for s in data["services"]] == ["broken", "charlie", "beta", "alpha", "delta"]
    broken, charlie = data["services"][:2]
    assert set(broken) == {"service", "overall", "error"} and broken["overall"] == "invalid"
    # A valid service has the same shape as `clonepilot -s SVC status --json`.
    assert set(charlie) == {"service", "overall", "avail", "sync", "resources"}
    resource = charlie["resources"]["sync#1"]
    assert set(resource) == {"status", "reason", "last_action", "detail"}
    assert resource["status"] == "down"
    alpha = data["services"][3]["resources"]
    assert alpha["sync#1"]["last_action"] is not None and alpha["app#1"]["status"] == "up"
    assert sorted(a["services"] for a in data["arrays"]) == [["alpha", "beta", "charlie"], ["delta"]]
    assert data["notes"] == []


def test_rid_and_tag_do_not_combine_with_all(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _invoke(fleet, monkeypatch, "status", "--all", "--rid", "sync#1")
    assert result.exit_code == 2
    assert "--rid and --tag do not apply" in result.stderr


def test_exit_1_only_when_the_services_directory_is_unusable(
    fleet: Fleet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    result = _invoke(fleet, monkeypatch, "--services-dir", str(tmp_path / "nowhere"), "status", "--all")
    assert result.exit_code == 1
    assert result.stderr.startswith("status --all: services directory ") and "does not exist" in result.stderr
    (tmp_path / "empty").mkdir()
    result = _invoke(fleet, monkeypatch, "--services-dir", str(tmp_path / "empty"), "status", "--all")
    assert result.exit_code == 1 and "no service files" in result.stderr


def test_status_all_never_imports_prefect(fleet: Fleet) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CLONEPILOT_")}, **fleet.env()}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "status", "--all"],
        capture_output=True,
        text=True,
        env=env,
        cwd=fleet.tmp,
        timeout=120,
    )
    stderr, _, tail = done.stderr.rpartition("\nPROBE ")
    assert tail, done.stderr
    assert done.returncode == 0, done.stdout + stderr
    assert done.stdout.splitlines()[1].split()[:2] == ["broken", "invalid"]
    assert json.loads(tail) == []
