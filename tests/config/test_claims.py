"""Devices two service files claim: `validate --all` names each one, with file, section and role."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from clonepilot.cli import app
from clonepilot.config import check_service_file
from clonepilot.config.claims import shared_devices
from tests.config.helpers import write_service

HEAD = "[DEFAULT]\nnodes = node1\n\n"


def _service(directory: Path, name: str, *syncs: str):
    text = HEAD + "\n".join(f"[sync#{n}]\ntype = symclone\n{body}\n" for n, body in enumerate(syncs, start=1))
    service, issues = check_service_file(write_service(directory, text, name=name))
    assert service is not None, issues
    return service


def test_a_shared_source_is_fine_a_shared_target_is_not(tmp_path: Path) -> None:
    sid = "symid = 000197900123\n"
    prod_a = _service(tmp_path, "a", sid + "pairs = 00100:00110 00101:00111", sid + "pairs = 00102:00112")
    # b copies the same production data (sources 00100, 00101) to its own targets: allowed.
    prod_b = _service(tmp_path, "b", sid + "pairs = 00100:00120 00101:00121")
    assert shared_devices([prod_a, prod_b]) == ()
    # c lists a's archive-log target by mistake, written at another width.
    wrong = _service(tmp_path, "c", sid + "pairs = 00130:0112")
    (shared,) = shared_devices([prod_a, prod_b, wrong])
    assert (shared.where, shared.device) == ("array 000197900123", "00112")
    assert shared.describe() == (
        f"array 000197900123 device 00112 is claimed by 2 service files: target of {tmp_path}/a.conf "
        f"[sync#2]; target of {tmp_path}/c.conf [sync#1]"
    )


def test_a_target_used_as_another_service_source_is_reported(tmp_path: Path) -> None:
    sid = "symid = 000197900123\n"
    first = _service(tmp_path, "first", sid + "pairs = 00100:00110")
    cascade = _service(tmp_path, "cascade", sid + "pairs = 00110:00140")
    (shared,) = shared_devices([first, cascade])
    assert [(c.service, c.role) for c in shared.claims] == [("first", "target"), ("cascade", "source")]


def test_same_ids_on_other_arrays_and_groups_are_other_devices(tmp_path: Path) -> None:
    one = _service(tmp_path, "one", "symid = 000197900123\npairs = 00100:00110")
    other = _service(tmp_path, "other", "symid = 000197900456\npairs = 00100:00110")
    group = _service(tmp_path, "group", "symdg = DGCVI\npairs = DEV001:CLONE001")
    same_group = _service(tmp_path, "same", "symdg = DGCVI\npairs = DEV002:clone001")
    assert shared_devices([one, other]) == ()
    (shared,) = shared_devices([one, other, group, same_group])
    assert (shared.where, shared.device) == ("device group DGCVI", "CLONE001")


def test_validate_all_fails_naming_file_section_and_device(runner: CliRunner, tmp_path: Path) -> None:
    services = tmp_path / "services"
    services.mkdir()
    _service(services, "a", "symid = 000197900123\npairs = 00100:00110")
    _service(services, "b", "symid = 000197900123\npairs = 00101:00110")
    result = runner.invoke(app, ["--services-dir", str(services), "validate", "--all"])
    assert result.exit_code == 1
    assert (
        f"error: array 000197900123 device 00110 is claimed by 2 service files: target of {services}/a.conf "
        f"[sync#1]; target of {services}/b.conf [sync#1]"
    ) in result.stderr
    assert "2 valid, 0 invalid, 1 device(s) claimed by two service files" in result.stderr
    document = json.loads(
        runner.invoke(app, ["--services-dir", str(services), "validate", "--all", "--json"]).stdout
    )
    assert document["valid"] is False
    assert document["shared_devices"] == [
        {
            "where": "array 000197900123",
            "device": "00110",
            "claims": [
                {"service": "a", "file": f"{services}/a.conf", "section": "sync#1", "role": "target"},
                {"service": "b", "file": f"{services}/b.conf", "section": "sync#1", "role": "target"},
            ],
        }
    ]
    # One service alone is still valid: only --all sees the others.
    assert runner.invoke(app, ["--services-dir", str(services), "-s", "a", "validate"]).exit_code == 0
