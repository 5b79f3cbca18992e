"""The services directory is the worker's setting: no flow, deployment or run names another one.

Service files hold commands (app start, stop and check scripts, hooks) that run as the SSH user on
the nodes, so whoever may start a run in the Prefect UI or through the API must not choose which
files the run reads.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow

from deployments.build import apply, build_deployments, render
from flows.actions import FLOWS
from flows.fleet import fleet_status_flow, status_flow
from tests.deployments.test_build import write_service

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "services"
ALL_FLOWS: list[Flow[..., Any]] = [*FLOWS.values(), fleet_status_flow, status_flow]


@pytest.mark.parametrize("flow", ALL_FLOWS, ids=lambda f: f.name)
def test_no_flow_has_a_services_dir_parameter(flow: Flow[..., Any]) -> None:
    # What the UI's run form and the server's schema check are built from.
    assert "services_dir" not in flow.parameters.properties
    with pytest.raises(Exception, match="services_dir"):
        flow.validate_parameters({"service": "demo", "services_dir": "/tmp"})


def test_prefect_yaml_names_no_directory() -> None:
    config: dict[str, Any] = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    for deployment in config["deployments"]:
        assert "services_dir" not in deployment["parameters"], deployment["entrypoint"]
        env = (deployment.get("job_variables") or {}).get("env") or {}
        assert not [name for name in env if name.startswith("CLONEPILOT_")], deployment["entrypoint"]


def test_built_deployments_carry_only_the_service_name() -> None:
    specs = build_deployments(EXAMPLES, work_pool="p", timezone="UTC")
    assert {spec.name: spec.parameters for spec in specs} == {
        "aastmphpux": {"service": "aastmphpux"},
        "demo": {"service": "demo"},
    }
    assert all(set(s.parameters) == {"rids"} for spec in specs for s in spec.schedules)
    # Not in the parameters, the schedules, any job variable or the description.
    text = render(specs)
    assert str(EXAMPLES) not in text and "services_dir" not in text and "job_variables" not in text


@pytest.mark.slow
def test_a_run_naming_a_services_dir_is_refused_before_it_reads_anything(
    prefect_harness: None, tmp_path: Path
) -> None:
    """A real process worker (`prefect worker start --run-once`) takes two runs of a built deployment."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.settings import get_current_settings

    worker_dir, other_dir = tmp_path / "worker", tmp_path / "other"
    worker_dir.mkdir()
    other_dir.mkdir()
    write_service(worker_dir, "workersvc", {1: '["02:00-03:00@61"]'})
    write_service(other_dir, "absent", {1: None})
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name="cp-services-dir", type="process"))
        apply(build_deployments(worker_dir, work_pool="cp-services-dir", timezone="UTC"))
        deployment = client.read_deployment_by_name("sync-update/workersvc")
        assert "services_dir" not in deployment.parameter_openapi_schema["properties"]
        # Prefect 3.9's server takes a parameter its schema does not know (the schema allows extra
        # properties, enforce_parameter_schema or not)...
        named = client.create_flow_run_from_deployment(
            deployment.id, parameters={"service": "absent", "services_dir": str(other_dir)}
        )
        # ...and a run of a service the worker's directory lacks shows which directory runs read.
        plain = client.create_flow_run_from_deployment(deployment.id, parameters={"service": "absent"})
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLONEPILOT_", "PREFECT_API"))},
        "PREFECT_API_URL": str(get_current_settings().api.url),
        "CLONEPILOT_CHECKOUT": str(ROOT),
        "CLONEPILOT_SERVICES_DIR": str(worker_dir),
    }
    worker = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "cp-services-dir"]
    done = subprocess.run(
        [*worker, "--type", "process", "--run-once"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = done.stdout + done.stderr
    with get_client(sync_client=True) as client:
        refused, ran = client.read_flow_run(named.id), client.read_flow_run(plain.id)
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[named.id])))
    # ...but the engine binds the parameters to the flow's signature before any of the flow's code
    # runs: no task, no service file read, and the worker reports the run Crashed.
    assert "SignatureMismatchError" in output and "'services_dir'" in output, output
    assert refused.state is not None and refused.state.is_crashed(), (refused.state, output)
    assert task_runs == []
    assert ran.state is not None and ran.state.is_failed(), (ran.state, output)
    assert f"no file {worker_dir / 'absent.conf'}" in str(ran.state.message), ran.state.message
