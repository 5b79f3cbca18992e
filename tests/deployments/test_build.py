"""python -m deployments.build: one sync-update deployment per service file, scheduled from its syncs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from deployments.build import PULL_STEPS, BuildError, apply, build_deployments, main
from tests.deployments.oracle import at, prefect_times

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "services"


def write_service(directory: Path, name: str, schedules: dict[int, str | None], disabled: int = 0) -> None:
    """A service with one symclone sync resource per key, scheduled as given (None: no schedule)."""
    sections = ["[DEFAULT]\nnodes = node1\n"]
    for number, schedule in schedules.items():
        lines = [
            f"[sync#{number}]",
            "type = symclone",
            "symid = 000197900123",
            f"pairs = 00B6{number}:00C6{number}",
        ]
        if schedule is not None:
            lines.append(f"schedule = {schedule}")
        if number == disabled:
            lines.append("disable = true")
        sections.append("\n".join(lines) + "\n")
    (directory / f"{name}.conf").write_text(textwrap.dedent("\n".join(sections)))


def printed(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict[str, Any]]:
    assert main(["--print", *argv]) == 0
    document = yaml.safe_load(capsys.readouterr().out)
    return {deployment["name"]: deployment for deployment in document["deployments"]}


def test_print_on_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    deployments = printed(capsys, "--services-dir", str(EXAMPLES), "--work-pool", "pool-a")
    assert sorted(deployments) == ["aastmphpux", "demo"]
    demo = deployments["demo"]
    assert demo["entrypoint"] == "flows/actions.py:sync_update"
    assert demo["work_pool"] == {"name": "pool-a"}
    # The name only: the runs read the service file from the worker's own services_dir setting.
    assert demo["parameters"] == {"service": "demo"}
    assert "job_variables" not in demo
    # demo.conf: [sync#1] schedule = ["02:00-03:00@61 mon-fri"]
    assert demo["schedules"] == [
        {"cron": "0 2 * * 1-5", "timezone": "UTC", "parameters": {"rids": ["sync#1"]}}
    ]
    assert "sync#1" in demo["description"]
    # The seed's HP-UX example has no schedule: an on-demand deployment for it.
    assert deployments["aastmphpux"]["schedules"] == []


def test_print_names_flow_and_deployment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--services-dir", str(EXAMPLES)]) == 0  # --print is the default
    assert "# sync-update/demo (flow sync-update)" in capsys.readouterr().out


def test_module_entry_point_runs_without_a_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "deployments.build", "--services-dir", str(EXAMPLES), "--print"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "cron: 0 2 * * 1-5" in result.stdout


def test_timezone_option_and_fire_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_service(tmp_path, "svc", {1: '["22:00-02:00@60 mon"]'})
    deployments = printed(capsys, "--services-dir", str(tmp_path), "--timezone", "Asia/Kolkata")
    specs = build_deployments(tmp_path, work_pool="p", timezone="Asia/Kolkata")
    assert prefect_times(specs[0].schedules, "Asia/Kolkata") == [
        at(1, "22:00"),
        at(1, "23:00"),
        at(2, "00:00"),
        at(2, "01:00"),
    ]
    assert {s["timezone"] for s in deployments["svc"]["schedules"]} == {"Asia/Kolkata"}


def test_syncs_due_at_the_same_moment_share_one_run(tmp_path: Path) -> None:
    write_service(
        tmp_path,
        "svc",
        {1: '["02:00-03:00@30 mon-fri"]', 2: '["02:30-03:00@61 fri-sun"]', 3: None},
    )
    [spec] = build_deployments(tmp_path, work_pool="p", timezone="UTC")
    runs: dict[dt.datetime, list[list[str]]] = {}
    for schedule in spec.schedules:
        for moment in prefect_times([schedule], "UTC"):
            runs.setdefault(moment, []).append(schedule.parameters["rids"])
    # Exactly one run per moment, with every sync due then.
    assert runs == {
        **{at(d, "02:00"): [["sync#1"]] for d in range(1, 6)},
        **{at(d, "02:30"): [["sync#1"]] for d in range(1, 5)},
        at(5, "02:30"): [["sync#1", "sync#2"]],
        at(6, "02:30"): [["sync#2"]],
        at(7, "02:30"): [["sync#2"]],
    }


def test_disabled_sync_is_not_scheduled(tmp_path: Path) -> None:
    write_service(tmp_path, "svc", {1: '["02:00-03:00@61"]', 2: '["04:00-05:00@61"]'}, disabled=2)
    [spec] = build_deployments(tmp_path, work_pool="p", timezone="UTC")
    assert [s.parameters["rids"] for s in spec.schedules] == [["sync#1"]]


def test_refusals_name_the_file_and_resource_and_nothing_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_service(tmp_path, "good", {1: '["02:00-03:00@61"]'})
    write_service(tmp_path, "bad", {1: '["02:00-03:00@61"]', 2: '["00:00-23:00@1000"]'})
    write_service(tmp_path, "dst", {1: '["02:00-03:00@30 sun"]'})
    assert main(["--services-dir", str(tmp_path), "--timezone", "Europe/Paris"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{tmp_path / 'bad.conf'} [sync#2] schedule:" in err
    assert "comes 440 min after the run" in err
    assert f"{tmp_path / 'dst.conf'} [sync#1] schedule:" in err
    assert "daylight-saving change skipped" in err


def test_refuses_unknown_timezone_and_empty_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--services-dir", str(EXAMPLES), "--timezone", "Nowhere/City"]) == 2
    assert "unknown timezone 'Nowhere/City'" in capsys.readouterr().err
    assert main(["--services-dir", str(tmp_path)]) == 2
    assert "no service file" in capsys.readouterr().err


def test_invalid_service_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_service(tmp_path, "svc", {1: '["02:00-03:00@61 someday"]'})
    assert main(["--services-dir", str(tmp_path)]) == 2
    assert "'someday' is not a day of week" in capsys.readouterr().err


def test_apply_refuses_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    specs = build_deployments(EXAMPLES, work_pool="p", timezone="UTC")
    # Also when an earlier test of the session started the harness (it sets the URL in Prefect's settings).
    no_server = temporary_settings(restore_defaults={PREFECT_API_URL})
    with no_server, pytest.raises(BuildError, match="--apply needs PREFECT_API_URL"):
        apply(specs)


@pytest.mark.slow
def test_apply_creates_then_updates_deployments(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    write_service(tmp_path, "svc", {1: '["02:00-03:00@61 mon-fri"]'})
    with pytest.raises(BuildError, match="work pool 'cp-test' does not exist"):
        apply(build_deployments(tmp_path, work_pool="cp-test", timezone="UTC"))
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="cp-test", type="process"))
    assert apply(build_deployments(tmp_path, work_pool="cp-test", timezone="UTC")) == ["sync-update/svc"]

    # Re-applying after a schedule change replaces the schedules in place.
    write_service(tmp_path, "svc", {1: '["00:00-01:00@15 sat"]'})
    assert apply(build_deployments(tmp_path, work_pool="cp-test", timezone="Europe/Paris")) == [
        "sync-update/svc"
    ]
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("sync-update/svc")
    assert deployment.entrypoint == "flows/actions.py:sync_update"
    assert deployment.work_pool_name == "cp-test"
    assert deployment.pull_steps == PULL_STEPS
    assert deployment.parameters == {"service": "svc"}
    assert deployment.job_variables == {}
    assert "services_dir" not in deployment.parameter_openapi_schema["properties"]
    assert deployment.enforce_parameter_schema
    assert "service" in deployment.parameter_openapi_schema["required"]
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0,15,30,45 0 * * 6", "Europe/Paris")
    assert schedule.parameters == {"rids": ["sync#1"]}
    assert schedule.active
